package io.raftcoord.statemachine.datatasks;

import io.raftcoord.proto.Command;
import io.raftcoord.proto.datatasks.AssignTasks;
import io.raftcoord.proto.datatasks.ExpireTasks;
import io.raftcoord.proto.datatasks.Task;
import io.raftcoord.proto.datatasks.TaskAssignment;
import io.raftcoord.proto.datatasks.TaskType;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionRef;
import io.raftcoord.proto.session.SessionState;
import io.raftcoord.statemachine.domain.LeaderDuty;
import io.raftcoord.statemachine.session.SessionTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every 100 ms (Milvus's scheduler period): queued tasks go to workers through
 * {@link TaskScheduler}, with the free slots workers reported (soft state) checked against what
 * the table says they hold; EXECUTING tasks past their timeout and terminal tasks past the clean
 * delay are expired. Apply re-checks every step against the entry's state and clock.
 */
final class SchedulerDuty implements LeaderDuty {
  /** Queued tasks looked at per round, taken in the scheduler's order (type, then age). */
  static final int QUEUE_WINDOW = 16_384;

  private final DataTasksTable table;
  private final SessionTable sessions;
  private final WorkerSlots slots;
  private final java.util.function.LongSupplier clock;

  SchedulerDuty(DataTasksTable table, SessionTable sessions, WorkerSlots slots, java.util.function.LongSupplier clock) {
    this.table = table;
    this.sessions = sessions;
    this.slots = slots;
    this.clock = clock;
  }

  @Override
  public String name() {
    return "datatasks-scheduler";
  }

  @Override
  public long intervalMs() {
    return 100;
  }

  @Override
  public List<Command> plan(When when) {
    List<Command> out = new ArrayList<>();
    int max = table.settings().getMaxTasksPerRound();
    List<TaskScheduler.Worker> workers = table.pipelining().isEmpty() ? List.of() : workers();
    if (workers.stream().anyMatch(w -> w.free() > 0)) {
      List<Task> queue = new ArrayList<>();
      for (TaskType type : TaskScheduler.FIRST) {
        for (long id : table.pipelining(type)) {
          if (queue.size() >= QUEUE_WINDOW) {
            break;
          }
          queue.add(table.task(id).orElseThrow());
        }
      }
      for (long id : table.pipelining()) { // the rest, oldest first
        if (queue.size() >= QUEUE_WINDOW) {
          break;
        }
        Task t = table.task(id).orElseThrow();
        if (!TaskScheduler.FIRST.contains(t.getType())) {
          queue.add(t);
        }
      }
      List<TaskAssignment> assignments = TaskScheduler.assign(queue, workers, max);
      if (!assignments.isEmpty()) {
        out.add(DutyCommands.of(AssignTasks.newBuilder().addAllAssignments(assignments).build()));
      }
    }
    ExpireTasks.Builder expire = ExpireTasks.newBuilder().setPlannedMs(when.leaderTimeMs());
    for (long node : table.busyNodes()) {
      for (long id : table.executingOn(node)) {
        Task t = table.task(id).orElseThrow();
        if (t.getStartedMs() + TaskControl.timeoutMs(t, table.settings()) <= when.leaderTimeMs() && expire.getTimedOutCount() < max) {
          expire.addTimedOut(id);
        }
      }
    }
    expire.addAllClean(table.endedBy(when.leaderTimeMs() - table.settings().getCleanAfterMs(), max));
    if (expire.getTimedOutCount() + expire.getCleanCount() > 0) {
      out.add(DutyCommands.of(expire.build()));
    }
    return out;
  }

  /** Live ACTIVE workers with a fresh slot report, ascending by server id. */
  private List<TaskScheduler.Worker> workers() {
    long now = clock.getAsLong();
    List<TaskScheduler.Worker> out = new ArrayList<>();
    for (Session s : sessions.live()) {
      if (s.getState() != SessionState.ACTIVE || !WorkerFence.ROLES.contains(s.getRole())) {
        continue;
      }
      SessionRef ref = SessionRef.newBuilder().setServerId(s.getServerId()).setEpoch(s.getEpoch()).build();
      Optional<WorkerSlots.Report> r = slots.fresh(ref, now);
      if (r.isEmpty()) {
        continue;
      }
      int held = 0;
      for (long id : table.executingOn(s.getServerId())) {
        held += table.task(id).map(Task::getSlots).orElse(0);
      }
      out.add(new TaskScheduler.Worker(ref, r.get().total(), Math.min(r.get().free(), r.get().total() - held)));
    }
    out.sort(java.util.Comparator.comparingLong(w -> w.node().getServerId()));
    return out;
  }
}
