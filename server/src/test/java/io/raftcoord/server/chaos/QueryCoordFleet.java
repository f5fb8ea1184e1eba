package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.QueryCoordWorkload.DEADLINE;
import static io.raftcoord.server.chaos.QueryCoordWorkload.HEARTBEAT;
import static io.raftcoord.server.chaos.QueryCoordWorkload.LOAD_PER_SEGMENT;
import static io.raftcoord.server.chaos.QueryCoordWorkload.NODES;
import static io.raftcoord.server.chaos.QueryCoordWorkload.NODE_CLIENTS;
import static io.raftcoord.server.chaos.QueryCoordWorkload.POLL;
import static io.raftcoord.server.chaos.QueryCoordWorkload.SETUP;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.QueryNodeAgent;
import io.raftcoord.server.chaos.QueryCoordRecords.NodeEvent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The querycoord workload's query nodes ({@code QueryNodeAgent}s, sessions of role querynode)
 * and what is done to them: started at setup, then every few seconds one is halted (a crash: its
 * session expires after the TTL) or stopped gracefully (drained, then closed), and a replacement
 * started. Every start, halt, stop and close, and every session change an agent makes by itself,
 * is one {@link NodeEvent} in the history, recorded before (halt, stop) or after (start, close)
 * the act, so that the checker never sees a node do something before its event. Node {@code i}
 * is named {@code qn<i>}; nodes are never reused.
 */
final class QueryCoordFleet {
  private static final Logger LOG = LoggerFactory.getLogger(QueryCoordFleet.class);
  /** How long a stopping node may take to hand its segments and channels over before it is closed. */
  private static final long DRAIN_SECONDS = 15;

  private final QueryCoordHistory history;
  private final List<CoordClient> clients;
  private final BooleanSupplier running;
  private final List<QueryCoordNode> nodes = new CopyOnWriteArrayList<>();
  private final List<Thread> drains = new CopyOnWriteArrayList<>();
  private int started;

  /** {@code clients}: the nodes' clients, shared round-robin (the workload closes them). */
  QueryCoordFleet(QueryCoordHistory history, List<CoordClient> clients, BooleanSupplier running) {
    this.history = history;
    this.clients = clients;
    this.running = running;
  }

  /** How many nodes have been started (registered) so far, replacements included. */
  int started() {
    return started;
  }

  /** Starts {@link QueryCoordWorkload#NODES} nodes; the faults have not begun, so failing for long is an error. */
  void startAtSetup() {
    for (int i = 0; i < NODES; i++) {
      long deadline = System.nanoTime() + SETUP.toNanos();
      while (!startNode()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not register query node " + i + " within " + SETUP);
        }
        Steps.sleep(250);
      }
    }
  }

  private synchronized boolean startNode() {
    String name = "qn" + (started++);
    QueryNodeAgent a;
    try {
      a = QueryNodeAgent.builder(clients.get(started % NODE_CLIENTS), "127.0.0.1:" + (46000 + started))
          .heartbeatInterval(HEARTBEAT).pollInterval(POLL).loadPerSegment(LOAD_PER_SEGMENT).start();
    } catch (RuntimeException e) {
      LOG.info("querycoord: query node {} could not register: {}", name, e.toString());
      return false;
    }
    QueryCoordNode n = new QueryCoordNode(name, a);
    n.lastServerId = n.sessionId();
    nodes.add(n);
    history.event(new NodeEvent("start", name, n.lastServerId, history.nowMs()));
    return true;
  }

  /** The server ids of the nodes alive now (see {@link QueryCoordNode#aliveId}). */
  Set<Long> alive() {
    Set<Long> out = new HashSet<>();
    for (QueryCoordNode n : nodes) {
      long id = n.aliveId();
      if (id != 0) {
        out.add(id);
      }
    }
    return out;
  }

  /** Records the session changes the agents made by themselves (lost, registered again). */
  void noteSessions() {
    for (QueryCoordNode n : nodes) {
      if (n.halted || n.closed) {
        continue;
      }
      long id = n.sessionId();
      if (id != n.lastServerId) {
        history.event(new NodeEvent(id == 0 ? "lost" : "session", n.name, id == 0 ? n.lastServerId : id,
            history.nowMs()));
        n.lastServerId = id;
      }
    }
  }

  /** Every 5-8 s while running: halt a node (two rounds in three) or stop one gracefully, and start a replacement. */
  void churnLoop(Random rnd) {
    for (int round = 1; WorkloadThreads.pause(running, 5000 + rnd.nextInt(3001)); round++) {
      List<QueryCoordNode> live = nodes.stream().filter(n -> n.aliveId() != 0).toList();
      if (!live.isEmpty()) {
        QueryCoordNode victim = live.get(rnd.nextInt(live.size()));
        long id = victim.aliveId();
        if (round % 3 == 0) {
          victim.stopping = true;
          history.event(new NodeEvent("stop", victim.name, id, history.nowMs()));
          try {
            victim.agent.stopGracefully();
          } catch (RuntimeException e) {
            LOG.info("querycoord: stopping {} failed: {}", victim.name, e.toString());
          }
          drains.add(WorkloadThreads.daemon("querycoord-drain-" + victim.name, () -> drainThenClose(victim)));
        } else {
          victim.halted = true;
          history.event(new NodeEvent("halt", victim.name, id, history.nowMs()));
          victim.agent.halt();
        }
      }
      while (running.getAsBoolean() && !startNode()) {
        WorkloadThreads.pause(running, 500);
      }
    }
  }

  /** A stopping node is closed once it serves nothing (or after {@link #DRAIN_SECONDS}). */
  private void drainThenClose(QueryCoordNode n) {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(DRAIN_SECONDS);
    while (System.nanoTime() < until && !(n.agent.serving().isEmpty() && n.agent.delegating().isEmpty())) {
      Steps.sleep(200);
    }
    closeNode(n);
  }

  /** Deregisters the node (its session ends as removed), once. */
  private void closeNode(QueryCoordNode n) {
    synchronized (n) {
      if (n.closed) {
        return;
      }
      n.closed = true;
    }
    history.event(new NodeEvent("close", n.name, n.lastServerId, history.nowMs()));
    try {
      n.agent.close();
    } catch (RuntimeException e) {
      LOG.debug("querycoord: closing {}: {}", n.name, e.toString());
    }
  }

  /** Waits for the stopping nodes to be closed (after the churn has ended). */
  void joinDrains() throws InterruptedException {
    for (Thread t : drains) {
      t.join(20_000);
    }
  }

  /** The end: deregisters, in parallel, every node neither halted nor closed. */
  void closeRemaining() throws InterruptedException {
    List<Thread> closing = new ArrayList<>();
    for (QueryCoordNode n : nodes) {
      if (!n.halted && !n.closed) {
        closing.add(WorkloadThreads.daemon("querycoord-close-" + n.name, () -> closeNode(n)));
      }
    }
    for (Thread t : closing) {
      t.join(DEADLINE.toMillis() * 4);
    }
  }

  /** An abort: halts every node not closed (their sessions expire), without waiting for anything. */
  void haltAll() {
    for (QueryCoordNode n : nodes) {
      if (!n.closed) {
        n.halted = true;
        n.agent.halt();
      }
    }
  }
}
