package io.raftcoord.tools.sim;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.NodeAgent;
import io.raftcoord.proto.ClusterLayout;
import io.raftcoord.proto.session.Session;
import io.raftcoord.tools.cli.CliSupport;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code scripts/simnodes.sh}: N simulated nodes of one role, each a {@link NodeAgent} (what a
 * real node embeds), in the foreground until interrupted or the duration ends. Interrupted
 * (Ctrl-C, SIGTERM) or at the end, the nodes stop gracefully and deregister; killed with SIGKILL,
 * their sessions expire after the TTL, as a crashed node's would.
 */
@Command(name = "simnodes", mixinStandardHelpOptions = true,
    description = "Run simulated nodes (session register + heartbeats) against a raftcoord quorum.")
public final class SimNodes implements Callable<Integer> {
  @Option(names = "--role", required = true, paramLabel = "ROLE",
      description = "datanode, querynode, indexnode, streamingnode, proxy, or an exclusive role: rootcoord, datacoord, "
          + "querycoord, mixcoord.")
  String role;

  @Option(names = "--count", paramLabel = "N", defaultValue = "1", description = "Nodes to run (default 1).")
  int count;

  @Option(names = "--duration", paramLabel = "S", defaultValue = "0",
      description = "Seconds to run, then stop gracefully (default 0: until interrupted).")
  long durationS;

  @Option(names = "--peers", paramLabel = "HOST:PORT,...", description = "Replicas (default $RAFTCOORD_PEERS or the local quorum).")
  String peers;

  @Option(names = "--heartbeat-ms", paramLabel = "MS", defaultValue = "1000", description = "Heartbeat interval (default 1000).")
  long heartbeatMs;

  @Option(names = "--first-port", paramLabel = "PORT", defaultValue = "30000",
      description = "Node i advertises 127.0.0.1:(PORT+i) (default 30000).")
  int firstPort;

  @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A label of every node (repeatable).")
  Map<String, String> labels = Map.of();

  @Option(names = "--capacity", paramLabel = "SLOTS", defaultValue = "0", description = "Work slots each node offers.")
  long capacity;

  @Option(names = "--quiet", description = "Print only the summary lines, not one line per session event.")
  boolean quiet;

  public static void main(String[] args) {
    CliSupport.quietLogging();
    System.exit(new CommandLine(new SimNodes()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (count < 1 || count > 100_000) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--count must be 1..100000, got " + count);
    }
    PrintWriter out = new PrintWriter(System.out, true);
    String p = peers != null ? peers : ClusterLayout.defaultPeers();
    List<NodeAgent> agents = Collections.synchronizedList(new ArrayList<>());
    AtomicLong lost = new AtomicLong();
    CountDownLatch stop = new CountDownLatch(1);
    try (CoordClient client = CoordClient.builder().peers(p).build()) {
      Thread hook = new Thread(() -> {
        stop.countDown();
        closeAll(agents, out);
      }, "simnodes-exit");
      Runtime.getRuntime().addShutdownHook(hook);
      NodeAgent.Listener listener = new NodeAgent.Listener() {
        @Override
        public void registered(Session s) {
          if (!quiet) {
            out.println("registered " + s.getRole() + " server_id=" + s.getServerId() + " epoch=" + s.getEpoch()
                + " address=" + s.getAddress() + " state=" + s.getState());
          }
        }

        @Override
        public void lost(Session s) {
          lost.incrementAndGet();
          out.println("lost " + s.getRole() + " server_id=" + s.getServerId() + " epoch=" + s.getEpoch()
              + " (registering again)");
        }
      };
      ExecutorService starters = Executors.newFixedThreadPool(Math.min(count, 64));
      List<Future<NodeAgent>> started = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int n = i;
        started.add(starters.submit(() -> {
          NodeAgent.Builder b = NodeAgent.builder(client, role, "127.0.0.1:" + (firstPort + n)).version("sim")
              .capacity(capacity).heartbeatInterval(Duration.ofMillis(heartbeatMs)).listener(listener);
          labels.forEach(b::label);
          NodeAgent a = b.start();
          agents.add(a);
          return a;
        }));
      }
      for (Future<NodeAgent> f : started) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          starters.shutdownNow();
          out.println("simnodes: registration failed: " + (e.getCause() instanceof CoordException ce
              ? CliSupport.describe(ce) : e.getCause()));
          Runtime.getRuntime().removeShutdownHook(hook);
          closeAll(agents, out);
          return CliSupport.EXIT_FAILED;
        }
      }
      starters.shutdown();
      out.println("simnodes: " + count + " " + role + " node(s) running; heartbeat every " + heartbeatMs + " ms"
          + (durationS > 0 ? " for " + durationS + " s" : " until interrupted"));
      long end = durationS > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(durationS) : Long.MAX_VALUE;
      while (System.nanoTime() < end) {
        if (stop.await(Math.min(10_000, Math.max(1, (end - System.nanoTime()) / 1_000_000)), TimeUnit.MILLISECONDS)) {
          return 0;
        }
        long stale = agents.stream().filter(a -> a.lastAckAgeMs() > 3 * heartbeatMs).count();
        out.println("simnodes: " + agents.size() + " node(s), " + stale + " without an acknowledged heartbeat for > "
            + 3 * heartbeatMs + " ms, " + lost.get() + " session(s) lost so far");
      }
      Runtime.getRuntime().removeShutdownHook(hook);
      closeAll(agents, out);
    }
    return 0;
  }

  private static void closeAll(List<NodeAgent> agents, PrintWriter out) {
    List<NodeAgent> copy;
    synchronized (agents) {
      copy = new ArrayList<>(agents);
      agents.clear();
    }
    if (copy.isEmpty()) {
      return;
    }
    for (NodeAgent a : copy) {
      try {
        a.stopGracefully();
      } catch (CoordException e) {
        // Already gone: close() below deregisters what is left.
      }
      a.close();
    }
    out.println("simnodes: " + copy.size() + " node(s) stopped and deregistered");
  }
}
