package io.raftcoord.client.bench;

import io.raftcoord.client.cli.Output;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One measured point: C closed-loop callers for a duration.
 *
 * @param entries Raft entries committed in the commit window (max commitIndex over the
 *     replicas, after minus before); {@code -1} if no replica answered
 * @param entryNanos length of the commit window (between the midpoints of the status calls)
 * @param commands commands this client sent in the interval (client-side)
 * @param batches batches (= Raft entries) this client sent in the interval
 */
public record PointResult(String workload, int concurrency, boolean batching, boolean merge, int itemsPerOp,
    long nanos, long ops, long items, long p50Us, long p99Us, long p999Us, long maxUs, double meanUs,
    long entries, long entryNanos, long commands, long batches, Map<String, Long> errors) {

  public double seconds() {
    return nanos / 1e9;
  }

  public double opsPerSec() {
    return Stats.ratio(ops, seconds());
  }

  public double itemsPerSec() {
    return Stats.ratio(items, seconds());
  }

  public double entriesPerSec() {
    return entries < 0 ? Double.NaN : Stats.ratio(entries, entryNanos / 1e9);
  }

  /** Client-side commands per Raft entry it sent. */
  public double commandsPerBatch() {
    return Stats.ratio(commands, batches);
  }

  /** Calls per command: above 1 when TSO merging folds concurrent next() calls together. */
  public double opsPerCommand() {
    return Stats.ratio(ops, commands);
  }

  public long errorCount() {
    return errors.values().stream().mapToLong(Long::longValue).sum();
  }

  static final String[] HEADER = {"C", "ops/s", "%s/s", "p50 ms", "p99 ms", "p999 ms", "max ms", "entries/s",
      "cmds/entry", "ops/cmd", "errors"};

  static String[] header(String itemName) {
    String[] h = HEADER.clone();
    h[2] = String.format(h[2], itemName);
    return h;
  }

  String[] row() {
    return new String[] {Integer.toString(concurrency), Stats.rate(opsPerSec()), Stats.rate(itemsPerSec()),
        Stats.ms(p50Us), Stats.ms(p99Us), Stats.ms(p999Us), Stats.ms(maxUs), Stats.rate(entriesPerSec()),
        Stats.ratioText(commandsPerBatch()), Stats.ratioText(opsPerCommand()), errorsText()};
  }

  String errorsText() {
    if (errors.isEmpty()) {
      return "0";
    }
    return errors.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
  }

  /** One JSON object on one line. Rates per second, latencies in ms (microsecond precision). */
  public String toJson() {
    StringBuilder sb = new StringBuilder("{");
    sb.append("\"workload\":").append(Output.quote(workload))
        .append(",\"concurrency\":").append(concurrency)
        .append(",\"batching\":").append(batching)
        .append(",\"merge\":").append(merge)
        .append(",\"itemsPerOp\":").append(itemsPerOp)
        .append(",\"seconds\":").append(String.format(java.util.Locale.ROOT, "%.3f", seconds()))
        .append(",\"ops\":").append(ops)
        .append(",\"items\":").append(items)
        .append(",\"opsPerSec\":").append(Stats.rateJson(opsPerSec()))
        .append(",\"itemsPerSec\":").append(Stats.rateJson(itemsPerSec()))
        .append(",\"p50Ms\":").append(Stats.msJson(p50Us))
        .append(",\"p99Ms\":").append(Stats.msJson(p99Us))
        .append(",\"p999Ms\":").append(Stats.msJson(p999Us))
        .append(",\"maxMs\":").append(Stats.msJson(maxUs))
        .append(",\"meanMs\":").append(Stats.msJson(Math.round(meanUs)))
        .append(",\"entriesCommitted\":").append(entries)
        .append(",\"entriesPerSec\":").append(Stats.rateJson(entriesPerSec()))
        .append(",\"commandsSent\":").append(commands)
        .append(",\"batchesSent\":").append(batches)
        .append(",\"commandsPerBatch\":").append(jsonNumber(commandsPerBatch()))
        .append(",\"opsPerCommand\":").append(jsonNumber(opsPerCommand()))
        .append(",\"errors\":{");
    int i = 0;
    for (Map.Entry<String, Long> e : errors.entrySet()) {
      sb.append(i++ == 0 ? "" : ",").append(Output.quote(e.getKey())).append(':').append(e.getValue());
    }
    return sb.append("}}").toString();
  }

  static String jsonNumber(double d) {
    return Double.isNaN(d) || Double.isInfinite(d) ? "null" : String.format(java.util.Locale.ROOT, "%.2f", d);
  }

  static List<String[]> table(String itemName, List<PointResult> points) {
    List<String[]> rows = new java.util.ArrayList<>();
    rows.add(header(itemName));
    points.forEach(p -> rows.add(p.row()));
    return rows;
  }
}
