package io.raftcoord.tools.bench;

import io.raftcoord.tools.cli.CliSupport;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What {@code bench.sh sessions} runs, validated: the phases (always in the order heartbeat,
 * expiry, kills, register; the first three share one fleet of nodes) and their sizes.
 */
record SessionsPlan(Set<Phase> phases, int nodes, long heartbeatMs, boolean coalesce, long durationMs, long warmupMs,
    long settleMs, List<Integer> concurrency, int halt, int kills) {
  static final int MAX_NODES = 100_000;

  enum Phase {
    HEARTBEAT, EXPIRY, KILLS, REGISTER;

    String flagName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** {@code heartbeat,register,...}, in any order, each at most once. */
  static Set<Phase> parsePhases(String spec) {
    if (spec == null || spec.isBlank()) {
      throw new CliSupport.UsageException("--phases: empty; expected some of heartbeat,register,expiry,kills");
    }
    Set<Phase> out = EnumSet.noneOf(Phase.class);
    for (String part : spec.split(",", -1)) {
      String p = part.strip().toLowerCase(Locale.ROOT);
      Phase ph = switch (p) {
        case "heartbeat" -> Phase.HEARTBEAT;
        case "register" -> Phase.REGISTER;
        case "expiry" -> Phase.EXPIRY;
        case "kills" -> Phase.KILLS;
        default -> throw new CliSupport.UsageException("--phases: unknown phase '" + part.strip()
            + "'; expected some of heartbeat,register,expiry,kills");
      };
      if (!out.add(ph)) {
        throw new CliSupport.UsageException("--phases: '" + p + "' given twice");
      }
    }
    return out;
  }

  static SessionsPlan of(Bench b, List<Integer> concurrency) {
    Set<Phase> phases = parsePhases(b.phases);
    boolean coalesce = Stats.parseOnOff("--coalesce", b.coalesce);
    int nodes = b.nodes == null ? 1000 : b.nodes;
    if (nodes < 1 || nodes > MAX_NODES) {
      throw new CliSupport.UsageException("--nodes must be 1.." + MAX_NODES + ", got " + nodes);
    }
    if (b.heartbeatMs < 10 || b.heartbeatMs > 600_000) {
      throw new CliSupport.UsageException("--heartbeat-ms must be 10..600000, got " + b.heartbeatMs);
    }
    if (phases.contains(Phase.EXPIRY) && (b.halt < 1 || b.halt > nodes)) {
      throw new CliSupport.UsageException("--halt must be 1..--nodes (" + nodes + "), got " + b.halt);
    }
    if (phases.contains(Phase.KILLS) && b.kills < 1) {
      throw new CliSupport.UsageException("--kills must be positive, got " + b.kills);
    }
    long durationMs = Stats.seconds("--duration", b.durationSeconds == null ? 60 : b.durationSeconds, false);
    long warmupMs = Stats.seconds("--warmup", b.warmupSeconds == null ? 10 : b.warmupSeconds, true);
    long settleMs = Stats.seconds("--settle", b.settleSeconds, true);
    return new SessionsPlan(phases, nodes, b.heartbeatMs, coalesce, durationMs, warmupMs, settleMs,
        concurrency == null ? List.of(64) : concurrency, b.halt, b.kills);
  }

  boolean has(Phase p) {
    return phases.contains(p);
  }

  /** Heartbeat, expiry and kills run with the fleet of nodes heartbeating. */
  boolean needsFleet() {
    return has(Phase.HEARTBEAT) || has(Phase.EXPIRY) || has(Phase.KILLS);
  }

  String phaseList() {
    return phases.stream().map(Phase::flagName).collect(Collectors.joining(","));
  }
}
