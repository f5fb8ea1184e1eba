package io.raftcoord.tools.bench;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The flags only {@code bench.sh load} uses (a mixin of {@link Bench}); the shared ones (--segments,
 * --nodes, --shards, --collections, --concurrency, --phases, --duration, --binlogs) live in Bench.
 * {@link #matched} tells a flag given on the command line from Bench's default for another workload.
 */
final class LoadOptions {
  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  @Option(names = "--replicas", paramLabel = "N",
      description = "load: replicas of the loaded collection in the load and kill phases (default 2).")
  Integer replicas;

  @Option(names = "--partitions", paramLabel = "N",
      description = "load many: partitions per collection (partition key; default 100).")
  Integer partitions;

  @Option(names = "--runs", paramLabel = "N",
      description = "load: repetitions of the load and kill phases, each on a fresh collection; medians reported (default 1).")
  Integer runs;

  @Option(names = "--plan-segments", paramLabel = "N[,N...]",
      description = "load plan: segments of the balanced collection, one point each (default 100000).")
  String planSegments;

  @Option(names = "--plan-nodes", paramLabel = "N",
      description = "load plan: query nodes at the end; half load the collection, the other half join after (default 100).")
  Integer planNodes;

  @Option(names = "--collection-steps", paramLabel = "N[,N...]",
      description = "load many: collection counts, one point each (default: --collections, default 1000).")
  String collectionSteps;

  @Option(names = "--many-nodes", paramLabel = "N",
      description = "load many: query nodes (default 10).")
  Integer manyNodes;

  @Option(names = "--profile-samples", paramLabel = "N",
      description = "load plan: thread dumps (jcmd Thread.print) of the leader during the window (default 10; 0: none).")
  Integer profileSamples;

  /** Whether {@code name} was given on the command line. */
  boolean matched(String name) {
    return mixee != null && mixee.commandLine() != null && mixee.commandLine().getParseResult() != null
        && mixee.commandLine().getParseResult().hasMatchedOption(name);
  }
}
