package io.raftcoord.tools.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.raftcoord.proto.KeyValue;
import io.raftcoord.proto.datatasks.CompactionState;
import io.raftcoord.proto.datatasks.DataTasksReply;
import io.raftcoord.proto.datatasks.DataTasksSettings;
import io.raftcoord.proto.datatasks.GcFiles;
import io.raftcoord.proto.datatasks.GcStatus;
import io.raftcoord.proto.datatasks.IndexDescription;
import io.raftcoord.proto.datatasks.IndexDescriptions;
import io.raftcoord.proto.datatasks.IndexInfo;
import io.raftcoord.proto.datatasks.Task;
import io.raftcoord.proto.datatasks.TaskList;
import io.raftcoord.proto.datatasks.TaskState;
import io.raftcoord.proto.datatasks.TaskType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Pure formatting of the datatasks commands' answers (compaction, index, tasks, gc, datatasks
 * settings). Text: aligned tables with upper-case headers and a summary line, id lists with runs
 * joined and long lists cut ({@code 11-14,20,... (+37)}), {@code key: value} lines for a describe,
 * ages relative to {@code nowMs}. JSON: one line; records as the proto's JSON mapping prints them
 * (64-bit numbers as strings), with derived members next to them.
 */
public final class DataTasksOutput {
  private DataTasksOutput() {}

  /** Longest id list in a table cell before the rest is counted. */
  static final int IDS_CHARS = 40;
  /** Longest reason in a table cell (describe and --json show it whole). */
  static final int REASON_CHARS = 60;

  static String type(TaskType t) {
    return t == TaskType.TASK_TYPE_NONE || t == TaskType.UNRECOGNIZED ? "-" : t.name();
  }

  static String state(TaskState s) {
    return s == TaskState.TASK_STATE_NONE || s == TaskState.UNRECOGNIZED ? "-" : s.name();
  }

  private static String ids(List<Long> ids, int maxChars) {
    return DataCoordOutput.idRuns(ids, maxChars);
  }

  private static String cut(String s, int max) {
    String one = CliSupport.firstLine(s);
    return one.length() > max ? one.substring(0, max - 3) + "..." : one;
  }

  private static String orDash(String s) {
    return s == null || s.isEmpty() ? "-" : s;
  }

  /** A task's age: since it was made. */
  static String age(Task t, long nowMs) {
    return DataCoordOutput.since(nowMs, t.getCreatedMs());
  }

  /** {@code 1001-1003} or, for an L0 compaction, {@code 1001-1003 -> 990-995} (its targets). */
  static String inputs(Task t, int maxChars) {
    String in = ids(t.getSegmentsList(), maxChars);
    return t.getTargetsCount() == 0 ? in : in + " -> " + ids(t.getTargetsList(), maxChars);
  }

  /** {@code manual #501}, {@code mix}, {@code single:delete-ratio}, or {@code -}. */
  static String trigger(Task t) {
    String tr = orDash(t.getTrigger());
    return t.getTriggerId() == 0 ? tr : tr + " #" + t.getTriggerId();
  }

  // ---- task lists ----

  /** What a task list found: the tasks shown and whether more matched past --limit. */
  public record TaskPage(List<Task> tasks, boolean more, int limit) {}

  /** {@code 5 task(s): PIPELINING 1, EXECUTING 2, COMPLETED 2}. */
  static String tasksSummary(List<Task> tasks) {
    Map<TaskState, Integer> by = new EnumMap<>(TaskState.class);
    tasks.forEach(t -> by.merge(t.getState(), 1, Integer::sum));
    String states = by.entrySet().stream().map(e -> state(e.getKey()) + " " + e.getValue())
        .collect(Collectors.joining(", "));
    return tasks.size() + " task(s)" + (states.isEmpty() ? "" : ": " + states);
  }

  private static String moreText(TaskPage p) {
    if (!p.more() || p.tasks().isEmpty()) {
      return null;
    }
    return "limit " + p.limit() + " reached: more tasks match (raise --limit, or list from --after-id "
        + p.tasks().get(p.tasks().size() - 1).getId() + ")";
  }

  private static String withFooter(List<String[]> rows, TaskPage p) {
    StringBuilder sb = new StringBuilder(Output.table(rows)).append(tasksSummary(p.tasks()));
    String more = moreText(p);
    if (more != null) {
      sb.append('\n').append(more);
    }
    return sb.toString();
  }

  /**
   * Compaction tasks: ID TYPE STATE COLLECTION CHANNEL INPUTS RESULTS NODE ATTEMPTS TRIGGER AGE
   * REASON; then the count by state and what lies past --limit.
   */
  public static String compactionsText(TaskPage p, long nowMs) {
    if (p.tasks().isEmpty()) {
      return "no compaction tasks match";
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"ID", "TYPE", "STATE", "COLLECTION", "CHANNEL", "INPUTS", "RESULTS", "NODE", "ATTEMPTS",
        "TRIGGER", "AGE", "REASON"});
    for (Task t : p.tasks()) {
      rows.add(new String[] {Long.toString(t.getId()), type(t.getType()), state(t.getState()),
          Long.toString(t.getCollectionId()), orDash(t.getChannel()), inputs(t, IDS_CHARS),
          ids(t.getResultsList(), IDS_CHARS), DataCoordOutput.node(t.getNode()), Integer.toString(t.getAttempts()),
          trigger(t), age(t, nowMs), t.getReason().isEmpty() ? "-" : cut(t.getReason(), REASON_CHARS)});
    }
    return withFooter(rows, p);
  }

  /**
   * Tasks of every type: ID TYPE STATE COLLECTION CHANNEL SEGMENTS INDEX NODE SLOTS ATTEMPTS
   * TRIGGER AGE REASON; then the count by state and what lies past --limit.
   */
  public static String tasksText(TaskPage p, long nowMs) {
    if (p.tasks().isEmpty()) {
      return "no tasks match";
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"ID", "TYPE", "STATE", "COLLECTION", "CHANNEL", "SEGMENTS", "INDEX", "NODE", "SLOTS",
        "ATTEMPTS", "TRIGGER", "AGE", "REASON"});
    for (Task t : p.tasks()) {
      rows.add(new String[] {Long.toString(t.getId()), type(t.getType()), state(t.getState()),
          Long.toString(t.getCollectionId()), orDash(t.getChannel()), inputs(t, IDS_CHARS),
          t.getIndexId() == 0 ? "-" : Long.toString(t.getIndexId()), DataCoordOutput.node(t.getNode()),
          Integer.toString(t.getSlots()), Integer.toString(t.getAttempts()), trigger(t), age(t, nowMs),
          t.getReason().isEmpty() ? "-" : cut(t.getReason(), REASON_CHARS)});
    }
    return withFooter(rows, p);
  }

  /** {@code {"tasks": [...proto...], "more": false}}. */
  public static JsonObject tasksJson(TaskPage p) {
    JsonObject o = new JsonObject();
    JsonArray a = new JsonArray();
    p.tasks().forEach(t -> a.add(DataCoordOutput.proto(t)));
    o.add("tasks", a);
    o.addProperty("more", p.more());
    return o;
  }

  // ---- one task ----

  private static String time(long ms, long nowMs) {
    return ms == 0 ? "-" : Instant.ofEpochMilli(ms) + " (" + DataCoordOutput.age(nowMs - ms) + " ago)";
  }

  private static String all(List<Long> ids) {
    return ids.isEmpty() ? "-" : ids(ids, Integer.MAX_VALUE) + " (" + ids.size() + ")";
  }

  /** Every field of a task as {@code key: value} lines; id lists in full. */
  public static String taskText(Task t, long nowMs) {
    return taskText(t, List.of(), nowMs);
  }

  /** As above, then per segment of a GC task the files its worker removes. */
  public static String taskText(Task t, List<GcFiles> files, long nowMs) {
    List<String[]> kv = new ArrayList<>();
    kv.add(new String[] {"task", Long.toString(t.getId())});
    kv.add(new String[] {"type", type(t.getType())});
    kv.add(new String[] {"state", state(t.getState())});
    kv.add(new String[] {"collection", Long.toString(t.getCollectionId())});
    kv.add(new String[] {"partition", t.getPartitionId() == 0 ? "-" : Long.toString(t.getPartitionId())});
    kv.add(new String[] {"channel", orDash(t.getChannel())});
    kv.add(new String[] {t.getType() == TaskType.L0_COMPACTION ? "segments (L0)" : "segments", all(t.getSegmentsList())});
    kv.add(new String[] {"targets", all(t.getTargetsList())});
    kv.add(new String[] {"results", all(t.getResultsList())});
    kv.add(new String[] {"index", t.getIndexId() == 0 ? "-" : Long.toString(t.getIndexId())});
    kv.add(new String[] {"node", t.getNode().getServerId() == 0 ? "-"
        : "server_id " + t.getNode().getServerId() + ", epoch " + t.getNode().getEpoch()});
    kv.add(new String[] {"slots", Integer.toString(t.getSlots())});
    kv.add(new String[] {"attempts", Integer.toString(t.getAttempts())});
    kv.add(new String[] {"tried nodes", t.getTriedNodesCount() == 0 ? "-"
        : t.getTriedNodesList().stream().map(String::valueOf).collect(Collectors.joining(", "))});
    kv.add(new String[] {"trigger", orDash(t.getTrigger())});
    kv.add(new String[] {"trigger id", t.getTriggerId() == 0 ? "- (planned by a duty)" : Long.toString(t.getTriggerId())});
    kv.add(new String[] {"created", time(t.getCreatedMs(), nowMs)});
    kv.add(new String[] {"started", time(t.getStartedMs(), nowMs)});
    kv.add(new String[] {"ended", time(t.getEndedMs(), nowMs)});
    if (t.getStartedMs() != 0 && t.getEndedMs() >= t.getStartedMs()) {
      kv.add(new String[] {"took", DataCoordOutput.age(t.getEndedMs() - t.getStartedMs())});
    }
    kv.add(new String[] {"reason", orDash(t.getReason())});
    for (GcFiles f : files) {
      kv.add(new String[] {"files of " + f.getSegmentId(), f.getBinlogIdsCount() + f.getDeltalogIdsCount()
          + f.getStatslogIdsCount() + f.getIndexFileIdsCount() == 0 ? "- (collected)"
          : "binlogs " + all(f.getBinlogIdsList()) + "; deltalogs " + all(f.getDeltalogIdsList()) + "; statslogs "
              + all(f.getStatslogIdsList()) + "; index files " + all(f.getIndexFileIdsList())});
    }
    return keyValues(kv);
  }

  public static JsonObject taskJson(Task t) {
    return DataCoordOutput.proto(t);
  }

  /** The task's fields, and for a GC task {@code gcFiles}: per segment its log and index file ids. */
  public static JsonObject taskJson(TaskList d) {
    JsonObject o = taskJson(d.getTasks(0));
    if (d.getGcFilesCount() > 0) {
      JsonArray files = new JsonArray();
      d.getGcFilesList().forEach(f -> files.add(DataCoordOutput.proto(f)));
      o.add("gcFiles", files);
    }
    return o;
  }

  /** {@code key: value} lines with the values aligned, no trailing newline. */
  static String keyValues(List<String[]> pairs) {
    int w = pairs.stream().mapToInt(p -> p[0].length()).max().orElse(0) + 1;
    return pairs.stream().map(p -> {
      String key = p[0] + ":";
      return key + " ".repeat(w - key.length() + 2) + p[1];
    }).collect(Collectors.joining("\n"));
  }

  // ---- compaction trigger ----

  /** {@code compaction trigger_id=501 collection=default.books tasks=3 [502-504]}. */
  public static String triggerText(DataTasksReply r, String collection) {
    List<Long> ids = r.getTaskIdsList();
    return "compaction trigger_id=" + r.getTriggerId() + " collection=" + collection + " tasks=" + ids.size()
        + (ids.isEmpty() ? " (nothing to compact now)" : " [" + ids(ids, 200) + "]");
  }

  /** One progress line: {@code 2 executing, 1 pipelining, 3 completed, 0 failed, 0 timed out}. */
  public static String progressText(CompactionState s) {
    return s.getExecuting() + " executing, " + s.getPipelining() + " pipelining, " + s.getCompleted() + " completed, "
        + s.getFailed() + " failed, " + s.getTimeout() + " timed out";
  }

  /** After --wait: {@code compacted: 3 completed, 0 failed, 0 timed out (waited 2.1s)}. */
  public static String compactedText(CompactionState s, long waitedMs) {
    return "compacted: " + s.getCompleted() + " completed, " + s.getFailed() + " failed, " + s.getTimeout()
        + " timed out (waited " + DataCoordOutput.age(waitedMs) + ")";
  }

  /**
   * {@code triggerId}, {@code taskIds}, {@code collection}; after --wait also {@code state} (the
   * proto), {@code completedAll} and {@code waitedMs} (plain JSON numbers).
   */
  public static JsonObject triggerJson(DataTasksReply r, String collection, CompactionState s, Boolean done,
      long waitedMs) {
    JsonObject o = new JsonObject();
    o.addProperty("triggerId", r.getTriggerId());
    o.addProperty("collection", collection);
    JsonArray ids = new JsonArray();
    r.getTaskIdsList().forEach(ids::add);
    o.add("taskIds", ids);
    if (done != null) {
      o.add("state", s == null ? null : DataCoordOutput.proto(s));
      o.addProperty("completedAll", done);
      o.addProperty("waitedMs", waitedMs);
    }
    return o;
  }

  // ---- indexes ----

  /** The validated params but the type and metric (their own columns): {@code M=16,efConstruction=360}. */
  static String params(IndexInfo i) {
    String s = i.getParamsList().stream().filter(kv -> !kv.getKey().equals("metric_type")
            && !kv.getKey().equals("index_type")).map(kv -> kv.getKey() + "=" + kv.getValue())
        .collect(Collectors.joining(","));
    return s.isEmpty() ? "-" : s;
  }

  private static String kvs(List<KeyValue> kvs) {
    return kvs.isEmpty() ? "-" : kvs.stream().map(kv -> kv.getKey() + "=" + kv.getValue())
        .collect(Collectors.joining(","));
  }

  /** NAME FIELD TYPE METRIC PARAMS INDEXED_ROWS/TOTAL_ROWS PENDING FAILED STATE, then the count. */
  public static String indexesText(IndexDescriptions d, String collection) {
    if (d.getIndexesCount() == 0) {
      return "collection " + collection + " has no indexes";
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NAME", "FIELD", "TYPE", "METRIC", "PARAMS", "INDEXED_ROWS/TOTAL_ROWS", "PENDING", "FAILED",
        "STATE"});
    for (IndexDescription x : d.getIndexesList()) {
      IndexInfo i = x.getIndex();
      rows.add(new String[] {i.getName(), orDash(i.getFieldName()), i.getIndexType(), orDash(i.getMetricType()),
          params(i), x.getIndexedRows() + "/" + x.getTotalRows(), Long.toString(x.getPendingTasks()),
          Long.toString(x.getFailedTasks()), orDash(x.getState())});
    }
    return Output.table(rows) + d.getIndexesCount() + " index(es) on " + collection;
  }

  /** {@link #indexesText}, then per index its id, creation time and the params as the user gave them. */
  public static String indexDetailsText(IndexDescriptions d, String collection, long nowMs) {
    StringBuilder sb = new StringBuilder(indexesText(d, collection));
    for (IndexDescription x : d.getIndexesList()) {
      IndexInfo i = x.getIndex();
      sb.append('\n').append(i.getName()).append(": id ").append(i.getId()).append(", field id ")
          .append(i.getFieldId()).append(", created ").append(time(i.getCreatedMs(), nowMs)).append(", user params ")
          .append(kvs(i.getUserParamsList()));
    }
    return sb.toString();
  }

  public static JsonObject indexesJson(IndexDescriptions d) {
    return DataCoordOutput.proto(d);
  }

  /**
   * {@code created index name=embedding id=449 collection=default.books field=embedding type=HNSW metric=L2
   * params=M=16,efConstruction=360}.
   */
  public static String indexCreatedText(IndexInfo i, String collection) {
    return "created index name=" + i.getName() + " id=" + i.getId() + " collection=" + collection + " field="
        + i.getFieldName() + " type=" + i.getIndexType() + (i.getMetricType().isEmpty() ? "" : " metric="
        + i.getMetricType()) + " params=" + params(i);
  }

  public static JsonObject indexJson(String action, DataTasksReply r, String collection, String name) {
    JsonObject o = new JsonObject();
    o.addProperty("action", action);
    o.addProperty("indexId", r.getIndexId());
    o.addProperty("collection", collection);
    o.addProperty("name", name);
    return o;
  }

  // ---- gc ----

  public static String gcText(GcStatus s) {
    return keyValues(List.of(
        new String[] {"dropped segments kept", Long.toString(s.getDroppedSegments())},
        new String[] {"gc tasks open", Long.toString(s.getGcTasksOpen())},
        new String[] {"segments collected", s.getSegmentsCollected() + " (since this replica loaded its state)"}));
  }

  public static JsonObject gcJson(GcStatus s) {
    return DataCoordOutput.proto(s);
  }

  // ---- settings ----

  /** A setting's value for people: {@code 16.0 MiB}, {@code 1h}, {@code 50.0%}; empty for counts and booleans. */
  static String settingHuman(FieldDescriptor f, Object v) {
    return switch (DataTasksArgs.Unit.of(f)) {
      case BOOL, COUNT -> "";
      case BYTES -> DataCoordOutput.bytes(((Number) v).longValue());
      case MILLIS -> DataCoordOutput.duration(((Number) v).longValue());
      case PERMILLE -> String.format(Locale.ROOT, "%.1f%%", ((Number) v).longValue() / 10.0);
    };
  }

  /** One {@code name value (human)} line per setting, in proto order. */
  public static String settingsText(DataTasksSettings s) {
    List<String[]> rows = new ArrayList<>();
    for (FieldDescriptor f : DataTasksArgs.settingFields()) {
      Object v = s.getField(f);
      String h = settingHuman(f, v);
      rows.add(new String[] {f.getName(), String.valueOf(v), h.isEmpty() ? "" : "(" + h + ")"});
    }
    String t = Output.table(rows);
    return t.endsWith("\n") ? t.substring(0, t.length() - 1) : t;
  }

  public static JsonElement settingsJson(DataTasksSettings s) {
    return DataCoordOutput.proto(s);
  }
}
