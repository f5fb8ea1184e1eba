package io.raftcoord.server.chaos;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code history.jsonl} lines of one workload's history, in the order they were added, and the
 * run clock they are stamped with. Each line is a JSON object whose first keys are the workload,
 * the record type and its time (under {@code timeKey}, ms on the run clock rounded to 0.01), then
 * the record's own keys in the order given. Not thread-safe: the history that owns it adds lines
 * under its own lock.
 */
final class HistoryLines {
  private final String workload;
  private final String timeKey;
  private final long originNanos;
  private final List<String> lines = new ArrayList<>();

  HistoryLines(String workload, String timeKey, long originNanos) {
    this.workload = workload;
    this.timeKey = timeKey;
    this.originNanos = originNanos;
  }

  /** Now, in ms on the run clock. */
  double nowMs() {
    return (System.nanoTime() - originNanos) / 1e6;
  }

  /** One line: {@code kv} is {@code key, value, key, value, ...}. */
  void add(String type, double atMs, Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("workload", workload);
    m.put("type", type);
    m.put(timeKey, round(atMs));
    for (int i = 0; i + 1 < kv.length; i += 2) {
      m.put(String.valueOf(kv[i]), kv[i + 1]);
    }
    lines.add(Timeline.GSON.toJson(m));
  }

  /** A {@code setup} line stamped now: what the workload set up, then its details. */
  void setup(String what, Object... kv) {
    Object[] all = new Object[kv.length + 2];
    all[0] = "what";
    all[1] = what;
    System.arraycopy(kv, 0, all, 2, kv.length);
    add("setup", nowMs(), all);
  }

  List<String> copy() {
    return List.copyOf(lines);
  }

  int size() {
    return lines.size();
  }

  static double round(double ms) {
    return Math.round(ms * 100) / 100.0;
  }
}
