package io.raftcoord.statemachine.datatasks;

import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.IdAllocateRequest;
import io.raftcoord.proto.Record;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentBinlogs;
import io.raftcoord.proto.datacoord.SegmentLevel;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.proto.datatasks.CompactedSegment;
import io.raftcoord.proto.datatasks.CompleteCompaction;
import io.raftcoord.proto.datatasks.DataTasksReply;
import io.raftcoord.proto.datatasks.DeltaApplied;
import io.raftcoord.proto.datatasks.PlanCompactions;
import io.raftcoord.proto.datatasks.PlannedCompaction;
import io.raftcoord.proto.datatasks.Task;
import io.raftcoord.proto.datatasks.TaskState;
import io.raftcoord.proto.datatasks.TaskType;
import io.raftcoord.proto.datatasks.TriggerCompaction;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.apply.ApplyResult;
import io.raftcoord.statemachine.catalog.Catalog;
import io.raftcoord.statemachine.datacoord.CollectionLookup;
import io.raftcoord.statemachine.datacoord.DataCoordTable;
import io.raftcoord.statemachine.datacoord.SegmentRewrites;
import io.raftcoord.statemachine.ids.IdControl;
import io.raftcoord.statemachine.pipeline.Refusal;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Compactions: plans become PIPELINING tasks that hold their segments, and a worker's completion
 * swaps inputs for results in one entry. The swap happens wholly or not at all: every check is made
 * before the first record, and a completion that is late, repeated, from another worker or epoch,
 * or whose inputs are no longer FLUSHED is refused and changes nothing.
 */
final class CompactionControl {
  static final int MAX_PLANS = 1024;
  static final int MAX_RESULTS = 64;

  private final DataTasksTable table;
  private final DataCoordTable data;
  private final Catalog catalog;
  private final IdControl ids;
  private final WorkerFence fence;
  private final boolean splitSwap;

  /** @param splitSwap the planted bug: the inputs are left to a second command ({@link #finishSplitSwaps}) */
  CompactionControl(DataTasksTable table, DataCoordTable data, Catalog catalog, IdControl ids, WorkerFence fence,
                    boolean splitSwap) {
    this.table = table;
    this.data = data;
    this.catalog = catalog;
    this.ids = ids;
    this.fence = fence;
    this.splitSwap = splitSwap;
  }

  /** The planner duty's plans: each still valid one becomes a task. */
  ApplyResult plan(ApplyContext ctx, PlanCompactions c) {
    if (c.getPlansCount() > MAX_PLANS) {
      return new Refusal(ErrorCode.INVALID_ARGUMENT, "plan compactions: " + c.getPlansCount() + " plans, at most "
          + MAX_PLANS).result();
    }
    return create(ctx, c.getPlansList(), 0, List.of());
  }

  /** compact(collection): plan now, ignoring the intervals and the trigger thresholds. */
  ApplyResult trigger(ApplyContext ctx, TriggerCompaction c) {
    Optional<CollectionInfo> coll = CollectionLookup.resolve(catalog, c.getDb(), c.getCollection(), c.getCollectionId());
    if (coll.isEmpty()) {
      return new Refusal(ErrorCode.NOT_FOUND, "compact: collection " + (c.getCollectionId() > 0
          ? "id " + c.getCollectionId() : (c.getDb().isEmpty() ? "default" : c.getDb()) + "." + c.getCollection())
          + " does not exist").result();
    }
    List<PlannedCompaction> plans = CompactionPlanner.plan(CompactionGroups.of(coll.get().getId(), data, table),
        table.settings(), true, true, true, "manual");
    long triggerId = ids.nextIdAfter(List.of());
    ApplyResult trigger = ids.allocate(ctx, IdAllocateRequest.newBuilder().setCount(1).build());
    if (trigger.reply().getCode() != ErrorCode.OK) {
      return trigger;
    }
    return create(ctx, plans.subList(0, Math.min(plans.size(), MAX_PLANS)), triggerId, trigger.records());
  }

  private ApplyResult create(ApplyContext ctx, List<PlannedCompaction> plans, long triggerId, List<Record> earlier) {
    List<PlannedCompaction> valid = new ArrayList<>();
    Set<Long> taken = new HashSet<>();
    for (PlannedCompaction p : plans) {
      if (stillValid(p, taken)) {
        valid.add(p);
        taken.addAll(p.getSegmentsList());
        taken.addAll(p.getTargetsList());
      }
    }
    List<Record> out = new ArrayList<>(earlier);
    DataTasksReply.Builder reply = DataTasksReply.newBuilder().setTriggerId(triggerId);
    if (!valid.isEmpty()) {
      long first = ids.nextIdAfter(earlier);
      ApplyResult range = ids.allocate(ctx, IdAllocateRequest.newBuilder().setCount(valid.size()).build(), earlier);
      if (range.reply().getCode() != ErrorCode.OK) {
        return range;
      }
      out.addAll(range.records());
      for (int i = 0; i < valid.size(); i++) {
        PlannedCompaction p = valid.get(i);
        out.add(TaskRecords.task(Task.newBuilder().setId(first + i).setType(p.getType()).setState(TaskState.PIPELINING)
            .setCollectionId(p.getCollectionId()).setPartitionId(p.getPartitionId()).setChannel(p.getChannel())
            .addAllSegments(p.getSegmentsList()).addAllTargets(p.getTargetsList()).setSlots(TaskSlots.cost(p.getType(), 0))
            .setCreatedMs(ctx.nowMs()).setTrigger(p.getTrigger()).setTriggerId(triggerId).build()));
        reply.addTaskIds(first + i);
      }
    }
    return TaskRecords.ok(out, reply.build());
  }

  /** Every input FLUSHED, of the plan's collection, channel (and partition, for L1), level, in no open task. */
  private boolean stillValid(PlannedCompaction p, Set<Long> taken) {
    boolean l0 = p.getType() == TaskType.L0_COMPACTION;
    if (p.getSegmentsCount() == 0 || (!l0 && p.getTargetsCount() > 0)
        || (p.getType() == TaskType.SINGLE_COMPACTION && p.getSegmentsCount() != 1)
        || (p.getType() == TaskType.MIX_COMPACTION && p.getSegmentsCount() < 2)) {
      return false;
    }
    for (long id : p.getSegmentsList()) {
      if (!usable(id, p, l0, taken)) {
        return false;
      }
    }
    for (long id : p.getTargetsList()) {
      if (!usable(id, p, false, taken)) {
        return false;
      }
    }
    return new HashSet<>(p.getSegmentsList()).size() == p.getSegmentsCount();
  }

  private boolean usable(long id, PlannedCompaction p, boolean l0, Set<Long> taken) {
    Optional<Segment> s = data.segment(id);
    return s.isPresent() && s.get().getState() == SegmentState.FLUSHED && s.get().getCollectionId() == p.getCollectionId()
        && s.get().getChannel().equals(p.getChannel()) && (s.get().getLevel() == SegmentLevel.L0) == l0
        && (l0 || p.getType() == TaskType.L0_COMPACTION || s.get().getPartitionId() == p.getPartitionId())
        && table.holder(id).isEmpty() && !taken.contains(id);
  }

  ApplyResult complete(ApplyContext ctx, CompleteCompaction c) {
    Optional<Task> task = table.task(c.getTaskId());
    Optional<Refusal> bad = fence.check(c.getNode(), task, c.getTaskId(), "complete compaction");
    if (bad.isEmpty() && task.get().getType() != TaskType.MIX_COMPACTION && task.get().getType() != TaskType.L0_COMPACTION
        && task.get().getType() != TaskType.SINGLE_COMPACTION) {
      bad = Optional.of(new Refusal(ErrorCode.INVALID_ARGUMENT, "complete compaction: task " + c.getTaskId() + " is "
          + task.get().getType()));
    }
    if (bad.isPresent()) {
      return bad.get().result();
    }
    Task t = task.get();
    List<Segment> inputs = new ArrayList<>();
    for (long id : t.getSegmentsList()) {
      Optional<Segment> s = data.segment(id).filter(x -> x.getState() == SegmentState.FLUSHED);
      if (s.isEmpty()) {
        return changed(t, id);
      }
      inputs.add(s.get());
    }
    Map<Long, Segment> targets = new LinkedHashMap<>();
    for (long id : t.getTargetsList()) {
      Optional<Segment> s = data.segment(id).filter(x -> x.getState() == SegmentState.FLUSHED);
      if (s.isEmpty()) {
        return changed(t, id);
      }
      targets.put(id, s.get());
    }
    Optional<Refusal> wrong = t.getType() == TaskType.L0_COMPACTION ? checkDeltas(t, c, inputs, targets)
        : checkResults(t, c, inputs);
    if (wrong.isPresent()) {
      return wrong.get().result();
    }
    List<Record> out = new ArrayList<>();
    DataTasksReply.Builder reply = DataTasksReply.newBuilder().addTaskIds(t.getId());
    List<CompactedSegment> results = c.getResultsList().stream().filter(r -> r.getNumRows() > 0).toList();
    long first = ids.nextIdAfter(List.of());
    if (!results.isEmpty()) {
      ApplyResult range = ids.allocate(ctx, IdAllocateRequest.newBuilder().setCount(results.size()).build());
      if (range.reply().getCode() != ErrorCode.OK) {
        return range;
      }
      out.addAll(range.records());
    }
    Task.Builder done = t.toBuilder().setState(TaskState.COMPLETED).setEndedMs(ctx.nowMs()).setReason("");
    for (int i = 0; i < results.size(); i++) {
      CompactedSegment r = results.get(i);
      SegmentBinlogs logs = SegmentBinlogs.newBuilder().addAllBinlogs(r.getBinlogsList())
          .addAllStatslogs(r.getStatslogsList()).addAllDeltalogs(r.getDeltalogsList()).build();
      Segment made = SegmentRewrites.result(first + i, inputs, r.getNumRows(), logs,
          t.getType() == TaskType.MIX_COMPACTION ? SegmentLevel.L1 : inputs.get(0).getLevel(), ctx.nowMs());
      out.add(SegmentRewrites.added(made, logs));
      done.addResults(made.getId());
      reply.addSegmentIds(made.getId());
    }
    for (DeltaApplied d : mergedDeltas(c.getDeltasList())) {
      out.add(SegmentRewrites.deltasApplied(targets.get(d.getSegmentId()), d.getDeltalogsList(), t.getId()));
    }
    if (!splitSwap) {
      inputs.forEach(s -> out.add(SegmentRewrites.compactedAway(s, ctx.nowMs())));
    }
    // Builds of the inputs are useless now: their segments are gone from every target.
    for (Segment s : inputs) {
      for (long index : table.indexes().keySet()) {
        table.buildTask(s.getId(), index).flatMap(table::task).filter(DataTasksTable::isOpen)
            .ifPresent(b -> out.add(TaskRecords.removed(b, false)));
      }
    }
    out.add(TaskRecords.task(done.build()));
    return TaskRecords.ok(out, reply.build());
  }

  /**
   * The planted bug's second command: inputs of completed compactions still FLUSHED are dropped
   * now (empty without the bug).
   */
  List<Record> finishSplitSwaps(ApplyContext ctx) {
    if (!splitSwap) {
      return List.of();
    }
    List<Record> out = new ArrayList<>();
    for (Task t : table.tasks().values()) {
      if (t.getState() == TaskState.COMPLETED && t.getType() != TaskType.INDEX_BUILD && t.getType() != TaskType.GC) {
        for (long id : t.getSegmentsList()) {
          data.segment(id).filter(s -> s.getState() == SegmentState.FLUSHED)
              .ifPresent(s -> out.add(SegmentRewrites.compactedAway(s, ctx.nowMs())));
        }
      }
    }
    return out;
  }

  private static ApplyResult changed(Task t, long segmentId) {
    return new Refusal(ErrorCode.FAILED_PRECONDITION, "complete compaction: task " + t.getId() + ": segment "
        + segmentId + " is no longer FLUSHED; nothing was changed").result();
  }

  /** Mix and single: the results hold no more rows than the inputs (deleted rows leave). */
  private static Optional<Refusal> checkResults(Task t, CompleteCompaction c, List<Segment> inputs) {
    if (c.getDeltasCount() > 0) {
      return Optional.of(new Refusal(ErrorCode.INVALID_ARGUMENT, "complete compaction: task " + t.getId() + " is "
          + t.getType() + " and takes results, not deltas"));
    }
    if (c.getResultsCount() > MAX_RESULTS) {
      return Optional.of(new Refusal(ErrorCode.INVALID_ARGUMENT, "complete compaction: " + c.getResultsCount()
          + " results, at most " + MAX_RESULTS));
    }
    long in = inputs.stream().mapToLong(Segment::getNumRows).sum();
    long outRows = 0;
    for (CompactedSegment r : c.getResultsList()) {
      if (r.getNumRows() < 0) {
        return Optional.of(new Refusal(ErrorCode.INVALID_ARGUMENT, "complete compaction: a result has "
            + r.getNumRows() + " rows"));
      }
      outRows += r.getNumRows();
    }
    if (outRows > in) {
      return Optional.of(new Refusal(ErrorCode.INVALID_ARGUMENT, "complete compaction: task " + t.getId()
          + " results hold " + outRows + " rows, more than the " + in + " rows of its inputs"));
    }
    return Optional.empty();
  }

  /** L0: deltas only for the task's targets, no more deletes than the L0 inputs hold. */
  private static Optional<Refusal> checkDeltas(Task t, CompleteCompaction c, List<Segment> inputs,
                                               Map<Long, Segment> targets) {
    if (c.getResultsCount() > 0) {
      return Optional.of(new Refusal(ErrorCode.INVALID_ARGUMENT, "complete compaction: task " + t.getId()
          + " is an L0 compaction and takes deltas, not new segments"));
    }
    long held = inputs.stream().mapToLong(Segment::getDeltalogEntries).sum();
    long applied = 0;
    for (DeltaApplied d : c.getDeltasList()) {
      if (!targets.containsKey(d.getSegmentId())) {
        return Optional.of(new Refusal(ErrorCode.INVALID_ARGUMENT, "complete compaction: segment " + d.getSegmentId()
            + " is not a target of L0 task " + t.getId()));
      }
      applied += SegmentRewrites.entries(d.getDeltalogsList());
    }
    if (applied > held) {
      return Optional.of(new Refusal(ErrorCode.INVALID_ARGUMENT, "complete compaction: task " + t.getId()
          + " applies " + applied + " deletes, more than the " + held + " its L0 segments hold"));
    }
    return Optional.empty();
  }

  /** One delta set per target, in target order of first appearance. */
  private static List<DeltaApplied> mergedDeltas(List<DeltaApplied> deltas) {
    Map<Long, DeltaApplied.Builder> out = new LinkedHashMap<>();
    for (DeltaApplied d : deltas) {
      out.computeIfAbsent(d.getSegmentId(), id -> DeltaApplied.newBuilder().setSegmentId(id))
          .addAllDeltalogs(d.getDeltalogsList());
    }
    return out.values().stream().map(DeltaApplied.Builder::build).filter(d -> d.getDeltalogsCount() > 0).toList();
  }
}
