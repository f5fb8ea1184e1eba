package io.raftcoord.server.chaos;

import com.google.protobuf.ByteString;
import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.DataCoordClient;
import io.raftcoord.client.NodeAgent;
import io.raftcoord.client.SessionClient;
import io.raftcoord.client.internal.Futures;
import io.raftcoord.proto.datacoord.Binlog;
import io.raftcoord.proto.datacoord.Channel;
import io.raftcoord.proto.datacoord.ChannelCheckpoint;
import io.raftcoord.proto.datacoord.ChannelList;
import io.raftcoord.proto.datacoord.ChannelWatchState;
import io.raftcoord.proto.datacoord.FieldBinlog;
import io.raftcoord.proto.datacoord.ListChannels;
import io.raftcoord.proto.datacoord.ListSegments;
import io.raftcoord.proto.datacoord.Position;
import io.raftcoord.proto.datacoord.SaveBinlogPaths;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentDescription;
import io.raftcoord.proto.datacoord.SegmentList;
import io.raftcoord.proto.datacoord.SegmentReport;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionRef;
import io.raftcoord.server.chaos.SegmentRecords.ChannelRead;
import io.raftcoord.server.chaos.SegmentRecords.ChannelView;
import io.raftcoord.server.chaos.SegmentRecords.Cp;
import io.raftcoord.server.chaos.SegmentRecords.Outcome;
import io.raftcoord.server.chaos.SegmentRecords.Ref;
import io.raftcoord.server.chaos.SegmentRecords.SegReport;
import io.raftcoord.server.chaos.SegmentRecords.SegmentRead;
import io.raftcoord.server.chaos.SegmentRecords.SegmentView;
import io.raftcoord.server.chaos.SegmentRecords.Write;
import io.raftcoord.server.chaos.SegmentRecords.WriteKind;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated data node of the segments workload: a {@link NodeAgent} session of role
 * {@code datanode} and a loop that does what a Milvus data node does with the coordinator.
 * Every cycle it lists its channels (answers TO_WATCH with WATCH_SUCCESS after loading the
 * channel's segments; flushes and answers TO_RELEASE with RELEASE_SUCCESS), lists its segments
 * (those FLUSHING must be reported flushed=true), consumes the rows the writers put on its
 * channels' message queues ({@link SegmentsWorkload.Mq}), and reports them per channel: one
 * saveBinlogPaths with a new binlog (unique log IDs) per field for the new rows, the segments'
 * absolute row counts and positions, and the channel checkpoint; with nothing to report, a
 * checkpoint save. An unknown outcome is retried as the identical request (twice); its binlogs
 * stay pending, so the next report carries them again (the coordinator skips log IDs it has).
 *
 * <p>A node taking over a channel loads its segments and replays the queue from the start,
 * skipping, per segment, the messages up to the position the last report carried (its
 * dml_position): the rows a crashed owner consumed but never reported are not lost.
 *
 * <p>Crashes: {@link #crash} stops heartbeating (the session expires after the TTL) and turns the
 * loop into a zombie that keeps consuming and reporting on the channels it had, with the old
 * session, until {@code zombieMs} has passed, ignoring STALE_EPOCH. {@link #stopGracefully}
 * announces STOPPING, goes on until every channel is released, then reports as a zombie on the
 * released channels for a while and deregisters. Every call goes into the {@link SegmentHistory}.
 */
final class SegmentsNode {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentsNode.class);
  /** How long a stopping node waits for its channels to be released before it gives up on them. */
  private static final long RELEASE_LIMIT_MS = 20_000;
  private static final List<SegmentState> ALL_STATES = List.of(SegmentState.GROWING, SegmentState.SEALED,
      SegmentState.FLUSHING, SegmentState.FLUSHED, SegmentState.DROPPED, SegmentState.IMPORTING);
  private static final List<SegmentState> OPEN_STATES = List.of(SegmentState.GROWING, SegmentState.SEALED,
      SegmentState.FLUSHING);

  /** The watch states in which the assigned session holds the channel (may write its data). */
  static final Set<ChannelWatchState> HOLDING = Set.of(ChannelWatchState.TO_WATCH, ChannelWatchState.WATCH_SUCCESS,
      ChannelWatchState.TO_RELEASE);

  enum Mode { NORMAL, STOPPING, ZOMBIE, DONE }

  /** A segment as this node knows it. */
  private static final class Seg {
    final long id;
    /** Rows consumed so far (absolute: the reported base plus what this node consumed). */
    long rows;
    /** Rows already put into a pending binlog. */
    long batched;
    /** Rows of the last acknowledged report. */
    long reported;
    /** Queue messages up to this sequence number are already in the segment's reported rows. */
    long dmlSeq;
    long firstSeq = -1;
    long lastSeq = -1;
    /** Timestamp of the last position put in a report: the coordinator keeps a position only if its timestamp is later. */
    long posTs;
    long reportedSeq = -1;
    boolean flushing;
    boolean done;
    final List<long[]> pending = new ArrayList<>(); // {fieldId, logId, entries}

    Seg(long id, long rows, long dmlSeq) {
      this.id = id;
      this.rows = rows;
      this.batched = rows;
      this.reported = rows;
      this.dmlSeq = dmlSeq;
    }
  }

  /** A channel this node owns (or, as a zombie, believes it owns). */
  private static final class Chan {
    final String name;
    final Map<Long, Seg> segs = new TreeMap<>();
    int next;
    long lastCpTs;
    int quietCycles;

    Chan(String name) {
      this.name = name;
    }
  }

  private final SegmentsWorkload w;
  private final SegmentHistory history;
  final String name;
  private final CoordClient client;
  private final DataCoordClient dc;
  private final Random rnd;
  private final Map<String, Chan> owned = new TreeMap<>();
  private final Map<String, Chan> released = new TreeMap<>();
  private volatile NodeAgent agent;
  private volatile Ref ref;
  private volatile Mode mode = Mode.NORMAL;
  private volatile boolean stopRequested;
  private Ref loopRef;
  private long zombieUntilNanos;
  private long stoppingSinceNanos;
  private boolean zombieFromStop;
  private Thread loop;

  SegmentsNode(SegmentsWorkload w, String name, CoordClient client, long seed) {
    this.w = w;
    this.history = w.history();
    this.name = name;
    this.client = client;
    this.dc = client.dataCoord();
    this.rnd = new Random(seed);
  }

  /** Registers the session and starts the loop; false if the registration failed (nothing started). */
  boolean start() {
    double inv = history.nowMs();
    try {
      agent = NodeAgent.builder(client, "datanode", name + ".segments.chaos:21124").version("chaos")
          .heartbeatInterval(SegmentsWorkload.HEARTBEAT).listener(new NodeAgent.Listener() {
            @Override
            public void registered(Session s) {
              Ref r = Ref.of(SessionClient.ref(s));
              w.registered(r, history.nowMs());
              ref = r;
              history.op("register", name, history.nowMs(), history.nowMs(), Outcome.OK, "", "node", r.toString());
            }

            @Override
            public void lost(Session s) {
              history.op("lost", name, history.nowMs(), history.nowMs(), Outcome.OK, "", "node",
                  Ref.of(SessionClient.ref(s)).toString());
            }
          }).start();
    } catch (RuntimeException e) {
      history.op("register", name, inv, history.nowMs(), outcome(e), code(e), "error", e.toString());
      return false;
    }
    loop = new Thread(this::run, "segments-" + name);
    loop.setDaemon(true);
    loop.start();
    return true;
  }

  Mode mode() {
    return mode;
  }

  boolean live() {
    return mode == Mode.NORMAL;
  }

  /** Stops heartbeating without a word (a crash); the loop goes on as a zombie with the old session. */
  synchronized void crash() {
    if (mode != Mode.NORMAL) {
      return;
    }
    agent.halt();
    history.op("crash", name, history.nowMs(), history.nowMs(), Outcome.OK, "", "node", String.valueOf(ref));
    zombieUntilNanos = System.nanoTime() + w.zombieMs() * 1_000_000L;
    mode = Mode.ZOMBIE;
  }

  /** Announces STOPPING (channels get released); the loop releases them, then acts as a zombie on them. */
  void stopGracefully() {
    synchronized (this) {
      if (mode != Mode.NORMAL) {
        return;
      }
      stoppingSinceNanos = System.nanoTime();
      mode = Mode.STOPPING;
    }
    Ref r = ref;
    double inv = history.nowMs();
    try {
      agent.stopGracefully();
      double done = history.nowMs();
      history.op("stop", name, inv, done, Outcome.OK, "", "node", String.valueOf(r));
      history.session(r, "STOPPING", done, "own stop acknowledged");
    } catch (RuntimeException e) {
      history.op("stop", name, inv, history.nowMs(), outcome(e), code(e), "node", String.valueOf(r));
    }
  }

  /** Ends the loop (the run is over); a node still serving deregisters. */
  void shutdown() {
    stopRequested = true;
  }

  void join(long ms) throws InterruptedException {
    if (loop != null) {
      loop.join(ms);
    }
  }

  private void run() {
    try {
      while (mode != Mode.DONE) {
        if (stopRequested) {
          // Only a crashed node's session is left to expire; the others deregister.
          finish(mode != Mode.ZOMBIE || zombieFromStop);
          return;
        }
        try {
          cycle();
        } catch (RuntimeException e) {
          LOG.warn("segments node {}: cycle failed: {}", name, e.toString());
        }
        Steps.sleep(SegmentsWorkload.CYCLE_MS + rnd.nextInt(SegmentsWorkload.CYCLE_MS / 2));
      }
    } catch (Throwable t) {
      LOG.error("segments node {} died", name, t);
    }
  }

  private void cycle() {
    switch (mode) {
      case NORMAL, STOPPING -> serve();
      case ZOMBIE -> {
        if (System.nanoTime() > zombieUntilNanos) {
          finish(zombieFromStop);
          return;
        }
        Ref r = loopRef;
        if (r == null) {
          finish(false);
          return;
        }
        Map<String, Chan> targets = zombieFromStop ? released : owned;
        readSegments(r, targets);
        for (Chan c : targets.values()) {
          sync(r, c, true);
        }
      }
      default -> { }
    }
  }

  /** A serving node's cycle: channels, segments, reports, watch and release answers. */
  private void serve() {
    Ref r = ref;
    if (r == null) {
      return;
    }
    if (!r.equals(loopRef)) {
      // A new session (registered again after a loss) owns nothing yet.
      owned.clear();
      loopRef = r;
    }
    Map<String, Channel> mine = readChannels(r);
    if (mine == null) {
      return;
    }
    // Released (or failed) channels still name this session until they are placed again: not ours.
    for (Channel ch : List.copyOf(mine.values())) {
      if (!HOLDING.contains(ch.getState())) {
        mine.remove(ch.getName());
        Chan c = owned.remove(ch.getName());
        if (c != null) {
          released.put(ch.getName(), c);
        }
      }
    }
    List<String> toRelease = new ArrayList<>();
    for (Channel ch : mine.values()) {
      switch (ch.getState()) {
        case TO_WATCH -> {
          if (watch(r, ch.getName())) {
            answer(r, ch.getName(), ChannelWatchState.WATCH_SUCCESS);
          }
        }
        case WATCH_SUCCESS -> watch(r, ch.getName());
        case TO_RELEASE -> toRelease.add(ch.getName());
        default -> { }
      }
    }
    owned.keySet().removeIf(name -> !mine.containsKey(name));
    readSegments(r, owned);
    for (Chan c : List.copyOf(owned.values())) {
      sync(r, c, false);
    }
    for (String name : toRelease) {
      Chan c = owned.get(name);
      if (c == null || c.segs.values().stream().allMatch(s -> s.done || (s.pending.isEmpty() && s.rows == s.reported))) {
        if (answer(r, name, ChannelWatchState.RELEASE_SUCCESS) && c != null) {
          owned.remove(name);
          released.put(name, c);
        }
      }
    }
    if (mode == Mode.STOPPING && (owned.isEmpty()
        || System.nanoTime() - stoppingSinceNanos > RELEASE_LIMIT_MS * 1_000_000L)) {
      // Everything released (or given up): keep reporting on those channels as a zombie for a while.
      released.putAll(owned);
      owned.clear();
      zombieFromStop = true;
      zombieUntilNanos = System.nanoTime() + w.zombieMs() / 2 * 1_000_000L;
      history.op("zombie", name, history.nowMs(), history.nowMs(), Outcome.OK, "", "node", r.toString(), "channels",
          List.copyOf(released.keySet()));
      mode = Mode.ZOMBIE;
    }
  }

  /** The channels this session owns now (null: the read failed). */
  private Map<String, Channel> readChannels(Ref r) {
    double inv = history.nowMs();
    ChannelList list;
    try {
      list = dc.channels(ListChannels.newBuilder().setNodeId(r.serverId()).build());
    } catch (RuntimeException e) {
      history.op("channels", name, inv, history.nowMs(), outcome(e), code(e));
      return null;
    }
    double done = history.nowMs();
    List<ChannelView> views = new ArrayList<>();
    Map<String, Channel> mine = new LinkedHashMap<>();
    for (Channel ch : list.getChannelsList()) {
      views.add(view(ch));
      if (Ref.of(ch.getNode()).equals(r)) {
        mine.put(ch.getName(), ch);
      }
    }
    history.channelRead(new ChannelRead(name, inv, done, views));
    return mine;
  }

  static ChannelView view(Channel ch) {
    return new ChannelView(ch.getName(), Ref.of(ch.getNode()), ch.getState().name(),
        ch.hasCheckpoint() ? ch.getCheckpoint().getTimestamp() : 0);
  }

  static SegmentView view(Segment s) {
    return new SegmentView(s.getId(), s.getChannel(), s.getState(), s.getNumRows(), s.getMaxRows());
  }

  /** Loads a channel this session was given (if not loaded yet): its segments, and the queue from the start. */
  private boolean watch(Ref r, String channel) {
    if (owned.containsKey(channel)) {
      return true;
    }
    int queued = w.mq(channel).size();
    double inv = history.nowMs();
    SegmentList list;
    try {
      list = dc.segments(ListSegments.newBuilder().setChannel(channel).addAllStates(ALL_STATES).setLimit(10_000).build());
    } catch (RuntimeException e) {
      history.op("segments", name, inv, history.nowMs(), outcome(e), code(e), "channel", channel);
      return false;
    }
    history.segmentRead(new SegmentRead(name, inv, history.nowMs(), list.getSegmentsList().stream()
        .map(SegmentsNode::view).toList()));
    Chan c = new Chan(channel);
    for (Segment s : list.getSegmentsList()) {
      c.segs.put(s.getId(), adopt(s, queued));
    }
    owned.put(channel, c);
    history.op("watch", name, inv, history.nowMs(), Outcome.OK, "", "node", r.toString(), "channel", channel,
        "segments", c.segs.size());
    return true;
  }

  /** A segment another node reported: its rows so far, and the queue position they reach. */
  private static Seg adopt(Segment s, int queued) {
    long dml = -1;
    if (s.hasDmlPosition() && s.getDmlPosition().getMsgId().size() == 8) {
      dml = s.getDmlPosition().getMsgId().asReadOnlyByteBuffer().getLong();
    } else if (s.getNumRows() > 0) {
      dml = queued - 1L; // no position kept: count only what comes after now
    }
    Seg seg = new Seg(s.getId(), s.getNumRows(), dml);
    seg.posTs = s.hasDmlPosition() ? s.getDmlPosition().getTimestamp() : 0;
    seg.reportedSeq = dml;
    seg.done = s.getState() == SegmentState.FLUSHED || s.getState() == SegmentState.DROPPED;
    seg.flushing = s.getState() == SegmentState.FLUSHING;
    return seg;
  }

  /** The segments of this session's channels: which must be flushed. */
  private void readSegments(Ref r, Map<String, Chan> chans) {
    if (chans.isEmpty()) {
      return;
    }
    double inv = history.nowMs();
    SegmentList list;
    try {
      list = dc.segments(ListSegments.newBuilder().setNodeId(r.serverId()).addAllStates(OPEN_STATES)
          .setLimit(10_000).build());
    } catch (RuntimeException e) {
      history.op("segments", name, inv, history.nowMs(), outcome(e), code(e), "node", r.toString());
      return;
    }
    history.segmentRead(new SegmentRead(name, inv, history.nowMs(), list.getSegmentsList().stream()
        .map(SegmentsNode::view).toList()));
    for (Segment s : list.getSegmentsList()) {
      Chan c = chans.get(s.getChannel());
      if (c == null) {
        continue;
      }
      Seg seg = c.segs.computeIfAbsent(s.getId(), id -> adopt(s, w.mq(s.getChannel()).size()));
      if (s.getState() == SegmentState.FLUSHING) {
        seg.flushing = true;
      }
    }
  }

  /** Consumes the channel's queue and reports what is new (or saves the checkpoint). */
  private void sync(Ref r, Chan c, boolean zombie) {
    List<SegmentsWorkload.Msg> msgs = w.mq(c.name).from(c.next);
    for (SegmentsWorkload.Msg m : msgs) {
      Seg seg = c.segs.computeIfAbsent(m.segmentId(), id -> new Seg(id, 0, -1));
      if (seg.done) {
        if (m.seq() > Math.max(seg.dmlSeq, seg.lastSeq)) {
          w.lateRows(m.rows()); // written after the segment was finished (a replay skips those already in it)
        }
      } else if (m.seq() > seg.dmlSeq) {
        seg.rows += m.rows();
        seg.lastSeq = m.seq();
        if (seg.firstSeq < 0) {
          seg.firstSeq = m.seq();
        }
      }
    }
    c.next += msgs.size();
    long clock = w.latestTs();
    long cpTs = Math.max(c.lastCpTs, clock);
    Position cp = Position.newBuilder().setMsgId(seq(c.next - 1)).setTimestamp(cpTs).build();

    List<SegmentReport> reports = new ArrayList<>();
    List<SegReport> recs = new ArrayList<>();
    for (Seg s : c.segs.values()) {
      if (s.done) {
        continue;
      }
      long delta = s.rows - s.batched;
      if (delta > 0) {
        for (long field : w.fieldIds()) {
          s.pending.add(new long[] {field, w.nextLogId(), delta});
        }
        s.batched = s.rows;
      }
      if (s.rows == s.reported && s.pending.isEmpty() && !s.flushing) {
        continue;
      }
      SegmentReport.Builder b = SegmentReport.newBuilder().setSegmentId(s.id).setNumRows(s.rows)
          .setFlushed(s.flushing);
      Map<Long, FieldBinlog.Builder> fields = new TreeMap<>();
      List<Long> logIds = new ArrayList<>();
      for (long[] p : s.pending) {
        fields.computeIfAbsent(p[0], f -> FieldBinlog.newBuilder().setFieldId(f)).addBinlogs(Binlog.newBuilder()
            .setLogId(p[1]).setEntries(p[2]).setTimestampFrom(c.lastCpTs).setTimestampTo(cpTs).setSize(p[2] * 16));
        logIds.add(p[1]);
      }
      fields.values().forEach(b::addBinlogs);
      if (s.firstSeq >= 0) {
        b.setStartPosition(Position.newBuilder().setMsgId(seq(s.firstSeq)).setTimestamp(c.lastCpTs));
      }
      if (s.lastSeq >= 0) {
        // A new position must carry a later timestamp to be kept, even while the clock stands still.
        long ts = s.lastSeq > s.reportedSeq ? Math.max(cpTs, s.posTs + 1) : Math.max(s.posTs, 1);
        s.posTs = ts;
        s.reportedSeq = s.lastSeq;
        b.setCheckpoint(Position.newBuilder().setMsgId(seq(s.lastSeq)).setTimestamp(ts));
      }
      reports.add(b.build());
      recs.add(new SegReport(s.id, c.name, logIds, s.rows, s.flushing));
    }
    boolean withCp = cpTs > 0;
    if (reports.isEmpty()) {
      // Nothing new: a checkpoint save every other quiet cycle once the clock moved.
      if (!withCp || cpTs <= c.lastCpTs || c.quietCycles++ % 2 == 1) {
        return;
      }
      List<ChannelCheckpoint> cps = List.of(ChannelCheckpoint.newBuilder().setChannel(c.name).setPosition(cp).build());
      Outcome o = call(r, WriteKind.CHECKPOINT, List.of(), List.of(new Cp(c.name, cpTs)), zombie,
          List.of("cp " + c.name + "@" + cpTs), () -> Futures.join(dc.saveCheckpointsAsync(ref(r), cps)));
      if (o == Outcome.OK) {
        c.lastCpTs = cpTs;
      } else if (o == Outcome.FAILED && !zombie) {
        lostIfStale(c);
      }
      return;
    }
    SaveBinlogPaths.Builder req = SaveBinlogPaths.newBuilder().setNode(ref(r)).addAllSegments(reports);
    if (withCp) {
      req.addCheckpoints(ChannelCheckpoint.newBuilder().setChannel(c.name).setPosition(cp));
    }
    SaveBinlogPaths built = req.build();
    List<Cp> cps = withCp ? List.of(new Cp(c.name, cpTs)) : List.of();
    List<Object> keys = new ArrayList<>(reports.stream().map(x -> (Object) x.toByteString()).toList());
    Outcome o = call(r, WriteKind.REPORT, recs, cps, zombie, keys, () -> dc.saveBinlogPaths(built));
    if (o == Outcome.OK) {
      for (Seg s : c.segs.values()) {
        if (recs.stream().anyMatch(x -> x.segmentId() == s.id)) {
          s.reported = s.rows;
          s.pending.clear();
          if (s.flushing) {
            s.done = true;
          }
        }
      }
      if (withCp) {
        c.lastCpTs = Math.max(c.lastCpTs, cpTs);
      }
    } else if (o == Outcome.FAILED && !zombie) {
      if (lastCode.equals("FAILED_PRECONDITION") || lastCode.equals("NOT_FOUND")) {
        refresh(c, recs);
      } else {
        lostIfStale(c);
      }
    }
  }

  private String lastCode = "";

  /** STALE_EPOCH: the channel is not this session's any more. */
  private void lostIfStale(Chan c) {
    if (lastCode.equals("STALE_EPOCH")) {
      owned.remove(c.name);
    }
  }

  /** A report was refused: the segments that are finished (or gone) are left alone from now on. */
  private void refresh(Chan c, List<SegReport> recs) {
    for (SegReport sr : recs) {
      double inv = history.nowMs();
      try {
        SegmentDescription d = dc.describe(sr.segmentId());
        history.segmentRead(new SegmentRead(name, inv, history.nowMs(), List.of(view(d.getSegment()))));
        SegmentState st = d.getSegment().getState();
        if (st == SegmentState.FLUSHED || st == SegmentState.DROPPED) {
          Seg s = c.segs.get(sr.segmentId());
          if (s != null && !s.done) {
            s.done = true;
            w.refusedRows(s.rows - s.reported);
          }
        }
      } catch (CoordException e) {
        history.op("describe", name, inv, history.nowMs(), outcome(e), code(e), "segment", sr.segmentId());
        if (e.code() == io.raftcoord.proto.ErrorCode.NOT_FOUND) {
          Seg s = c.segs.get(sr.segmentId());
          if (s != null) {
            s.done = true;
          }
        }
      } catch (RuntimeException e) {
        history.op("describe", name, inv, history.nowMs(), Outcome.UNKNOWN, e.getClass().getSimpleName(),
            "segment", sr.segmentId());
      }
    }
  }

  /**
   * One write, retried identically (at most twice) while its outcome is unknown. {@code keys} name
   * its parts (each segment report, or the checkpoint): a write with a part this session already
   * sent with an outcome other than a refusal is recorded as a retry, since the coordinator may
   * answer a repeated segment report as it answered the first (by its fingerprint).
   */
  private Outcome call(Ref r, WriteKind kind, List<SegReport> segs, List<Cp> cps, boolean zombie, List<Object> keys,
                       Supplier<Object> body) {
    Outcome o = Outcome.UNKNOWN;
    boolean repeated = keys.stream().anyMatch(sent::contains);
    for (int attempt = 0; attempt < 3 && o == Outcome.UNKNOWN; attempt++) {
      if (attempt > 0 && stopRequested) {
        break;
      }
      double inv = history.nowMs();
      String code = "";
      try {
        body.get();
        o = Outcome.OK;
      } catch (RuntimeException e) {
        o = outcome(e);
        code = code(e);
      }
      lastCode = code;
      history.write(new Write(name, r, kind, inv, history.nowMs(), o, code, repeated || attempt > 0, zombie, segs,
          cps));
      if (o != Outcome.FAILED) {
        sent.addAll(keys);
      }
    }
    return o;
  }

  /** Parts of writes this node sent that may have applied (see {@link #call}). */
  private final Set<Object> sent = new java.util.HashSet<>();

  /** A watch or release answer; true if acknowledged. */
  private boolean answer(Ref r, String channel, ChannelWatchState state) {
    double inv = history.nowMs();
    try {
      Futures.join(dc.reportChannelStateAsync(ref(r), channel, state));
      history.op("channel-state", name, inv, history.nowMs(), Outcome.OK, "", "node", r.toString(), "channel", channel,
          "state", state.name());
      return true;
    } catch (RuntimeException e) {
      history.op("channel-state", name, inv, history.nowMs(), outcome(e), code(e), "node", r.toString(), "channel",
          channel, "state", state.name());
      if (code(e).equals("STALE_EPOCH")) {
        owned.remove(channel);
      }
      return false;
    }
  }

  /** The end: a session that may still be alive is deregistered (REMOVED). */
  private void finish(boolean deregister) {
    NodeAgent a = agent;
    Ref r = ref;
    mode = Mode.DONE;
    if (a == null) {
      return;
    }
    a.halt();
    if (!deregister || r == null) {
      return;
    }
    double inv = history.nowMs();
    try {
      client.sessions().remove(ref(r));
      double done = history.nowMs();
      history.op("remove", name, inv, done, Outcome.OK, "", "node", r.toString());
      history.session(r, "REMOVED", done, "own remove acknowledged");
    } catch (RuntimeException e) {
      history.op("remove", name, inv, history.nowMs(), outcome(e), code(e), "node", r.toString());
    }
  }

  static SessionRef ref(Ref r) {
    return SessionRef.newBuilder().setServerId(r.serverId()).setEpoch(r.epoch()).build();
  }

  static ByteString seq(long seq) {
    return ByteString.copyFrom(ByteBuffer.allocate(8).putLong(Math.max(seq, 0)).array());
  }

  static Outcome outcome(RuntimeException e) {
    return CallErrors.outcomeUnknown(e) ? Outcome.UNKNOWN : Outcome.FAILED;
  }

  static String code(RuntimeException e) {
    return CallErrors.code(e);
  }

  /** For the summary: what each mode holds. */
  Set<String> ownedChannels() {
    return Set.copyOf(owned.keySet());
  }
}
