package io.raftcoord.tools.bench;

import io.raftcoord.client.CoordException;
import io.raftcoord.client.internal.Futures;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Per operation kind of a mixed closed loop: completions, latencies (HdrHistogram, microseconds)
 * and errors by code, cut into intervals by {@link #sample()} like {@link ClosedLoop}.
 */
final class KindStats<K extends Enum<K>> {
  /** One kind's figures between two cuts. */
  record Interval(long ops, Histogram latencyUs, Map<String, Long> errors) {
    long errorCount() {
      return errors.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private final Class<K> type;
  private final Map<K, Recorder> latency;
  private final Map<K, LongAdder> ops;
  private final Map<K, Map<String, LongAdder>> errors;

  KindStats(Class<K> type) {
    this.type = type;
    this.latency = new EnumMap<>(type);
    this.ops = new EnumMap<>(type);
    this.errors = new EnumMap<>(type);
    for (K k : type.getEnumConstants()) {
      latency.put(k, new Recorder(3));
      ops.put(k, new LongAdder());
      errors.put(k, new ConcurrentHashMap<>());
    }
  }

  void ok(K kind, long nanos) {
    latency.get(kind).recordValue(Math.max(1, nanos / 1000));
    ops.get(kind).increment();
  }

  void error(K kind, Throwable t) {
    CoordException ce = Futures.toCoord(t);
    errors.get(kind).computeIfAbsent(ce.code().name(), c -> new LongAdder()).increment();
  }

  Map<K, Interval> sample() {
    Map<K, Interval> out = new EnumMap<>(type);
    for (K k : type.getEnumConstants()) {
      Map<String, Long> errs = new TreeMap<>();
      errors.get(k).forEach((code, n) -> {
        long v = n.sumThenReset();
        if (v > 0) {
          errs.put(code, v);
        }
      });
      out.put(k, new Interval(ops.get(k).sumThenReset(), latency.get(k).getIntervalHistogram(), errs));
    }
    return out;
  }
}
