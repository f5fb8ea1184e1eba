package io.raftcoord.tools.bench;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.QueryNodeAgent;
import io.raftcoord.proto.session.Session;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Simulated query nodes for {@code bench.sh load}: {@link QueryNodeAgent}s on the bench's one client
 * that load instantly, poll their work list every {@value #POLL_MS} ms and heartbeat every second.
 * Closing deregisters them.
 */
final class LoadNodes implements AutoCloseable {
  static final long POLL_MS = 100;
  private static int seq;

  private final CoordClient client;
  private final List<QueryNodeAgent> agents = new ArrayList<>();

  LoadNodes(CoordClient client) {
    this.client = client;
  }

  /** Starts {@code n} more nodes, 16 registrations at a time; returns the new ones. */
  List<QueryNodeAgent> add(int n) {
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(16, n)));
    List<QueryNodeAgent> added = new ArrayList<>();
    try {
      List<Future<QueryNodeAgent>> fs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int k = nextSeq();
        String address = "10.81." + (k / 250) % 250 + "." + (k % 250 + 1) + ":21123";
        QueryNodeAgent.Builder b = QueryNodeAgent.builder(client, address).loadPerSegment(Duration.ZERO)
            .pollInterval(Duration.ofMillis(POLL_MS)).heartbeatInterval(Duration.ofSeconds(1)).capacity(100);
        fs.add(pool.submit(b::start));
      }
      for (Future<QueryNodeAgent> f : fs) {
        added.add(f.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted starting query nodes");
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
    } finally {
      pool.shutdown();
      synchronized (this) {
        agents.addAll(added);
      }
    }
    awaitRegistered(added, 60_000);
    return added;
  }

  private static synchronized int nextSeq() {
    return seq++;
  }

  static void awaitRegistered(List<QueryNodeAgent> nodes, long maxMs) {
    long end = System.nanoTime() + maxMs * 1_000_000;
    while (System.nanoTime() < end && nodes.stream().anyMatch(a -> a.session() == null)) {
      ClosedLoop.sleepQuietly(20);
    }
  }

  synchronized List<QueryNodeAgent> all() {
    return List.copyOf(agents);
  }

  static long id(QueryNodeAgent a) {
    Session s = a.session();
    return s == null ? 0 : s.getServerId();
  }

  /** Segments served by {@code nodes} together. */
  static long serving(List<QueryNodeAgent> nodes) {
    return nodes.stream().mapToLong(a -> a.serving().size()).sum();
  }

  @Override
  public synchronized void close() {
    for (QueryNodeAgent a : agents) {
      try {
        a.close();
      } catch (RuntimeException e) {
        // a halted node's session is gone already
      }
    }
    agents.clear();
  }
}
