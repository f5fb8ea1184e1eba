package io.raftcoord.tools.bench;

import io.raftcoord.tools.cli.CliSupport;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** What {@code bench.sh load} runs, validated from {@link Bench}'s and {@link LoadOptions}' flags. */
record LoadPlan(Set<Phase> phases, long segments, int nodes, int replicas, int shards, int binlogs, int runs,
    List<Long> planSegments, int planNodes, long planWindowMs, int profileSamples, List<Integer> collectionSteps,
    int partitions, int manyNodes, int loadConcurrency, int inFlight, int requestsPerAssign, String db) {
  enum Phase { LOAD, KILL, PLAN, MANY }

  static LoadPlan of(Bench b, LoadOptions o) {
    Set<Phase> phases = EnumSet.noneOf(Phase.class);
    if (!o.matched("--phases")) {
      phases = EnumSet.allOf(Phase.class);
    } else {
      for (String p : b.phases.split(",", -1)) {
        switch (p.strip().toLowerCase(Locale.ROOT)) {
          case "load" -> phases.add(Phase.LOAD);
          case "kill" -> phases.add(Phase.KILL);
          case "plan" -> phases.add(Phase.PLAN);
          case "many" -> phases.add(Phase.MANY);
          default -> throw new CliSupport.UsageException("--phases: unknown load phase '" + p.strip()
              + "'; expected load, kill, plan, many");
        }
      }
    }
    long segments = o.matched("--segments") ? b.segments : 10_000;
    if (segments < 1 || segments > 10_000_000) {
      throw new CliSupport.UsageException("--segments must be 1..10000000, got " + segments);
    }
    int nodes = b.nodes == null ? 20 : b.nodes;
    int replicas = o.replicas == null ? 2 : o.replicas;
    if (replicas < 1 || replicas > 100) {
      throw new CliSupport.UsageException("--replicas must be 1..100, got " + replicas);
    }
    if (nodes < replicas || nodes > 1000) {
      throw new CliSupport.UsageException("--nodes must be --replicas..1000, got " + nodes);
    }
    int shards = b.shards == null ? 4 : b.shards;
    if (shards < 1 || shards > SegmentsPlan.MAX_SHARDS) {
      throw new CliSupport.UsageException("--shards must be 1.." + SegmentsPlan.MAX_SHARDS + ", got " + shards);
    }
    int binlogs = o.matched("--binlogs") ? b.binlogs : 1;
    if (binlogs < 1 || binlogs > 1000) {
      throw new CliSupport.UsageException("--binlogs must be 1..1000, got " + binlogs);
    }
    int runs = o.runs == null ? 1 : o.runs;
    if (runs < 1 || runs > 50) {
      throw new CliSupport.UsageException("--runs must be 1..50, got " + runs);
    }
    List<Long> planSegments = new ArrayList<>();
    for (String s : (o.planSegments == null ? "100000" : o.planSegments).split(",", -1)) {
      try {
        long v = Long.parseLong(s.strip());
        if (v < 1 || v > 10_000_000) {
          throw new NumberFormatException();
        }
        planSegments.add(v);
      } catch (NumberFormatException e) {
        throw new CliSupport.UsageException("--plan-segments: expected counts 1..10000000, got '" + s.strip() + "'");
      }
    }
    int planNodes = o.planNodes == null ? 100 : o.planNodes;
    if (planNodes < 2 || planNodes > 1000) {
      throw new CliSupport.UsageException("--plan-nodes must be 2..1000, got " + planNodes);
    }
    long window = Stats.seconds("--duration", b.durationSeconds == null ? 30 : b.durationSeconds, false);
    int samples = o.profileSamples == null ? 10 : o.profileSamples;
    if (samples < 0 || samples > 200) {
      throw new CliSupport.UsageException("--profile-samples must be 0..200, got " + samples);
    }
    List<Integer> steps = new ArrayList<>();
    if (o.collectionSteps != null) {
      steps.addAll(Stats.parseConcurrency(o.collectionSteps));
    } else {
      steps.add(b.collections == null ? 1000 : b.collections);
    }
    for (int c : steps) {
      if (c < 1 || c > 100_000) {
        throw new CliSupport.UsageException("collections must be 1..100000, got " + c);
      }
    }
    int partitions = o.partitions == null ? 100 : o.partitions;
    if (partitions < 1 || partitions > 4096) {
      throw new CliSupport.UsageException("--partitions must be 1..4096, got " + partitions);
    }
    int manyNodes = o.manyNodes == null ? 10 : o.manyNodes;
    if (manyNodes < 1 || manyNodes > 1000) {
      throw new CliSupport.UsageException("--many-nodes must be 1..1000, got " + manyNodes);
    }
    int conc = 16;
    if (b.concurrency != null) {
      List<Integer> cs = Stats.parseConcurrency(b.concurrency);
      if (cs.size() != 1) {
        throw new CliSupport.UsageException("load takes one --concurrency (loads in flight), got " + b.concurrency);
      }
      conc = cs.get(0);
    }
    if (b.inFlight < 1 || b.inFlight > 64) {
      throw new CliSupport.UsageException("--in-flight must be 1..64, got " + b.inFlight);
    }
    return new LoadPlan(phases, segments, nodes, replicas, shards, binlogs, runs, List.copyOf(planSegments), planNodes,
        window, samples, List.copyOf(steps), partitions, manyNodes, conc, b.inFlight,
        Math.min(b.requestsPerAssign, SegmentFill.MAX_REQUESTS_PER_ASSIGN), o.matched("--db") ? b.db : "loadbench");
  }

  boolean has(Phase p) {
    return phases.contains(p);
  }
}
