package io.raftcoord.server.chaos;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.DataNodeAgent;
import io.raftcoord.client.TaskWorkerAgent;
import io.raftcoord.proto.datacoord.CollectionSelector;
import io.raftcoord.proto.datacoord.DataCoordReply;
import io.raftcoord.proto.datacoord.DataCoordSettings;
import io.raftcoord.proto.datacoord.ListSegments;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.proto.datatasks.DataTasksSettings;
import io.raftcoord.proto.datatasks.IndexDescription;
import io.raftcoord.proto.datatasks.ListTasks;
import io.raftcoord.proto.datatasks.Task;
import io.raftcoord.proto.datatasks.TaskState;
import io.raftcoord.proto.datatasks.TaskType;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionSettings;
import io.raftcoord.server.chaos.DataTasksHistory.Observation;
import io.raftcoord.server.chaos.DataTasksHistory.Report;
import io.raftcoord.server.chaos.DataTasksHistory.Seg;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DataCoord's background work under faults. A data node ingests into one collection of small
 * segments and a flusher flushes it every {@link #FLUSH_MS} ms, so that small FLUSHED segments keep
 * coming; the collection has an HNSW index; the compaction, index and GC planners run every half
 * second to two seconds. {@link #WORKERS} simulated workers ({@link TaskWorkerAgent}, each task
 * taking {@link #WORK_MS} ms) do the tasks, and every 5-8 s one of them is halted (a crash, often
 * mid-task: its session expires after the short TTL and its tasks go back to the queue) and a new
 * one started. An observer lists the collection's segments every {@link #OBSERVE_MS} ms. At the end
 * (the cluster whole) ingest stops, a last flush is awaited, and the work settles (bounded) before
 * the final figures are read. {@link DataTasksChecker} judges the history.
 */
final class DataTasksWorkload implements ChaosWorkload, ChaosRun.Summarized, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DataTasksWorkload.class);
  static final String DB = "datacoord_chaos";
  static final String COLLECTION = "dc_main";
  static final int SHARDS = 2;
  static final int WORKERS = 3;
  static final long TTL_MS = 2000;
  static final long WORK_MS = 150;
  static final long FLUSH_MS = 2000;
  static final long OBSERVE_MS = 150;
  static final long MAX_SEGMENT_BYTES = 16_384;
  static final double ROWS_PER_SECOND = 400;
  static final Duration DEADLINE = Duration.ofSeconds(3);
  static final Duration SETUP = Duration.ofSeconds(90);
  static final Duration SETTLE = Duration.ofSeconds(60);

  private DataTasksHistory history;
  private CoordClient admin;
  private CoordClient dataClient;
  private CoordClient observerClient;
  private final List<CoordClient> workerClients = new ArrayList<>();
  private final List<TaskWorkerAgent> workers = new CopyOnWriteArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private DataNodeAgent ingest;
  private long collectionId;
  private int started;
  private int halted;
  private volatile boolean running;

  @Override
  public String name() {
    return "datacoord";
  }

  @Override
  public void start(ChaosEnv env) {
    history = new DataTasksHistory(env.originNanos());
    admin = env.newClient(Duration.ofSeconds(10));
    dataClient = env.newClient(DEADLINE);
    observerClient = env.newClient(DEADLINE);
    for (int i = 0; i < 2; i++) {
      workerClients.add(env.newClient(DEADLINE));
    }
    SetupCalls calls = new SetupCalls("datacoord", admin, SETUP);
    calls.retry("set the session TTL", () -> admin.sessions().setSettings(SessionSettings.newBuilder().setTtlMs(TTL_MS)
        .build()));
    calls.retry("set the DataCoord settings", () -> admin.dataCoord().setSettings(DataCoordSettings.newBuilder()
        .setMaxSegmentBytes(MAX_SEGMENT_BYTES).build()));
    DataTasksSettings s = calls.retry("set the task settings", () -> admin.dataTasks().setSettings(
        DataTasksSettings.newBuilder().setMixIntervalMs(500).setL0IntervalMs(500).setDropToleranceMs(3000)
            .setGcIntervalMs(2000).setCompactionTimeoutMs(10_000).setIndexTimeoutMs(10_000).build()));
    calls.createDatabase(DB);
    collectionId = calls.createCollection(DB, COLLECTION, SHARDS).getId();
    calls.retry("create the index", () -> admin.dataTasks().createIndex(DB, COLLECTION, "vec", "vec_idx", "HNSW",
        Map.of("metric_type", "L2")));
    history.setup("settings", "ttlMs", TTL_MS, "maxSegmentBytes", MAX_SEGMENT_BYTES, "collection", collectionId,
        "mixIntervalMs", s.getMixIntervalMs(), "workers", WORKERS, "workMs", WORK_MS);
    running = true;
    ingest = calls.retry("start the data node", () -> DataNodeAgent.builder(dataClient, "127.0.0.1:46001")
        .heartbeatInterval(Duration.ofMillis(500)).pollInterval(Duration.ofMillis(100))
        .syncInterval(Duration.ofMillis(200)).batchInterval(Duration.ofMillis(50)).ingest(DB, COLLECTION)
        .rowsPerSecond(ROWS_PER_SECOND).start());
    for (int i = 0; i < WORKERS; i++) {
      startWorker();
    }
    long seed = env.seed();
    threads.add(WorkloadThreads.daemon("datacoord-observer", this::observeLoop));
    threads.add(WorkloadThreads.daemon("datacoord-flusher", this::flushLoop));
    threads.add(WorkloadThreads.daemon("datacoord-churn", () -> churnLoop(new Random(seed * 71 + 5))));
    LOG.info("datacoord workload: {} workers ({} ms a task), ingest {} rows/s into {}.{} (id {})", WORKERS, WORK_MS,
        ROWS_PER_SECOND, DB, COLLECTION, collectionId);
  }

  private void startWorker() {
    int n = ++started;
    CoordClient c = workerClients.get(n % workerClients.size());
    TaskWorkerAgent w = TaskWorkerAgent.builder(c, "127.0.0.1:" + (46100 + n)).heartbeatInterval(Duration.ofMillis(500))
        .work(Duration.ofMillis(WORK_MS)).listener(new TaskWorkerAgent.Listener() {
          @Override
          public void working(Session s, Task t) {
            history.working(s.getServerId(), s.getEpoch(), t.getId(), t.getType().name());
          }

          @Override
          public void reported(Session s, Task t, boolean accepted, CoordException refusal) {
            history.reported(new Report(history.nowMs(), s.getServerId(), s.getEpoch(), t.getId(), t.getType().name(),
                accepted, refusal == null ? "" : refusal.code().name()));
          }
        }).start();
    workers.add(w);
    history.event("worker-start", "worker", n);
  }

  private void churnLoop(Random rnd) {
    while (WorkloadThreads.pause(() -> running, 5000 + rnd.nextInt(3001))) {
      List<TaskWorkerAgent> live = new ArrayList<>(workers);
      if (live.isEmpty()) {
        continue;
      }
      TaskWorkerAgent victim = live.get(rnd.nextInt(live.size()));
      Session s = victim.session();
      history.event("worker-halt", "serverId", s == null ? 0 : s.getServerId());
      victim.halt();
      workers.remove(victim);
      halted++;
      startWorker();
    }
  }

  private void flushLoop() {
    while (WorkloadThreads.pause(() -> running, FLUSH_MS)) {
      try {
        admin.dataCoord().flush(DB, COLLECTION);
      } catch (CoordException e) {
        LOG.debug("datacoord: flush failed: {}", e.getMessage());
      }
    }
  }

  private void observeLoop() {
    while (WorkloadThreads.pause(() -> running, OBSERVE_MS)) {
      observeOnce();
    }
  }

  private void observeOnce() {
    try {
      List<Seg> segs = list(observerClient).stream().map(Seg::of).toList();
      long ingestedAfter = ingest.stats().rowsIngested();
      history.observed(new Observation(history.nowMs(), segs, ingestedAfter));
    } catch (CoordException e) {
      LOG.debug("datacoord: observation failed: {}", e.getMessage());
    }
  }

  private List<Segment> list(CoordClient c) {
    return c.dataCoord().segments(ListSegments.newBuilder()
        .setCollection(CollectionSelector.newBuilder().setId(collectionId))
        .addAllStates(EnumSet.of(SegmentState.GROWING, SegmentState.SEALED, SegmentState.FLUSHING, SegmentState.FLUSHED,
            SegmentState.DROPPED, SegmentState.IMPORTING)).setLimit(10_000).build()).getSegmentsList();
  }

  /** Ends ingest with a last flush, lets the work settle (bounded), and reads the final figures. */
  @Override
  public void stop() throws InterruptedException {
    running = false;
    for (Thread t : threads) {
      t.join(DEADLINE.toMillis() * 4 + 5000);
    }
    if (history == null || ingest == null) {
      return;
    }
    try {
      ingest.stopIngest().get(SETTLE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      LOG.info("datacoord: stopping ingest: {}", e.toString());
    }
    SetupCalls calls = new SetupCalls("datacoord", admin, SETTLE);
    DataCoordReply flush = calls.retry("the last flush", () -> admin.dataCoord().flush(DB, COLLECTION));
    boolean settled = BoundedWait.until("datacoord", () -> {
      try {
        // Every segment of the flush FLUSHED (channel checkpoints are the segments workload's business).
        return admin.dataCoord().flushState(flush).getPendingSegmentsCount() == 0
            && ingest.stats().rowsBuffered() == 0
            && admin.dataTasks().compactionStateOfCollection(collectionId).getCompletedAll()
            && indexed(admin.dataTasks().describeIndexes(DB, COLLECTION, "vec_idx").getIndexes(0));
      } catch (CoordException e) {
        return false;
      }
    }, SETTLE, "the last flush, compactions and index builds to settle");
    if (!settled) {
      recordUnsettled(flush);
    }
    observeOnce();
    history.end(finalFigures(settled));
  }

  /** What still kept the work from settling, for the report. */
  private void recordUnsettled(DataCoordReply flush) {
    try {
      var state = admin.dataCoord().flushState(flush);
      var compactions = admin.dataTasks().compactionStateOfCollection(collectionId);
      IndexDescription d = admin.dataTasks().describeIndexes(DB, COLLECTION, "vec_idx").getIndexes(0);
      history.event("unsettled", "pendingSegments", state.getPendingSegmentsList(), "pendingChannels",
          state.getPendingChannelsList(), "rowsBuffered", ingest.stats().rowsBuffered(), "compactionsOpen",
          compactions.getPipelining() + compactions.getExecuting(), "indexed", d.getIndexedRows(), "total",
          d.getTotalRows());
      LOG.warn("datacoord: not settled: flush pending segments {} channels {}, rows buffered {}, compactions open {},"
          + " indexed {}/{}", state.getPendingSegmentsList(), state.getPendingChannelsList(), ingest.stats().rowsBuffered(),
          compactions.getPipelining() + compactions.getExecuting(), d.getIndexedRows(), d.getTotalRows());
    } catch (CoordException e) {
      LOG.warn("datacoord: not settled, and its state could not be read: {}", e.getMessage());
    }
  }

  private static boolean indexed(IndexDescription d) {
    return d.getIndexedRows() == d.getTotalRows();
  }

  private DataTasksHistory.Final finalFigures(boolean settled) {
    try {
      long live = DataTasksChecker.liveRows(list(admin).stream().map(Seg::of).toList());
      IndexDescription d = admin.dataTasks().describeIndexes(DB, COLLECTION, "vec_idx").getIndexes(0);
      Map<Long, Integer> builds = new HashMap<>();
      long open = 0;
      long after = 0;
      while (true) {
        List<Task> page = admin.dataTasks().tasks(ListTasks.newBuilder().setCollectionId(collectionId).setAfterId(after)
            .setLimit(10_000).build()).getTasksList();
        for (Task t : page) {
          if (t.getType() == TaskType.INDEX_BUILD && t.getState() == TaskState.COMPLETED) {
            builds.merge(t.getSegments(0), 1, Integer::sum);
          }
          open += t.getState() == TaskState.PIPELINING || t.getState() == TaskState.EXECUTING ? 1 : 0;
          after = t.getId();
        }
        if (page.size() < 10_000) {
          break;
        }
      }
      builds.values().removeIf(n -> n < 2);
      var stats = ingest.stats();
      return new DataTasksHistory.Final(live, stats.rowsIngested(), stats.rowsLost(), d.getTotalRows(),
          d.getIndexedRows(), builds, open, settled);
    } catch (CoordException e) {
      LOG.warn("datacoord: the final figures could not be read: {}", e.getMessage());
      return new DataTasksHistory.Final(0, 0, 0, 0, 0, Map.of(), 0, false);
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
    DataTasksHistory.Records r = history.records();
    long accepted = r.reports().stream().filter(Report::accepted).count();
    return String.format(java.util.Locale.ROOT, "%d observations; %d task reports accepted, %d refused; %d workers"
        + " started, %d halted%s", r.observations().size(), accepted, r.reports().size() - accepted, started, halted,
        r.end() == null ? "" : "; final: " + r.end().liveRows() + " live rows of " + r.end().ingested() + " ingested, "
            + r.end().indexIndexed() + "/" + r.end().indexTotal() + " rows indexed" + (r.end().settled() ? ""
            : " (NOT settled)"));
  }

  @Override
  public List<Verdict> check(ChaosEnv env) {
    List<SessionChecker.Finding> findings = DataTasksChecker.check(history.records());
    DataTasksHistory.Records r = history.records();
    if (r.end() != null && !r.end().settled()) {
      findings = new ArrayList<>(findings);
      findings.add(new SessionChecker.Finding("liveness", "the work did not settle within " + SETTLE.toSeconds()
          + " s of the end: " + summary(), 0, 0));
    }
    LOG.info("datacoord: {} finding(s); {}", findings.size(), summary());
    close();
    return List.of(SessionChecker.verdict(name(), history.size(), findings));
  }

  @Override
  public boolean violationSeen(ChaosEnv env) {
    return history != null && DataTasksChecker.violationSeen(history.records());
  }

  @Override
  public void close() {
    running = false;
    workers.forEach(TaskWorkerAgent::close);
    workers.clear();
    if (ingest != null) {
      ingest.close();
      ingest = null;
    }
    List<CoordClient> all = new ArrayList<>(workerClients);
    workerClients.clear();
    all.add(observerClient);
    all.add(dataClient);
    all.add(admin);
    observerClient = null;
    dataClient = null;
    admin = null;
    WorkloadClients.closeQuietly("datacoord", all);
  }
}
