package io.raftcoord.tools.bench;

import io.raftcoord.client.CoordClient;
import io.raftcoord.tools.cli.CliSupport;
import io.raftcoord.proto.ClusterLayout;
import io.raftcoord.proto.ReplicaStatus;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The load generator behind {@code scripts/bench.sh}: closed-loop callers against a running
 * quorum, one point per concurrency level, figures from HdrHistogram; or the failover run, which
 * SIGKILLs the leader through scripts/cluster.sh and measures the write gaps.
 */
@Command(name = "bench.sh", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
    description = {
        "Closed-loop load against a running raftcoord quorum. Per point: ops/s, timestamps or IDs/s,",
        "p50/p99/p999/max latency, Raft entries committed/s (max commitIndex over the replicas, before",
        "and after the point) and the client's commands per Raft entry. Entries/s counts every log entry,",
        "including the metadata entry Ratis appends when the commit index advances, so at low load it",
        "is up to twice the client's batches/s.",
        "",
        "Workloads:",
        "  tso        C callers each calling tso().next(); merging on unless --merge off",
        "  tso-merge  the same with merging forced on",
        "  tso-alloc  tso().allocate(--count) per call; merging off; --batching on|off",
        "  ids        ids().allocate(--count) per call",
        "  ddl        C callers each creating uniquely named collections (8 fields, a partition key,",
        "             2 partitions) in --db; after each point the collections it created are dropped",
        "             by C callers, reported on stderr as drops/s (warm-up alternates create and drop)",
        "  describe   linearizable describe of a random one of --collections prepared collections in --db",
        "             (created first if missing; the collection limits are raised if needed)",
        "  describe-cached  the same through the client's metadata cache (kept fresh by a watch)",
        "  failover   --concurrency (default 8) callers of tso().next() while the leader is SIGKILLed",
        "             --kills times through --cluster-script; prints each write gap (longest interval",
        "             without a successful call around the kill) and each restarted replica's catch-up",
        "             time (from the restart until its appliedIndex reaches the leader's commitIndex).",
        "  sessions   node sessions (service discovery) in phases (--phases, default all), always run in the order",
        "             heartbeat, expiry, kills (one fleet of nodes for the three), then register:",
        "             heartbeat: --nodes simulated nodes heartbeating every --heartbeat-ms; an idle window, then",
        "               one of --duration s (default 60) with the nodes: Raft entries committed (the leader's",
        "               commitIndex delta; heartbeats are no entries) and CPU of the leader, the followers",
        "               and this JVM (/proc, local replicas only), raw, idle and net, in %% of one core",
        "             expiry: --halt of the nodes stop heartbeating; halt -> leader stamp of SESSION_EXPIRED",
        "             kills: --kills leader SIGKILLs through --cluster-script with the nodes heartbeating;",
        "               SESSION_EXPIRED events of nodes never halted (target 0), lost() callbacks",
        "             register: closed loop of registrations at each --concurrency (default 64)",
        "             --coalesce on: the nodes are NodeAgents on one client (heartbeats share queries);",
        "             off: every node's heartbeat is a query of its own (see scripts/bench.sh)",
        "  segments   --nodes (default 100) simulated data nodes (NodeAgents, role datanode) watch every channel of",
        "             --collections x --shards bench collections (default 2 channels per node) and run the segment",
        "             lifecycle (flushed reports for FLUSHING segments, checkpoints); a closed loop at each",
        "             --concurrency (default 64) of a --mix of assign (--rows rows), saveBinlogPaths (one segment, a",
        "             binlog per field) and flush(collection); max_segment_bytes is --max-segment-bytes during the",
        "             run so segments seal and flush in the window. Per point the usual row, then per kind ops/s and",
        "             p50/p99/p999/max, the lifecycle's rates and segments by state",
        "  segments-scale  fills the quorum to --segments FLUSHED segments of --binlogs binlogs each through the",
        "             API (importing assigns, flushed reports), one collection of --list-collection-segments kept",
        "             apart; prints the time to list that collection at 10,000 segments and at N (ratio), the latest",
        "             snapshot's size on disk, each replica's heap after a full GC, and the time a restarted follower",
        "             (and the whole restarted cluster) takes to serve reads at the leader's index",
        "  load       QueryCoord in phases (--phases load,kill,plan,many; default all, see scripts/bench.sh):",
        "             load: --segments (default 10000) FLUSHED segments, --nodes (20) instant query nodes, time from",
        "               load(--replicas, default 2) to LOADED; kill: one query node halted, time until the search",
        "               plan serves everything again (target TTL + 5 s); plan: --plan-segments on half of --plan-nodes,",
        "               the other half joins, the balance duty over --duration s (default 30); many: --collections",
        "               (or --collection-steps) x --partitions loaded with --concurrency (16) loads in flight",
        "",
        "Warm-up: a fresh cluster (and this JVM) is slow for its first 1-4 minutes while the JIT",
        "compiles on 2 cores, so the first point is preceded by --warmup seconds (default 60) of the",
        "same workload at the highest concurrency of the list; every point then runs a fresh closed",
        "loop and discards its first --settle seconds."},
    footer = {"", "Exit codes: 0 ok, 1 the run failed, 2 usage error."})
public final class Bench implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "WORKLOAD",
      description = "tso | tso-merge | tso-alloc | ids | ddl | describe | describe-cached | failover | sessions | segments"
          + " | segments-scale | load | tasks")
  String workload;

  @Option(names = "--concurrency", paramLabel = "C[,C...]",
      description = "Concurrent callers per point (default 1,16,64; failover: 8; sessions register, segments: 64).")
  String concurrency;

  @Option(names = "--duration", paramLabel = "SECONDS",
      description = "Measured seconds per point (default 20; sessions: 60, per window and per register point;"
          + " segments: 30; tasks: 30, per window).")
  Double durationSeconds;

  @Option(names = "--warmup", paramLabel = "SECONDS",
      description = "Warm-up before the first point (default 60, see above; sessions: 10, with the nodes"
          + " heartbeating (at least 2 heartbeats) and before the first register point).")
  Double warmupSeconds;

  @Option(names = "--settle", paramLabel = "SECONDS", defaultValue = "2",
      description = "Discarded start of every point (default ${DEFAULT-VALUE}).")
  double settleSeconds;

  @Option(names = "--peers", paramLabel = "HOST:PORT,...",
      description = "Every replica's Raft address (default: $RAFTCOORD_PEERS, else " + ClusterLayout.DEFAULT_PEERS + ").")
  String peers;

  @Option(names = "--json", description = "One JSON object per line per point (failover: per kill, then a summary;"
      + " sessions: per phase, kills per kill and a summary, register per point; segments: per point with kinds and"
      + " lifecycle, then the segments by state at the end; segments-scale: one object).")
  boolean json;

  @Option(names = "--batching", paramLabel = "on|off", defaultValue = "on",
      description = "Pack waiting commands into one Raft entry (default ${DEFAULT-VALUE}).")
  String batching;

  @Option(names = "--merge", paramLabel = "on|off",
      description = "Merge concurrent tso().next() callers into one allocate(n) (default: on for tso and failover).")
  String merge;

  @Option(names = "--count", paramLabel = "K", defaultValue = "1",
      description = "Timestamps or IDs per call for tso-alloc and ids (default ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--raft-clients", paramLabel = "N", defaultValue = "2", description = "RaftClients used round-robin (default ${DEFAULT-VALUE}).")
  int raftClients;

  @Option(names = "--max-in-flight", paramLabel = "N", defaultValue = "1", description = "Batches outstanding at once (default ${DEFAULT-VALUE}).")
  int maxInFlight;

  @Option(names = "--max-batch", paramLabel = "N", defaultValue = "1024", description = "Most commands per batch (default ${DEFAULT-VALUE}).")
  int maxBatch;

  @Option(names = "--tso-max-in-flight", paramLabel = "N", defaultValue = "4", description = "Merged TSO requests outstanding at once (default ${DEFAULT-VALUE}).")
  int tsoMaxInFlight;

  @Option(names = "--deadline", paramLabel = "SECONDS", defaultValue = "10", description = "Client deadline per call (default ${DEFAULT-VALUE}).")
  double deadlineSeconds;

  @Option(names = "--db", paramLabel = "NAME", defaultValue = "bench",
      description = "ddl, describe: the database used (created if missing; default ${DEFAULT-VALUE}).")
  String db;

  @Option(names = "--collections", paramLabel = "N",
      description = "describe: collections prepared and described (default 100); segments: bench collections"
          + " (default: 2 channels per node, ceil(2 x --nodes / --shards)); segments-scale: collections the fill"
          + " spreads over besides the listed one (default 100); tasks: collections sharing the big segments (default"
          + " 100).")
  Integer collections;

  @Option(names = "--kills", paramLabel = "N", defaultValue = "5",
      description = "failover, sessions: leader kills (default ${DEFAULT-VALUE}).")
  int kills;

  @Option(names = "--phases", paramLabel = "P[,P...]", defaultValue = "heartbeat,register,expiry,kills",
      description = "sessions: the phases to run, of heartbeat,register,expiry,kills (default all; they always run"
          + " in the order heartbeat, expiry, kills, register); load: of load,kill,plan,many; tasks: of"
          + " plan,complete,expiry,indexed (default all, run in that order).")
  String phases;

  @Option(names = "--nodes", paramLabel = "N",
      description = "sessions: simulated nodes (default 1000); segments: data nodes (default 100); segments-scale:"
          + " data nodes owning the channels (default 8); tasks: simulated workers (default 100).")
  Integer nodes;

  @Option(names = "--shards", paramLabel = "N",
      description = "segments, segments-scale, tasks: channels per bench collection (default 4; segments-scale, tasks 2).")
  Integer shards;

  @Option(names = "--mix", paramLabel = "KIND=W,...",
      description = "segments: relative weights of assign, save and flush (default " + SegmentsPlan.DEFAULT_MIX + ").")
  String mix;

  @Option(names = "--rows", paramLabel = "N", defaultValue = "100",
      description = "segments: rows per assign (default ${DEFAULT-VALUE}).")
  long rows;

  @Option(names = "--max-segment-bytes", paramLabel = "BYTES", defaultValue = "8388608",
      description = "segments: max_segment_bytes during the run (default ${DEFAULT-VALUE}; restored afterwards).")
  long maxSegmentBytes;

  @Option(names = "--keep", description = "segments: keep the bench collections (default: dropped at the end).")
  boolean keep;

  @Option(names = "--segments", paramLabel = "N", defaultValue = "1000000",
      description = "segments-scale, tasks: segment records to fill the quorum to (default ${DEFAULT-VALUE}; load: 10000).")
  long segments;

  @Option(names = "--binlogs", paramLabel = "N", defaultValue = "10",
      description = "segments-scale: binlogs per segment (default ${DEFAULT-VALUE}).")
  int binlogs;

  @Option(names = "--list-collection-segments", paramLabel = "N", defaultValue = "10000",
      description = "segments-scale: segments of the collection whose list is timed (default ${DEFAULT-VALUE}).")
  int listCollectionSegments;

  @Option(names = "--list-runs", paramLabel = "N", defaultValue = "7",
      description = "segments-scale: timed lists per measurement, the median reported (default ${DEFAULT-VALUE}).")
  int listRuns;

  @Option(names = "--page-size", paramLabel = "N", defaultValue = "1000",
      description = "segments-scale: the list's page limit (default ${DEFAULT-VALUE}).")
  int pageSize;

  @Option(names = "--in-flight", paramLabel = "N", defaultValue = "8",
      description = "segments-scale: fill commands (assigns, reports) outstanding at once (default ${DEFAULT-VALUE}).")
  int inFlight;

  @Option(names = "--requests-per-assign", paramLabel = "N", defaultValue = "64",
      description = "segments-scale: importing requests per assign command (default ${DEFAULT-VALUE}; see SegmentFill).")
  int requestsPerAssign;

  @Option(names = "--restarts", paramLabel = "follower,cluster|none", defaultValue = "follower,cluster",
      description = "segments-scale: restarts timed after the fill (default ${DEFAULT-VALUE}); they need a quorum that"
          + " --cluster-script started.")
  String restarts;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "segments-scale: the quorum's data directory, for snapshot sizes (default: $RAFTCOORD_DATA, else ./data).")
  Path dataDir;

  @Option(names = "--heartbeat-ms", paramLabel = "MS", defaultValue = "1000",
      description = "sessions: heartbeat interval of every node (default ${DEFAULT-VALUE}).")
  long heartbeatMs;

  @Option(names = "--coalesce", paramLabel = "on|off", defaultValue = "on",
      description = "sessions: on, the nodes are NodeAgents on one client and share heartbeat queries; off, each"
          + " node's heartbeat is a query of its own (default ${DEFAULT-VALUE}).")
  String coalesce;

  @Option(names = "--halt", paramLabel = "K", defaultValue = "10",
      description = "sessions expiry: nodes halted (default ${DEFAULT-VALUE}); tasks expiry: workers halted (default 5).")
  int halt;

  @Option(names = "--cluster-script", paramLabel = "PATH",
      description = "failover, sessions kills: the cluster script (default: $RAFTCOORD_CLUSTER_SCRIPT, else scripts/cluster.sh).")
  Path clusterScript;

  @Option(names = "--admin-port-offset", paramLabel = "N", defaultValue = "10",
      description = "failover, sessions: admin HTTP port = Raft port + N (default ${DEFAULT-VALUE}).")
  int adminPortOffset;

  @Option(names = "--between", paramLabel = "SECONDS", defaultValue = "5",
      description = "failover, sessions: steady load after a replica caught up, before the next kill (default ${DEFAULT-VALUE}).")
  double betweenSeconds;

  @Option(names = "--observe", paramLabel = "SECONDS", defaultValue = "2",
      description = "failover: load observed after writes resumed, before the restart (default ${DEFAULT-VALUE});"
          + " sessions: at least TTL + 2 s after the new leader is seen.")
  double observeSeconds;

  @Option(names = "--catchup-timeout", paramLabel = "SECONDS", defaultValue = "120",
      description = "failover, sessions: give up waiting for a restarted replica after (default ${DEFAULT-VALUE}).")
  double catchupTimeoutSeconds;

  @Option(names = "--timeline", paramLabel = "FILE",
      description = "failover: also write every completion time (ms since the load started) to FILE.")
  Path timelineFile;

  @Mixin
  LoadOptions loadOptions = new LoadOptions();

  @Mixin
  TasksOptions tasksOptions = new TasksOptions();

  PrintWriter out;
  PrintWriter err;

  public static void main(String[] args) {
    CliSupport.quietLogging();
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    Bench b = new Bench();
    b.out = out;
    b.err = err;
    return CliSupport.execute(CliSupport.configure(new CommandLine(b)), args, out, err);
  }

  /** What to run, after validating the flags together. */
  record Plan(String workload, List<Integer> concurrency, boolean batching, boolean merge, String itemName) {}

  Plan plan() {
    boolean batchingOn = Stats.parseOnOff("--batching", batching);
    Boolean mergeFlag = merge == null ? null : Stats.parseOnOff("--merge", merge);
    if (count < 1) {
      throw new CliSupport.UsageException("--count must be positive, got " + count);
    }
    List<Integer> cs = concurrency == null ? null : Stats.parseConcurrency(concurrency);
    return switch (workload) {
      case "tso" -> new Plan(workload, cs == null ? List.of(1, 16, 64) : cs, batchingOn, mergeFlag == null || mergeFlag, "ts");
      case "tso-merge" -> {
        if (Boolean.FALSE.equals(mergeFlag)) {
          throw new CliSupport.UsageException("tso-merge always merges; use 'tso --merge off' to compare");
        }
        yield new Plan(workload, cs == null ? List.of(1, 16, 64) : cs, batchingOn, true, "ts");
      }
      case "tso-alloc", "ids" -> {
        if (Boolean.TRUE.equals(mergeFlag)) {
          throw new CliSupport.UsageException(workload + " does not call tso().next(); --merge on has no effect on it");
        }
        yield new Plan(workload, cs == null ? List.of(1, 16, 64) : cs, batchingOn, false,
            workload.equals("ids") ? "ids" : "ts");
      }
      case "ddl", "describe", "describe-cached" -> {
        if (Boolean.TRUE.equals(mergeFlag)) {
          throw new CliSupport.UsageException(workload + " does not call tso().next(); --merge on has no effect on it");
        }
        if (describeCollections() < 1) {
          throw new CliSupport.UsageException("--collections must be positive, got " + collections);
        }
        yield new Plan(workload, cs == null ? List.of(1, 16, 64) : cs, batchingOn, false,
            workload.equals("ddl") ? "creates" : "reads");
      }
      case "sessions" -> {
        if (mergeFlag != null) {
          throw new CliSupport.UsageException("sessions does not call tso().next(); --merge has no effect on it");
        }
        SessionsPlan.of(this, cs); // validates the sessions flags
        yield new Plan(workload, cs == null ? List.of(64) : cs, batchingOn, false, "regs");
      }
      case "segments" -> {
        if (mergeFlag != null) {
          throw new CliSupport.UsageException("segments does not call tso().next(); --merge has no effect on it");
        }
        SegmentsPlan p = SegmentsPlan.of(this, cs);
        yield new Plan(workload, p.concurrency(), batchingOn, false, "segops");
      }
      case "segments-scale" -> {
        if (mergeFlag != null || cs != null) {
          throw new CliSupport.UsageException("segments-scale takes no --merge or --concurrency (the fill keeps --in-flight"
              + " commands outstanding)");
        }
        ScalePlan.of(this);
        yield new Plan(workload, List.of(1), batchingOn, false, "segments");
      }
      case "load" -> {
        if (mergeFlag != null) {
          throw new CliSupport.UsageException("load does not call tso().next(); --merge has no effect on it");
        }
        LoadPlan.of(this, loadOptions);
        yield new Plan(workload, List.of(1), batchingOn, false, "loads");
      }
      case "tasks" -> {
        if (mergeFlag != null || cs != null) {
          throw new CliSupport.UsageException("tasks takes no --merge or --concurrency (its load is the workers' own)");
        }
        TasksPlan.of(this, tasksOptions);
        yield new Plan(workload, List.of(1), batchingOn, false, "tasks");
      }
      case "failover" -> {
        List<Integer> c = cs == null ? List.of(8) : cs;
        if (c.size() != 1) {
          throw new CliSupport.UsageException("failover runs one concurrency level, got " + concurrency);
        }
        if (kills < 1) {
          throw new CliSupport.UsageException("--kills must be positive, got " + kills);
        }
        yield new Plan(workload, c, batchingOn, mergeFlag == null || mergeFlag, "ts");
      }
      default -> throw new CliSupport.UsageException(
          "unknown workload '" + workload + "'; expected tso, tso-merge, tso-alloc, ids, ddl, describe, describe-cached, failover,"
              + " sessions, segments, segments-scale, load or tasks");
    };
  }

  int describeCollections() {
    return collections == null ? 100 : collections;
  }

  private List<Integer> concurrencyList() {
    return concurrency == null ? null : Stats.parseConcurrency(concurrency);
  }

  String peers() {
    return peers == null ? ClusterLayout.defaultPeers() : peers;
  }

  @Override
  public Integer call() throws Exception {
    Plan plan = plan();
    long durationMs = Stats.seconds("--duration", durationSeconds == null ? 20 : durationSeconds, false);
    long warmupMs = Stats.seconds("--warmup", warmupSeconds == null ? 60 : warmupSeconds, true);
    long settleMs = Stats.seconds("--settle", settleSeconds, true);
    long deadlineMs = Stats.seconds("--deadline", deadlineSeconds, false);
    String peerString = peers();
    ClusterLayout.parsePeers(peerString);
    SessionsPlan sessionsPlan = plan.workload().equals("sessions") ? SessionsPlan.of(this, concurrencyList()) : null;
    ScalePlan scalePlan = plan.workload().equals("segments-scale") ? ScalePlan.of(this) : null;
    if (plan.workload().equals("failover")
        || (sessionsPlan != null && sessionsPlan.has(SessionsPlan.Phase.KILLS))
        || (scalePlan != null && scalePlan.restartsAny())) {
      Path script = ClusterControl.script(clusterScript);
      if (!Files.isExecutable(script)) {
        throw new CliSupport.UsageException("--cluster-script: " + script + " is not an executable file");
      }
      Stats.seconds("--between", betweenSeconds, true);
      Stats.seconds("--observe", observeSeconds, true);
      Stats.seconds("--catchup-timeout", catchupTimeoutSeconds, false);
    }
    CoordClient client = CoordClient.builder().peers(peerString).raftClients(raftClients).maxInFlight(maxInFlight)
        .maxBatch(maxBatch).batching(plan.batching()).tsoMerging(plan.merge()).tsoMaxInFlight(tsoMaxInFlight)
        .deadline(Duration.ofMillis(deadlineMs)).build();
    int rc;
    try {
      if (sessionsPlan != null) {
        rc = new SessionsBench(this, client, sessionsPlan, peerString, deadlineMs).run();
      } else if (plan.workload().equals("segments")) {
        rc = new SegmentsBench(this, client, SegmentsPlan.of(this, concurrencyList()), deadlineMs).run();
      } else if (scalePlan != null) {
        rc = new ScaleBench(this, client, scalePlan, peerString).run();
      } else if (plan.workload().equals("load")) {
        rc = new LoadBench(this, client, LoadPlan.of(this, loadOptions), peerString).run();
      } else if (plan.workload().equals("tasks")) {
        rc = new TasksBench(this, client, TasksPlan.of(this, tasksOptions), peerString).run();
      } else if (plan.workload().equals("failover")) {
        rc = new Failover(this, client, plan.concurrency().get(0), plan.merge(), peerString).run(warmupMs);
      } else {
        runPoints(client, plan, warmupMs, settleMs, durationMs, deadlineMs);
        rc = 0;
      }
    } catch (ClosedLoop.HungException e) {
      // Closing a hung client may hang too; exit without it (the callers are daemon threads).
      throw e;
    } catch (RuntimeException | Error e) {
      client.close();
      throw e;
    }
    client.close();
    return rc;
  }

  private ClosedLoop.Op catalogOp;

  private ClosedLoop.Op op(CoordClient client, Plan plan) {
    int k = count;
    if (catalogOp == null) {
      switch (plan.workload()) {
        case "ddl" -> {
          CatalogWorkloads.ensureDatabase(client.catalog(), db);
          CatalogWorkloads.ensureCapacity(client.catalog(), 200_000);
          catalogOp = CatalogWorkloads.ddl(client, db);
        }
        case "describe" -> catalogOp = CatalogWorkloads.describe(client, db,
            CatalogWorkloads.prepareDescribe(client, db, describeCollections(), err));
        case "describe-cached" -> catalogOp = CatalogWorkloads.describeCached(client, db,
            CatalogWorkloads.prepareDescribe(client, db, describeCollections(), err));
        default -> { }
      }
    }
    if (catalogOp != null) {
      return catalogOp;
    }
    return switch (plan.workload()) {
      case "tso", "tso-merge" -> () -> {
        client.tso().next();
        return 1;
      };
      case "tso-alloc" -> () -> client.tso().allocate(k).count();
      case "ids" -> () -> client.ids().allocate(k).count();
      default -> throw new IllegalStateException(plan.workload());
    };
  }

  static final String ROW = "%5s %10s %10s %8s %8s %8s %8s %10s %10s %8s  %s";

  private void runPoints(CoordClient client, Plan plan, long warmupMs, long settleMs, long durationMs, long deadlineMs) {
    int itemsPerOp = plan.workload().startsWith("tso") && !plan.workload().equals("tso-alloc") ? 1
        : plan.workload().equals("ids") || plan.workload().equals("tso-alloc") ? count : 1;
    if (!json) {
      out.printf(Locale.ROOT, "# %s: batching %s, merge %s, %s per call %d; %d raft clients, max in flight %d, "
              + "max batch %d; peers %s%n", plan.workload(), onOff(plan.batching()), onOff(plan.merge()),
          plan.itemName(), itemsPerOp, raftClients, maxInFlight, maxBatch, peers());
      out.printf(Locale.ROOT, "# %.0f s warm-up at C=%d, then per point %.0f s settle + %.0f s measured%n",
          warmupMs / 1000.0, plan.concurrency().stream().max(Integer::compare).orElseThrow(),
          settleMs / 1000.0, durationMs / 1000.0);
      out.println(String.format(Locale.ROOT, ROW, (Object[]) PointResult.header(plan.itemName())));
      out.flush();
    }
    if (warmupMs > 0) {
      warmUp(client, plan, warmupMs, deadlineMs);
    }
    for (int c : plan.concurrency()) {
      PointResult r = point(client, plan, c, itemsPerOp, settleMs, durationMs, deadlineMs);
      out.println(json ? r.toJson() : String.format(Locale.ROOT, ROW, (Object[]) r.row()));
      out.flush();
    }
  }

  private void warmUp(CoordClient client, Plan plan, long warmupMs, long deadlineMs) {
    int c = plan.concurrency().stream().max(Integer::compare).orElseThrow();
    err.printf(Locale.ROOT, "warm-up: %d s at C=%d (a fresh cluster is slow for 1-4 min while the JIT compiles)%n",
        warmupMs / 1000, c);
    err.flush();
    ClosedLoop.Op prepared = op(client, plan); // also prepares the database and the limits
    ClosedLoop.Op warm = plan.workload().equals("ddl") ? CatalogWorkloads.ddl(client, db) : prepared;
    ClosedLoop loop = new ClosedLoop(c, warm, null).start();
    try {
      long end = System.nanoTime() + warmupMs * 1_000_000;
      long elapsedMs = 0;
      while (System.nanoTime() < end) {
        long step = Math.min(10_000, (end - System.nanoTime()) / 1_000_000);
        ClosedLoop.sleepQuietly(Math.max(1, step));
        elapsedMs += step;
        ClosedLoop.Interval iv = loop.sample();
        err.printf(Locale.ROOT, "warm-up %3d s: %s ops/s, p99 %s ms%s%n", Math.round(elapsedMs / 1000.0),
            Stats.rate(Stats.ratio(iv.ops(), iv.nanos() / 1e9)), Stats.ms(iv.latencyUs().getValueAtPercentile(99)),
            iv.errorCount() > 0 ? ", errors " + iv.errors() : "");
        err.flush();
      }
    } finally {
      loop.stopOrFail(deadlineMs + 5_000, "the warm-up");
    }
  }

  private PointResult point(CoordClient client, Plan plan, int c, int itemsPerOp, long settleMs, long durationMs,
      long deadlineMs) {
    CatalogWorkloads.Created created = plan.workload().equals("ddl") ? new CatalogWorkloads.Created() : null;
    ClosedLoop loop = new ClosedLoop(c, created != null ? CatalogWorkloads.creates(client, db, created) : op(client, plan),
        null).start();
    try {
      ClosedLoop.sleepQuietly(settleMs);
      long s0 = System.nanoTime();
      long commit0 = maxCommitIndex(client);
      long m0 = (s0 + System.nanoTime()) / 2;
      long cmd0 = client.commandsSent();
      long b0 = client.batchesSent();
      loop.reset();
      ClosedLoop.sleepQuietly(durationMs);
      ClosedLoop.Interval iv = loop.sample();
      long cmd1 = client.commandsSent();
      long b1 = client.batchesSent();
      long s1 = System.nanoTime();
      long commit1 = maxCommitIndex(client);
      long m1 = (s1 + System.nanoTime()) / 2;
      long entries = commit0 < 0 || commit1 < 0 ? -1 : commit1 - commit0;
      var h = iv.latencyUs();
      boolean empty = h.getTotalCount() == 0;
      return new PointResult(plan.workload(), c, plan.batching(), plan.merge(), itemsPerOp, iv.nanos(), iv.ops(),
          iv.items(), empty ? 0 : h.getValueAtPercentile(50), empty ? 0 : h.getValueAtPercentile(99),
          empty ? 0 : h.getValueAtPercentile(99.9), empty ? 0 : h.getMaxValue(), empty ? 0 : h.getMean(),
          entries, m1 - m0, cmd1 - cmd0, b1 - b0, iv.errors());
    } finally {
      loop.stopOrFail(deadlineMs + 5_000, "the point at C=" + c);
      if (created != null) {
        CatalogWorkloads.dropAll(client, db, created, c, err);
      }
    }
  }

  /** The highest commitIndex any replica reports (the leader's, give or take), or -1. */
  static long maxCommitIndex(CoordClient client) {
    return client.admin().status().stream().filter(s -> s.getError().isEmpty())
        .mapToLong(ReplicaStatus::getCommitIndex).max().orElse(-1);
  }

  static String onOff(boolean b) {
    return b ? "on" : "off";
  }
}
