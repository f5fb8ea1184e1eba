package io.raftcoord.tools.bench;

import picocli.CommandLine.Option;

/**
 * The flags only {@code bench.sh tasks} uses (a mixin of {@link Bench}); the shared ones (--segments,
 * --nodes, --collections, --shards, --phases, --duration, --binlogs, --halt, --max-segment-bytes,
 * --keep) live in Bench.
 */
final class TasksOptions {
  @Option(names = "--slots", paramLabel = "N",
      description = "tasks: slots each simulated worker reports (default 64; an index build of a 10-100 MiB segment"
          + " costs 4, a mix compaction 4, a GC task 1).")
  Integer slots;

  @Option(names = "--small-segments", paramLabel = "N",
      description = "tasks: of --segments, how many are small (1/16 of max rows) in a collection of their own, so"
          + " that mix compactions of 2 inputs run throughout (default 100000; 0: none).")
  Long smallSegments;

  @Option(names = "--tasks-per-round", paramLabel = "N",
      description = "tasks: max_tasks_per_round during the run (index builds planned per second, tasks assigned per"
          + " 100 ms round; default 8192).")
  Integer tasksPerRound;

  @Option(names = "--drain-timeout", paramLabel = "SECONDS",
      description = "tasks indexed: longest wait for every index build to finish before the last window (default 900).")
  Double drainTimeoutSeconds;
}
