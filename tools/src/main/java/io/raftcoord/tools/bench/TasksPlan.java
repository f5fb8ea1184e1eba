package io.raftcoord.tools.bench;

import io.raftcoord.tools.cli.CliSupport;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** What {@code bench.sh tasks} runs, validated from {@link Bench}'s and {@link TasksOptions}' flags. */
record TasksPlan(Set<Phase> phases, long segments, long smallSegments, int collections, int shards, int binlogs,
    int workers, int slots, int tasksPerRound, long maxSegmentBytes, long windowMs, int halt, long drainTimeoutMs,
    int inFlight, int requestsPerAssign, String db, boolean keep) {
  /** In the order they run. */
  enum Phase { PLAN, COMPLETE, EXPIRY, INDEXED }

  static final long MIB = 1024L * 1024;

  static TasksPlan of(Bench b, TasksOptions t) {
    LoadOptions given = b.loadOptions;
    Set<Phase> phases = EnumSet.allOf(Phase.class);
    if (given.matched("--phases")) {
      phases = EnumSet.noneOf(Phase.class);
      for (String p : b.phases.split(",", -1)) {
        switch (p.strip().toLowerCase(Locale.ROOT)) {
          case "plan" -> phases.add(Phase.PLAN);
          case "complete" -> phases.add(Phase.COMPLETE);
          case "expiry" -> phases.add(Phase.EXPIRY);
          case "indexed" -> phases.add(Phase.INDEXED);
          default -> throw new CliSupport.UsageException("--phases: unknown tasks phase '" + p.strip()
              + "'; expected plan, complete, expiry, indexed");
        }
      }
    }
    long segments = b.segments;
    if (segments < 1 || segments > 10_000_000) {
      throw new CliSupport.UsageException("--segments must be 1..10000000, got " + segments);
    }
    long small = t.smallSegments == null ? Math.min(100_000, segments / 10) : t.smallSegments;
    if (small < 0 || small >= segments) {
      throw new CliSupport.UsageException("--small-segments must be 0..--segments - 1 (" + (segments - 1) + "), got "
          + small);
    }
    int collections = b.collections == null ? 100 : b.collections;
    if (collections < 1 || collections > 10_000) {
      throw new CliSupport.UsageException("--collections must be 1..10000, got " + collections);
    }
    int shards = b.shards == null ? 2 : b.shards;
    if (shards < 1 || shards > SegmentsPlan.MAX_SHARDS) {
      throw new CliSupport.UsageException("--shards must be 1.." + SegmentsPlan.MAX_SHARDS + ", got " + shards);
    }
    int binlogs = given.matched("--binlogs") ? b.binlogs : 1;
    if (binlogs < 1 || binlogs > 1000) {
      throw new CliSupport.UsageException("--binlogs must be 1..1000, got " + binlogs);
    }
    int workers = b.nodes == null ? 100 : b.nodes;
    if (workers < 1 || workers > 1000) {
      throw new CliSupport.UsageException("--nodes must be 1..1000, got " + workers);
    }
    int slots = t.slots == null ? 64 : t.slots;
    if (slots < 1 || slots > 100_000) {
      throw new CliSupport.UsageException("--slots must be 1..100000, got " + slots);
    }
    int perRound = t.tasksPerRound == null ? 8192 : t.tasksPerRound;
    if (perRound < 1 || perRound > 100_000) {
      throw new CliSupport.UsageException("--tasks-per-round must be 1..100000, got " + perRound);
    }
    long maxBytes = given.matched("--max-segment-bytes") ? b.maxSegmentBytes : 64 * MIB;
    if (maxBytes < 16L * SegmentCollections.ROW_BYTES) {
      throw new CliSupport.UsageException("--max-segment-bytes must be at least " + 16L * SegmentCollections.ROW_BYTES
          + " (16 rows), got " + maxBytes);
    }
    long windowMs = Stats.seconds("--duration", b.durationSeconds == null ? 30 : b.durationSeconds, false);
    int halt = given.matched("--halt") ? b.halt : 5;
    if (halt < 1 || halt >= workers) {
      throw new CliSupport.UsageException("--halt must be 1..--nodes - 1 (" + (workers - 1) + "), got " + halt);
    }
    long drainMs = Stats.seconds("--drain-timeout", t.drainTimeoutSeconds == null ? 900 : t.drainTimeoutSeconds, false);
    if (b.inFlight < 1 || b.inFlight > 256) {
      throw new CliSupport.UsageException("--in-flight must be 1..256, got " + b.inFlight);
    }
    if (b.requestsPerAssign < 1 || b.requestsPerAssign > SegmentFill.MAX_REQUESTS_PER_ASSIGN) {
      throw new CliSupport.UsageException("--requests-per-assign must be 1.." + SegmentFill.MAX_REQUESTS_PER_ASSIGN
          + ", got " + b.requestsPerAssign);
    }
    return new TasksPlan(phases, segments, small, collections, shards, binlogs, workers, slots, perRound, maxBytes,
        windowMs, halt, drainMs, b.inFlight, b.requestsPerAssign, b.db, b.keep);
  }

  boolean has(Phase p) {
    return phases.contains(p);
  }

  /** Rows of a big segment (max rows at {@link #maxSegmentBytes}) and of a small one. */
  long bigRows() {
    return Math.max(16, maxSegmentBytes / SegmentCollections.ROW_BYTES);
  }

  long smallRows() {
    return Math.max(1, bigRows() / 16);
  }
}
