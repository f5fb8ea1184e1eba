package io.raftcoord.statemachine.datatasks;

import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.FieldSchema;
import io.raftcoord.proto.IdAllocateRequest;
import io.raftcoord.proto.KeyValue;
import io.raftcoord.proto.Record;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datatasks.CompleteIndexBuild;
import io.raftcoord.proto.datatasks.CreateIndex;
import io.raftcoord.proto.datatasks.DataTasksEvent;
import io.raftcoord.proto.datatasks.DataTasksEventKind;
import io.raftcoord.proto.datatasks.DataTasksReply;
import io.raftcoord.proto.datatasks.DropIndex;
import io.raftcoord.proto.datatasks.IndexInfo;
import io.raftcoord.proto.datatasks.PlanIndexBuilds;
import io.raftcoord.proto.datatasks.SegmentIndex;
import io.raftcoord.proto.datatasks.Task;
import io.raftcoord.proto.datatasks.TaskState;
import io.raftcoord.proto.datatasks.TaskType;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.apply.ApplyResult;
import io.raftcoord.statemachine.catalog.Catalog;
import io.raftcoord.statemachine.datacoord.CollectionLookup;
import io.raftcoord.statemachine.datacoord.DataCoordTable;
import io.raftcoord.statemachine.ids.IdControl;
import io.raftcoord.statemachine.indexspec.IndexSpec;
import io.raftcoord.statemachine.indexspec.IndexSpecValidator;
import io.raftcoord.statemachine.pipeline.Refusal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Indexes and their builds. An index is validated (type, metric and parameters for the field's
 * type) and stored once per field; its builds are tasks, one per FLUSHED L1/L2 segment with rows,
 * planned by the index duty for segments that flush later and for compaction results too. A
 * finished build is kept per (segment, index) until its segment is collected or its index dropped.
 */
final class IndexControl {
  static final int MAX_BUILDS = 4096;
  static final int MAX_FILES = 10_000;

  private final DataTasksTable table;
  private final DataCoordTable data;
  private final Catalog catalog;
  private final IdControl ids;
  private final WorkerFence fence;

  IndexControl(DataTasksTable table, DataCoordTable data, Catalog catalog, IdControl ids, WorkerFence fence) {
    this.table = table;
    this.data = data;
    this.catalog = catalog;
    this.ids = ids;
    this.fence = fence;
  }

  ApplyResult create(ApplyContext ctx, CreateIndex c) {
    Optional<CollectionInfo> coll = CollectionLookup.resolve(catalog, c.getDb(), c.getCollection(), 0);
    if (coll.isEmpty()) {
      return notFound("create index", c.getDb(), c.getCollection());
    }
    Optional<FieldSchema> field = coll.get().getSchema().getFieldsList().stream()
        .filter(f -> f.getName().equals(c.getField())).findFirst();
    if (field.isEmpty()) {
      return new Refusal(ErrorCode.INVALID_ARGUMENT, "create index: collection " + coll.get().getName()
          + " has no field \"" + c.getField() + "\"").result();
    }
    String name = c.getIndexName().isEmpty() ? field.get().getName() : c.getIndexName();
    if (name.length() > 255) {
      return new Refusal(ErrorCode.INVALID_ARGUMENT, "create index: the index name is " + name.length()
          + " characters, at most 255").result();
    }
    Map<String, String> params = new LinkedHashMap<>();
    for (KeyValue kv : c.getParamsList()) {
      if (params.put(kv.getKey(), kv.getValue()) != null) {
        return new Refusal(ErrorCode.INVALID_ARGUMENT, "create index: parameter " + kv.getKey() + " is given twice")
            .result();
      }
    }
    IndexSpecValidator.Result checked = IndexSpecValidator.validate(field.get(), c.getIndexType(), params);
    if (checked instanceof IndexSpecValidator.Invalid bad) {
      return new Refusal(ErrorCode.INVALID_ARGUMENT, "create index: " + bad.message()).result();
    }
    IndexSpec spec = ((IndexSpecValidator.Ok) checked).spec();
    IndexInfo.Builder info = IndexInfo.newBuilder().setCollectionId(coll.get().getId())
        .setFieldId(field.get().getFieldId()).setFieldName(field.get().getName()).setName(name)
        .setIndexType(spec.indexType()).setMetricType(spec.metricType() == null ? "" : spec.metricType())
        .addAllUserParams(c.getParamsList());
    spec.params().forEach((k, v) -> info.addParams(KeyValue.newBuilder().setKey(k).setValue(v)));
    for (IndexInfo existing : table.indexesOf(coll.get().getId())) {
      boolean sameField = existing.getFieldId() == info.getFieldId();
      if (sameField && existing.getName().equals(name) && existing.getIndexType().equals(info.getIndexType())
          && existing.getMetricType().equals(info.getMetricType()) && existing.getParamsList().equals(info.getParamsList())) {
        return TaskRecords.ok(List.of(), DataTasksReply.newBuilder().setIndexId(existing.getId()).build());
      }
      if (sameField) {
        return new Refusal(ErrorCode.ALREADY_EXISTS, "create index: field " + field.get().getName() + " already has"
            + " index " + existing.getName() + " (" + existing.getIndexType() + "); at most one distinct index is"
            + " allowed per field").result();
      }
      if (existing.getName().equals(name)) {
        return new Refusal(ErrorCode.ALREADY_EXISTS, "create index: collection " + coll.get().getName()
            + " already has an index named " + name + " (on field " + existing.getFieldName() + ")").result();
      }
    }
    long id = ids.nextIdAfter(List.of());
    ApplyResult range = ids.allocate(ctx, IdAllocateRequest.newBuilder().setCount(1).build());
    if (range.reply().getCode() != ErrorCode.OK) {
      return range;
    }
    List<Record> out = new ArrayList<>(range.records());
    out.add(TaskRecords.wrap(DataTasksEvent.newBuilder().setKind(DataTasksEventKind.INDEX_CREATED)
        .setIndex(info.setId(id).setCreatedMs(ctx.nowMs())).build()));
    return TaskRecords.ok(out, DataTasksReply.newBuilder().setIndexId(id).build());
  }

  ApplyResult drop(DropIndex c) {
    Optional<CollectionInfo> coll = CollectionLookup.resolve(catalog, c.getDb(), c.getCollection(), 0);
    if (coll.isEmpty()) {
      return notFound("drop index", c.getDb(), c.getCollection());
    }
    Optional<IndexInfo> index = table.indexesOf(coll.get().getId()).stream()
        .filter(i -> i.getName().equals(c.getIndexName())).findFirst();
    if (index.isEmpty()) {
      return new Refusal(ErrorCode.NOT_FOUND, "drop index: collection " + coll.get().getName() + " has no index named "
          + c.getIndexName()).result();
    }
    List<Record> out = new ArrayList<>();
    for (Task t : table.tasks().values()) {
      if (t.getType() == TaskType.INDEX_BUILD && t.getIndexId() == index.get().getId()) {
        out.add(TaskRecords.removed(t, true));
      }
    }
    out.add(TaskRecords.wrap(DataTasksEvent.newBuilder().setKind(DataTasksEventKind.INDEX_DROPPED)
        .setIndex(index.get()).build()));
    return TaskRecords.ok(out, DataTasksReply.newBuilder().setIndexId(index.get().getId()).build());
  }

  /** The index duty's builds: each (segment, index) still without a build task becomes one. */
  ApplyResult plan(ApplyContext ctx, PlanIndexBuilds c) {
    if (c.getBuildsCount() > MAX_BUILDS) {
      return new Refusal(ErrorCode.INVALID_ARGUMENT, "plan index builds: " + c.getBuildsCount() + " builds, at most "
          + MAX_BUILDS).result();
    }
    List<Segment> segments = new ArrayList<>();
    List<IndexInfo> indexes = new ArrayList<>();
    java.util.Set<List<Long>> seen = new java.util.HashSet<>();
    for (PlanIndexBuilds.Build b : c.getBuildsList()) {
      Optional<Segment> s = data.segment(b.getSegmentId()).filter(IndexControl::buildable);
      Optional<IndexInfo> i = Optional.ofNullable(table.indexes().get(b.getIndexId()));
      if (s.isPresent() && i.isPresent() && s.get().getCollectionId() == i.get().getCollectionId()
          && table.buildTask(b.getSegmentId(), b.getIndexId()).isEmpty() && !table.built(b.getSegmentId(), b.getIndexId())
          && seen.add(List.of(b.getSegmentId(), b.getIndexId()))) {
        segments.add(s.get());
        indexes.add(i.get());
      }
    }
    if (segments.isEmpty()) {
      return TaskRecords.ok(List.of(), DataTasksReply.getDefaultInstance());
    }
    long first = ids.nextIdAfter(List.of());
    ApplyResult range = ids.allocate(ctx, IdAllocateRequest.newBuilder().setCount(segments.size()).build());
    if (range.reply().getCode() != ErrorCode.OK) {
      return range;
    }
    List<Record> out = new ArrayList<>(range.records());
    DataTasksReply.Builder reply = DataTasksReply.newBuilder();
    for (int k = 0; k < segments.size(); k++) {
      Segment s = segments.get(k);
      out.add(TaskRecords.task(Task.newBuilder().setId(first + k).setType(TaskType.INDEX_BUILD)
          .setState(TaskState.PIPELINING).setCollectionId(s.getCollectionId()).setPartitionId(s.getPartitionId())
          .setChannel(s.getChannel()).addSegments(s.getId()).setIndexId(indexes.get(k).getId())
          .setSlots(TaskSlots.indexCost(MixPlanner.size(s))).setCreatedMs(ctx.nowMs()).setTrigger("index").build()));
      reply.addTaskIds(first + k);
    }
    return TaskRecords.ok(out, reply.build());
  }

  /** What an index is built on: FLUSHED, not L0, with rows. */
  static boolean buildable(Segment s) {
    return s.getState() == io.raftcoord.proto.datacoord.SegmentState.FLUSHED
        && s.getLevel() != io.raftcoord.proto.datacoord.SegmentLevel.L0 && s.getNumRows() > 0;
  }

  ApplyResult complete(ApplyContext ctx, CompleteIndexBuild c) {
    Optional<Task> task = table.task(c.getTaskId());
    Optional<Refusal> bad = fence.check(c.getNode(), task, c.getTaskId(), "complete index build");
    if (bad.isEmpty() && task.get().getType() != TaskType.INDEX_BUILD) {
      bad = Optional.of(new Refusal(ErrorCode.INVALID_ARGUMENT, "complete index build: task " + c.getTaskId() + " is "
          + task.get().getType()));
    }
    if (bad.isEmpty() && c.getFileIdsCount() > MAX_FILES) {
      bad = Optional.of(new Refusal(ErrorCode.INVALID_ARGUMENT, "complete index build: " + c.getFileIdsCount()
          + " files, at most " + MAX_FILES));
    }
    if (bad.isPresent()) {
      return bad.get().result();
    }
    Task t = task.get();
    List<Record> out = new ArrayList<>();
    Optional<Segment> s = data.segment(t.getSegments(0));
    // A segment compacted away while it was indexed keeps the build until it is collected.
    if (s.isPresent()) {
      out.add(TaskRecords.wrap(DataTasksEvent.newBuilder().setKind(DataTasksEventKind.SEGMENT_INDEXED)
          .setSegmentIndex(SegmentIndex.newBuilder().setSegmentId(s.get().getId()).setIndexId(t.getIndexId())
              .setBuildId(t.getId()).setNodeId(c.getNode().getServerId()).addAllFileIds(c.getFileIdsList())
              .setSerializedBytes(c.getSerializedBytes()).setRows(s.get().getNumRows()).setFinishedMs(ctx.nowMs()))
          .build()));
    }
    out.add(TaskRecords.task(t.toBuilder().setState(TaskState.COMPLETED).setEndedMs(ctx.nowMs()).setReason("").build()));
    return TaskRecords.ok(out, DataTasksReply.newBuilder().addTaskIds(t.getId()).build());
  }

  private static ApplyResult notFound(String what, String db, String collection) {
    return new Refusal(ErrorCode.NOT_FOUND, what + ": collection " + (db.isEmpty() ? "default" : db) + "." + collection
        + " does not exist").result();
  }
}
