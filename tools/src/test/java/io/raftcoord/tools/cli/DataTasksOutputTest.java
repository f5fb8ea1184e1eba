package io.raftcoord.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.raftcoord.proto.KeyValue;
import io.raftcoord.proto.datatasks.CompactionState;
import io.raftcoord.proto.datatasks.DataTasksReply;
import io.raftcoord.proto.datatasks.DataTasksSettings;
import io.raftcoord.proto.datatasks.GcStatus;
import io.raftcoord.proto.datatasks.IndexDescription;
import io.raftcoord.proto.datatasks.IndexDescriptions;
import io.raftcoord.proto.datatasks.IndexInfo;
import io.raftcoord.proto.datatasks.Task;
import io.raftcoord.proto.datatasks.TaskState;
import io.raftcoord.proto.datatasks.TaskType;
import io.raftcoord.proto.session.SessionRef;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataTasksOutputTest {
  private static final long NOW = 1_735_689_600_123L; // 2025-01-01T00:00:00.123Z
  private static final String CH0 = "by-dev-rootcoord-dml_0_449v0";

  private static Task mix() {
    return Task.newBuilder().setId(2096).setType(TaskType.MIX_COMPACTION).setState(TaskState.COMPLETED)
        .setCollectionId(449).setPartitionId(450).setChannel(CH0).addAllSegments(List.of(1003L, 1001L, 1002L))
        .addResults(2247).setNode(SessionRef.newBuilder().setServerId(7).setEpoch(12)).setSlots(4).setAttempts(0)
        .setCreatedMs(NOW - 42_000).setStartedMs(NOW - 41_000).setEndedMs(NOW - 40_500).setTrigger("mix").build();
  }

  private static Task l0() {
    return Task.newBuilder().setId(2097).setType(TaskType.L0_COMPACTION).setState(TaskState.FAILED)
        .setCollectionId(449).setPartitionId(450).setChannel(CH0).addSegments(990).addAllTargets(List.of(1001L, 1002L))
        .setSlots(8).setAttempts(3).addAllTriedNodes(List.of(7L, 8L)).setCreatedMs(NOW - 300_000)
        .setTrigger("manual").setTriggerId(501).setReason("worker 8 gone\nmore").build();
  }

  private static Task pipelining() {
    return Task.newBuilder().setId(2098).setType(TaskType.INDEX_BUILD).setState(TaskState.PIPELINING)
        .setCollectionId(449).setChannel(CH0).addSegments(2247).setIndexId(2256).setSlots(1).setCreatedMs(NOW - 500)
        .setTrigger("index").build();
  }

  // ---- task lists ----

  @Test
  void compactionTableShowsInputsResultsNodeTriggerAgeAndReason() {
    String expected = String.join("\n",
        "ID    TYPE            STATE      COLLECTION  CHANNEL                       INPUTS            RESULTS  NODE"
            + "  ATTEMPTS  TRIGGER      AGE    REASON",
        "2096  MIX_COMPACTION  COMPLETED  449         by-dev-rootcoord-dml_0_449v0  1001-1003         2247     7/12"
            + "  0         mix          42s    -",
        "2097  L0_COMPACTION   FAILED     449         by-dev-rootcoord-dml_0_449v0  990 -> 1001-1002  -        -   "
            + "  3         manual #501  5m00s  worker 8 gone",
        "2 task(s): COMPLETED 1, FAILED 1");
    assertEquals(expected, DataTasksOutput.compactionsText(new DataTasksOutput.TaskPage(List.of(mix(), l0()), false,
        1000), NOW));
  }

  @Test
  void tasksTableShowsEveryTypeWithIndexAndSlots() {
    String expected = String.join("\n",
        "ID    TYPE            STATE       COLLECTION  CHANNEL                       SEGMENTS   INDEX  NODE  SLOTS  "
            + "ATTEMPTS  TRIGGER  AGE   REASON",
        "2096  MIX_COMPACTION  COMPLETED   449         by-dev-rootcoord-dml_0_449v0  1001-1003  -      7/12  4      "
            + "0         mix      42s   -",
        "2098  INDEX_BUILD     PIPELINING  449         by-dev-rootcoord-dml_0_449v0  2247       2256   -     1      "
            + "0         index    0.5s  -",
        "2 task(s): PIPELINING 1, COMPLETED 1",
        "limit 2 reached: more tasks match (raise --limit, or list from --after-id 2098)");
    assertEquals(expected, DataTasksOutput.tasksText(new DataTasksOutput.TaskPage(List.of(mix(), pipelining()), true,
        2), NOW));
  }

  @Test
  void emptyListsAreOneLine() {
    DataTasksOutput.TaskPage none = new DataTasksOutput.TaskPage(List.of(), false, 10);
    assertEquals("no compaction tasks match", DataTasksOutput.compactionsText(none, NOW));
    assertEquals("no tasks match", DataTasksOutput.tasksText(none, NOW));
  }

  @Test
  void longInputsAndReasonsAreCut() {
    Task.Builder t = mix().toBuilder().clearSegments().setReason("x".repeat(100));
    for (long id = 1; id <= 40; id++) {
      t.addSegments(id * 10);
    }
    String text = DataTasksOutput.compactionsText(new DataTasksOutput.TaskPage(List.of(t.build()), false, 10), NOW);
    String row = text.lines().toList().get(1);
    assertTrue(row.contains("  10,20,30,40,50,60,70,80,90,100,110,120,... (+28)  "), row);
    assertTrue(row.endsWith("x".repeat(57) + "..."), row);
  }

  @Test
  void tasksJsonIsTheProtoPlusMore() {
    JsonObject o = JsonParser.parseString(Output.json(DataTasksOutput.tasksJson(
        new DataTasksOutput.TaskPage(List.of(mix(), l0()), true, 2)))).getAsJsonObject();
    assertTrue(o.get("more").getAsBoolean());
    JsonObject t = o.getAsJsonArray("tasks").get(1).getAsJsonObject();
    assertEquals("2097", t.get("id").getAsString(), "int64 as the proto JSON mapping prints it");
    assertEquals("L0_COMPACTION", t.get("type").getAsString());
    assertEquals("FAILED", t.get("state").getAsString());
    assertEquals(2, t.getAsJsonArray("targets").size());
    assertEquals("501", t.get("triggerId").getAsString());
  }

  // ---- one task ----

  @Test
  void describeShowsEveryField() {
    String expected = String.join("\n",
        "task:         2096",
        "type:         MIX_COMPACTION",
        "state:        COMPLETED",
        "collection:   449",
        "partition:    450",
        "channel:      " + CH0,
        "segments:     1001-1003 (3)",
        "targets:      -",
        "results:      2247 (1)",
        "index:        -",
        "node:         server_id 7, epoch 12",
        "slots:        4",
        "attempts:     0",
        "tried nodes:  -",
        "trigger:      mix",
        "trigger id:   - (planned by a duty)",
        "created:      2024-12-31T23:59:18.123Z (42s ago)",
        "started:      2024-12-31T23:59:19.123Z (41s ago)",
        "ended:        2024-12-31T23:59:19.623Z (40s ago)",
        "took:         0.5s",
        "reason:       -");
    assertEquals(expected, DataTasksOutput.taskText(mix(), NOW));
    String failed = DataTasksOutput.taskText(l0(), NOW);
    assertTrue(failed.contains("\nsegments (L0):  990 (1)\n"), failed);
    assertTrue(failed.contains("\ntargets:        1001-1002 (2)\n"), failed);
    assertTrue(failed.contains("\ntried nodes:    7, 8\n"), failed);
    assertTrue(failed.contains("\ntrigger id:     501\n"), failed);
    assertTrue(failed.contains("\nstarted:        -\n"), failed);
    assertFalse(failed.contains("took:"), failed);
    assertTrue(failed.endsWith("\nreason:         worker 8 gone\nmore"), "the reason in full: " + failed);
  }

  // ---- compaction trigger ----

  @Test
  void triggerLinesAndJson() {
    DataTasksReply r = DataTasksReply.newBuilder().setTriggerId(501).addAllTaskIds(List.of(502L, 503L, 504L, 510L))
        .build();
    assertEquals("compaction trigger_id=501 collection=default.books tasks=4 [502-504,510]",
        DataTasksOutput.triggerText(r, "default.books"));
    assertEquals("compaction trigger_id=505 collection=default.books tasks=0 (nothing to compact now)",
        DataTasksOutput.triggerText(DataTasksReply.newBuilder().setTriggerId(505).build(), "default.books"));
    CompactionState s = CompactionState.newBuilder().setExecuting(1).setPipelining(2).setCompleted(3).setFailed(4)
        .setTimeout(5).build();
    assertEquals("1 executing, 2 pipelining, 3 completed, 4 failed, 5 timed out", DataTasksOutput.progressText(s));
    assertEquals("compacted: 3 completed, 4 failed, 5 timed out (waited 2.1s)", DataTasksOutput.compactedText(s, 2_100));
    JsonObject plain = DataTasksOutput.triggerJson(r, "default.books", null, null, 0);
    assertEquals("{\"triggerId\":501,\"collection\":\"default.books\",\"taskIds\":[502,503,504,510]}",
        Output.json(plain));
    JsonObject waited = DataTasksOutput.triggerJson(r, "default.books", s, false, 1_234);
    assertFalse(waited.get("completedAll").getAsBoolean());
    assertEquals(1_234, waited.get("waitedMs").getAsLong());
    assertEquals("4", waited.getAsJsonObject("state").get("failed").getAsString());
  }

  // ---- indexes ----

  private static IndexDescriptions indexes() {
    IndexInfo hnsw = IndexInfo.newBuilder().setId(2256).setCollectionId(449).setFieldId(104).setFieldName("embedding")
        .setName("embedding").setIndexType("HNSW").setMetricType("L2")
        .addParams(kv("M", "30")).addParams(kv("efConstruction", "360")).addParams(kv("metric_type", "L2"))
        .addUserParams(kv("metric_type", "L2")).setCreatedMs(NOW - 3_400).build();
    IndexInfo inverted = IndexInfo.newBuilder().setId(2257).setCollectionId(449).setFieldId(102).setFieldName("title")
        .setName("title_idx").setIndexType("INVERTED").setCreatedMs(NOW - 1_000).build();
    return IndexDescriptions.newBuilder()
        .addIndexes(IndexDescription.newBuilder().setIndex(hnsw).setIndexedRows(71_303).setTotalRows(71_303)
            .setState("Finished"))
        .addIndexes(IndexDescription.newBuilder().setIndex(inverted).setIndexedRows(15_107).setTotalRows(71_303)
            .setPendingTasks(5).setFailedTasks(1).setState("InProgress"))
        .build();
  }

  private static KeyValue kv(String k, String v) {
    return KeyValue.newBuilder().setKey(k).setValue(v).build();
  }

  @Test
  void indexTableShowsProgressPerIndex() {
    String table = String.join("\n",
        "NAME       FIELD      TYPE      METRIC  PARAMS                   INDEXED_ROWS/TOTAL_ROWS  PENDING  FAILED  STATE",
        "embedding  embedding  HNSW      L2      M=30,efConstruction=360  71303/71303              0        0       "
            + "Finished",
        "title_idx  title      INVERTED  -       -                        15107/71303              5        1       "
            + "InProgress",
        "2 index(es) on default.books");
    assertEquals(table, DataTasksOutput.indexesText(indexes(), "default.books"));
    assertEquals(table + "\n"
            + "embedding: id 2256, field id 104, created 2024-12-31T23:59:56.723Z (3.4s ago), user params metric_type=L2\n"
            + "title_idx: id 2257, field id 102, created 2024-12-31T23:59:59.123Z (1.0s ago), user params -",
        DataTasksOutput.indexDetailsText(indexes(), "default.books", NOW));
    assertEquals("collection default.books has no indexes",
        DataTasksOutput.indexesText(IndexDescriptions.getDefaultInstance(), "default.books"));
    assertEquals("created index name=embedding id=2256 collection=default.books field=embedding type=HNSW metric=L2 "
        + "params=M=30,efConstruction=360", DataTasksOutput.indexCreatedText(indexes().getIndexes(0).getIndex(),
        "default.books"));
    assertEquals("created index name=title_idx id=2257 collection=default.books field=title type=INVERTED params=-",
        DataTasksOutput.indexCreatedText(indexes().getIndexes(1).getIndex(), "default.books"));
  }

  @Test
  void indexJsonIsTheProto() {
    JsonObject o = JsonParser.parseString(Output.json(DataTasksOutput.indexesJson(indexes()))).getAsJsonObject();
    JsonObject i = o.getAsJsonArray("indexes").get(1).getAsJsonObject();
    assertEquals("InProgress", i.get("state").getAsString());
    assertEquals("15107", i.get("indexedRows").getAsString());
    assertEquals("INVERTED", i.getAsJsonObject("index").get("indexType").getAsString());
  }

  // ---- gc and settings ----

  @Test
  void gcStatusIsThreeLines() {
    GcStatus s = GcStatus.newBuilder().setDroppedSegments(55).setGcTasksOpen(2).setSegmentsCollected(13).build();
    assertEquals(String.join("\n",
        "dropped segments kept:  55",
        "gc tasks open:          2",
        "segments collected:     13 (since this replica loaded its state)"), DataTasksOutput.gcText(s));
    JsonObject j = DataTasksOutput.gcJson(s);
    assertEquals("55", j.get("droppedSegments").getAsString());
    assertEquals("2", j.get("gcTasksOpen").getAsString());
  }

  @Test
  void settingsShowEveryFieldWithItsUnit() {
    DataTasksSettings s = DataTasksSettings.newBuilder().setAutoCompaction(true).setMixIntervalMs(60_000)
        .setSmallProportionPermille(500).setSingleDeltalogBytes(16L << 20).setMaxAttempts(3).setDropToleranceMs(0)
        .build();
    String text = DataTasksOutput.settingsText(s);
    List<String> lines = text.lines().toList();
    assertEquals(DataTasksArgs.settingFields().size(), lines.size(), text);
    assertEquals("auto_compaction", lines.get(0).split("\\s+")[0]);
    assertTrue(text.contains("auto_compaction                  true\n"), text);
    assertTrue(text.contains("mix_interval_ms                  60000     (1m)\n"), text);
    assertTrue(text.contains("small_proportion_permille        500       (50.0%)\n"), text);
    assertTrue(text.contains("single_deltalog_bytes            16777216  (16.0 MiB)\n"), text);
    assertTrue(text.contains("max_attempts                     3\n"), text);
    assertTrue(text.contains("drop_tolerance_ms                0         (0ms)\n"), text);
    JsonObject j = DataTasksOutput.settingsJson(s).getAsJsonObject();
    assertTrue(j.get("autoCompaction").getAsBoolean());
    assertEquals("60000", j.get("mixIntervalMs").getAsString());
  }
}
