package io.raftcoord.server.chaos;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.DataNodeAgent;
import io.raftcoord.server.chaos.SessionChecker.Finding;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * QueryCoord under faults. Two collections of {@link #SHARDS} channels with flushed segments made
 * at setup by a simulated data node ({@link QueryCoordSetup}); {@link #NODES} simulated query nodes
 * ({@link QueryCoordFleet}) that take {@link #LOAD_PER_SEGMENT} to load each segment, so that a
 * placed segment is not served for a visible moment. {@link #MAIN} is loaded with two replicas for
 * the whole run while a data node keeps ingesting into it and a flusher flushes it every few
 * seconds ({@link QueryCoordFlusher}: its next target keeps changing); a loader releases and loads
 * {@link #SIDE} (one replica) every few seconds ({@link QueryCoordLoader}); a churn thread halts a
 * query node (a crash: its session expires after the short TTL) or, every third round, stops one
 * gracefully (drained, then closed), and starts a replacement each time. An observer reads every
 * collection's replicas, load state and search plan every {@link #OBSERVE_MS} ms, with the query
 * nodes alive at the time ({@link QueryCoordObserver}). At the end (the cluster whole again) it
 * waits, bounded, until the loads settle, reads the final load states and samples the
 * distributions for doubled segments ({@link QueryCoordEndPhase}), then deregisters every node.
 * Everything goes into a {@link QueryCoordHistory}; {@link QueryCoordChecker} judges it. System
 * properties {@code raftcoord.chaos.querycoord.{nodes,ttlMs,loadPerSegmentMs}} tune it.
 */
final class QueryCoordWorkload implements ChaosWorkload, ChaosRun.Summarized, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(QueryCoordWorkload.class);
  static final String DB = "querycoord_chaos";
  static final String MAIN = "qc_main";
  static final String SIDE = "qc_side";
  static final List<String> COLLECTIONS = List.of(MAIN, SIDE);
  static final int SHARDS = 2;
  static final int MAIN_REPLICAS = 2;
  static final int SIDE_REPLICAS = 1;
  static final int NODES = Integer.getInteger("raftcoord.chaos.querycoord.nodes", 4);
  static final long TTL_MS = Long.getLong("raftcoord.chaos.querycoord.ttlMs", 2000);
  static final Duration LOAD_PER_SEGMENT =
      Duration.ofMillis(Long.getLong("raftcoord.chaos.querycoord.loadPerSegmentMs", 40));
  static final Duration HEARTBEAT = Duration.ofMillis(500);
  static final Duration POLL = Duration.ofMillis(100);
  static final long OBSERVE_MS = 100;
  /** Small segments (the minimum is 4096): a few hundred rows each, so that every flush makes new ones. */
  static final long MAX_SEGMENT_BYTES = 16_384;
  static final double SETUP_ROWS_PER_SECOND = 3000;
  static final double RUN_ROWS_PER_SECOND = 300;
  static final Duration DEADLINE = Duration.ofSeconds(3);
  /** How long a setup step may take (the faults have not begun: longer is an error). */
  static final Duration SETUP = Duration.ofSeconds(90);
  /** The query nodes' clients, shared round-robin. */
  static final int NODE_CLIENTS = 2;

  private QueryCoordHistory history;
  private CoordClient admin;
  private CoordClient opsClient;
  private CoordClient observerClient;
  private CoordClient dataClient;
  private final List<CoordClient> nodeClients = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private QueryCoordFleet fleet;
  private QueryCoordObserver observer;
  private QueryCoordFlusher flusher;
  private DataNodeAgent ingest;
  private volatile boolean running;
  private volatile int judged = -1;

  @Override
  public String name() {
    return "querycoord";
  }

  QueryCoordHistory history() {
    return history;
  }

  @Override
  public void start(ChaosEnv env) {
    long seed = env.seed();
    history = new QueryCoordHistory(env.originNanos(), TTL_MS);
    admin = env.newClient(Duration.ofSeconds(10));
    opsClient = env.newClient(Duration.ofSeconds(5));
    observerClient = env.newClient(DEADLINE);
    dataClient = env.newClient(DEADLINE);
    for (int i = 0; i < NODE_CLIENTS; i++) {
      nodeClients.add(env.newClient(DEADLINE));
    }
    QueryCoordSetup setup = new QueryCoordSetup(history, admin, dataClient);
    long ttl = setup.settings();
    running = true;
    setup.collections();
    // SIDE's segments first, by a data node that then leaves; MAIN's by the one that stays.
    DataNodeAgent side = setup.startDataNode(SIDE, "127.0.0.1:45001");
    try {
      setup.flushedSegments(side, SIDE, 2);
    } finally {
      side.close();
    }
    ingest = setup.startDataNode(MAIN, "127.0.0.1:45002");
    setup.flushedSegments(ingest, MAIN, 4);
    ingest.rowsPerSecond(RUN_ROWS_PER_SECOND);
    fleet = new QueryCoordFleet(history, nodeClients, () -> running);
    fleet.startAtSetup();
    observer = new QueryCoordObserver(history, observerClient, fleet);
    observer.start();
    // The nodes settle (and the observer sees them alive) before the first loads.
    Steps.sleep((long) QueryCoordChecker.SETTLE_MS + 1000);
    QueryCoordLoader loader = new QueryCoordLoader(history, opsClient, admin, () -> running);
    loader.loadAtSetup();
    flusher = new QueryCoordFlusher(history, admin, () -> running);
    threads.add(WorkloadThreads.daemon("querycoord-loader", () -> loader.loop(new Random(seed * 53 + 1))));
    threads.add(WorkloadThreads.daemon("querycoord-flusher", () -> flusher.loop(new Random(seed * 53 + 2))));
    threads.add(WorkloadThreads.daemon("querycoord-churn", () -> fleet.churnLoop(new Random(seed * 53 + 3))));
    LOG.info("querycoord workload: {} query nodes (load {} ms per segment), ttl {} ms, {} loaded with {} replicas, "
        + "{} loaded and released now and then", NODES, LOAD_PER_SEGMENT.toMillis(), ttl, MAIN, MAIN_REPLICAS, SIDE);
  }

  /**
   * Stops the loader, flusher and churn; on the whole cluster, runs the end phase (the observer
   * still observing); then stops the observer and ingest and deregisters every node.
   */
  @Override
  public void stop() throws InterruptedException {
    running = false;
    for (Thread t : threads) {
      t.join(DEADLINE.toMillis() * 4 + 5000);
    }
    if (fleet != null) {
      fleet.joinDrains();
    }
    if (history == null) {
      return;
    }
    new QueryCoordEndPhase(history, admin).run();
    if (observer != null) {
      observer.stop();
    }
    if (ingest != null) {
      ingest.close();
      ingest = null;
    }
    if (fleet != null) {
      fleet.closeRemaining();
    }
  }

  @Override
  public List<String> historyLines() {
    return history == null ? List.of() : history.lines();
  }

  @Override
  public String summary() {
    if (history == null) {
      return "not started";
    }
    return history.summary() + String.format(java.util.Locale.ROOT, "; %d query nodes started; %d flushes",
        fleet == null ? 0 : fleet.started(), flusher == null ? 0 : flusher.flushes())
        + (judged < 0 ? "" : "; " + judged + " LOADED observations judged for unserved segments");
  }

  @Override
  public List<Verdict> check(ChaosEnv env) {
    QueryCoordRecords r = history.records();
    List<Finding> findings = QueryCoordChecker.check(r);
    judged = QueryCoordChecker.judged(r);
    LOG.info("querycoord: {} finding(s); {}", findings.size(), summary());
    close();
    return List.of(QueryCoordChecker.verdict(name(), history.size(), findings));
  }

  @Override
  public boolean violationSeen(ChaosEnv env) {
    return history != null && QueryCoordChecker.violationSeen(history.records());
  }

  @Override
  public void close() {
    running = false;
    if (observer != null) {
      observer.halt();
    }
    if (fleet != null) {
      fleet.haltAll();
    }
    if (ingest != null) {
      ingest.close();
      ingest = null;
    }
    List<CoordClient> all = new ArrayList<>(nodeClients);
    nodeClients.clear();
    all.add(observerClient);
    all.add(opsClient);
    all.add(dataClient);
    all.add(admin);
    observerClient = null;
    opsClient = null;
    dataClient = null;
    admin = null;
    WorkloadClients.closeQuietly(name(), all);
  }
}
