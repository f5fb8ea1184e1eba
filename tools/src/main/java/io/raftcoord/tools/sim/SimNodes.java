package io.raftcoord.tools.sim;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.DataNodeAgent;
import io.raftcoord.client.DataNodeStats;
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
import java.util.concurrent.CompletableFuture;
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
 * real node embeds), in the foreground until interrupted or the duration ends. Data nodes
 * (datanode, streamingnode) are {@link DataNodeAgent}s: they watch and release the channels the
 * coordinator gives them, flush what it seals, save checkpoints and, with {@code --ingest}, write
 * rows into a collection. Interrupted (Ctrl-C, SIGTERM) or at the end, the nodes stop gracefully
 * and deregister (data nodes first stop ingesting and report what they buffered); killed with
 * SIGKILL, their sessions expire after the TTL, as a crashed node's would.
 */
@Command(name = "simnodes", mixinStandardHelpOptions = true,
    description = "Run simulated nodes (session register + heartbeats; data nodes also watch channels, flush and "
        + "optionally ingest) against a raftcoord quorum.")
public final class SimNodes implements Callable<Integer> {
  private static final List<String> DATA_ROLES = List.of("datanode", "streamingnode");

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

  @Option(names = "--session-only",
      description = "Data-node roles too run bare sessions (no channel watching, flushing or checkpoints).")
  boolean sessionOnly;

  @Option(names = "--ingest", paramLabel = "DB.COLLECTION",
      description = "Data nodes write rows into this collection (DB. may be left out: default), into its first "
          + "partition unless --partition says otherwise.")
  String ingest;

  @Option(names = "--partition", paramLabel = "NAME", defaultValue = "",
      description = "The partition --ingest writes into (default: the collection's first).")
  String partition;

  @Option(names = "--rows-per-s", paramLabel = "R", defaultValue = "1000",
      description = "With --ingest: rows per second IN TOTAL over all the nodes (default 1000). Each node writes R/N, "
          + "spread over the collection's channels it owns; a node that owns none of them writes nothing, so the "
          + "total is lower while a collection has fewer channels than there are nodes.")
  double rowsPerS;

  @Option(names = "--batch-ms", paramLabel = "MS", defaultValue = "100",
      description = "Data nodes: one batch (TSO timestamp + segment assignment) every MS when ingesting (default 100).")
  long batchMs;

  @Option(names = "--sync-ms", paramLabel = "MS", defaultValue = "500",
      description = "Data nodes: report binlogs, flushes and channel checkpoints every MS (default 500).")
  long syncMs;

  @Option(names = "--print-s", paramLabel = "S", defaultValue = "0",
      description = "Seconds between summary lines (default 3 for data nodes, 10 otherwise).")
  long printS;

  public static void main(String[] args) {
    CliSupport.quietLogging();
    System.exit(new CommandLine(new SimNodes()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (count < 1 || count > 100_000) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--count must be 1..100000, got " + count);
    }
    boolean dataNodes = DATA_ROLES.contains(role) && !sessionOnly;
    if (ingest != null && !dataNodes) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--ingest needs --role datanode or streamingnode (and not --session-only)");
    }
    if (!(rowsPerS >= 0) || Double.isInfinite(rowsPerS)) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--rows-per-s must be >= 0, got " + rowsPerS);
    }
    if (dataNodes && (batchMs < 10 || syncMs < 10)) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--batch-ms and --sync-ms must be at least 10");
    }
    PrintWriter out = new PrintWriter(System.out, true);
    String p = peers != null ? peers : ClusterLayout.defaultPeers();
    if (dataNodes) {
      return runDataNodes(out, p);
    }
    List<NodeAgent> agents = Collections.synchronizedList(new ArrayList<>());
    AtomicLong lost = new AtomicLong();
    CountDownLatch stop = new CountDownLatch(1);
    try (CoordClient client = CoordClient.builder().peers(p).build()) {
      Thread hook = new Thread(() -> {
        stop.countDown();
        closeAll(agents, out);
      }, "simnodes-exit");
      Runtime.getRuntime().addShutdownHook(hook);
      NodeAgent.Listener listener = sessionPrinter(out, lost);
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
        if (stop.await(Math.min(printS > 0 ? printS * 1000 : 10_000, Math.max(1, (end - System.nanoTime()) / 1_000_000)),
            TimeUnit.MILLISECONDS)) {
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

  /** Data nodes: DataNodeAgents, with a line of rows ingested / reported / flushed every few seconds. */
  private int runDataNodes(PrintWriter out, String p) throws Exception {
    String db = "";
    String collection = ingest;
    if (ingest != null && ingest.indexOf('.') > 0) {
      db = ingest.substring(0, ingest.indexOf('.'));
      collection = ingest.substring(ingest.indexOf('.') + 1);
    }
    List<DataNodeAgent> agents = Collections.synchronizedList(new ArrayList<>());
    AtomicLong lost = new AtomicLong();
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1);
    try (CoordClient client = CoordClient.builder().peers(p).build()) {
      // The hook still uses the client: the main thread waits for it before closing the client.
      Thread hook = new Thread(() -> {
        stop.countDown();
        try {
          closeDataNodes(agents, out);
        } finally {
          stopped.countDown();
        }
      }, "simnodes-exit");
      Runtime.getRuntime().addShutdownHook(hook);
      NodeAgent.Listener listener = sessionPrinter(out, lost);
      ExecutorService starters = Executors.newFixedThreadPool(Math.min(count, 64));
      List<Future<DataNodeAgent>> started = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int n = i;
        String d = db;
        String c = collection;
        started.add(starters.submit(() -> {
          DataNodeAgent.Builder b = DataNodeAgent.builder(client, "127.0.0.1:" + (firstPort + n)).role(role)
              .version("sim").capacity(capacity).heartbeatInterval(Duration.ofMillis(heartbeatMs)).listener(listener)
              .syncInterval(Duration.ofMillis(syncMs)).batchInterval(Duration.ofMillis(batchMs));
          labels.forEach(b::label);
          if (c != null) {
            b.ingest(d, c).partition(partition).rowsPerSecond(rowsPerS / count);
          }
          DataNodeAgent a = b.start();
          agents.add(a);
          return a;
        }));
      }
      for (Future<DataNodeAgent> f : started) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          starters.shutdownNow();
          out.println("simnodes: starting a data node failed: " + (e.getCause() instanceof CoordException ce
              ? CliSupport.describe(ce) : e.getCause()));
          Runtime.getRuntime().removeShutdownHook(hook);
          closeDataNodes(agents, out);
          return CliSupport.EXIT_FAILED;
        }
      }
      starters.shutdown();
      out.println("simnodes: " + count + " " + role + " node(s) running; heartbeat every " + heartbeatMs + " ms, sync every "
          + syncMs + " ms" + (ingest == null ? "" : ", ingesting " + rowsPerS + " rows/s in total into " + ingest)
          + (durationS > 0 ? " for " + durationS + " s" : " until interrupted"));
      long printMs = printS > 0 ? printS * 1000 : 3_000;
      long end = durationS > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(durationS) : Long.MAX_VALUE;
      DataNodeStats before = DataNodeStats.zero();
      long beforeNanos = System.nanoTime();
      while (System.nanoTime() < end) {
        if (stop.await(Math.min(printMs, Math.max(1, (end - System.nanoTime()) / 1_000_000)), TimeUnit.MILLISECONDS)) {
          stopped.await();
          return 0;
        }
        DataNodeStats now = total(agents);
        long nowNanos = System.nanoTime();
        out.println(summary(agents.size(), now, before, (nowNanos - beforeNanos) / 1e9, lost.get()));
        before = now;
        beforeNanos = nowNanos;
      }
      Runtime.getRuntime().removeShutdownHook(hook);
      closeDataNodes(agents, out);
    }
    return 0;
  }

  private NodeAgent.Listener sessionPrinter(PrintWriter out, AtomicLong lost) {
    return new NodeAgent.Listener() {
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
  }

  private static DataNodeStats total(List<DataNodeAgent> agents) {
    DataNodeStats t = DataNodeStats.zero();
    synchronized (agents) {
      for (DataNodeAgent a : agents) {
        t = t.plus(a.stats());
      }
    }
    return t;
  }

  static String summary(int nodes, DataNodeStats now, DataNodeStats before, double seconds, long sessionsLost) {
    double s = Math.max(seconds, 1e-3);
    return String.format(java.util.Locale.ROOT, "simnodes: %d node(s), %d channel(s); rows ingested %d (%.0f/s), "
            + "reported %d, flushed %d (%.0f/s, %d segment(s)), buffered %d, lost %d; %d session(s) lost; errors %s",
        nodes, now.channels(), now.rowsIngested(), (now.rowsIngested() - before.rowsIngested()) / s,
        now.rowsReported(), now.rowsFlushed(), (now.rowsFlushed() - before.rowsFlushed()) / s, now.segmentsFlushed(),
        now.rowsBuffered(), now.rowsLost(), sessionsLost, now.errors().isEmpty() ? "none" : new java.util.TreeMap<>(
            now.errors()));
  }

  /**
   * Stops ingesting, reports what is buffered (waiting at most 10 s), then stops every node
   * gracefully and deregisters it. Does not wait for channels to move: every node stops at once,
   * so there is no node left to take them.
   */
  private static void closeDataNodes(List<DataNodeAgent> agents, PrintWriter out) {
    List<DataNodeAgent> copy;
    synchronized (agents) {
      copy = new ArrayList<>(agents);
      agents.clear();
    }
    if (copy.isEmpty()) {
      return;
    }
    CompletableFuture<?>[] idle = copy.stream().map(DataNodeAgent::stopIngest).toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(idle).get(10, TimeUnit.SECONDS);
      CompletableFuture.allOf(copy.stream().map(DataNodeAgent::syncNow).toArray(CompletableFuture[]::new))
          .get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      out.println("simnodes: not every node reported its buffered rows before stopping (" + e + ")");
    }
    DataNodeStats t = DataNodeStats.zero();
    for (DataNodeAgent a : copy) {
      try {
        a.stopGracefully();
      } catch (CoordException e) {
        // Already gone: close() below deregisters what is left.
      }
      a.close();
      t = t.plus(a.stats());
    }
    out.println("simnodes: " + copy.size() + " node(s) stopped and deregistered; rows ingested " + t.rowsIngested()
        + ", reported " + t.rowsReported() + ", flushed " + t.rowsFlushed() + ", lost " + t.rowsLost());
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
