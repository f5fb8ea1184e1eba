package io.raftcoord.tools.bench;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.TaskWorkerAgent;
import io.raftcoord.proto.datatasks.ListTasks;
import io.raftcoord.proto.datatasks.Task;
import io.raftcoord.proto.datatasks.TaskState;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionList;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The expiry phase of {@code bench.sh tasks}: the K workers holding the most EXECUTING tasks are
 * halted at once (no more heartbeats, polls or reports, as if killed). Apply returns a worker's
 * tasks to the queue in the entry that expires its session, so its time is that entry's stamp
 * (the leader's clock, from the SESSION_EXPIRED change event) minus the halt (this host's clock,
 * which local replicas share); a poll every {@value #POLL_MS} ms confirms that no task is left
 * EXECUTING on it (under load a poll round takes longer than that). The session TTL counts from
 * the last acknowledged heartbeat, up to one interval before the halt.
 */
final class TaskExpiry {
  static final long POLL_MS = 50;

  /**
   * One halted worker: EXECUTING tasks it held just before the halt, the most a poll saw after, when the entry that expired
   * it was stamped and when a poll saw none left (ms after the halt; -1: never).
   */
  record Returned(long serverId, long ackAgeMs, int heldAtHalt, int maxHeld, long returnedMs, long confirmedMs) {}

  private final CoordClient client;

  TaskExpiry(CoordClient client) {
    this.client = client;
  }

  List<Returned> run(TaskFleet fleet, int k, long waitMs) {
    try (SessionEvents events = SessionEvents.start(client)) {
      return run(fleet, k, waitMs, events);
    }
  }

  private List<Returned> run(TaskFleet fleet, int k, long waitMs, SessionEvents events) {
    // Halting idle workers would measure nothing: wait (up to 60 s) until some hold tasks.
    Map<Long, Integer> executing = executingByNode();
    for (int i = 0; i < 600 && executing.isEmpty(); i++) {
      ClosedLoop.sleepQuietly(100);
      executing = executingByNode();
    }
    Map<Long, Integer> busy = executing;
    List<TaskWorkerAgent> pick = new ArrayList<>();
    for (TaskWorkerAgent w : fleet.workers()) {
      if (w.session() != null) {
        pick.add(w);
      }
    }
    pick.sort(Comparator.comparingInt((TaskWorkerAgent w) -> -busy.getOrDefault(w.session().getServerId(), 0)));
    pick = pick.subList(0, Math.min(k, pick.size()));
    int from = events.count();
    long haltWallMs = System.currentTimeMillis();
    long t0 = System.nanoTime();
    Map<Long, Long> ackAge = new HashMap<>();
    Map<Long, Integer> atHalt = new HashMap<>();
    for (TaskWorkerAgent w : pick) {
      ackAge.put(w.session().getServerId(), w.nodeAgent().lastAckAgeMs());
      atHalt.put(w.session().getServerId(), busy.getOrDefault(w.session().getServerId(), 0));
      w.halt();
    }
    Map<Long, Integer> maxHeld = new HashMap<>();
    Map<Long, Long> done = new HashMap<>();
    Set<Long> watching = new HashSet<>(ackAge.keySet());
    while (!watching.isEmpty() && (System.nanoTime() - t0) / 1_000_000 < waitMs) {
      Set<Long> live = liveWorkers();
      long nowMs = (System.nanoTime() - t0) / 1_000_000;
      for (long id : new ArrayList<>(watching)) {
        int held = client.dataTasks().tasks(ListTasks.newBuilder().setNodeId(id).addStates(TaskState.EXECUTING)
            .setLimit(10_000).build()).getTasksCount();
        maxHeld.merge(id, held, Math::max);
        if (held == 0 && !live.contains(id)) {
          done.put(id, nowMs);
          watching.remove(id);
        }
      }
      ClosedLoop.sleepQuietly(POLL_MS);
    }
    Map<Long, Long> expiredMs = new HashMap<>();
    for (SessionEvents.Expired e : events.since(from)) {
      if (ackAge.containsKey(e.serverId())) {
        expiredMs.putIfAbsent(e.serverId(), e.stampMs() - haltWallMs);
      }
    }
    List<Returned> out = new ArrayList<>();
    for (long id : ackAge.keySet()) {
      out.add(new Returned(id, ackAge.get(id), atHalt.getOrDefault(id, 0), maxHeld.getOrDefault(id, 0),
          done.containsKey(id) ? expiredMs.getOrDefault(id, -1L) : -1L, done.getOrDefault(id, -1L)));
    }
    out.sort(Comparator.comparingLong(Returned::serverId));
    return out;
  }

  private Map<Long, Integer> executingByNode() {
    Map<Long, Integer> out = new HashMap<>();
    for (Task t : client.dataTasks().tasks(ListTasks.newBuilder().addStates(TaskState.EXECUTING).setLimit(10_000)
        .build()).getTasksList()) {
      out.merge(t.getNode().getServerId(), 1, Integer::sum);
    }
    return out;
  }

  private Set<Long> liveWorkers() {
    SessionList l = client.sessions().list(TaskWorkerAgent.ROLE, false);
    Set<Long> out = new HashSet<>();
    for (Session s : l.getSessionsList()) {
      out.add(s.getServerId());
    }
    return out;
  }
}
