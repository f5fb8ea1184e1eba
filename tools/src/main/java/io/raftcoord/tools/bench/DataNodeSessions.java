package io.raftcoord.tools.bench;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.NodeAgent;
import io.raftcoord.client.SessionClient;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionRef;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * N simulated data nodes: {@link NodeAgent}s in the {@code datanode} role sharing the bench's one
 * client (their heartbeats travel together), labelled {@code bench=<tag>}. Which sessions are
 * ours is what the channel and segment work checks before acting for a node.
 */
final class DataNodeSessions implements AutoCloseable {
  static final String ROLE = "datanode";
  /** Long enough for the leader's channel duty (every second) to see the registered nodes. */
  static final long SETTLE_MS = 1500;

  private final List<NodeAgent> agents = new ArrayList<>();
  private final Set<SessionRef> live = ConcurrentHashMap.newKeySet();

  /** Registers {@code n} nodes, 16 registrations at a time. */
  static DataNodeSessions start(CoordClient client, int n, String tag, PrintWriter err) {
    DataNodeSessions s = new DataNodeSessions();
    long t0 = System.nanoTime();
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(16, n));
    try {
      List<Future<NodeAgent>> started = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String address = "10.79." + (i / 250) % 250 + "." + (i % 250 + 1) + ":21124";
        NodeAgent.Builder b = NodeAgent.builder(client, ROLE, address).version("bench").label("bench", tag)
            .heartbeatInterval(Duration.ofSeconds(1)).listener(s.listener());
        started.add(pool.submit(b::start));
      }
      for (Future<NodeAgent> f : started) {
        s.agents.add(f.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      s.close();
      throw new IllegalStateException("interrupted registering data nodes");
    } catch (java.util.concurrent.ExecutionException e) {
      s.close();
      throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
    } finally {
      pool.shutdown();
    }
    err.printf(Locale.ROOT, "segments: %d data nodes registered in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
    err.flush();
    return s;
  }

  private NodeAgent.Listener listener() {
    return new NodeAgent.Listener() {
      @Override
      public void registered(Session session) {
        live.add(SessionClient.ref(session));
      }

      @Override
      public void lost(Session session) {
        live.remove(SessionClient.ref(session));
      }
    };
  }

  /** Whether {@code ref} is the current session of one of these nodes. */
  boolean ours(SessionRef ref) {
    return live.contains(ref);
  }

  /** The nodes' current sessions. */
  List<SessionRef> refs() {
    return List.copyOf(live);
  }

  int size() {
    return agents.size();
  }

  @Override
  public void close() {
    agents.forEach(NodeAgent::close);
    live.clear();
  }
}
