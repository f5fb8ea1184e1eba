package io.raftcoord.statemachine.datatasks;

import io.raftcoord.proto.datatasks.Task;
import io.raftcoord.proto.datatasks.TaskAssignment;
import io.raftcoord.proto.datatasks.TaskType;
import io.raftcoord.proto.session.SessionRef;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The one scheduler for compaction, index and GC tasks (Milvus's global scheduler): queued tasks,
 * GC first, then L0 compactions, then other compactions and index builds together, oldest first,
 * each go to the worker with the most free slots that has room for them, preferring workers the
 * task has not failed on. A worker's free slots are what it reported, less what the table says it
 * holds beyond its own count, less what this round gave it. A task larger than any worker's total
 * goes to an idle worker (it would never fit otherwise). Pure; ties break by server id.
 */
final class TaskScheduler {
  private TaskScheduler() {}

  /**
   * @param free a worker's free slots now
   * @param total its slots in all
   */
  record Worker(SessionRef node, int total, int free) {}

  static List<TaskAssignment> assign(List<Task> queue, List<Worker> workers, int max) {
    List<Task> ordered = new ArrayList<>(queue);
    ordered.sort(Comparator.comparingInt((Task t) -> priority(t.getType())).thenComparingLong(Task::getId));
    int n = workers.size();
    int[] free = new int[n];
    for (int i = 0; i < n; i++) {
      free[i] = Math.max(0, workers.get(i).free());
    }
    List<TaskAssignment> out = new ArrayList<>();
    Room room = Room.of(workers, free);
    for (Task t : ordered) {
      if (out.size() >= max || room.maxFree() == 0) {
        break;
      }
      if (t.getSlots() > room.maxFree() && !room.anyIdle()) {
        continue; // fits nowhere: skip it without looking at every worker
      }
      int best = -1;
      boolean bestTried = true;
      for (int i = 0; i < n; i++) {
        Worker w = workers.get(i);
        boolean fits = free[i] >= t.getSlots() || free[i] == w.total() && w.total() > 0;
        if (!fits) {
          continue;
        }
        boolean tried = t.getTriedNodesList().contains(w.node().getServerId());
        if (best < 0 || (bestTried && !tried) || (bestTried == tried && (free[i] > free[best]
            || free[i] == free[best] && w.node().getServerId() < workers.get(best).node().getServerId()))) {
          best = i;
          bestTried = tried;
        }
      }
      if (best >= 0) {
        free[best] = Math.max(0, free[best] - t.getSlots());
        room = Room.of(workers, free);
        out.add(TaskAssignment.newBuilder().setTaskId(t.getId()).setNode(workers.get(best).node()).build());
      }
    }
    return out;
  }

  /** The most free slots any worker has, and whether one is idle (takes a task of any size). */
  private record Room(int maxFree, boolean anyIdle) {
    static Room of(List<Worker> workers, int[] free) {
      int max = 0;
      boolean idle = false;
      for (int i = 0; i < free.length; i++) {
        max = Math.max(max, free[i]);
        idle |= free[i] == workers.get(i).total() && free[i] > 0;
      }
      return new Room(max, idle);
    }
  }

  /**
   * GC comes first: a GC task takes one slot, there is at most one per channel per GC round, and
   * every other type keeps adding the dropped segments it waits to collect (Milvus collects outside
   * its scheduler, so builds never hold collection back there either). L0 compactions next: while
   * one is queued, its channel takes no other compaction. Mix and single compactions and index
   * builds share one rank, oldest first: Milvus gives them separate slot pools, so neither starves
   * the other, and a strict order between them would (mix compactions are planned every round).
   */
  static int priority(TaskType type) {
    return switch (type) {
      case GC -> 0;
      case L0_COMPACTION -> 1;
      case MIX_COMPACTION, SINGLE_COMPACTION, INDEX_BUILD -> 2;
      case TASK_TYPE_NONE, UNRECOGNIZED -> 3;
    };
  }

  /** The types ranked ahead of the rest, in the order the scheduler serves them. */
  static final List<TaskType> FIRST = List.of(TaskType.GC, TaskType.L0_COMPACTION);
}
