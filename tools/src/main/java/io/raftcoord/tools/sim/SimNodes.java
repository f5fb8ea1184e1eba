package io.raftcoord.tools.sim;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.DataNodeAgent;
import io.raftcoord.client.DataNodeStats;
import io.raftcoord.client.NodeAgent;
import io.raftcoord.client.QueryNodeAgent;
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
 * rows into a collection. Query nodes are {@link QueryNodeAgent}s: they load (after an optional
 * delay per segment) and release what QueryCoord places on them and report their distribution.
 * Interrupted (Ctrl-C, SIGTERM) or at the end, the nodes stop gracefully
 * and deregister (data nodes first stop ingesting and report what they buffered); killed with
 * SIGKILL, their sessions expire after the TTL, as a crashed node's would.
 */
@Command(name = "simnodes", mixinStandardHelpOptions = true,
    description = "Run simulated nodes (session register + heartbeats; data nodes also watch channels, flush and "
        + "optionally ingest; query nodes load and release what QueryCoord places on them) against a raftcoord "
        + "quorum.")
public final class SimNodes implements Callable<Integer> {
  private static final List<String> DATA_ROLES = List.of("datanode", "streamingnode");
  private static final String QUERY_ROLE = "querynode";

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
      description = "Data and query nodes too run bare sessions (no channel watching, flushing, checkpoints, "
          + "loading or distribution reports).")
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

  @Option(names = "--load-ms-per-segment", paramLabel = "MS", defaultValue = "0",
      description = "Query nodes: how long \"loading\" one segment takes; each node loads its segments one after "
          + "another (default 0: at once).")
  long loadMsPerSegment;

  @Option(names = "--poll-ms", paramLabel = "MS", defaultValue = "100",
      description = "Query nodes: read the work list (or send a distribution report) every MS (default 100).")
  long pollMs;

  @Option(names = "--print-s", paramLabel = "S", defaultValue = "0",
      description = "Seconds between summary lines (default 3 for data nodes, 5 for query nodes, 10 otherwise).")
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
    boolean queryNodes = QUERY_ROLE.equals(role) && !sessionOnly;
    if (queryNodes && !labels.isEmpty()) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--label is not supported with --role querynode (a QueryNodeAgent takes no labels); add --session-only for "
              + "bare labelled sessions");
    }
    if (loadMsPerSegment < 0 || pollMs < 10) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--load-ms-per-segment must be >= 0 and --poll-ms at least 10");
    }
    if (!queryNodes && (loadMsPerSegment != 0 || pollMs != 100)) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--load-ms-per-segment and --poll-ms need --role querynode (and not --session-only)");
    }
    PrintWriter out = new PrintWriter(System.out, true);
    String p = peers != null ? peers : ClusterLayout.defaultPeers();
    if (dataNodes) {
      return runDataNodes(out, p);
    }
    if (queryNodes) {
      return runQueryNodes(out, p);
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

  /**
   * Query nodes: QueryNodeAgents. Each node's server id is printed once it has registered, and
   * again when it registers under a new one (after a lost session); a summary line every few
   * seconds counts the segments and channels served.
   */
  private int runQueryNodes(PrintWriter out, String p) throws Exception {
    List<QueryNodeAgent> agents = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1);
    try (CoordClient client = CoordClient.builder().peers(p).build()) {
      // The hook still uses the client: the main thread waits for it before closing the client.
      Thread hook = new Thread(() -> {
        stop.countDown();
        try {
          closeQueryNodes(agents, out);
        } finally {
          stopped.countDown();
        }
      }, "simnodes-exit");
      Runtime.getRuntime().addShutdownHook(hook);
      ExecutorService starters = Executors.newFixedThreadPool(Math.min(count, 64));
      List<Future<QueryNodeAgent>> started = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        String address = "127.0.0.1:" + (firstPort + i);
        started.add(starters.submit(() -> {
          QueryNodeAgent a = QueryNodeAgent.builder(client, address).capacity(capacity)
              .heartbeatInterval(Duration.ofMillis(heartbeatMs)).loadPerSegment(Duration.ofMillis(loadMsPerSegment))
              .pollInterval(Duration.ofMillis(pollMs)).start();
          agents.add(a);
          return a;
        }));
      }
      List<QueryNodeAgent> ordered = new ArrayList<>();
      for (Future<QueryNodeAgent> f : started) {
        try {
          ordered.add(f.get());
        } catch (java.util.concurrent.ExecutionException e) {
          starters.shutdownNow();
          out.println("simnodes: starting a query node failed: " + (e.getCause() instanceof CoordException ce
              ? CliSupport.describe(ce) : e.getCause()));
          Runtime.getRuntime().removeShutdownHook(hook);
          closeQueryNodes(agents, out);
          return CliSupport.EXIT_FAILED;
        }
      }
      starters.shutdown();
      long[] known = new long[ordered.size()];
      long lost = printQueryNodeSessions(out, ordered, known, true);
      out.println("simnodes: " + count + " querynode node(s) running (pid " + ProcessHandle.current().pid()
          + "); heartbeat every " + heartbeatMs + " ms, load " + loadMsPerSegment + " ms per segment, capacity "
          + capacity + (durationS > 0 ? " for " + durationS + " s" : " until interrupted"));
      long printMs = printS > 0 ? printS * 1000 : 5_000;
      long end = durationS > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(durationS) : Long.MAX_VALUE;
      long nextPrint = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(printMs);
      while (System.nanoTime() < end) {
        // Check for new server ids every second; a summary every printMs.
        if (stop.await(Math.min(1_000, Math.max(1, (end - System.nanoTime()) / 1_000_000)), TimeUnit.MILLISECONDS)) {
          stopped.await();
          return 0;
        }
        lost += printQueryNodeSessions(out, ordered, known, false);
        if (System.nanoTime() >= nextPrint) {
          nextPrint = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(printMs);
          out.println(queryNodeSummary(ordered, lost, heartbeatMs));
        }
      }
      Runtime.getRuntime().removeShutdownHook(hook);
      closeQueryNodes(agents, out);
    }
    return 0;
  }

  /**
   * Prints each node whose server id differs from {@code known} (all of them at the start, unless
   * --quiet) and records it; returns how many nodes changed server id (sessions lost and replaced).
   */
  private long printQueryNodeSessions(PrintWriter out, List<QueryNodeAgent> agents, long[] known, boolean first) {
    long changed = 0;
    for (int i = 0; i < agents.size(); i++) {
      Session s = agents.get(i).session();
      long id = s == null ? 0 : s.getServerId();
      if (id == 0 || id == known[i]) {
        continue;
      }
      if (known[i] != 0) {
        changed++;
      }
      if (!quiet || known[i] != 0) {
        out.println((known[i] == 0 ? "registered " : "registered again ") + s.getRole() + " server_id="
            + s.getServerId() + " epoch=" + s.getEpoch() + " address=" + s.getAddress() + " state=" + s.getState()
            + (known[i] == 0 ? "" : " (was server_id=" + known[i] + ")"));
      }
      known[i] = id;
    }
    if (first) {
      for (int i = 0; i < agents.size(); i++) {
        if (known[i] == 0) {
          out.println("simnodes: query node 127.0.0.1:" + (firstPort + i) + " not registered yet");
        }
      }
    }
    return changed;
  }

  static String queryNodeSummary(List<QueryNodeAgent> agents, long sessionsLost, long heartbeatMs) {
    long segments = 0;
    long channels = 0;
    long unregistered = 0;
    long stale = 0;
    for (QueryNodeAgent a : agents) {
      segments += a.serving().size();
      channels += a.delegating().size();
      unregistered += a.session() == null ? 1 : 0;
      NodeAgent n = a.nodeAgent();
      stale += n != null && n.lastAckAgeMs() > 3 * heartbeatMs ? 1 : 0;
    }
    return "simnodes: " + agents.size() + " query node(s) serving " + segments + " segment(s) and " + channels
        + " channel(s); " + stale + " without an acknowledged heartbeat for > " + 3 * heartbeatMs + " ms, "
        + unregistered + " registering; " + sessionsLost + " session(s) lost so far";
  }

  /** Marks every query node STOPPING, then deregisters it. */
  private static void closeQueryNodes(List<QueryNodeAgent> agents, PrintWriter out) {
    List<QueryNodeAgent> copy;
    synchronized (agents) {
      copy = new ArrayList<>(agents);
      agents.clear();
    }
    if (copy.isEmpty()) {
      return;
    }
    for (QueryNodeAgent a : copy) {
      try {
        a.stopGracefully();
      } catch (RuntimeException e) {
        // Already gone (or never registered): close() below deregisters what is left.
      }
      a.close();
    }
    out.println("simnodes: " + copy.size() + " query node(s) stopped and deregistered");
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
