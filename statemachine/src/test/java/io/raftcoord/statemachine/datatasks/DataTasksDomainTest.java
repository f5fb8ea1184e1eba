package io.raftcoord.statemachine.datatasks;

import static io.raftcoord.statemachine.datacoord.DataCoordFixture.ref;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Message;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.KeyValue;
import io.raftcoord.proto.datacoord.AssignSegments;
import io.raftcoord.proto.datacoord.Binlog;
import io.raftcoord.proto.datacoord.ChannelWatchState;
import io.raftcoord.proto.datacoord.DataCoordSettings;
import io.raftcoord.proto.datacoord.FieldBinlog;
import io.raftcoord.proto.datacoord.Position;
import io.raftcoord.proto.datacoord.ReportChannelState;
import io.raftcoord.proto.datacoord.SaveBinlogPaths;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentLevel;
import io.raftcoord.proto.datacoord.SegmentReport;
import io.raftcoord.proto.datacoord.SegmentRequest;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.proto.datacoord.SetDataCoordSettings;
import io.raftcoord.proto.datatasks.CompactedSegment;
import io.raftcoord.proto.datatasks.CompleteCompaction;
import io.raftcoord.proto.datatasks.CompleteGc;
import io.raftcoord.proto.datatasks.CompleteIndexBuild;
import io.raftcoord.proto.datatasks.CreateIndex;
import io.raftcoord.proto.datatasks.DataTasksReply;
import io.raftcoord.proto.datatasks.DataTasksSettings;
import io.raftcoord.proto.datatasks.DeltaApplied;
import io.raftcoord.proto.datatasks.DescribeIndexes;
import io.raftcoord.proto.datatasks.DescribeTask;
import io.raftcoord.proto.datatasks.DropIndex;
import io.raftcoord.proto.datatasks.FailTask;
import io.raftcoord.proto.datatasks.IndexInfo;
import io.raftcoord.proto.datatasks.GcFiles;
import io.raftcoord.proto.datatasks.IndexDescription;
import io.raftcoord.proto.datatasks.IndexDescriptions;
import io.raftcoord.proto.datatasks.ListTasks;
import io.raftcoord.proto.datatasks.ReportSlots;
import io.raftcoord.proto.datatasks.ReportSlotsReply;
import io.raftcoord.proto.datatasks.SetDataTasksSettings;
import io.raftcoord.proto.datatasks.Task;
import io.raftcoord.proto.datatasks.TaskList;
import io.raftcoord.proto.datatasks.TaskState;
import io.raftcoord.proto.datatasks.TaskType;
import io.raftcoord.proto.datatasks.TriggerCompaction;
import io.raftcoord.proto.session.ExpireSessions;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionRef;
import io.raftcoord.statemachine.datacoord.DataCoordFixture;
import io.raftcoord.statemachine.sm.Batches;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The datatasks domain through the state machine over a temp store: DataCoord commands make
 * FLUSHED segments, duty rounds plan and schedule, worker commands complete, and every step is
 * checked against the segments it must (and must not) change.
 */
class DataTasksDomainTest {
  /** simpleSchema's estimated row (16 system + 8 Int64 + 32 for an 8-dim float vector). */
  private static final long ROW_BYTES = 56;

  @TempDir
  Path dir;

  private DataCoordFixture f;
  private Session node;
  private CollectionInfo coll;
  private long logId = 1;

  @BeforeEach
  void open() {
    f = new DataCoordFixture(dir);
    // 1,000-row segments: small ones (< 500 rows) are mix candidates.
    f.ok(SetDataCoordSettings.newBuilder().setSettings(DataCoordSettings.newBuilder()
        .setMaxSegmentBytes(1000 * ROW_BYTES)).build());
    node = f.register("datanode", "10.0.0.1:1");
    coll = f.createCollection("c", 1);
    f.channelRound();
    f.ok(ReportChannelState.newBuilder().setNode(ref(node)).setChannel(channel())
        .setState(ChannelWatchState.WATCH_SUCCESS).build());
  }

  @AfterEach
  void close() {
    f.close();
  }

  private String channel() {
    return coll.getVirtualChannels(0);
  }

  /** A FLUSHED segment of {@code rows} rows with {@code deletes} deleted (deltalog entries). */
  private long flushed(long rows, long deletes, SegmentLevel level, long ts) {
    long id = f.ok(AssignSegments.newBuilder().addRequests(SegmentRequest.newBuilder().setCollectionId(coll.getId())
        .setPartitionId(coll.getPartitions(0).getId()).setChannel(channel()).setRows(Math.max(rows, 1))
        .setLevel(level)).build()).getAssignments(0).getSegmentId();
    SegmentReport.Builder r = SegmentReport.newBuilder().setSegmentId(id).setNumRows(rows).setFlushed(true)
        .setStartPosition(Position.newBuilder().setTimestamp(ts))
        .setCheckpoint(Position.newBuilder().setTimestamp(ts + 1));
    if (rows > 0) {
      r.addBinlogs(field(100, rows));
    }
    if (deletes > 0) {
      r.addDeltalogs(field(100, deletes));
    }
    f.ok(SaveBinlogPaths.newBuilder().setNode(ref(node)).addSegments(r).build());
    assertEquals(SegmentState.FLUSHED, f.segment(id).getState());
    return id;
  }

  private FieldBinlog field(long fieldId, long entries) {
    return FieldBinlog.newBuilder().setFieldId(fieldId).addBinlogs(Binlog.newBuilder().setLogId(logId++)
        .setEntries(entries).setSize(entries * ROW_BYTES)).build();
  }

  private DataTasksReply tasksOk(Message body) {
    CommandReply r = f.run(body);
    assertEquals(ErrorCode.OK, r.getCode(), () -> body.getClass().getSimpleName() + ": " + r.getMessage());
    return DataCoordFixture.unpack(r.getDomain(), DataTasksReply.class);
  }

  private void refused(ErrorCode code, String fragment, Message body) {
    CommandReply r = f.run(body);
    assertEquals(code, r.getCode(), () -> body + " -> " + r.getMessage());
    assertTrue(r.getMessage().contains(fragment), () -> "'" + fragment + "' in: " + r.getMessage());
  }

  private void slots(Session worker, int total, int free) {
    f.read(ReportSlots.newBuilder().setNode(ref(worker)).setTotalSlots(total).setFreeSlots(free).build(),
        ReportSlotsReply.class);
  }

  private Task task(long id) {
    return table().task(id).orElseThrow(() -> new AssertionError("no task " + id));
  }

  private DataTasksTable table() {
    return ((DataTasksDomain) f.state.domains().byName(DataTasksDomain.NAME).orElseThrow()).table();
  }

  private List<Task> tasks(TaskType type) {
    return f.read(ListTasks.newBuilder().addTypes(type).setLimit(DataTasksReads.MAX_LIMIT).build(), TaskList.class)
        .getTasksList();
  }

  /** Rows a reader counts: FLUSHED (not compacted away) segments' rows minus their deletes. */
  private long liveRows() {
    long rows = 0;
    for (Segment s : f.table().ofCollection(coll.getId()).values()) {
      if (s.getState() == SegmentState.FLUSHED) {
        rows += s.getNumRows() - s.getDeltalogEntries();
      }
    }
    return rows;
  }

  private void scheduleRound() {
    for (var c : f.plan("datatasks-scheduler")) {
      CommandReply r = f.run(c);
      assertEquals(ErrorCode.OK, r.getCode(), r::getMessage);
    }
  }

  @Test
  void aManualCompactionSwapsItsInputsForItsResultInOneEntryAndConservesLiveRows() {
    long a = flushed(100, 10, SegmentLevel.L1, 10);
    long b = flushed(200, 0, SegmentLevel.L1, 20);
    long c = flushed(300, 30, SegmentLevel.L1, 30);
    long before = liveRows();
    DataTasksReply trig = tasksOk(TriggerCompaction.newBuilder().setCollection("c").build());
    assertEquals(1, trig.getTaskIdsCount(), trig::toString);
    Task t = task(trig.getTaskIds(0));
    assertEquals(TaskType.MIX_COMPACTION, t.getType());
    assertEquals(List.of(c, b, a), t.getSegmentsList(), "largest first");
    assertEquals(TaskState.PIPELINING, t.getState());

    slots(node, 16, 16);
    scheduleRound();
    t = task(t.getId());
    assertEquals(TaskState.EXECUTING, t.getState());
    assertEquals(ref(node), t.getNode());

    // More rows than the inputs hold: refused, and nothing changed.
    refused(ErrorCode.INVALID_ARGUMENT, "more than the 600 rows", CompleteCompaction.newBuilder().setNode(ref(node))
        .setTaskId(t.getId()).addResults(CompactedSegment.newBuilder().setNumRows(601)).build());
    assertEquals(SegmentState.FLUSHED, f.segment(a).getState());
    // From an older epoch of the worker: refused.
    SessionRef stale = ref(node).toBuilder().setEpoch(ref(node).getEpoch() - 1).build();
    refused(ErrorCode.STALE_EPOCH, "is held by worker", CompleteCompaction.newBuilder().setNode(stale)
        .setTaskId(t.getId()).addResults(CompactedSegment.newBuilder().setNumRows(560)).build());

    DataTasksReply done = tasksOk(CompleteCompaction.newBuilder().setNode(ref(node)).setTaskId(t.getId())
        .addResults(CompactedSegment.newBuilder().setNumRows(560).addBinlogs(field(100, 560))).build());
    long result = done.getSegmentIds(0);
    for (long in : List.of(a, b, c)) {
      Segment s = f.segment(in);
      assertEquals(SegmentState.DROPPED, s.getState());
      assertTrue(s.getCompacted());
    }
    Segment r = f.segment(result);
    assertEquals(SegmentState.FLUSHED, r.getState());
    assertEquals(List.of(c, b, a), r.getCompactionFromList());
    assertEquals(560, r.getNumRows());
    assertEquals(before, liveRows());
    assertEquals(TaskState.COMPLETED, task(t.getId()).getState());
    assertTrue(table().holder(a).isEmpty(), "a completed task holds nothing");

    // Twice: refused, nothing changes.
    refused(ErrorCode.FAILED_PRECONDITION, "is COMPLETED", CompleteCompaction.newBuilder().setNode(ref(node))
        .setTaskId(t.getId()).addResults(CompactedSegment.newBuilder().setNumRows(560)).build());
    assertEquals(1, f.table().ofCollection(coll.getId()).values().stream()
        .filter(s -> s.getState() == SegmentState.FLUSHED).count());
  }

  @Test
  void anL0CompactionAppliesItsDeletesToItsTargetsAndDropsTheL0Segments() {
    long l1 = flushed(500, 0, SegmentLevel.L1, 10);
    long l0a = flushed(0, 20, SegmentLevel.L0, 50);
    long l0b = flushed(0, 30, SegmentLevel.L0, 60);
    long before = f.segment(l1).getNumRows() - 50;
    DataTasksReply trig = tasksOk(TriggerCompaction.newBuilder().setCollection("c").build());
    Task t = task(trig.getTaskIds(0));
    assertEquals(TaskType.L0_COMPACTION, t.getType());
    assertEquals(List.of(l0a, l0b), t.getSegmentsList());
    assertEquals(List.of(l1), t.getTargetsList());
    slots(node, 16, 16);
    scheduleRound();
    refused(ErrorCode.INVALID_ARGUMENT, "applies 51 deletes, more than the 50", CompleteCompaction.newBuilder()
        .setNode(ref(node)).setTaskId(t.getId()).addDeltas(DeltaApplied.newBuilder().setSegmentId(l1)
            .addDeltalogs(field(100, 51))).build());
    tasksOk(CompleteCompaction.newBuilder().setNode(ref(node)).setTaskId(t.getId())
        .addDeltas(DeltaApplied.newBuilder().setSegmentId(l1).addDeltalogs(field(100, 50))).build());
    assertEquals(SegmentState.DROPPED, f.segment(l0a).getState());
    assertEquals(SegmentState.DROPPED, f.segment(l0b).getState());
    Segment target = f.segment(l1);
    assertEquals(50, target.getDeltalogEntries());
    assertEquals(before, target.getNumRows() - target.getDeltalogEntries());
    assertEquals(1, f.table().binlogs(l1).getDeltalogsList().stream().mapToLong(x -> x.getBinlogsCount()).sum());
    f.reopen();
    assertEquals(50, f.segment(l1).getDeltalogEntries());
    assertEquals(1, f.table().binlogs(l1).getDeltalogsCount(), "applied deltas survive a reopen");
  }

  /** {@code n} FLUSHED L1 segments of {@code rows} rows each, made a few commands at a time. */
  private List<Long> flushedMany(int n, long rows) {
    List<Long> ids = new ArrayList<>();
    while (ids.size() < n) {
      AssignSegments.Builder assign = AssignSegments.newBuilder();
      for (int i = 0; i < Math.min(64, n - ids.size()); i++) {
        assign.addRequests(SegmentRequest.newBuilder().setCollectionId(coll.getId())
            .setPartitionId(coll.getPartitions(0).getId()).setChannel(channel()).setRows(rows).setImporting(true));
      }
      f.ok(assign.build()).getAssignmentsList().forEach(a -> ids.add(a.getSegmentId()));
    }
    for (int from = 0; from < n; from += 512) {
      SaveBinlogPaths.Builder save = SaveBinlogPaths.newBuilder().setNode(ref(node));
      for (long id : ids.subList(from, Math.min(n, from + 512))) {
        save.addSegments(SegmentReport.newBuilder().setSegmentId(id).setNumRows(rows).setFlushed(true)
            .setStartPosition(Position.newBuilder().setTimestamp(10)).setCheckpoint(Position.newBuilder().setTimestamp(11))
            .addBinlogs(field(100, rows)));
      }
      f.ok(save.build());
    }
    return ids;
  }

  @Test
  void oneIndexRoundPlansUpToMaxTasksPerRoundInCommandsOfAtMostMaxBuilds() {
    int n = IndexControl.MAX_BUILDS + 200;
    flushedMany(n, 900);
    tasksOk(SetDataTasksSettings.newBuilder().setSettings(DataTasksSettings.newBuilder()
        .setMaxTasksPerRound(IndexControl.MAX_BUILDS + 100)).build());
    tasksOk(CreateIndex.newBuilder().setCollection("c").setField("vec").setIndexType("HNSW")
        .addParams(KeyValue.newBuilder().setKey("metric_type").setValue("L2")).build());
    var round = f.plan("datatasks-index");
    assertEquals(2, round.size(), "one full command and the rest");
    for (var c : round) {
      CommandReply r = f.run(c);
      assertEquals(ErrorCode.OK, r.getCode(), r::getMessage);
    }
    assertEquals(IndexControl.MAX_BUILDS + 100, tasks(TaskType.INDEX_BUILD).size(), "max_tasks_per_round in one round");
    var next = f.plan("datatasks-index");
    assertEquals(1, next.size());
    assertEquals(ErrorCode.OK, f.run(next.get(0)).getCode());
    assertEquals(n, tasks(TaskType.INDEX_BUILD).size(), "the rest in the next round, no segment twice");
    assertEquals(n, tasks(TaskType.INDEX_BUILD).stream().map(t -> t.getSegments(0)).distinct().count());
  }

  @Test
  void indexBuildsCoverEveryFlushedSegmentIncludingCompactionResultsAndDropIndexRemovesThem() {
    long a = flushed(100, 0, SegmentLevel.L1, 10);
    long b = flushed(200, 0, SegmentLevel.L1, 20);
    refused(ErrorCode.INVALID_ARGUMENT, "create index", CreateIndex.newBuilder().setCollection("c").setField("vec")
        .setIndexType("HNSW").addParams(KeyValue.newBuilder().setKey("M").setValue("1")).build());
    refused(ErrorCode.INVALID_ARGUMENT, "has no field \"nope\"", CreateIndex.newBuilder().setCollection("c")
        .setField("nope").setIndexType("HNSW").build());
    long index = tasksOk(CreateIndex.newBuilder().setCollection("c").setField("vec").setIndexType("HNSW")
        .addParams(KeyValue.newBuilder().setKey("metric_type").setValue("L2")).build()).getIndexId();
    refused(ErrorCode.ALREADY_EXISTS, "at most one distinct index", CreateIndex.newBuilder().setCollection("c")
        .setField("vec").setIndexType("IVF_FLAT").addParams(KeyValue.newBuilder().setKey("metric_type").setValue("L2"))
        .build());
    for (var c : f.plan("datatasks-index")) {
      f.run(c);
    }
    List<Task> builds = tasks(TaskType.INDEX_BUILD);
    assertEquals(List.of(a, b), builds.stream().map(t -> t.getSegments(0)).toList());
    assertTrue(f.plan("datatasks-index").isEmpty(), "no second build for a segment with one");
    slots(node, 16, 16);
    scheduleRound();
    for (Task t : builds) {
      tasksOk(CompleteIndexBuild.newBuilder().setNode(ref(node)).setTaskId(t.getId()).addFileIds(t.getId()).build());
    }
    IndexDescription d = f.read(DescribeIndexes.newBuilder().setCollection("c").build(), IndexDescriptions.class)
        .getIndexes(0);
    assertEquals(300, d.getTotalRows());
    assertEquals(300, d.getIndexedRows());
    assertEquals("Finished", d.getState());

    // A compaction result needs its own build (by hand, two small segments are enough to merge).
    List<Long> plan = tasksOk(TriggerCompaction.newBuilder().setCollection("c").build()).getTaskIdsList();
    assertEquals(1, plan.size());
    scheduleRound();
    long result = tasksOk(CompleteCompaction.newBuilder().setNode(ref(node)).setTaskId(plan.get(0))
        .addResults(CompactedSegment.newBuilder().setNumRows(300)).build()).getSegmentIds(0);
    d = f.read(DescribeIndexes.newBuilder().setCollection("c").build(), IndexDescriptions.class).getIndexes(0);
    assertEquals(300, d.getTotalRows());
    assertEquals(0, d.getIndexedRows());
    for (var cmd : f.plan("datatasks-index")) {
      f.run(cmd);
    }
    assertEquals(List.of(result), tasks(TaskType.INDEX_BUILD).stream().filter(DataTasksTable::isOpen)
        .map(t -> t.getSegments(0)).toList());
    assertTrue(table().built(a, index));

    tasksOk(DropIndex.newBuilder().setCollection("c").setIndexName("vec").build());
    assertTrue(tasks(TaskType.INDEX_BUILD).isEmpty());
    assertFalse(table().built(a, index));
    assertTrue(table().indexes().isEmpty());
  }

  @Test
  void aWorkersEndReturnsItsTasksAndTimeoutsRetryElsewhereUntilTheLastAttempt() {
    flushed(100, 0, SegmentLevel.L1, 10);
    flushed(100, 0, SegmentLevel.L1, 20);
    flushed(100, 0, SegmentLevel.L1, 30);
    tasksOk(SetDataTasksSettings.newBuilder().setSettings(DataTasksSettings.newBuilder().setCompactionTimeoutMs(1000)
        .setMaxAttempts(2)).build());
    Session other = f.register("indexnode", "10.0.0.2:1");
    long id = tasksOk(TriggerCompaction.newBuilder().setCollection("c").build()).getTaskIds(0);
    slots(node, 16, 16);
    slots(other, 16, 8);
    scheduleRound();
    assertEquals(ref(node), task(id).getNode(), "the most free slots");

    f.time += 1000;
    scheduleRound();
    Task t = task(id);
    assertEquals(TaskState.PIPELINING, t.getState());
    assertEquals(1, t.getAttempts());
    assertEquals(List.of(node.getServerId()), t.getTriedNodesList());
    scheduleRound();
    assertEquals(ref(other), task(id).getNode(), "a retry goes to another worker");

    // The worker's session ends: the task goes back without counting an attempt.
    assertEquals(ErrorCode.OK, f.run(ExpireSessions.newBuilder().addExpire(ref(other)).build()).getCode());
    t = task(id);
    assertEquals(TaskState.PIPELINING, t.getState());
    assertEquals(1, t.getAttempts());
    refused(ErrorCode.FAILED_PRECONDITION, "not EXECUTING", FailTask.newBuilder().setNode(ref(other)).setTaskId(id)
        .build());

    scheduleRound();
    assertEquals(ref(node), task(id).getNode());
    tasksOk(FailTask.newBuilder().setNode(ref(node)).setTaskId(id).setReason("disk full").build());
    t = task(id);
    assertEquals(TaskState.FAILED, t.getState(), "the second attempt was the last");
    assertTrue(t.getReason().contains("disk full"));
    assertTrue(table().holder(t.getSegments(0)).isEmpty(), "a failed task lets its segments go");
  }

  /** The channel's checkpoint moves to ts 100, a second passes, and one GC round plans one task: its id. */
  private long checkpointAndPlanGc() {
    f.ok(io.raftcoord.proto.datacoord.SaveChannelCheckpoints.newBuilder().setNode(ref(node))
        .addCheckpoints(io.raftcoord.proto.datacoord.ChannelCheckpoint.newBuilder().setChannel(channel())
            .setPosition(Position.newBuilder().setTimestamp(100))).build());
    f.clock.addAndGet(1000);
    List<io.raftcoord.proto.Command> gc = f.plan("datatasks-gc");
    assertEquals(1, gc.size());
    CommandReply planned = f.run(gc.get(0));
    assertEquals(ErrorCode.OK, planned.getCode(), planned::getMessage);
    long gcTask = DataCoordFixture.unpack(planned.getDomain(), DataTasksReply.class).getTaskIds(0);
    return gcTask;
  }

  @Test
  void gcRemovesDroppedSegmentsOnceTheWorkerConfirmsAndDropCollectionTakesTasksAndIndexes() {
    long a = flushed(100, 0, SegmentLevel.L1, 10);
    long b = flushed(100, 0, SegmentLevel.L1, 20);
    long c = flushed(100, 0, SegmentLevel.L1, 30);
    tasksOk(SetDataTasksSettings.newBuilder().setSettings(DataTasksSettings.newBuilder().setDropToleranceMs(0)
        .setGcIntervalMs(100)).build());
    long compaction = tasksOk(TriggerCompaction.newBuilder().setCollection("c").build()).getTaskIds(0);
    slots(node, 16, 16);
    scheduleRound();
    tasksOk(CompleteCompaction.newBuilder().setNode(ref(node)).setTaskId(compaction)
        .addResults(CompactedSegment.newBuilder().setNumRows(300)).build());
    // The inputs' checkpoints (ts 11..31) are above the channel's (none yet): nothing to collect.
    assertTrue(f.plan("datatasks-gc").isEmpty());
    long gcTask = checkpointAndPlanGc();
    assertEquals(List.of(a, b, c), task(gcTask).getSegmentsList());
    scheduleRound();
    assertTrue(f.table().segment(a).isPresent(), "nothing goes before the worker confirms");
    tasksOk(CompleteGc.newBuilder().setNode(ref(node)).setTaskId(gcTask).build());
    for (long id : List.of(a, b, c)) {
      assertTrue(f.table().segment(id).isEmpty(), "segment " + id + " collected");
    }
    f.reopen();
    assertTrue(f.table().segment(a).isEmpty());

    tasksOk(CreateIndex.newBuilder().setCollection("c").setField("id").setIndexType("STL_SORT").build());
    for (var cmd : f.plan("datatasks-index")) {
      f.run(cmd);
    }
    assertEquals(1, tasks(TaskType.INDEX_BUILD).size());
    f.run(Batches.dropCollection("default", "c"));
    assertTrue(table().tasks().isEmpty(), "the drop took the tasks along");
    assertTrue(table().indexes().isEmpty(), "and the index");
  }

  /** Every log id of a segment's binlogs of one kind. */
  private static List<Long> logIds(List<FieldBinlog> logs) {
    return logs.stream().flatMap(x -> x.getBinlogsList().stream()).map(Binlog::getLogId).toList();
  }

  @Test
  void aGcTaskListsItsSegmentsLogsAndIndexFiles() {
    long a = flushed(100, 10, SegmentLevel.L1, 10);
    long b = flushed(100, 0, SegmentLevel.L1, 20);
    tasksOk(SetDataTasksSettings.newBuilder().setSettings(DataTasksSettings.newBuilder().setDropToleranceMs(0)
        .setGcIntervalMs(100)).build());
    tasksOk(CreateIndex.newBuilder().setCollection("c").setField("id").setIndexType("STL_SORT").build());
    slots(node, 16, 16);
    Runnable buildAll = () -> {
      for (var cmd : f.plan("datatasks-index")) {
        assertEquals(ErrorCode.OK, f.run(cmd).getCode());
      }
      scheduleRound();
      for (Task t : tasks(TaskType.INDEX_BUILD)) {
        if (t.getState() == TaskState.EXECUTING) {
          tasksOk(CompleteIndexBuild.newBuilder().setNode(ref(node)).setTaskId(t.getId())
              .addFileIds(5000 + t.getSegments(0)).addFileIds(6000 + t.getSegments(0)).build());
        }
      }
    };
    buildAll.run();
    long compaction = tasksOk(TriggerCompaction.newBuilder().setCollection("c").build()).getTaskIds(0);
    scheduleRound();
    tasksOk(CompleteCompaction.newBuilder().setNode(ref(node)).setTaskId(compaction)
        .addResults(CompactedSegment.newBuilder().setNumRows(190)).build());
    buildAll.run(); // the result's build: GC waits for the results to be indexed
    long gcTask = checkpointAndPlanGc();

    TaskList described = f.read(DescribeTask.newBuilder().setTaskId(gcTask).build(), TaskList.class);
    assertEquals(List.of(a, b), described.getGcFilesList().stream().map(GcFiles::getSegmentId).toList());
    for (GcFiles files : described.getGcFilesList()) {
      long id = files.getSegmentId();
      var logs = f.table().binlogs(id);
      assertFalse(files.getBinlogIdsList().isEmpty());
      assertEquals(logIds(logs.getBinlogsList()), files.getBinlogIdsList());
      assertEquals(logIds(logs.getDeltalogsList()), files.getDeltalogIdsList());
      assertEquals(List.of(5000 + id, 6000 + id), files.getIndexFileIdsList());
    }
    assertEquals(1, described.getGcFiles(0).getDeltalogIdsCount(), "segment a's deletes");
    TaskList compactionDescribed = f.read(DescribeTask.newBuilder().setTaskId(compaction).build(), TaskList.class);
    assertTrue(compactionDescribed.getGcFilesList().isEmpty(), "files only for GC tasks");

    scheduleRound();
    tasksOk(CompleteGc.newBuilder().setNode(ref(node)).setTaskId(gcTask).build());
    described = f.read(DescribeTask.newBuilder().setTaskId(gcTask).build(), TaskList.class);
    assertTrue(described.getGcFilesList().stream().allMatch(x -> x.getBinlogIdsCount() + x.getIndexFileIdsCount() == 0),
        "collected: nothing left to list");
  }

  @Test
  void aQuietCollectionIsPlannedAgainOnceItsBuildsOrSegmentsChange() {
    tasksOk(SetDataTasksSettings.newBuilder().setSettings(DataTasksSettings.newBuilder().setMixIntervalMs(100)
        .setL0IntervalMs(100)).build());
    List<Long> small = List.of(flushed(100, 0, SegmentLevel.L1, 10), flushed(100, 0, SegmentLevel.L1, 20),
        flushed(100, 0, SegmentLevel.L1, 30));
    tasksOk(CreateIndex.newBuilder().setCollection("c").setField("id").setIndexType("STL_SORT").build());
    assertTrue(f.plan("datatasks-compaction").isEmpty(), "no candidate before its builds");
    f.clock.addAndGet(1000);
    assertTrue(f.plan("datatasks-compaction").isEmpty(), "nothing changed: still nothing");
    for (var cmd : f.plan("datatasks-index")) {
      assertEquals(ErrorCode.OK, f.run(cmd).getCode());
    }
    slots(node, 16, 16);
    scheduleRound();
    for (Task t : tasks(TaskType.INDEX_BUILD)) {
      tasksOk(CompleteIndexBuild.newBuilder().setNode(ref(node)).setTaskId(t.getId()).addFileIds(t.getId()).build());
    }
    assertTrue(f.plan("datatasks-index").isEmpty(), "every segment built");
    f.clock.addAndGet(1000);
    List<io.raftcoord.proto.Command> round = f.plan("datatasks-compaction");
    assertEquals(1, round.size(), "the builds changed the collection: planned again");
    assertEquals(ErrorCode.OK, f.run(round.get(0)).getCode());
    assertEquals(small, tasks(TaskType.MIX_COMPACTION).get(0).getSegmentsList());

    long later = flushed(100, 0, SegmentLevel.L1, 40);
    assertEquals(List.of(later), f.plan("datatasks-index").stream()
        .flatMap(c -> DataCoordFixture.unpack(c.getDomain(), io.raftcoord.proto.datatasks.PlanIndexBuilds.class)
            .getBuildsList().stream()).map(x -> x.getSegmentId()).toList(), "a segment flushed later gets its build");
  }

  @Test
  void aCompactionRoundPlansAtMostMaxTasksPerRoundAndTheRestNextRound() {
    tasksOk(SetDataTasksSettings.newBuilder().setSettings(DataTasksSettings.newBuilder().setMixIntervalMs(100)
        .setMaxTasksPerRound(2)).build());
    List<Long> halfDeleted = List.of(flushed(800, 400, SegmentLevel.L1, 10), flushed(800, 400, SegmentLevel.L1, 20),
        flushed(800, 400, SegmentLevel.L1, 30));
    for (var c : f.plan("datatasks-compaction")) {
      assertEquals(ErrorCode.OK, f.run(c).getCode());
    }
    assertEquals(2, tasks(TaskType.SINGLE_COMPACTION).size(), "two per round");
    f.clock.addAndGet(1000);
    for (var c : f.plan("datatasks-compaction")) {
      assertEquals(ErrorCode.OK, f.run(c).getCode());
    }
    assertEquals(halfDeleted, tasks(TaskType.SINGLE_COMPACTION).stream().map(t -> t.getSegments(0)).sorted().toList(),
        "the third the next round, none twice");
  }

  @Test
  void withoutL0TheIndexedCandidatesPlanWhatAWalkOfEverySegmentPlans() {
    java.util.Random r = new java.util.Random(7);
    for (int i = 0; i < 40; i++) {
      long rows = 50 + r.nextInt(900);
      flushed(rows, r.nextInt(4) == 0 ? r.nextInt((int) rows) : 0, SegmentLevel.L1, 10 + i);
    }
    // A growing segment, held ones (a manual compaction in flight) and a compacted (DROPPED) pair.
    f.ok(AssignSegments.newBuilder().addRequests(SegmentRequest.newBuilder().setCollectionId(coll.getId())
        .setPartitionId(coll.getPartitions(0).getId()).setChannel(channel()).setRows(10)).build());
    tasksOk(SetDataTasksSettings.newBuilder().setSettings(DataTasksSettings.newBuilder().setMaxSegmentsPerPlan(2)
        .setMinSegmentsToMerge(2)).build());
    long first = tasksOk(TriggerCompaction.newBuilder().setCollection("c").build()).getTaskIds(0);
    slots(node, 64, 64);
    scheduleRound();
    tasksOk(CompleteCompaction.newBuilder().setNode(ref(node)).setTaskId(first)
        .addResults(CompactedSegment.newBuilder().setNumRows(1)).build());
    for (int i = 0; i < 20; i++) { // free ones beside those the trigger's other tasks hold
      long rows = 50 + r.nextInt(900);
      flushed(rows, r.nextInt(4) == 0 ? r.nextInt((int) rows) : 0, SegmentLevel.L1, 100 + i);
    }
    for (int round = 0; round < 2; round++) {
      assertFalse(f.table().hasFlushedL0(coll.getId()));
      DataTasksSettings s = table().settings();
      for (boolean force : List.of(false, true)) {
        assertEquals(CompactionPlanner.plan(CompactionGroups.walk(coll.getId(), f.table(), table()), s, true, true, force,
            "t"), CompactionPlanner.plan(CompactionGroups.withoutL0(coll.getId(), f.table(), table()), s, true, true,
            force, "t"), "round " + round + " force " + force);
      }
      assertFalse(CompactionPlanner.plan(CompactionGroups.withoutL0(coll.getId(), f.table(), table()), s, true, false,
          true, "t").isEmpty(), "something to compare");
      f.reopen(); // the indexes rebuilt from the store plan the same
    }
  }

  @Test
  void theIndexDutysPendingBuildsAreWhatAWalkOfEverySegmentFinds() {
    java.util.Random r = new java.util.Random(11);
    for (int i = 0; i < 30; i++) {
      flushed(50 + r.nextInt(900), 0, SegmentLevel.L1, 10 + i);
    }
    flushed(0, 5, SegmentLevel.L0, 60); // L0: never built
    long vec = tasksOk(CreateIndex.newBuilder().setCollection("c").setField("vec").setIndexType("HNSW")
        .addParams(KeyValue.newBuilder().setKey("metric_type").setValue("L2")).build()).getIndexId();
    assertPendingIsAWalk("a new index");
    tasksOk(SetDataTasksSettings.newBuilder().setSettings(DataTasksSettings.newBuilder().setMaxTasksPerRound(12)
        .setMaxSegmentsPerPlan(2).setMinSegmentsToMerge(2).setDropToleranceMs(0).setMaxAttempts(1).setCleanAfterMs(0))
        .build()); // a failed build is cleaned at once, and its segment is pending again
    slots(node, 64, 64);
    for (int round = 0; round < 6; round++) {
      for (var c : f.plan("datatasks-index")) {
        assertEquals(ErrorCode.OK, f.run(c).getCode());
      }
      assertPendingIsAWalk("round " + round + " planned");
      scheduleRound();
      for (Task t : tasks(TaskType.INDEX_BUILD)) {
        if (t.getState() == TaskState.EXECUTING) {
          if (r.nextInt(4) == 0) { // fails: back to the queue or failed for good
            tasksOk(FailTask.newBuilder().setNode(ref(node)).setTaskId(t.getId())
                .setReason("test").build());
          } else {
            tasksOk(CompleteIndexBuild.newBuilder().setNode(ref(node)).setTaskId(t.getId()).addFileIds(t.getId())
                .build());
          }
        }
      }
      assertPendingIsAWalk("round " + round + " completed");
      if (round == 1) {
        tasksOk(CreateIndex.newBuilder().setCollection("c").setField("id").setIndexType("STL_SORT").build());
        assertPendingIsAWalk("a second index");
      }
      if (round == 2) { // compactions drop built segments and add unbuilt results
        List<Long> plan = tasksOk(TriggerCompaction.newBuilder().setCollection("c").build()).getTaskIdsList();
        scheduleRound();
        for (long id : plan) {
          if (task(id).getState() == TaskState.EXECUTING && task(id).getType() != TaskType.L0_COMPACTION) {
            tasksOk(CompleteCompaction.newBuilder().setNode(ref(node)).setTaskId(id)
                .addResults(CompactedSegment.newBuilder().setNumRows(task(id).getSegmentsCount() * 10L)).build());
          }
        }
        assertPendingIsAWalk("compacted");
        flushed(300, 0, SegmentLevel.L1, 200);
        assertPendingIsAWalk("flushed later");
      }
      if (round == 3) {
        f.reopen();
        assertPendingIsAWalk("reopened");
      }
      if (round == 4) {
        tasksOk(DropIndex.newBuilder().setCollection("c").setIndexName("vec").build());
        assertPendingIsAWalk("index dropped");
        assertTrue(pending().of(vec).isEmpty());
      }
    }
  }

  private PendingBuilds pending() {
    return ((DataTasksDomain) f.state.domains().byName(DataTasksDomain.NAME).orElseThrow()).pendingBuilds();
  }

  /** Per index, the buildable segments with neither a build nor a build task, by a walk of every segment. */
  private void assertPendingIsAWalk(String when) {
    boolean some = false;
    for (IndexInfo i : table().indexes().values()) {
      List<Long> walk = new ArrayList<>();
      for (Segment s : f.table().ofCollection(i.getCollectionId()).values()) {
        if (IndexControl.buildable(s) && !table().built(s.getId(), i.getId())
            && table().buildTask(s.getId(), i.getId()).isEmpty()) {
          walk.add(s.getId());
        }
      }
      some |= !walk.isEmpty();
      assertEquals(walk, new ArrayList<>(pending().of(i.getId())), when + ": index " + i.getName());
    }
    assertTrue(some || when.startsWith("round"), when + ": something to compare");
  }

  @Test
  void aWorkersPollReturnsItsExecutingTasksWithTheSegmentsTheyRead() {
    long a = flushed(100, 0, SegmentLevel.L1, 10);
    long b = flushed(200, 0, SegmentLevel.L1, 20);
    long compaction = tasksOk(TriggerCompaction.newBuilder().setCollection("c").build()).getTaskIds(0);
    ReportSlotsReply before = f.read(ReportSlots.newBuilder().setNode(ref(node))
        .setTotalSlots(16).setFreeSlots(16).setListTasks(true).build(), ReportSlotsReply.class);
    assertEquals(0, before.getExecutingIdsCount(), "nothing assigned yet");
    scheduleRound();
    assertEquals(TaskState.EXECUTING, task(compaction).getState());
    ReportSlotsReply first = f.read(ReportSlots.newBuilder().setNode(ref(node))
        .setTotalSlots(16).setFreeSlots(8).setListTasks(true).build(), ReportSlotsReply.class);
    assertEquals(List.of(compaction), first.getExecutingIdsList());
    assertEquals(List.of(task(compaction)), first.getNewTasksList());
    assertEquals(java.util.Set.of(f.segment(a), f.segment(b)), java.util.Set.copyOf(first.getInputsList()),
        "the inputs as they are now");
    ReportSlotsReply again = f.read(ReportSlots.newBuilder().setNode(ref(node))
        .setTotalSlots(16).setFreeSlots(8).setListTasks(true).addKnownTaskIds(compaction).build(),
        ReportSlotsReply.class);
    assertEquals(List.of(compaction), again.getExecutingIdsList());
    assertEquals(0, again.getNewTasksCount(), "a known task by id only");
    assertEquals(0, again.getInputsCount());
    Session other = f.register("indexnode", "10.0.0.2:1");
    assertEquals(0, f.read(ReportSlots.newBuilder().setNode(ref(other)).setTotalSlots(16).setFreeSlots(16)
        .setListTasks(true).build(), ReportSlotsReply.class).getExecutingIdsCount(),
        "another worker's tasks are not listed");
    ReportSlots.Builder tooMany = ReportSlots.newBuilder().setNode(ref(node)).setTotalSlots(16).setFreeSlots(16)
        .setListTasks(true);
    for (long i = 0; i <= DataTasksReads.MAX_LIMIT; i++) {
      tooMany.addKnownTaskIds(i);
    }
    io.raftcoord.proto.QueryReply refused = f.query(tooMany.build());
    assertEquals(ErrorCode.INVALID_ARGUMENT, refused.getCode());
    assertTrue(refused.getMessage().contains("10001 known task ids, at most 10000"), refused.getMessage());
  }

  @Test
  void stateIsTheSameAfterAReopen() {
    flushed(100, 0, SegmentLevel.L1, 10);
    flushed(100, 0, SegmentLevel.L1, 20);
    flushed(100, 0, SegmentLevel.L1, 30);
    tasksOk(TriggerCompaction.newBuilder().setCollection("c").build());
    tasksOk(CreateIndex.newBuilder().setCollection("c").setField("vec").setIndexType("AUTOINDEX").build());
    slots(node, 16, 16);
    scheduleRound();
    List<Task> before = new ArrayList<>(table().tasks().values());
    f.reopen();
    assertEquals(before, new ArrayList<>(table().tasks().values()));
    assertEquals(1, table().indexes().size());
    assertEquals(before.stream().filter(t -> t.getState() == TaskState.EXECUTING).count(),
        table().executingOn(node.getServerId()).size());
  }

  @Test
  void onlyIndexedSegmentsAreCompactedAndACompactionEndsTheBuildsOfItsInputs() {
    long a = flushed(100, 0, SegmentLevel.L1, 10);
    long b = flushed(200, 0, SegmentLevel.L1, 20);
    long compaction = tasksOk(TriggerCompaction.newBuilder().setCollection("c").build()).getTaskIds(0);
    assertEquals(List.of(b, a), task(compaction).getSegmentsList(), "no index yet: every small segment is a candidate");
    tasksOk(CreateIndex.newBuilder().setCollection("c").setField("id").setIndexType("STL_SORT").build());
    for (var c : f.plan("datatasks-index")) {
      f.run(c);
    }
    assertEquals(2, tasks(TaskType.INDEX_BUILD).size(), "builds planned for both inputs");
    slots(node, 64, 64);
    scheduleRound();
    long result = tasksOk(CompleteCompaction.newBuilder().setNode(ref(node)).setTaskId(compaction)
        .addResults(CompactedSegment.newBuilder().setNumRows(300)).build()).getSegmentIds(0);
    assertTrue(tasks(TaskType.INDEX_BUILD).isEmpty(), "the inputs' builds went with the swap");
    assertTrue(table().buildTask(a, table().indexes().firstKey()).isEmpty());

    long c = flushed(100, 0, SegmentLevel.L1, 30);
    assertEquals(0, tasksOk(TriggerCompaction.newBuilder().setCollection("c").build()).getTaskIdsCount(),
        "not indexed yet: not a candidate");
    for (var cmd : f.plan("datatasks-index")) {
      f.run(cmd);
    }
    scheduleRound();
    for (Task t : tasks(TaskType.INDEX_BUILD)) {
      tasksOk(CompleteIndexBuild.newBuilder().setNode(ref(node)).setTaskId(t.getId()).build());
    }
    DataTasksReply trig = tasksOk(TriggerCompaction.newBuilder().setCollection("c").build());
    assertEquals(1, trig.getTaskIdsCount(), "indexed now");
    assertEquals(List.of(result, c), task(trig.getTaskIds(0)).getSegmentsList());
  }
}
