package io.raftcoord.statemachine.datatasks;

import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Record;
import io.raftcoord.proto.datatasks.AssignTasks;
import io.raftcoord.proto.datatasks.DataTasksSettings;
import io.raftcoord.proto.datatasks.DataTasksReply;
import io.raftcoord.proto.datatasks.ExpireTasks;
import io.raftcoord.proto.datatasks.FailTask;
import io.raftcoord.proto.datatasks.Task;
import io.raftcoord.proto.datatasks.TaskAssignment;
import io.raftcoord.proto.datatasks.TaskState;
import io.raftcoord.proto.session.Session;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.apply.ApplyResult;
import io.raftcoord.statemachine.pipeline.Refusal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A task's life after it is planned: handed to a worker (PIPELINING → EXECUTING), lost (timeout,
 * the worker's failure or its session's end) and queued again on another worker or ended for good
 * after {@code max_attempts}, and removed once terminal for {@code clean_after_ms}. A worker whose
 * session ends gives its tasks back in the same entry; that does not count as an attempt.
 */
final class TaskControl {
  static final int MAX_PER_COMMAND = 4096;

  private final DataTasksTable table;
  private final WorkerFence fence;

  TaskControl(DataTasksTable table, WorkerFence fence) {
    this.table = table;
    this.fence = fence;
  }

  ApplyResult assign(ApplyContext ctx, AssignTasks c) {
    if (c.getAssignmentsCount() > MAX_PER_COMMAND) {
      return new Refusal(ErrorCode.INVALID_ARGUMENT, "assign tasks: " + c.getAssignmentsCount()
          + " assignments, at most " + MAX_PER_COMMAND).result();
    }
    List<Record> out = new ArrayList<>();
    DataTasksReply.Builder reply = DataTasksReply.newBuilder();
    java.util.Set<Long> seen = new java.util.HashSet<>();
    for (TaskAssignment a : c.getAssignmentsList()) {
      Optional<Task> t = table.task(a.getTaskId());
      if (!seen.add(a.getTaskId()) || t.isEmpty() || t.get().getState() != TaskState.PIPELINING
          || !fence.mayTake(a.getNode())) {
        continue; // planned from an older state: left alone
      }
      out.add(TaskRecords.task(t.get().toBuilder().setState(TaskState.EXECUTING).setNode(a.getNode())
          .setStartedMs(ctx.nowMs()).build()));
      reply.addTaskIds(a.getTaskId());
    }
    return TaskRecords.ok(out, reply.build());
  }

  ApplyResult expire(ApplyContext ctx, ExpireTasks c) {
    if (c.getTimedOutCount() + c.getCleanCount() > MAX_PER_COMMAND) {
      return new Refusal(ErrorCode.INVALID_ARGUMENT, "expire tasks: more than " + MAX_PER_COMMAND + " tasks").result();
    }
    List<Record> out = new ArrayList<>();
    DataTasksReply.Builder reply = DataTasksReply.newBuilder();
    for (long id : c.getTimedOutList().stream().distinct().toList()) {
      Optional<Task> t = table.task(id);
      if (t.isPresent() && t.get().getState() == TaskState.EXECUTING
          && t.get().getStartedMs() + timeoutMs(t.get(), table.settings()) <= ctx.nowMs()) {
        out.add(TaskRecords.task(lost(t.get(), ctx.nowMs(), "timed out after " + timeoutMs(t.get(), table.settings()) + " ms on worker "
            + t.get().getNode().getServerId(), true, TaskState.TIMEOUT)));
        reply.addTaskIds(id);
      }
    }
    for (long id : c.getCleanList().stream().distinct().toList()) {
      Optional<Task> t = table.task(id);
      if (t.isPresent() && !DataTasksTable.isOpen(t.get())
          && t.get().getEndedMs() + table.settings().getCleanAfterMs() <= ctx.nowMs()) {
        out.add(TaskRecords.removed(t.get().toBuilder().setState(TaskState.CLEANED).build(), false));
      }
    }
    return TaskRecords.ok(out, reply.build());
  }

  ApplyResult fail(ApplyContext ctx, FailTask c) {
    Optional<Task> t = table.task(c.getTaskId());
    Optional<Refusal> bad = fence.check(c.getNode(), t, c.getTaskId(), "fail task");
    if (bad.isPresent()) {
      return bad.get().result();
    }
    String reason = c.getReason().length() > 512 ? c.getReason().substring(0, 512) : c.getReason();
    Task after = lost(t.get(), ctx.nowMs(), "worker " + c.getNode().getServerId() + " failed: " + reason, true,
        TaskState.FAILED);
    return TaskRecords.ok(List.of(TaskRecords.task(after)), DataTasksReply.newBuilder().addTaskIds(after.getId()).build());
  }

  /** A worker's session ended: its EXECUTING tasks go back to the queue in the same entry. */
  List<Record> workerGone(ApplyContext ctx, Session s) {
    List<Record> out = new ArrayList<>();
    for (long id : List.copyOf(table.executingOn(s.getServerId()))) {
      Task t = table.task(id).orElseThrow();
      out.add(TaskRecords.task(lost(t, ctx.nowMs(), "worker " + s.getServerId() + " session ended (" + s.getState()
          + ")", false, TaskState.FAILED)));
    }
    return out;
  }

  /**
   * {@code t} after losing its worker: queued again (another worker first), or {@code terminal}
   * once {@code countsAttempt} brings it to {@code max_attempts}.
   */
  Task lost(Task t, long nowMs, String reason, boolean countsAttempt, TaskState terminal) {
    int attempts = t.getAttempts() + (countsAttempt ? 1 : 0);
    Task.Builder b = t.toBuilder().setAttempts(attempts).setReason(reason).clearNode();
    if (!b.getTriedNodesList().contains(t.getNode().getServerId())) {
      b.addTriedNodes(t.getNode().getServerId());
    }
    if (attempts >= table.settings().getMaxAttempts()) {
      return b.setState(terminal).setEndedMs(nowMs).build();
    }
    return b.setState(TaskState.PIPELINING).setStartedMs(0).build();
  }

  /** How long a task may stay EXECUTING on one worker. */
  static long timeoutMs(Task t, DataTasksSettings s) {
    return switch (t.getType()) {
      case INDEX_BUILD -> s.getIndexTimeoutMs();
      case MIX_COMPACTION, L0_COMPACTION, SINGLE_COMPACTION, GC, TASK_TYPE_NONE, UNRECOGNIZED -> s.getCompactionTimeoutMs();
    };
  }
}
