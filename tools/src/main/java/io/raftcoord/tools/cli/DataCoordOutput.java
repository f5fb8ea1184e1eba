package io.raftcoord.tools.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.raftcoord.proto.Timestamps;
import io.raftcoord.proto.datacoord.Allocation;
import io.raftcoord.proto.datacoord.Binlog;
import io.raftcoord.proto.datacoord.Channel;
import io.raftcoord.proto.datacoord.ChannelList;
import io.raftcoord.proto.datacoord.ChannelWatchState;
import io.raftcoord.proto.datacoord.DataCoordReply;
import io.raftcoord.proto.datacoord.DataCoordSettings;
import io.raftcoord.proto.datacoord.FieldBinlog;
import io.raftcoord.proto.datacoord.FlushState;
import io.raftcoord.proto.datacoord.Position;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentBinlogs;
import io.raftcoord.proto.datacoord.SegmentDescription;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.proto.session.SessionRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Pure formatting of the DataCoord commands' answers. Text: aligned tables with a header and a
 * summary line for lists, {@code key: value} lines for a describe, times as the ISO instant of a
 * hybrid timestamp's physical part ({@code ts >> 18}) and ages relative to {@code nowMs}. JSON:
 * one line; the records exactly as the proto's JSON mapping prints them (so 64-bit numbers are
 * strings), with derived members (times, totals) next to them.
 */
public final class DataCoordOutput {
  private DataCoordOutput() {}

  // ---- shared pieces ----

  /** {@code 0 B}, {@code 512 B}, {@code 1.5 KiB}, {@code 12.3 MiB}, {@code 1.0 GiB}. */
  public static String bytes(long b) {
    if (b < 1024) {
      return b + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = b;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  /** An elapsed time, short: {@code 0.4s}, {@code 42s}, {@code 5m07s}, {@code 2h03m}, {@code 3d04h}; {@code -} when unknown. */
  public static String age(long ms) {
    if (ms < 0) {
      ms = 0;
    }
    if (ms < 10_000) {
      return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
    }
    long s = ms / 1000;
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
    if (s < 86_400) {
      return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }
    return String.format(Locale.ROOT, "%dd%02dh", s / 86_400, (s % 86_400) / 3600);
  }

  /** How long ago an apply-clock time was ({@code -} for 0: never). */
  static String since(long nowMs, long thenMs) {
    return thenMs == 0 ? "-" : age(nowMs - thenMs);
  }

  /** A duration setting in its largest whole unit: {@code 24h}, {@code 10m}, {@code 2s}, {@code 1500ms}. */
  public static String duration(long ms) {
    if (ms != 0 && ms % 86_400_000 == 0) {
      return ms / 86_400_000 + "d";
    }
    if (ms != 0 && ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms != 0 && ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms != 0 && ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }

  /** The physical time of a hybrid timestamp ({@code ts >> 18}), or {@code -} for 0. */
  public static String tsTime(long ts) {
    return ts == 0 ? "-" : Instant.ofEpochMilli(Timestamps.physicalMs(ts)).toString();
  }

  /** {@code server_id/epoch}, or {@code -} for none. */
  public static String node(SessionRef r) {
    return r.getServerId() == 0 ? "-" : r.getServerId() + "/" + r.getEpoch();
  }

  static String position(Position p) {
    return p.getTimestamp() == 0 ? "-" : CatalogOutput.timestamp(p.getTimestamp());
  }

  /** Rows of the allocations that have not expired at {@code nowMs}. */
  static long allocatedRows(Segment s, long nowMs) {
    long rows = 0;
    for (Allocation a : s.getAllocationsList()) {
      if (a.getExpireMs() > nowMs) {
        rows += a.getRows();
      }
    }
    return rows;
  }

  /**
   * Sorted ids with runs joined ({@code 11-14,20,31-32}); past {@code maxChars} the rest is
   * counted ({@code 11-14,20,... (+37)}).
   */
  static String idRuns(List<Long> ids, int maxChars) {
    List<Long> sorted = new ArrayList<>(ids);
    sorted.sort(null);
    List<String> runs = new ArrayList<>();
    List<Integer> runSizes = new ArrayList<>();
    for (int i = 0; i < sorted.size(); ) {
      int j = i;
      while (j + 1 < sorted.size() && sorted.get(j + 1) == sorted.get(j) + 1) {
        j++;
      }
      runs.add(i == j ? Long.toString(sorted.get(i)) : sorted.get(i) + "-" + sorted.get(j));
      runSizes.add(j - i + 1);
      i = j + 1;
    }
    StringBuilder sb = new StringBuilder();
    int shown = 0;
    for (int r = 0; r < runs.size(); r++) {
      String next = (sb.length() == 0 ? "" : ",") + runs.get(r);
      if (sb.length() + next.length() > maxChars && sb.length() > 0) {
        return sb.append(",... (+").append(sorted.size() - shown).append(')').toString();
      }
      sb.append(next);
      shown += runSizes.get(r);
    }
    return sb.length() == 0 ? "-" : sb.toString();
  }

  /** {@code key: value} lines with the values aligned. */
  private static String keyValues(List<String[]> pairs) {
    int w = pairs.stream().mapToInt(p -> p[0].length()).max().orElse(0) + 1;
    StringBuilder sb = new StringBuilder();
    for (String[] p : pairs) {
      String key = p[0] + ":";
      sb.append(key).append(" ".repeat(w - key.length() + 2)).append(p[1]).append('\n');
    }
    return sb.toString();
  }

  private static String indented(List<String[]> rows) {
    StringBuilder sb = new StringBuilder();
    Output.table(rows).lines().forEach(l -> sb.append("  ").append(l).append('\n'));
    return sb.toString();
  }

  private static String strip(String s) {
    return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
  }

  static JsonObject proto(com.google.protobuf.MessageOrBuilder m) {
    return NodesCommand.proto(m).getAsJsonObject();
  }

  // ---- channels ----

  /**
   * One row per channel: name, collection id, owner (server id and epoch), watch state and how
   * long it has been in it, the checkpoint's timestamp, its physical time and how far it is
   * behind now; then the count and the unassigned channels.
   */
  public static String channelsText(ChannelList l, long nowMs) {
    StringBuilder sb = new StringBuilder();
    if (l.getChannelsCount() > 0) {
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"CHANNEL", "COLLECTION", "NODE", "EPOCH", "STATE", "STATE_AGE", "CHECKPOINT_TS",
          "CHECKPOINT_TIME", "CHECKPOINT_LAG"});
      for (Channel c : l.getChannelsList()) {
        long ts = c.getCheckpoint().getTimestamp();
        boolean owned = c.getNode().getServerId() != 0;
        rows.add(new String[] {c.getName(), Long.toString(c.getCollectionId()),
            owned ? Long.toString(c.getNode().getServerId()) : "-", owned ? Long.toString(c.getNode().getEpoch()) : "-",
            c.getState() == ChannelWatchState.WATCH_STATE_NONE ? "-" : c.getState().name(),
            since(nowMs, c.getStateChangedMs()), ts == 0 ? "-" : Long.toString(ts), tsTime(ts),
            ts == 0 ? "-" : age(nowMs - Timestamps.physicalMs(ts))});
      }
      sb.append(Output.table(rows));
    }
    sb.append(l.getChannelsCount()).append(" channel(s) assigned; ");
    sb.append(l.getUnassignedCount()).append(" unassigned");
    if (l.getUnassignedCount() > 0) {
      sb.append(": ").append(String.join(", ", l.getUnassignedList()));
    }
    return sb.toString();
  }

  /** The proto's JSON with {@code checkpointTime} (ISO, or null) and {@code stateAgeMs} added to each channel. */
  public static JsonObject channelsJson(ChannelList l, long nowMs) {
    JsonObject o = proto(l);
    JsonArray channels = o.getAsJsonArray("channels");
    for (int i = 0; i < l.getChannelsCount(); i++) {
      Channel c = l.getChannels(i);
      JsonObject j = channels.get(i).getAsJsonObject();
      long ts = c.getCheckpoint().getTimestamp();
      j.addProperty("checkpointTime", ts == 0 ? null : tsTime(ts));
      j.addProperty("stateAgeMs", c.getStateChangedMs() == 0 ? null : Math.max(0, nowMs - c.getStateChangedMs()));
    }
    return o;
  }

  // ---- segments ----

  /**
   * What a segment list found: the segments shown, and whether (and how many) more matched past
   * --limit. {@code moreCount} counts them up to a cap ({@code moreExact} false: at least that many).
   */
  public record SegmentPage(List<Segment> segments, boolean more, long moreCount, boolean moreExact, int limit) {}

  /** Segment and row counts per state. */
  public record Totals(long segments, long rows, Map<SegmentState, long[]> byState) {}

  public static Totals totals(List<Segment> segments) {
    Map<SegmentState, long[]> by = new EnumMap<>(SegmentState.class);
    long rows = 0;
    for (Segment s : segments) {
      long[] t = by.computeIfAbsent(s.getState(), k -> new long[2]);
      t[0]++;
      t[1] += s.getNumRows();
      rows += s.getNumRows();
    }
    return new Totals(segments.size(), rows, by);
  }

  /** {@code 3 segment(s), 12000 rows: GROWING 2 (8000 rows), FLUSHED 1 (4000 rows)}. */
  public static String totalsText(Totals t) {
    StringBuilder sb = new StringBuilder().append(t.segments()).append(" segment(s), ").append(t.rows()).append(" rows");
    String sep = ": ";
    for (Map.Entry<SegmentState, long[]> e : t.byState().entrySet()) {
      sb.append(sep).append(e.getKey().name()).append(' ').append(e.getValue()[0]).append(" (")
          .append(e.getValue()[1]).append(" rows)");
      sep = ", ";
    }
    return sb.toString();
  }

  /** What lies past --limit, or null when nothing does. */
  static String moreText(SegmentPage p) {
    if (!p.more()) {
      return null;
    }
    String n = p.moreExact() ? Long.toString(p.moreCount()) : "at least " + p.moreCount();
    return "limit " + p.limit() + " reached: " + n + " more segment(s) match (raise --limit, or list from --after-id "
        + p.segments().get(p.segments().size() - 1).getId() + ")";
  }

  public static String segmentsText(SegmentPage p, long nowMs) {
    if (p.segments().isEmpty()) {
      return "no segments match";
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"ID", "COLLECTION", "PARTITION", "CHANNEL", "STATE", "LEVEL", "ROWS/MAX", "ALLOCATED",
        "BINLOGS", "SIZE", "AGE"});
    for (Segment s : p.segments()) {
      long alloc = allocatedRows(s, nowMs);
      rows.add(new String[] {Long.toString(s.getId()), Long.toString(s.getCollectionId()),
          Long.toString(s.getPartitionId()), s.getChannel(), s.getState().name(), DataCoordArgs.levelName(s.getLevel()),
          s.getNumRows() + "/" + s.getMaxRows(), alloc == 0 ? "-" : Long.toString(alloc),
          Long.toString(s.getBinlogFiles()), bytes(s.getBinlogBytes()), since(nowMs, s.getCreatedMs())});
    }
    StringBuilder sb = new StringBuilder(Output.table(rows)).append(totalsText(totals(p.segments())));
    String more = moreText(p);
    if (more != null) {
      sb.append('\n').append(more);
    }
    return sb.toString();
  }

  public static JsonObject segmentsJson(SegmentPage p) {
    JsonObject o = new JsonObject();
    JsonArray a = new JsonArray();
    p.segments().forEach(s -> a.add(proto(s)));
    o.add("segments", a);
    o.add("totals", totalsJson(totals(p.segments())));
    o.addProperty("more", p.more());
    if (p.more()) {
      o.addProperty("moreCount", p.moreCount());
      o.addProperty("moreCountExact", p.moreExact());
    }
    return o;
  }

  static JsonObject totalsJson(Totals t) {
    JsonObject o = new JsonObject();
    o.addProperty("segments", t.segments());
    o.addProperty("rows", t.rows());
    JsonObject by = new JsonObject();
    for (Map.Entry<SegmentState, long[]> e : t.byState().entrySet()) {
      JsonObject s = new JsonObject();
      s.addProperty("segments", e.getValue()[0]);
      s.addProperty("rows", e.getValue()[1]);
      by.add(e.getKey().name(), s);
    }
    o.add("byState", by);
    return o;
  }

  // ---- describe ----

  /**
   * The segment as {@code key: value} lines (rows, allocations, positions, times, binlog
   * summaries, the channel's owner now), then one line per field of each log kind: files,
   * entries, timestamp range, size and log ids (compacted).
   */
  public static String describeText(SegmentDescription d, long nowMs) {
    Segment s = d.getSegment();
    List<String[]> kv = new ArrayList<>();
    kv.add(new String[] {"segment", Long.toString(s.getId())});
    kv.add(new String[] {"collection", Long.toString(s.getCollectionId())});
    kv.add(new String[] {"partition", Long.toString(s.getPartitionId())});
    kv.add(new String[] {"channel", s.getChannel()});
    kv.add(new String[] {"channel owner", d.getChannelNode().getServerId() == 0 ? "none"
        : "server_id " + d.getChannelNode().getServerId() + ", epoch " + d.getChannelNode().getEpoch()});
    kv.add(new String[] {"state", s.getState().name()
        + (s.getSealReason().isEmpty() ? "" : " (sealed by " + s.getSealReason() + ")")});
    kv.add(new String[] {"level", DataCoordArgs.levelName(s.getLevel())});
    kv.add(new String[] {"rows", s.getNumRows() + " of max " + s.getMaxRows()
        + (s.getRowBytes() == 0 ? "" : " (estimated " + bytes(s.getRowBytes()) + " per row)")});
    long live = allocatedRows(s, nowMs);
    kv.add(new String[] {"allocations", s.getAllocationsCount() == 0 ? "none"
        : s.getAllocationsCount() + " (" + live + " rows unexpired)"});
    kv.add(new String[] {"binlogs", s.getBinlogFiles() + " file(s), " + bytes(s.getBinlogBytes())});
    kv.add(new String[] {"deltalogs", s.getDeltalogEntries() + " entries, " + bytes(s.getDeltalogBytes())});
    kv.add(new String[] {"statslogs", s.getStatslogFiles() + " file(s)"});
    kv.add(new String[] {"start position", position(s.getStartPosition())});
    kv.add(new String[] {"dml position", position(s.getDmlPosition())});
    kv.add(new String[] {"created", time(s.getCreatedMs(), nowMs)});
    kv.add(new String[] {"last write", time(s.getLastWriteMs(), nowMs)});
    kv.add(new String[] {"sealed", time(s.getSealedMs(), nowMs)});
    kv.add(new String[] {"flushed", time(s.getFlushedMs(), nowMs)});
    kv.add(new String[] {"dropped", time(s.getDroppedMs(), nowMs)});
    StringBuilder sb = new StringBuilder(keyValues(kv));
    SegmentBinlogs b = d.getBinlogs();
    fieldLogs(sb, "binlogs", b.getBinlogsList());
    fieldLogs(sb, "deltalogs", b.getDeltalogsList());
    fieldLogs(sb, "statslogs", b.getStatslogsList());
    return strip(sb.toString());
  }

  private static String time(long ms, long nowMs) {
    return ms == 0 ? "-" : Instant.ofEpochMilli(ms) + " (" + age(nowMs - ms) + " ago)";
  }

  private static void fieldLogs(StringBuilder sb, String kind, List<FieldBinlog> fields) {
    if (fields.isEmpty()) {
      return;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"FIELD", "FILES", "ENTRIES", "FROM", "TO", "SIZE", "LOG_IDS"});
    for (FieldBinlog f : fields) {
      long entries = 0;
      long size = 0;
      long from = Long.MAX_VALUE;
      long to = 0;
      List<Long> ids = new ArrayList<>();
      for (Binlog l : f.getBinlogsList()) {
        entries += l.getEntries();
        size += l.getSize();
        if (l.getTimestampFrom() != 0) {
          from = Math.min(from, l.getTimestampFrom());
        }
        to = Math.max(to, l.getTimestampTo());
        ids.add(l.getLogId());
      }
      rows.add(new String[] {Long.toString(f.getFieldId()), Integer.toString(f.getBinlogsCount()),
          Long.toString(entries), tsTime(from == Long.MAX_VALUE ? 0 : from), tsTime(to), bytes(size), idRuns(ids, 40)});
    }
    sb.append(kind).append(" per field (").append(fields.size()).append("):\n").append(indented(rows));
  }

  /** Exactly the proto's JSON (every binlog). */
  public static JsonObject describeJson(SegmentDescription d) {
    return proto(d);
  }

  // ---- flush ----

  /** {@code flush collection_id=449 segments=3 [1001-1003] flush_ts=... (ISO)}. */
  public static String flushText(DataCoordReply r) {
    List<Long> ids = r.getSegmentIdsList();
    return "flush collection_id=" + r.getCollectionId() + " segments=" + ids.size()
        + (ids.isEmpty() ? "" : " [" + idRuns(ids, 200) + "]") + " flush_ts=" + r.getFlushTs() + " ("
        + tsTime(r.getFlushTs()) + ")";
  }

  /** After --wait: {@code flushed: 3 segment(s) flushed or dropped, every channel's checkpoint at or past flush_ts (2.4s)}. */
  public static String flushedText(DataCoordReply r, long waitedMs) {
    return "flushed: " + r.getSegmentIdsCount() + " segment(s) flushed or dropped, every channel's checkpoint at or "
        + "past flush_ts (waited " + age(waitedMs) + ")";
  }

  /** What a flush still waits for, one line: {@code 2 segment(s) pending [1001-1002]; 1 channel(s) below flush_ts: ch}. */
  public static String pendingText(FlushState s) {
    StringBuilder sb = new StringBuilder();
    sb.append(s.getPendingSegmentsCount()).append(" segment(s) pending");
    if (s.getPendingSegmentsCount() > 0) {
      sb.append(" [").append(idRuns(s.getPendingSegmentsList(), 120)).append(']');
    }
    sb.append("; ").append(s.getPendingChannelsCount()).append(" channel(s) below flush_ts");
    if (s.getPendingChannelsCount() > 0) {
      List<String> ch = s.getPendingChannelsList();
      sb.append(": ").append(String.join(", ", ch.subList(0, Math.min(ch.size(), 8))));
      if (ch.size() > 8) {
        sb.append(", ... (+").append(ch.size() - 8).append(')');
      }
    }
    return sb.toString();
  }

  /**
   * {@code collectionId}, {@code segmentIds}, {@code flushTs}, {@code flushTime}; after --wait also
   * {@code flushed} and {@code waitedMs} (plain JSON numbers).
   */
  public static JsonObject flushJson(DataCoordReply r, Boolean flushed, long waitedMs) {
    JsonObject o = new JsonObject();
    o.addProperty("collectionId", r.getCollectionId());
    JsonArray ids = new JsonArray();
    r.getSegmentIdsList().forEach(ids::add);
    o.add("segmentIds", ids);
    o.addProperty("flushTs", r.getFlushTs());
    o.addProperty("flushTime", r.getFlushTs() == 0 ? null : tsTime(r.getFlushTs()));
    if (flushed != null) {
      o.addProperty("flushed", flushed);
      o.addProperty("waitedMs", waitedMs);
    }
    return o;
  }

  // ---- settings ----

  /** A setting's value in its unit, for people: {@code 1.0 GiB}, {@code 24h}, {@code 12.0%}. */
  static String settingHuman(FieldDescriptor f, long v) {
    return switch (DataCoordArgs.Unit.of(f.getName())) {
      case BYTES -> bytes(v);
      case MILLIS -> duration(v);
      case PERMILLE -> String.format(Locale.ROOT, "%.1f%%", v / 10.0);
      case COUNT -> "";
    };
  }

  /** One {@code name value (human)} line per setting, in proto order. */
  public static String settingsText(DataCoordSettings s) {
    List<String[]> rows = new ArrayList<>();
    for (FieldDescriptor f : DataCoordArgs.settingFields()) {
      long v = ((Number) s.getField(f)).longValue();
      String h = settingHuman(f, v);
      rows.add(new String[] {f.getName(), Long.toString(v), h.isEmpty() ? "" : "(" + h + ")"});
    }
    return strip(Output.table(rows));
  }

  public static JsonElement settingsJson(DataCoordSettings s) {
    return proto(s);
  }
}
