package io.raftcoord.tools.bench;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import io.raftcoord.tools.cli.Output;
import java.util.List;
import java.util.Locale;
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
    return Output.json(toJsonObject());
  }

  /** The object {@link #toJson} prints (callers may add fields). */
  JsonObject toJsonObject() {
    JsonObject o = new JsonObject();
    o.addProperty("workload", workload);
    o.addProperty("concurrency", concurrency);
    o.addProperty("batching", batching);
    o.addProperty("merge", merge);
    o.addProperty("itemsPerOp", itemsPerOp);
    o.add("seconds", Output.number(String.format(Locale.ROOT, "%.3f", seconds())));
    o.addProperty("ops", ops);
    o.addProperty("items", items);
    o.add("opsPerSec", Output.number(Stats.rateJson(opsPerSec())));
    o.add("itemsPerSec", Output.number(Stats.rateJson(itemsPerSec())));
    o.add("p50Ms", Output.number(Stats.msJson(p50Us)));
    o.add("p99Ms", Output.number(Stats.msJson(p99Us)));
    o.add("p999Ms", Output.number(Stats.msJson(p999Us)));
    o.add("maxMs", Output.number(Stats.msJson(maxUs)));
    o.add("meanMs", Output.number(Stats.msJson(Math.round(meanUs))));
    o.addProperty("entriesCommitted", entries);
    o.add("entriesPerSec", Output.number(Stats.rateJson(entriesPerSec())));
    o.addProperty("commandsSent", commands);
    o.addProperty("batchesSent", batches);
    o.add("commandsPerBatch", jsonNumber(commandsPerBatch()));
    o.add("opsPerCommand", jsonNumber(opsPerCommand()));
    JsonObject errs = new JsonObject();
    errors.forEach(errs::addProperty);
    o.add("errors", errs);
    return o;
  }

  /** Two decimals, or null when NaN or infinite. */
  static JsonElement jsonNumber(double d) {
    return Double.isNaN(d) || Double.isInfinite(d) ? JsonNull.INSTANCE
        : Output.number(String.format(Locale.ROOT, "%.2f", d));
  }

  static List<String[]> table(String itemName, List<PointResult> points) {
    List<String[]> rows = new java.util.ArrayList<>();
    rows.add(header(itemName));
    points.forEach(p -> rows.add(p.row()));
    return rows;
  }
}
