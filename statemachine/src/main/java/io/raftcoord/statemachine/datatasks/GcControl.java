package io.raftcoord.statemachine.datatasks;

import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.IdAllocateRequest;
import io.raftcoord.proto.Record;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.proto.datatasks.CompleteGc;
import io.raftcoord.proto.datatasks.DataTasksEvent;
import io.raftcoord.proto.datatasks.DataTasksEventKind;
import io.raftcoord.proto.datatasks.DataTasksReply;
import io.raftcoord.proto.datatasks.IndexInfo;
import io.raftcoord.proto.datatasks.PlanGc;
import io.raftcoord.proto.datatasks.SegmentIndex;
import io.raftcoord.proto.datatasks.Task;
import io.raftcoord.proto.datatasks.TaskState;
import io.raftcoord.proto.datatasks.TaskType;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.apply.ApplyResult;
import io.raftcoord.statemachine.datacoord.DataCoordTable;
import io.raftcoord.statemachine.datacoord.SegmentRewrites;
import io.raftcoord.statemachine.ids.IdControl;
import io.raftcoord.statemachine.pipeline.Refusal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Garbage collection: the GC duty's plan becomes a task holding DROPPED segments; a worker deletes
 * their binlog and index files and confirms, and then, in one entry, the segments' metadata and
 * their finished builds go. Until the confirmation nothing is removed, so files are never orphaned
 * by a crash between the two.
 */
final class GcControl {
  static final int MAX_SEGMENTS = 1024;

  private final DataTasksTable table;
  private final DataCoordTable data;
  private final IdControl ids;
  private final WorkerFence fence;

  GcControl(DataTasksTable table, DataCoordTable data, IdControl ids, WorkerFence fence) {
    this.table = table;
    this.data = data;
    this.ids = ids;
    this.fence = fence;
  }

  ApplyResult plan(ApplyContext ctx, PlanGc c) {
    if (c.getSegmentsCount() > MAX_SEGMENTS) {
      return new Refusal(ErrorCode.INVALID_ARGUMENT, "plan gc: " + c.getSegmentsCount() + " segments, at most "
          + MAX_SEGMENTS).result();
    }
    List<Long> still = new ArrayList<>();
    for (long id : c.getSegmentsList().stream().distinct().toList()) {
      Optional<Segment> s = data.segment(id);
      if (s.isPresent() && s.get().getState() == SegmentState.DROPPED && s.get().getCollectionId() == c.getCollectionId()
          && s.get().getChannel().equals(c.getChannel()) && table.holder(id).isEmpty()
          && s.get().getDroppedMs() + table.settings().getDropToleranceMs() <= ctx.nowMs()) {
        still.add(id);
      }
    }
    if (still.isEmpty()) {
      return TaskRecords.ok(List.of(), DataTasksReply.getDefaultInstance());
    }
    long id = ids.nextIdAfter(List.of());
    ApplyResult range = ids.allocate(ctx, IdAllocateRequest.newBuilder().setCount(1).build());
    if (range.reply().getCode() != ErrorCode.OK) {
      return range;
    }
    List<Record> out = new ArrayList<>(range.records());
    out.add(TaskRecords.task(Task.newBuilder().setId(id).setType(TaskType.GC).setState(TaskState.PIPELINING)
        .setCollectionId(c.getCollectionId()).setChannel(c.getChannel()).addAllSegments(still)
        .setSlots(TaskSlots.cost(TaskType.GC, 0)).setCreatedMs(ctx.nowMs()).setTrigger("gc").build()));
    return TaskRecords.ok(out, DataTasksReply.newBuilder().addTaskIds(id).build());
  }

  ApplyResult complete(ApplyContext ctx, CompleteGc c) {
    Optional<Task> task = table.task(c.getTaskId());
    Optional<Refusal> bad = fence.check(c.getNode(), task, c.getTaskId(), "complete gc");
    if (bad.isEmpty() && task.get().getType() != TaskType.GC) {
      bad = Optional.of(new Refusal(ErrorCode.INVALID_ARGUMENT, "complete gc: task " + c.getTaskId() + " is "
          + task.get().getType()));
    }
    if (bad.isPresent()) {
      return bad.get().result();
    }
    Task t = task.get();
    List<IndexInfo> indexes = table.indexesOf(t.getCollectionId());
    List<Record> out = new ArrayList<>();
    for (long id : t.getSegmentsList()) {
      Optional<Segment> s = data.segment(id).filter(x -> x.getState() == SegmentState.DROPPED);
      if (s.isEmpty()) {
        continue;
      }
      for (IndexInfo i : indexes) {
        if (table.built(id, i.getId())) {
          out.add(TaskRecords.wrap(DataTasksEvent.newBuilder().setKind(DataTasksEventKind.SEGMENT_INDEX_REMOVED)
              .setSegmentIndex(SegmentIndex.newBuilder().setSegmentId(id).setIndexId(i.getId())).build()));
        }
      }
      out.add(SegmentRewrites.removed(s.get()));
    }
    out.add(TaskRecords.task(t.toBuilder().setState(TaskState.COMPLETED).setEndedMs(ctx.nowMs()).setReason("").build()));
    return TaskRecords.ok(out, DataTasksReply.newBuilder().addTaskIds(t.getId()).build());
  }
}
