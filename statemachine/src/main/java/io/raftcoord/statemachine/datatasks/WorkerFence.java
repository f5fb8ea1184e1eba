package io.raftcoord.statemachine.datatasks;

import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionRef;
import io.raftcoord.proto.session.SessionState;
import io.raftcoord.proto.datatasks.Task;
import io.raftcoord.proto.datatasks.TaskState;
import io.raftcoord.statemachine.pipeline.Refusal;
import io.raftcoord.statemachine.session.SessionTable;
import java.util.List;
import java.util.Optional;

/**
 * Who may report on a task: the worker session (server id and epoch) it was handed to, while the
 * task is EXECUTING and that session is live. A report from anyone else, from an older epoch, after
 * the task moved on (completed, timed out, returned to the queue) or for a task that is gone gets
 * a refusal and changes nothing; a worker that was too slow learns it from the refusal.
 */
final class WorkerFence {
  /** Session roles that run compaction, index and GC tasks (Milvus 2.5 merged index nodes into data nodes). */
  static final List<String> ROLES = List.of("datanode", "indexnode");

  private final SessionTable sessions;

  WorkerFence(SessionTable sessions) {
    this.sessions = sessions;
  }

  Optional<Refusal> check(SessionRef node, Optional<Task> task, long taskId, String what) {
    if (node.getServerId() == 0) {
      return Optional.of(new Refusal(ErrorCode.INVALID_ARGUMENT, what + ": the reporting worker's session is missing"));
    }
    if (task.isEmpty()) {
      return Optional.of(new Refusal(ErrorCode.NOT_FOUND, what + ": task " + taskId + " does not exist (cleaned,"
          + " or its collection was dropped)"));
    }
    Task t = task.get();
    if (t.getState() != TaskState.EXECUTING) {
      return Optional.of(new Refusal(ErrorCode.FAILED_PRECONDITION, what + ": task " + taskId + " is " + t.getState()
          + ", not EXECUTING (a late or repeated report)"));
    }
    if (!t.getNode().equals(node)) {
      return Optional.of(new Refusal(ErrorCode.STALE_EPOCH, what + ": task " + taskId + " is held by worker "
          + t.getNode().getServerId() + " epoch " + t.getNode().getEpoch() + ", not " + node.getServerId() + " epoch "
          + node.getEpoch()));
    }
    Optional<Session> s = sessions.get(node.getServerId());
    if (s.isEmpty() || s.get().getEpoch() != node.getEpoch() || !SessionTable.isLive(s.get())) {
      return Optional.of(new Refusal(ErrorCode.STALE_EPOCH, what + ": the session of worker " + node.getServerId()
          + " epoch " + node.getEpoch() + " has ended"));
    }
    return Optional.empty();
  }

  /** Whether a task may be handed to this session now: a live, ACTIVE worker at that epoch. */
  boolean mayTake(SessionRef node) {
    Optional<Session> s = sessions.get(node.getServerId());
    return s.isPresent() && s.get().getEpoch() == node.getEpoch() && s.get().getState() == SessionState.ACTIVE
        && ROLES.contains(s.get().getRole());
  }
}
