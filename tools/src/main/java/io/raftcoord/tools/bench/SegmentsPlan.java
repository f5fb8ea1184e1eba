package io.raftcoord.tools.bench;

import io.raftcoord.tools.cli.CliSupport;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code bench.sh segments} runs, validated: N simulated data nodes, collections × shards
 * (channels) so that every node owns some, the mix of segment operations of the closed loop and
 * the segment size during the run.
 */
record SegmentsPlan(int nodes, int collections, int shards, Map<SegmentOps.Kind, Double> mix, long rowsPerAssign,
    long maxSegmentBytes, List<Integer> concurrency, long durationMs, long warmupMs, long settleMs, boolean keep,
    String db) {
  static final int DEFAULT_NODES = 100;
  static final int DEFAULT_SHARDS = 4;
  static final int MAX_SHARDS = 16;
  static final int MAX_NODES = 10_000;
  /** Channels per node the default collection count aims at. */
  static final int CHANNELS_PER_NODE = 2;
  static final String DEFAULT_MIX = "assign=50,save=50,flush=0.05";
  static final long DEFAULT_MAX_SEGMENT_BYTES = 8L * 1024 * 1024;

  static SegmentsPlan of(Bench b, List<Integer> concurrency) {
    int nodes = b.nodes == null ? DEFAULT_NODES : b.nodes;
    if (nodes < 1 || nodes > MAX_NODES) {
      throw new CliSupport.UsageException("--nodes must be 1.." + MAX_NODES + ", got " + nodes);
    }
    int shards = b.shards == null ? DEFAULT_SHARDS : b.shards;
    if (shards < 1 || shards > MAX_SHARDS) {
      throw new CliSupport.UsageException("--shards must be 1.." + MAX_SHARDS + ", got " + shards);
    }
    int collections = b.collections != null ? b.collections : defaultCollections(nodes, shards);
    if (collections < 1 || collections > 10_000) {
      throw new CliSupport.UsageException("--collections must be 1..10000, got " + collections);
    }
    if ((long) collections * shards < nodes) {
      throw new CliSupport.UsageException("--collections x --shards (" + collections * shards + " channels) must be at"
          + " least --nodes (" + nodes + ") so that every node owns a channel");
    }
    if (b.rows < 1 || b.rows > 1_000_000) {
      throw new CliSupport.UsageException("--rows must be 1..1000000, got " + b.rows);
    }
    if (b.maxSegmentBytes < 4096) {
      throw new CliSupport.UsageException("--max-segment-bytes must be at least 4096 (the server's minimum), got "
          + b.maxSegmentBytes);
    }
    long durationMs = Stats.seconds("--duration", b.durationSeconds == null ? 30 : b.durationSeconds, false);
    long warmupMs = Stats.seconds("--warmup", b.warmupSeconds == null ? 60 : b.warmupSeconds, true);
    long settleMs = Stats.seconds("--settle", b.settleSeconds, true);
    return new SegmentsPlan(nodes, collections, shards, parseMix(b.mix == null ? DEFAULT_MIX : b.mix), b.rows,
        b.maxSegmentBytes, concurrency == null ? List.of(64) : concurrency, durationMs, warmupMs, settleMs, b.keep, b.db);
  }

  /** Enough collections of {@code shards} channels for {@value #CHANNELS_PER_NODE} channels per node. */
  static int defaultCollections(int nodes, int shards) {
    return (int) Math.max(1, (CHANNELS_PER_NODE * (long) nodes + shards - 1) / shards);
  }

  /**
   * {@code assign=50,save=50,flush=0.05}: relative weights of the operation kinds; a kind left out
   * has weight 0; at least assign or save must be positive.
   */
  static Map<SegmentOps.Kind, Double> parseMix(String spec) {
    if (spec == null || spec.isBlank()) {
      throw new CliSupport.UsageException("--mix: empty; expected e.g. " + DEFAULT_MIX);
    }
    Map<SegmentOps.Kind, Double> out = new EnumMap<>(SegmentOps.Kind.class);
    for (SegmentOps.Kind k : SegmentOps.Kind.values()) {
      out.put(k, 0.0);
    }
    java.util.Set<SegmentOps.Kind> seen = java.util.EnumSet.noneOf(SegmentOps.Kind.class);
    for (String part : spec.split(",", -1)) {
      String[] kv = part.strip().split("=", -1);
      if (kv.length != 2) {
        throw new CliSupport.UsageException("--mix: '" + part.strip() + "' is not kind=weight (e.g. " + DEFAULT_MIX + ")");
      }
      SegmentOps.Kind kind = SegmentOps.Kind.parse(kv[0].strip())
          .orElseThrow(() -> new CliSupport.UsageException("--mix: unknown kind '" + kv[0].strip()
              + "'; expected assign, save or flush"));
      if (!seen.add(kind)) {
        throw new CliSupport.UsageException("--mix: '" + kind.label() + "' given twice");
      }
      double w;
      try {
        w = Double.parseDouble(kv[1].strip());
      } catch (NumberFormatException e) {
        throw new CliSupport.UsageException("--mix: weight '" + kv[1].strip() + "' of " + kind.label() + " is not a number");
      }
      if (!(w >= 0) || Double.isInfinite(w)) {
        throw new CliSupport.UsageException("--mix: weight of " + kind.label() + " must be >= 0, got " + kv[1].strip());
      }
      out.put(kind, w);
    }
    if (out.get(SegmentOps.Kind.ASSIGN) + out.get(SegmentOps.Kind.SAVE) <= 0) {
      throw new CliSupport.UsageException("--mix: assign or save needs a positive weight");
    }
    return out;
  }

  int channels() {
    return collections * shards;
  }

  String mixText() {
    StringBuilder sb = new StringBuilder();
    double total = mix.values().stream().mapToDouble(Double::doubleValue).sum();
    for (Map.Entry<SegmentOps.Kind, Double> e : mix.entrySet()) {
      if (sb.length() > 0) {
        sb.append(" / ");
      }
      sb.append(e.getKey().label()).append(' ').append(String.format(Locale.ROOT, "%.4g%%", 100 * e.getValue() / total));
    }
    return sb.toString();
  }
}
