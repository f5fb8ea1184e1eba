package io.raftcoord.tools.bench;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.NodeAgent;
import io.raftcoord.client.SessionClient;
import io.raftcoord.client.internal.Futures;
import io.raftcoord.client.internal.HeartbeatPipeline;
import io.raftcoord.client.internal.RaftTransport;
import io.raftcoord.proto.session.RegisterSession;
import io.raftcoord.proto.session.Session;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * N simulated nodes of the worker roles (datanode, querynode, indexnode, streamingnode, proxy in
 * turn), each registering a session and heartbeating every interval. Coalesced: each node is a
 * {@link NodeAgent} on the bench's one client, so their heartbeats share queries as agents
 * embedded in one process would. Not coalesced: each node is a {@link DirectNode} with a
 * heartbeat pipeline of its own, one query per heartbeat. The starts are spread evenly over one
 * heartbeat interval, so that the heartbeats are too (as independent nodes' would be).
 *
 * <p>The fleet remembers which node owns every server ID it ever registered (a node gets a new
 * one when it re-registers), which nodes were halted, and every lost() callback.
 */
final class NodeFleet implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeFleet.class);
  static final List<String> ROLES = List.of("datanode", "querynode", "indexnode", "streamingnode", "proxy");

  /** One halted node: its session then, when (wall clock) and how long since its last acknowledged heartbeat. */
  record Halt(int node, long serverId, long epoch, long haltWallMs, long ackAgeMs) {}

  /** A lost() callback: the leader no longer knew the node's session. */
  record Loss(int node, long serverId, long wallMs) {}

  private final CoordClient client;
  private final boolean coalesce;
  private final int size;
  private final long intervalMs;
  private final String tag;
  private final RaftTransport transport;
  private final ScheduledExecutorService timer;
  private final DirectNode.Counters counters = new DirectNode.Counters();
  private final List<SimNode> nodes = new ArrayList<>();
  private final Map<Long, Integer> owners = new ConcurrentHashMap<>();
  private final Set<Integer> halted = ConcurrentHashMap.newKeySet();
  private final List<Loss> losses = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final LongAdder registrations = new LongAdder();

  NodeFleet(CoordClient client, String peers, boolean coalesce, int size, long intervalMs, int raftClients,
      Duration deadline, String tag) {
    this.client = client;
    this.coalesce = coalesce;
    this.size = size;
    this.intervalMs = intervalMs;
    this.tag = tag;
    this.transport = coalesce ? null : new RaftTransport(peers, raftClients, deadline);
    this.timer = coalesce ? null : Executors.newScheduledThreadPool(2, r -> {
      Thread t = new Thread(r, "bench-direct-nodes");
      t.setDaemon(true);
      return t;
    });
    for (int i = 0; i < size; i++) {
      nodes.add(newNode(i, deadline));
    }
  }

  private SimNode newNode(int i, Duration deadline) {
    String role = ROLES.get(i % ROLES.size());
    String address = "10.77." + (i / 250) % 250 + "." + (i % 250 + 1) + ":" + (21000 + i / 62_500);
    NodeAgent.Listener l = listener(i);
    if (coalesce) {
      return new AgentNode(NodeAgent.builder(client, role, address).version("bench").label("bench", tag)
          .heartbeatInterval(Duration.ofMillis(intervalMs)).listener(l));
    }
    RegisterSession req = RegisterSession.newBuilder().setRole(role).setAddress(address).setVersion("bench")
        .addLabels(io.raftcoord.proto.session.Label.newBuilder().setKey("bench").setValue(tag)).build();
    return new DirectNode(client.sessions(), new HeartbeatPipeline(transport, "", deadline.toMillis()), req,
        intervalMs, timer, l, counters);
  }

  private NodeAgent.Listener listener(int node) {
    return new NodeAgent.Listener() {
      @Override
      public void registered(Session s) {
        owners.put(s.getServerId(), node);
        registrations.increment();
      }

      @Override
      public void lost(Session s) {
        losses.add(new Loss(node, s.getServerId(), System.currentTimeMillis()));
      }
    };
  }

  int size() {
    return size;
  }

  boolean coalesced() {
    return coalesce;
  }

  /** Registers every node, starts spread evenly over one heartbeat interval; fails if any registration fails. */
  void start(PrintWriter err, long deadlineMs) {
    long t0 = System.nanoTime();
    ScheduledExecutorService starters = Executors.newScheduledThreadPool(Math.min(size, 32), r -> {
      Thread t = new Thread(r, "bench-node-start");
      t.setDaemon(true);
      return t;
    });
    List<ScheduledFuture<?>> started = new ArrayList<>();
    try {
      for (int i = 0; i < size; i++) {
        SimNode n = nodes.get(i);
        long delayUs = intervalMs * 1000L * i / size;
        started.add(starters.schedule(n::start, delayUs, TimeUnit.MICROSECONDS));
      }
      long waitUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(intervalMs + deadlineMs + 5_000);
      for (int i = 0; i < size; i++) {
        try {
          started.get(i).get(Math.max(1, waitUntil - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
          throw new IllegalStateException("registering node " + i + " failed: "
              + io.raftcoord.tools.cli.CliSupport.describe(Futures.toCoord(e.getCause())), e.getCause());
        } catch (TimeoutException e) {
          throw new IllegalStateException("registering node " + i + " did not finish in time");
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while registering the nodes");
        }
      }
    } catch (RuntimeException e) {
      started.forEach(f -> f.cancel(false));
      throw e;
    } finally {
      starters.shutdown();
    }
    err.printf(Locale.ROOT, "sessions: %d nodes registered in %.1f s (starts spread over %d ms), heartbeating every %d ms%n",
        size, (System.nanoTime() - t0) / 1e9, intervalMs, intervalMs);
    err.flush();
  }

  /** The node that registered {@code serverId} at some point, or null if not one of ours. */
  Integer owner(long serverId) {
    return owners.get(serverId);
  }

  boolean isHalted(int node) {
    return halted.contains(node);
  }

  /** Halts {@code k} running nodes spread evenly over the fleet, one right after the other. */
  List<Halt> halt(int k) {
    List<Integer> running = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      if (!halted.contains(i)) {
        running.add(i);
      }
    }
    if (k > running.size()) {
      throw new IllegalStateException("cannot halt " + k + " nodes: " + running.size() + " still run");
    }
    List<Halt> out = new ArrayList<>();
    for (int j = 0; j < k; j++) {
      int node = running.get((int) ((long) j * running.size() / k));
      SimNode n = nodes.get(node);
      Session s = n.session();
      long ackAge = n.lastAckAgeMs();
      long wall = System.currentTimeMillis();
      n.halt();
      halted.add(node);
      out.add(new Halt(node, s.getServerId(), s.getEpoch(), wall, ackAge));
    }
    return out;
  }

  /** The longest time since an acknowledged heartbeat over the running nodes. */
  long maxAckAgeMs() {
    long max = 0;
    for (int i = 0; i < size; i++) {
      if (!halted.contains(i)) {
        max = Math.max(max, nodes.get(i).lastAckAgeMs());
      }
    }
    return max;
  }

  /** lost() callbacks so far (in order). */
  List<Loss> losses() {
    return List.copyOf(losses);
  }

  long registrations() {
    return registrations.sum();
  }

  /** Heartbeat counters of a non-coalesced fleet; null when coalesced (the shared pipeline counts nothing). */
  DirectNode.Counters counters() {
    return coalesce ? null : counters;
  }

  /** Halts every node and deregisters the sessions of those not halted before. */
  @Override
  public void close() {
    List<CompletableFuture<Session>> removes = new ArrayList<>();
    SessionClient sessions = client.sessions();
    for (int i = 0; i < size; i++) {
      SimNode n = nodes.get(i);
      n.halt();
      Session s = n.session();
      if (halted.add(i) && s != null) {
        removes.add(sessions.removeAsync(SessionClient.ref(s)));
      }
    }
    int failed = 0;
    for (CompletableFuture<Session> f : removes) {
      try {
        f.get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        failed++;
        LOG.debug("deregistering a node failed: {}", e.toString());
      }
    }
    if (failed > 0) {
      LOG.warn("{} of {} nodes could not be deregistered; their sessions expire after the TTL", failed, removes.size());
    }
    if (timer != null) {
      timer.shutdownNow();
    }
    if (transport != null) {
      try {
        transport.close();
      } catch (IOException e) {
        LOG.debug("closing the heartbeat transport: {}", e.toString());
      }
    }
  }
}
