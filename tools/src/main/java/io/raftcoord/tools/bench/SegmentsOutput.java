package io.raftcoord.tools.bench;

import com.google.gson.JsonObject;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.tools.cli.Output;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/** Text rows and JSON of the {@code segments} benchmark's per-kind figures and lifecycle counts. */
final class SegmentsOutput {
  static final String KIND_ROW = "  %-7s %10s %8s %8s %8s %8s  %s";
  static final String[] KIND_HEADER = {"kind", "ops/s", "p50 ms", "p99 ms", "p999 ms", "max ms", "errors"};

  /** What the lifecycle did in a window. */
  record Lifecycle(long opened, long finished, SegmentLifecycle.Counts nodes, FlushTracker.Counts flushes,
      double seconds, long pendingRows) {}

  private SegmentsOutput() {}

  static String[] kindRow(String kind, KindStats.Interval iv, double seconds) {
    Histogram h = iv.latencyUs();
    boolean empty = h.getTotalCount() == 0;
    return new String[] {kind, Stats.rate(Stats.ratio(iv.ops(), seconds)), empty ? "-" : Stats.ms(h.getValueAtPercentile(50)),
        empty ? "-" : Stats.ms(h.getValueAtPercentile(99)), empty ? "-" : Stats.ms(h.getValueAtPercentile(99.9)),
        empty ? "-" : Stats.ms(h.getMaxValue()), errorsText(iv.errors())};
  }

  static List<String> kindLines(Map<SegmentOps.Kind, KindStats.Interval> kinds, double seconds) {
    List<String> out = new ArrayList<>();
    out.add(String.format(Locale.ROOT, KIND_ROW, (Object[]) KIND_HEADER));
    kinds.forEach((k, iv) -> out.add(String.format(Locale.ROOT, KIND_ROW, (Object[]) kindRow(k.label(), iv, seconds))));
    return out;
  }

  static String lifecycleText(Lifecycle l) {
    double s = l.seconds();
    return String.format(Locale.ROOT, "  lifecycle: segments opened %s/s, finished (FLUSHED or DROPPED) %s/s; nodes'"
            + " flushed reports %s/s (%s segments/s, %d errors), checkpoints %s/s; %s; rows assigned and not yet"
            + " reported at the end %,d", Stats.rate(Stats.ratio(l.opened(), s)),
        Stats.rate(Stats.ratio(l.finished(), s)), Stats.rate(Stats.ratio(l.nodes().reports(), s)),
        Stats.rate(Stats.ratio(l.nodes().flushed(), s)), l.nodes().errors(),
        Stats.rate(Stats.ratio(l.nodes().checkpoints(), s)), FlushTracker.describe(l.flushes()), l.pendingRows());
  }

  static JsonObject kindJson(KindStats.Interval iv, double seconds) {
    Histogram h = iv.latencyUs();
    boolean empty = h.getTotalCount() == 0;
    JsonObject o = new JsonObject();
    o.addProperty("ops", iv.ops());
    o.add("opsPerSec", Output.number(Stats.rateJson(Stats.ratio(iv.ops(), seconds))));
    o.add("p50Ms", Output.number(Stats.msJson(empty ? 0 : h.getValueAtPercentile(50))));
    o.add("p99Ms", Output.number(Stats.msJson(empty ? 0 : h.getValueAtPercentile(99))));
    o.add("p999Ms", Output.number(Stats.msJson(empty ? 0 : h.getValueAtPercentile(99.9))));
    o.add("maxMs", Output.number(Stats.msJson(empty ? 0 : h.getMaxValue())));
    JsonObject errs = new JsonObject();
    iv.errors().forEach(errs::addProperty);
    o.add("errors", errs);
    return o;
  }

  static JsonObject lifecycleJson(Lifecycle l) {
    double s = l.seconds();
    JsonObject o = new JsonObject();
    o.add("segmentsOpenedPerSec", Output.number(Stats.rateJson(Stats.ratio(l.opened(), s))));
    o.add("segmentsFinishedPerSec", Output.number(Stats.rateJson(Stats.ratio(l.finished(), s))));
    o.addProperty("flushedReports", l.nodes().reports());
    o.addProperty("segmentsReportedFlushed", l.nodes().flushed());
    o.addProperty("nodeErrors", l.nodes().errors());
    o.addProperty("checkpointsSaved", l.nodes().checkpoints());
    o.addProperty("rowsPendingAtEnd", l.pendingRows());
    Histogram h = l.flushes().millis();
    o.addProperty("flushesCompleted", l.flushes().completed());
    o.addProperty("flushesWaiting", l.flushes().outstanding());
    if (h.getTotalCount() > 0) {
      o.addProperty("flushToFlushedP50Ms", h.getValueAtPercentile(50));
      o.addProperty("flushToFlushedP99Ms", h.getValueAtPercentile(99));
      o.addProperty("flushToFlushedMaxMs", h.getMaxValue());
    }
    return o;
  }

  static JsonObject statesJson(Map<SegmentState, Long> counts) {
    JsonObject o = new JsonObject();
    counts.forEach((k, v) -> o.addProperty(k.name(), v));
    return o;
  }

  static String errorsText(Map<String, Long> errors) {
    return errors.isEmpty() ? "0" : errors.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(","));
  }
}
