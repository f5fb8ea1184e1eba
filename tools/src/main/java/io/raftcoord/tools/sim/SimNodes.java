package io.raftcoord.tools.sim;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.DataNodeAgent;
import io.raftcoord.client.NodeAgent;
import io.raftcoord.client.QueryNodeAgent;
import io.raftcoord.proto.ClusterLayout;
import io.raftcoord.tools.cli.CliSupport;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
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
 * Workers ({@code --role worker}) are {@link io.raftcoord.client.TaskWorkerAgent}s (sessions of
 * role datanode): they report their free slots and do the compactions, index builds and GC tasks
 * DataCoord's scheduler hands them.
 * Interrupted (Ctrl-C, SIGTERM) or at the end, the nodes stop gracefully
 * and deregister (data nodes first stop ingesting and report what they buffered); killed with
 * SIGKILL, their sessions expire after the TTL, as a crashed node's would.
 *
 * <p>This class is the command: its options, their validation and the choice of role. Running the
 * nodes is {@link SessionFleet}'s, {@link DataNodeFleet}'s, {@link QueryNodeFleet}'s or {@link WorkerFleet}'s, on the
 * skeleton of {@link Fleet}; they read the options from here.
 */
@Command(name = "simnodes", mixinStandardHelpOptions = true,
    description = "Run simulated nodes (session register + heartbeats; data nodes also watch channels, flush and "
        + "optionally ingest; query nodes load and release what QueryCoord places on them; workers do compactions, "
        + "index builds and GC) against a raftcoord quorum.")
public final class SimNodes implements Callable<Integer> {
  private static final List<String> DATA_ROLES = List.of("datanode", "streamingnode");
  private static final String QUERY_ROLE = "querynode";
  /** Not a session role: task workers, whose sessions are datanodes. */
  static final String WORKER_ROLE = "worker";
  static final int DEFAULT_SLOTS = 16;

  @Option(names = "--role", required = true, paramLabel = "ROLE",
      description = "datanode, querynode, indexnode, streamingnode, proxy, or an exclusive role: rootcoord, datacoord, "
          + "querycoord, mixcoord; or worker: task workers (compactions, index builds, GC; sessions of role "
          + "datanode).")
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
      description = "Query nodes: read the work list (or send a distribution report) every MS; workers: report "
          + "free slots and read the tasks handed to them every MS (default 100).")
  long pollMs;

  @Option(names = "--slots", paramLabel = "N",
      description = "Workers: task slots of each worker (default " + DEFAULT_SLOTS + "; a compaction or index build "
          + "takes several).")
  Integer slots;

  @Option(names = "--work-ms", paramLabel = "MS",
      description = "Workers: how long each task takes (default 0: done at the next poll).")
  Long workMs;

  @Option(names = "--print-s", paramLabel = "S", defaultValue = "0",
      description = "Seconds between summary lines (default 3 for data nodes and workers, 5 for query nodes, 10 "
          + "otherwise).")
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
    boolean workers = WORKER_ROLE.equals(role);
    if (loadMsPerSegment < 0 || pollMs < 10) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--load-ms-per-segment must be >= 0 and --poll-ms at least 10");
    }
    if (!queryNodes && loadMsPerSegment != 0) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--load-ms-per-segment needs --role querynode (and not --session-only)");
    }
    if (!queryNodes && !workers && pollMs != 100) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--poll-ms needs --role querynode (and not --session-only) or --role worker");
    }
    checkWorkerOptions(workers);
    PrintWriter out = new PrintWriter(System.out, true);
    String p = peers != null ? peers : ClusterLayout.defaultPeers();
    try (CoordClient client = CoordClient.builder().peers(p).build()) {
      if (dataNodes) {
        return new DataNodeFleet(this, client, out).run();
      }
      if (queryNodes) {
        return new QueryNodeFleet(this, client, out).run();
      }
      if (workers) {
        return new WorkerFleet(this, client, out).run();
      }
      return new SessionFleet(this, client, out).run();
    }
  }

  /**
   * The worker options: --slots and --work-ms only with --role worker, which takes no labels,
   * capacity or --session-only (its sessions are the task agent's own); fills in their defaults.
   */
  private void checkWorkerOptions(boolean workers) {
    if (!workers) {
      if (slots != null || workMs != null) {
        throw new CommandLine.ParameterException(new CommandLine(this), "--slots and --work-ms need --role worker");
      }
      return;
    }
    if (sessionOnly || !labels.isEmpty() || capacity != 0) {
      throw new CommandLine.ParameterException(new CommandLine(this),
          "--role worker takes no --session-only, --label or --capacity (its slots are --slots)");
    }
    if (slots == null) {
      slots = DEFAULT_SLOTS;
    } else if (slots < 1 || slots > 100_000) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--slots must be 1..100000, got " + slots);
    }
    if (workMs == null) {
      workMs = 0L;
    } else if (workMs < 0) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--work-ms must be >= 0, got " + workMs);
    }
  }

  /** The address node {@code n} (0-based) advertises. */
  String address(int n) {
    return "127.0.0.1:" + (firstPort + n);
  }

  /** Milliseconds between summary lines: --print-s, else the role's default. */
  long printMs(long defaultMs) {
    return printS > 0 ? printS * 1000 : defaultMs;
  }

  /** The end of the "running" line: how long the nodes run. */
  String untilText() {
    return durationS > 0 ? " for " + durationS + " s" : " until interrupted";
  }
}
