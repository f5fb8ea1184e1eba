package io.raftcoord.server.chaos;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.FieldSchema;
import io.raftcoord.proto.datacoord.ChannelList;
import io.raftcoord.proto.datacoord.ChannelWatchState;
import io.raftcoord.proto.datacoord.DataCoordReply;
import io.raftcoord.proto.datacoord.DataCoordSettings;
import io.raftcoord.proto.datacoord.FieldBinlog;
import io.raftcoord.proto.datacoord.FlushState;
import io.raftcoord.proto.datacoord.ListChannels;
import io.raftcoord.proto.datacoord.ListSegments;
import io.raftcoord.proto.datacoord.SegmentAssignment;
import io.raftcoord.proto.datacoord.SegmentDescription;
import io.raftcoord.proto.datacoord.SegmentLevel;
import io.raftcoord.proto.datacoord.SegmentList;
import io.raftcoord.proto.datacoord.SegmentRequest;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionList;
import io.raftcoord.proto.session.SessionSettings;
import io.raftcoord.server.chaos.SegmentRecords.Assign;
import io.raftcoord.server.chaos.SegmentRecords.ChannelRead;
import io.raftcoord.server.chaos.SegmentRecords.ChannelView;
import io.raftcoord.server.chaos.SegmentRecords.Final;
import io.raftcoord.server.chaos.SegmentRecords.Grant;
import io.raftcoord.server.chaos.SegmentRecords.Outcome;
import io.raftcoord.server.chaos.SegmentRecords.Ref;
import io.raftcoord.server.chaos.SegmentRecords.Request;
import io.raftcoord.server.chaos.SegmentRecords.SegmentRead;
import io.raftcoord.server.chaos.SessionChecker.Finding;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DataCoord segments under faults. {@link #COLLECTIONS} collections of {@link #SHARDS} channels
 * each; {@link #NODES} simulated data nodes ({@link SegmentsNode}, sessions of role datanode)
 * that watch channels, consume rows and report binlogs and checkpoints; {@link #WRITERS} writer
 * threads (the proxies) that assign rows on random channels and put them on the channel's
 * in-process message queue ({@link Mq}) for its node; a flusher that flushes a collection every
 * few seconds and follows its flush state; a sampler that reads every channel, the collections'
 * segments and the data node sessions. A churn thread crashes a node every few seconds (it
 * stops heartbeating and goes on reporting as a zombie with its old session until well past its
 * expiry) or, every third round, stops one gracefully (it releases its channels, then reports on
 * them as a zombie), and starts a replacement each time. Settings are shrunk at setup (session
 * TTL, segment size) so that sessions expire and segments seal, flush and move within seconds.
 * Everything goes into a {@link SegmentHistory}; after healing every segment is described and
 * {@link SegmentsChecker} judges the lot. System properties
 * {@code raftcoord.chaos.segments.{nodes,writers,maxSegmentBytes}} tune it.
 */
final class SegmentsWorkload implements ChaosWorkload, ChaosRun.Summarized, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentsWorkload.class);
  static final String DB = "segments_chaos";
  static final int COLLECTIONS = 2;
  static final int SHARDS = 2;
  static final int NODES = Integer.getInteger("raftcoord.chaos.segments.nodes", 3);
  static final int WRITERS = Integer.getInteger("raftcoord.chaos.segments.writers", 2);
  /** Small segments (the minimum is 4096): a few hundred rows each, so they seal and flush all the time. */
  static final long MAX_SEGMENT_BYTES = Long.getLong("raftcoord.chaos.segments.maxSegmentBytes", 16_384);
  /** The session TTL: the sessions workload's, so that the two can run together. */
  static final long TTL_MS = SessionsWorkload.TTL_MS;
  static final Duration HEARTBEAT = Duration.ofSeconds(1);
  static final int CYCLE_MS = 400;
  static final int MAX_REQUEST_ROWS = 40;
  static final Duration DEADLINE = Duration.ofSeconds(3);
  private static final Duration SETUP = Duration.ofSeconds(90);
  private static final Duration FINAL_READS = Duration.ofSeconds(60);
  private static final int CLIENTS = 3;

  /** One insert message on a channel's queue: rows for a segment. */
  record Msg(long seq, long segmentId, long rows) {}

  /** A channel's message queue (what the writers send and its node consumes), from the start of the run. */
  static final class Mq {
    private final List<Msg> msgs = new ArrayList<>();

    synchronized void append(long segmentId, long rows) {
      msgs.add(new Msg(msgs.size(), segmentId, rows));
    }

    synchronized int size() {
      return msgs.size();
    }

    synchronized List<Msg> from(int index) {
      return index >= msgs.size() ? List.of() : List.copyOf(msgs.subList(index, msgs.size()));
    }
  }

  private record Coll(String name, long id, long partitionId, List<String> channels) {}

  private SegmentHistory history;
  private CoordClient admin;
  private SetupCalls setup;
  private CoordClient writerClient;
  private CoordClient samplerClient;
  private final List<CoordClient> nodeClients = new ArrayList<>();
  private final List<Coll> collections = new ArrayList<>();
  private final List<String> channels = new ArrayList<>();
  private final Map<String, Mq> queues = new ConcurrentHashMap<>();
  private final List<SegmentsNode> nodes = new CopyOnWriteArrayList<>();
  private final SegmentsNode[] slots = new SegmentsNode[NODES];
  private final Map<Ref, Double> registered = new ConcurrentHashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  private final AtomicLong logIds = new AtomicLong(1_000_000);
  private final AtomicLong late = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong flushes = new AtomicLong();
  private final AtomicLong flushesDone = new AtomicLong();
  private List<Long> fieldIds = List.of(100L, 101L);
  private volatile long latestTs;
  private volatile boolean running;
  private volatile boolean sampling;
  private int started;
  private long seed;

  @Override
  public String name() {
    return "segments";
  }

  SegmentHistory history() {
    return history;
  }

  Mq mq(String channel) {
    return queues.computeIfAbsent(channel, c -> new Mq());
  }

  long latestTs() {
    return latestTs;
  }

  long nextLogId() {
    return logIds.incrementAndGet();
  }

  List<Long> fieldIds() {
    return fieldIds;
  }

  long zombieMs() {
    return TTL_MS + 6000;
  }

  void lateRows(long rows) {
    late.addAndGet(rows);
  }

  void refusedRows(long rows) {
    refused.addAndGet(rows);
  }

  void registered(Ref ref, double atMs) {
    registered.put(ref, atMs);
  }

  @Override
  public void start(ChaosEnv env) {
    seed = env.seed();
    history = new SegmentHistory(env.originNanos());
    admin = env.newClient(Duration.ofSeconds(10));
    setup = new SetupCalls(name(), admin, SETUP);
    writerClient = env.newClient(DEADLINE);
    samplerClient = env.newClient(DEADLINE);
    for (int i = 0; i < CLIENTS; i++) {
      nodeClients.add(env.newClient(DEADLINE));
    }
    long ttl = setup.retry("set the session TTL", () -> admin.sessions().setSettings(SessionSettings.newBuilder()
        .setTtlMs(TTL_MS).build()).getTtlMs());
    // No balancing during the run: channels move only when their node's session ends or stops.
    DataCoordSettings dcs = setup.retry("set the DataCoord settings", () -> admin.dataCoord().setSettings(
        DataCoordSettings.newBuilder().setMaxSegmentBytes(MAX_SEGMENT_BYTES).setChannelBalanceQuietMs(3_600_000)
            .build()));
    history.setup("settings", "ttlMs", ttl, "maxSegmentBytes", dcs.getMaxSegmentBytes(), "sealPermille",
        dcs.getSealProportionPermille(), "allocationExpireMs", dcs.getAllocationExpireMs());
    running = true;
    // The nodes first, so that the channels of the new collections are spread over all of them.
    for (int i = 0; i < NODES; i++) {
      long deadline = System.nanoTime() + SETUP.toNanos();
      while (!startNode(i)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not register segments data node " + i + " within " + SETUP);
        }
        Steps.sleep(250);
      }
    }
    createCollections();
    sampling = true;
    threads.add(WorkloadThreads.daemon("segments-clock", this::clockLoop));
    threads.add(WorkloadThreads.daemon("segments-sampler", this::sampleLoop));
    awaitWatched();
    for (int i = 0; i < WRITERS; i++) {
      Random rnd = new Random(seed * 37 + i + 5000);
      String actor = "writer" + (i + 1);
      threads.add(WorkloadThreads.daemon("segments-" + actor, () -> writeLoop(actor, rnd)));
    }
    Random frnd = new Random(seed * 37 + 6000);
    threads.add(WorkloadThreads.daemon("segments-flusher", () -> flushLoop(frnd)));
    Random crnd = new Random(seed * 37 + 7000);
    threads.add(WorkloadThreads.daemon("segments-churn", () -> churnLoop(crnd)));
    LOG.info("segments workload: {} collections x {} channels, {} data nodes, {} writers, ttl {} ms, max segment {} "
            + "bytes, seal {} permille, allocations expire after {} ms", COLLECTIONS, SHARDS, NODES, WRITERS, ttl,
        dcs.getMaxSegmentBytes(), dcs.getSealProportionPermille(), dcs.getAllocationExpireMs());
  }

  private void createCollections() {
    setup.createDatabase(DB);
    for (int i = 0; i < COLLECTIONS; i++) {
      String name = "seg_" + i;
      CollectionInfo info = setup.createCollection(DB, name, SHARDS);
      Coll c = new Coll(name, info.getId(), info.getPartitions(0).getId(), info.getVirtualChannelsList());
      collections.add(c);
      channels.addAll(c.channels());
      c.channels().forEach(this::mq);
      fieldIds = info.getSchema().getFieldsList().stream().map(FieldSchema::getFieldId).toList();
      history.setup("collection", "name", name, "id", c.id(), "partition", c.partitionId(), "channels", c.channels());
    }
  }

  private synchronized boolean startNode(int slot) {
    String name = "dn" + slot + "-" + (started++);
    SegmentsNode n = new SegmentsNode(this, name, nodeClients.get(slot % CLIENTS), seed * 41 + started);
    if (!n.start()) {
      return false;
    }
    nodes.add(n);
    slots[slot] = n;
    return true;
  }

  /** Waits (30 s at most) until every channel is watched by a node, so that the load starts on a settled cluster. */
  private void awaitWatched() {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      Map<String, ChannelView> last = history.lastChannels();
      if (channels.stream().allMatch(c -> last.containsKey(c) && !last.get(c).owner().none()
          && last.get(c).state().equals(ChannelWatchState.WATCH_SUCCESS.name()))) {
        LOG.info("segments: every channel is watched: {}", last.values());
        return;
      }
      Steps.sleep(250);
    }
    LOG.warn("segments: not every channel was watched within 30 s: {}", history.lastChannels().values());
  }

  /** A TSO timestamp every 200 ms: the nodes' checkpoint clock. */
  private void clockLoop() {
    while (sampling) {
      try {
        latestTs = Math.max(latestTs, samplerClient.tso().next());
      } catch (RuntimeException e) {
        // a fault: the clock stands still meanwhile
      }
      Steps.sleep(200);
    }
  }

  /** Every channel every 250 ms; the data node sessions every 500 ms; the collections' segments every second. */
  private void sampleLoop() {
    for (long round = 0; sampling; round++) {
      readAllChannels("sampler", samplerClient);
      if (round % 2 == 0) {
        readSessions();
      }
      if (round % 4 == 0) {
        for (Coll c : collections) {
          double inv = history.nowMs();
          try {
            SegmentList l = samplerClient.dataCoord().segments(ListSegments.newBuilder()
                .setCollection(io.raftcoord.proto.datacoord.CollectionSelector.newBuilder().setId(c.id()))
                .setLimit(10_000).build());
            history.segmentRead(new SegmentRead("sampler", inv, history.nowMs(), l.getSegmentsList().stream()
                .map(SegmentsNode::view).toList()));
          } catch (RuntimeException e) {
            history.op("segments", "sampler", inv, history.nowMs(), SegmentsNode.outcome(e), SegmentsNode.code(e),
                "collection", c.name());
          }
        }
      }
      Steps.sleep(250);
    }
  }

  private void readAllChannels(String actor, CoordClient client) {
    double inv = history.nowMs();
    try {
      ChannelList l = client.dataCoord().channels(ListChannels.getDefaultInstance());
      history.channelRead(new ChannelRead(actor, inv, history.nowMs(), l.getChannelsList().stream()
          .filter(ch -> channels.contains(ch.getName())).map(SegmentsNode::view).toList()));
    } catch (RuntimeException e) {
      history.op("channels", actor, inv, history.nowMs(), SegmentsNode.outcome(e), SegmentsNode.code(e));
    }
  }

  /** The data node sessions: which of ours are STOPPING, ended, or gone from the list. */
  private void readSessions() {
    double inv = history.nowMs();
    SessionList l;
    try {
      l = samplerClient.sessions().list("datanode", true);
    } catch (RuntimeException e) {
      history.op("sessions", "sampler", inv, history.nowMs(), SegmentsNode.outcome(e), SegmentsNode.code(e));
      return;
    }
    double done = history.nowMs();
    Map<Long, Session> byId = new java.util.HashMap<>();
    l.getSessionsList().forEach(s -> byId.put(s.getServerId(), s));
    registered.forEach((ref, at) -> {
      if (at >= inv) {
        return; // registered while the read ran: its absence proves nothing
      }
      Session s = byId.get(ref.serverId());
      String state = s == null || s.getEpoch() != ref.epoch() ? "GONE" : s.getState().name();
      if (!state.equals("ACTIVE")) {
        history.session(ref, state, done, "sessions list [" + HistoryLines.round(inv) + " ms ..]");
      }
    });
  }

  private void writeLoop(String actor, Random rnd) {
    while (running) {
      int n = rnd.nextInt(4) == 0 ? 2 : 1;
      List<SegmentRequest> reqs = new ArrayList<>();
      List<Request> recs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Coll c = collections.get(rnd.nextInt(collections.size()));
        String ch = c.channels().get(rnd.nextInt(c.channels().size()));
        long rows = 1 + rnd.nextInt(MAX_REQUEST_ROWS);
        reqs.add(SegmentRequest.newBuilder().setCollectionId(c.id()).setPartitionId(c.partitionId()).setChannel(ch)
            .setRows(rows).setLevel(SegmentLevel.L1).build());
        recs.add(new Request(ch, rows));
      }
      double inv = history.nowMs();
      try {
        DataCoordReply reply = writerClient.dataCoord().assign(reqs);
        double done = history.nowMs();
        List<Grant> grants = new ArrayList<>();
        for (SegmentAssignment a : reply.getAssignmentsList()) {
          grants.add(new Grant(a.getSegmentId(), a.getRows(), a.getRequest(), a.getExpireMs()));
          if (a.getRequest() >= 0 && a.getRequest() < recs.size()) {
            mq(recs.get(a.getRequest()).channel()).append(a.getSegmentId(), a.getRows());
          }
        }
        history.assign(new Assign(actor, inv, done, Outcome.OK, "", recs, grants));
      } catch (RuntimeException e) {
        history.assign(new Assign(actor, inv, history.nowMs(), SegmentsNode.outcome(e), SegmentsNode.code(e), recs,
            List.of()));
      }
      Steps.sleep(40 + rnd.nextInt(80));
    }
  }

  /** Flushes a collection every 5-9 s and follows its flush state (15 s at most). */
  private void flushLoop(Random rnd) {
    while (pause(5000 + rnd.nextInt(4000))) {
      Coll c = collections.get(rnd.nextInt(collections.size()));
      double inv = history.nowMs();
      DataCoordReply reply;
      try {
        reply = admin.dataCoord().flush(DB, c.name());
      } catch (RuntimeException e) {
        history.op("flush", "flusher", inv, history.nowMs(), SegmentsNode.outcome(e), SegmentsNode.code(e),
            "collection", c.name());
        continue;
      }
      flushes.incrementAndGet();
      history.op("flush", "flusher", inv, history.nowMs(), Outcome.OK, "", "collection", c.name(), "segments",
          reply.getSegmentIdsList(), "flushTs", reply.getFlushTs());
      long until = System.nanoTime() + 15_000_000_000L;
      while (running && System.nanoTime() < until) {
        double sinv = history.nowMs();
        try {
          FlushState st = admin.dataCoord().flushState(reply);
          if (st.getFlushed()) {
            flushesDone.incrementAndGet();
            history.op("flush-state", "flusher", sinv, history.nowMs(), Outcome.OK, "", "collection", c.name(),
                "flushed", true, "afterMs", HistoryLines.round(history.nowMs() - inv));
            break;
          }
        } catch (RuntimeException e) {
          // a fault: try again
        }
        Steps.sleep(500);
      }
    }
  }

  /** Every 5-8 s: crash a node (two rounds in three) or stop one gracefully, and start its replacement. */
  private void churnLoop(Random rnd) {
    for (int round = 1; pause(5000 + rnd.nextInt(3001)); round++) {
      int slot = rnd.nextInt(NODES);
      SegmentsNode n = slots[slot];
      if (n != null && n.live()) {
        if (round % 3 == 0) {
          n.stopGracefully();
        } else {
          n.crash();
        }
      }
      while (running && !startNode(slot)) {
        pause(1000);
      }
    }
  }

  private boolean pause(long ms) {
    return WorkloadThreads.pause(() -> running, ms);
  }

  @Override
  public void stop() throws InterruptedException {
    running = false;
    for (Thread t : threads) {
      if (!t.getName().equals("segments-sampler") && !t.getName().equals("segments-clock")) {
        t.join(DEADLINE.toMillis() * 4 + 2000);
      }
    }
    // The nodes report what they consumed for a few more cycles, then end (live ones deregister).
    Steps.sleep(CYCLE_MS * 4L);
    for (SegmentsNode n : nodes) {
      n.shutdown();
    }
    for (SegmentsNode n : nodes) {
      n.join(DEADLINE.toMillis() * 8);
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
    return history.summary() + String.format(java.util.Locale.ROOT, "; %d nodes started; flushes %d (%d seen "
            + "flushed); rows late for a finished segment %d, refused %d", nodes.size(), flushes.get(), flushesDone.get(),
        late.get(), refused.get());
  }

  /** Reads every segment's final state (the cluster is healed and the load stopped) and judges the history. */
  @Override
  public List<Verdict> check(ChaosEnv env) throws InterruptedException {
    sampling = false;
    for (Thread t : threads) {
      t.join(DEADLINE.toMillis() * 4);
    }
    try (CoordClient c = env.newClient(Duration.ofSeconds(10))) {
      readAllChannels("final", c);
      long deadline = System.nanoTime() + FINAL_READS.toNanos();
      for (long id : history.segmentIds()) {
        describeFinal(c, id, deadline);
      }
    }
    SegmentRecords r = history.records();
    List<Finding> findings = SegmentsChecker.check(r);
    String totals = RowConservationCheck.totals(r);
    LOG.info("segments: {} finding(s); {}; {}", findings.size(), totals, summary());
    close();
    return List.of(SegmentsChecker.verdict(name(), history.size(), findings));
  }

  private void describeFinal(CoordClient c, long id, long deadline) {
    while (true) {
      double inv = history.nowMs();
      try {
        SegmentDescription d = c.dataCoord().describe(id);
        Set<Long> ids = new HashSet<>();
        for (List<FieldBinlog> fbs : List.of(d.getBinlogs().getBinlogsList(), d.getBinlogs().getDeltalogsList(),
            d.getBinlogs().getStatslogsList())) {
          fbs.forEach(fb -> fb.getBinlogsList().forEach(b -> ids.add(b.getLogId())));
        }
        history.finalSegment(new Final(id, SegmentsNode.view(d.getSegment()), ids, history.nowMs()));
        return;
      } catch (CoordException e) {
        if (e.code() == ErrorCode.NOT_FOUND) {
          history.finalSegment(new Final(id, null, Set.of(), history.nowMs()));
          return;
        }
        if (System.nanoTime() > deadline) {
          history.finalError(id, e.toString());
          return;
        }
      } catch (RuntimeException e) {
        if (System.nanoTime() > deadline) {
          history.finalError(id, e.toString());
          return;
        }
      }
      Steps.sleep(250);
    }
  }

  /** An acknowledged report or checkpoint of a session that had lost the channel: nothing later undoes it. */
  @Override
  public boolean violationSeen(ChaosEnv env) {
    return history != null && !StaleEpochCheck.check(history.records()).isEmpty();
  }

  @Override
  public void close() {
    running = false;
    sampling = false;
    for (SegmentsNode n : nodes) {
      n.shutdown();
    }
    List<CoordClient> all = new ArrayList<>(nodeClients);
    nodeClients.clear();
    all.add(writerClient);
    all.add(samplerClient);
    all.add(admin);
    writerClient = null;
    samplerClient = null;
    admin = null;
    WorkloadClients.closeQuietly(name(), all);
  }
}
