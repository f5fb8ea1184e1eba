package io.raftcoord.client;

import io.raftcoord.client.internal.Futures;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.datacoord.Channel;
import io.raftcoord.proto.datacoord.ChannelList;
import io.raftcoord.proto.datacoord.ChannelWatchState;
import io.raftcoord.proto.datacoord.DataCoordReply;
import io.raftcoord.proto.datacoord.ListChannels;
import io.raftcoord.proto.datacoord.ListSegments;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentAssignment;
import io.raftcoord.proto.datacoord.SegmentList;
import io.raftcoord.proto.datacoord.SegmentRequest;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated data node: a {@link NodeAgent} session in the {@code datanode} role that does a data
 * node's side of the DataCoord contract, and optionally writes rows into one collection at a set
 * rate. It
 * <ul>
 *   <li>polls its channels: answers TO_WATCH with WATCH_SUCCESS, and TO_RELEASE by reporting what
 *       it buffered for the channel, then RELEASE_SUCCESS;
 *   <li>ingests (if asked): per batch one TSO timestamp, one {@code assign} of the batch's rows
 *       spread over its watched channels of the collection, the assigned rows buffered by segment;
 *   <li>syncs every sync interval: per channel one report with one binlog per field of each
 *       segment with buffered rows (log ids from the ID allocator), the absolute row counts,
 *       flushed=true for every segment listed FLUSHING on the channel, and a channel checkpoint
 *       (a timestamp taken after every buffered row's, so everything received before it is in the
 *       report), which keeps {@code flushState} moving;
 *   <li>on STALE_EPOCH, or when the coordinator no longer lists a channel as its own, drops the
 *       channel and counts its unreported rows as lost (after STALE_EPOCH it does not take the
 *       same assignment up again: the coordinator lists it until its duty moves the channel); on
 *       a lost session it drops every channel (the NodeAgent registers again and new channels
 *       come).
 * </ul>
 *
 * <p>Invariants: one step (channel poll, sync or ingest batch) runs at a time, the one due
 * longest first (none starves when calls are slow), so a sync sees every batch whose timestamp
 * is below its checkpoint already buffered; a report is built once
 * and, after an unknown outcome, sent again identically before anything new of its channel is
 * reported; rows are written only to channels whose WATCH_SUCCESS was acknowledged and that are
 * not being released; {@link #stats()} always satisfies ingested = reported + lost + buffered.
 * The steps run on the client's agent timer thread (shared with the NodeAgents), never sleep
 * and never block; the calls' completions only update state under the lock and schedule the next
 * step. A STOPPING node's channels are released only while another data node is ACTIVE (the
 * coordinator's channel duty has nowhere else to put them). Thread-safe.
 */
public final class DataNodeAgent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DataNodeAgent.class);
  private static final List<SegmentState> ACTIVE = List.of(SegmentState.GROWING, SegmentState.SEALED,
      SegmentState.FLUSHING);

  private enum Step { POLL, SYNC, INGEST }

  /** The channels' segments as listed at the start of a sync, and the sync's checkpoint timestamp. */
  private record SyncView(Map<String, Map<Long, Segment>> byChannel, long checkpointTs) {
    Map<Long, Segment> on(String channel) {
      return byChannel.getOrDefault(channel, Map.of());
    }
  }

  private final CoordClient client;
  private final DataCoordClient dataCoord;
  private final ScheduledExecutorService scheduler;
  private final IngestTarget target;
  private final long pollNanos;
  private final long syncNanos;
  private final long batchNanos;
  private final NodeAgent.Listener userListener;

  private final Object lock = new Object();
  private final Map<String, DataChannel> channels = new TreeMap<>();
  /**
   * Channels refused with STALE_EPOCH, by name, with the assignment's state_changed_ms: the
   * coordinator may list them as this node's until its channel duty moves them (the session
   * ended under the node), and that assignment is not taken up again.
   */
  private final Map<String, Long> fenced = new HashMap<>();
  private final DataNodeCounters counters = new DataNodeCounters();
  private final IngestRate rate;
  private final List<CompletableFuture<Void>> ingestIdle = new ArrayList<>();
  /** Waiting for the next sync to start, and for the running one to end. */
  private final List<CompletableFuture<Void>> syncWaiting = new ArrayList<>();
  private final List<CompletableFuture<Void>> syncRunning = new ArrayList<>();
  private volatile NodeAgent node;
  /** The session the channels belong to; null while the NodeAgent registers again. */
  private Session session;
  /** Bumped whenever the channels are dropped wholesale; a completion of an older generation is ignored. */
  private long generation;
  private boolean closed;
  private Step running;
  private long nextPoll;
  private long nextSync;
  private long nextIngest;
  private ScheduledFuture<?> timer;
  private CompletableFuture<Void> released;
  private boolean stopping;
  private long stoppedAtNanos;
  private boolean polledSinceStop;
  private ErrorCode lastStepError;

  private DataNodeAgent(Builder b, IngestTarget target) {
    this.client = b.client;
    this.dataCoord = b.client.dataCoord();
    this.scheduler = b.client.sessions().agentScheduler();
    this.target = target;
    this.pollNanos = b.pollInterval.toNanos();
    this.syncNanos = b.syncInterval.toNanos();
    this.batchNanos = b.batchInterval.toNanos();
    this.userListener = b.listener;
    this.rate = new IngestRate(target == null ? 0 : b.rowsPerSecond);
    long now = System.nanoTime();
    this.nextPoll = now;
    this.nextSync = now + syncNanos;
    this.nextIngest = now + batchNanos;
  }

  public static Builder builder(CoordClient client, String address) {
    return new Builder(client, address);
  }

  // ---- what tests, tools and benchmarks read ----

  public DataNodeStats stats() {
    synchronized (lock) {
      long buffered = 0;
      for (DataChannel c : channels.values()) {
        buffered += c.unreportedRows();
      }
      return counters.snapshot(buffered, channels.size());
    }
  }

  /** The current session (null while registering again after a loss). */
  public Session session() {
    synchronized (lock) {
      return session;
    }
  }

  /** The channels this node holds now (watching, watched or releasing), by name. */
  public List<String> channels() {
    synchronized (lock) {
      return List.copyOf(channels.keySet());
    }
  }

  /** The collection it writes into (null: it does not ingest). */
  public IngestTarget target() {
    return target;
  }

  public NodeAgent nodeAgent() {
    return node;
  }

  // ---- control ----

  /** Changes the ingest rate (rows per second over all its channels of the target collection). */
  public void rowsPerSecond(double rows) {
    if (target == null && rows > 0) {
      throw new IllegalStateException("this data node was built without an ingest target");
    }
    synchronized (lock) {
      rate.set(rows);
    }
    wake();
  }

  /**
   * Stops ingesting; completes once no batch is in flight, so that the counters no longer change
   * by ingest (reports and flushes go on).
   */
  public CompletableFuture<Void> stopIngest() {
    CompletableFuture<Void> idle = new CompletableFuture<>();
    synchronized (lock) {
      rate.set(0);
      if (running == Step.INGEST) {
        ingestIdle.add(idle);
        return idle;
      }
    }
    idle.complete(null);
    return idle;
  }

  /**
   * Runs a sync as soon as the running step ends; completes when that sync has ended, so every
   * row received before the call was in one of its reports (unless a call failed: see
   * {@link #stats()}), and every reply to an earlier call has been counted: a barrier for reading
   * the counters after the coordinator already shows the outcome.
   */
  public CompletableFuture<Void> syncNow() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    synchronized (lock) {
      if (closed) {
        done.complete(null);
        return done;
      }
      syncWaiting.add(done);
      nextSync = System.nanoTime();
    }
    wake();
    return done;
  }

  /**
   * Graceful stop: stops ingesting and makes the session STOPPING, so that the coordinator moves
   * its channels away (TO_RELEASE: this node reports what it buffered, then RELEASE_SUCCESS).
   * Completes when the node holds no channel any more (which needs another ACTIVE data node to
   * take them); {@link #close} it then. Blocks for the stop command.
   *
   * @throws CoordException if the stop is refused (e.g. STALE_EPOCH: the session is gone)
   */
  public CompletableFuture<Void> stopGracefully() {
    CompletableFuture<Void> done;
    synchronized (lock) {
      rate.set(0);
      if (released == null) {
        released = new CompletableFuture<>();
      }
      done = released;
    }
    node.stopGracefully();
    synchronized (lock) {
      stopping = true;
      stoppedAtNanos = System.nanoTime();
      polledSinceStop = false;
      nextPoll = stoppedAtNanos;
    }
    wake();
    return done;
  }

  /**
   * Stops as a crashed node would: no more steps or heartbeats, nothing reported; the session
   * expires after the TTL and the coordinator reassigns the channels.
   */
  public void halt() {
    shutDown("halted");
    node.halt();
  }

  /** Stops and deregisters; rows not yet reported count as lost. */
  @Override
  public void close() {
    if (shutDown("closed")) {
      node.close();
    }
  }

  private boolean shutDown(String why) {
    List<CompletableFuture<Void>> waiters;
    CompletableFuture<Void> rel;
    synchronized (lock) {
      if (closed) {
        return false;
      }
      closed = true;
      if (timer != null) {
        timer.cancel(false);
      }
      dropAllLocked(why);
      waiters = new ArrayList<>(ingestIdle);
      waiters.addAll(syncWaiting);
      waiters.addAll(syncRunning);
      ingestIdle.clear();
      syncWaiting.clear();
      syncRunning.clear();
      rel = released;
    }
    waiters.forEach(w -> w.complete(null));
    if (rel != null) {
      rel.complete(null);
    }
    return true;
  }

  // ---- the step loop ----

  private DataNodeAgent start(NodeAgent.Builder nb) {
    // The first registered() callback comes from start(), before node is set: it only sets the session.
    node = nb.listener(new SessionListener()).start();
    wake();
    return this;
  }

  private boolean ingesting() {
    return target != null && rate.rowsPerSecond() > 0;
  }

  /** Schedules the next step when its time comes (nothing while one runs: its end does that). */
  private void wake() {
    synchronized (lock) {
      if (closed || running != null) {
        return;
      }
      if (timer != null) {
        timer.cancel(false);
      }
      long now = System.nanoTime();
      long delay = Math.min(nextPoll - now, nextSync - now);
      if (ingesting()) {
        delay = Math.min(delay, nextIngest - now);
      }
      try {
        timer = scheduler.schedule(this::step, Math.max(0, delay), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        LOG.debug("data node {}: the client is closed; the node stops", serverId());
      }
    }
  }

  private void step() {
    Step s = null;
    long gen;
    Session sess;
    synchronized (lock) {
      if (closed || running != null) {
        return;
      }
      timer = null;
      long now = System.nanoTime();
      if (session == null) {
        // Registering again: the registered() callback wakes the loop.
        return;
      }
      // The step due longest goes first, so that slow calls stretch every interval alike and
      // none starves the others.
      long overdue = -1;
      if (now - nextPoll > overdue) {
        s = Step.POLL;
        overdue = now - nextPoll;
      }
      if (now - nextSync > overdue) {
        s = Step.SYNC;
        overdue = now - nextSync;
      }
      if (ingesting() && now - nextIngest > overdue) {
        s = Step.INGEST;
      }
      if (s == Step.POLL) {
        nextPoll = now + pollNanos;
      } else if (s == Step.SYNC) {
        nextSync = now + syncNanos;
      } else if (s == Step.INGEST) {
        nextIngest = now + batchNanos;
      }
      if (s != null) {
        running = s;
      }
      if (s == Step.SYNC) {
        syncRunning.addAll(syncWaiting);
        syncWaiting.clear();
      }
      gen = generation;
      sess = session;
    }
    if (s == null) {
      wake();
      return;
    }
    CompletableFuture<Void> f;
    try {
      f = switch (s) {
        case POLL -> poll(gen, sess, System.nanoTime());
        case SYNC -> sync(gen, sess);
        case INGEST -> ingest(gen);
      };
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    Step done = s;
    f.whenComplete((v, err) -> finished(done, err));
  }

  private void finished(Step s, Throwable err) {
    List<CompletableFuture<Void>> idle = List.of();
    synchronized (lock) {
      running = null;
      if (err != null) {
        CoordException e = Futures.toCoord(err);
        counters.error(e.code());
        // A failure repeating the previous one is not worth a warning each round.
        String what = e.toString().lines().findFirst().orElse("");
        if (e.code() != lastStepError) {
          LOG.warn("data node {}: {} failed: {}", serverId(), s, what);
        } else {
          LOG.debug("data node {}: {} failed: {}", serverId(), s, what);
        }
        lastStepError = e.code();
      } else {
        lastStepError = null;
      }
      if (s == Step.INGEST && !ingestIdle.isEmpty()) {
        idle = new ArrayList<>(ingestIdle);
        ingestIdle.clear();
      } else if (s == Step.SYNC && !syncRunning.isEmpty()) {
        idle = new ArrayList<>(syncRunning);
        syncRunning.clear();
      }
    }
    idle.forEach(w -> w.complete(null));
    wake();
  }

  private long serverId() {
    Session s = session;
    return s == null ? 0 : s.getServerId();
  }

  // ---- channels: watch and release ----

  private CompletableFuture<Void> poll(long gen, Session sess, long startedNanos) {
    return dataCoord.channelsAsync(ListChannels.newBuilder().setNodeId(sess.getServerId()).build())
        .thenCompose(list -> onChannels(gen, sess, list, startedNanos));
  }

  private static boolean isMine(Channel c, Session sess) {
    return c.getNode().getServerId() == sess.getServerId() && c.getNode().getEpoch() == sess.getEpoch();
  }

  private CompletableFuture<Void> onChannels(long gen, Session sess, ChannelList list, long startedNanos) {
    List<String> toWatch = new ArrayList<>();
    synchronized (lock) {
      if (gen != generation) {
        return CompletableFuture.completedFuture(null);
      }
      Set<String> mine = new HashSet<>();
      boolean releasing = false;
      for (Channel c : list.getChannelsList()) {
        if (!isMine(c, sess) || fenced.getOrDefault(c.getName(), -1L) == c.getStateChangedMs()) {
          continue;
        }
        DataChannel local = channels.get(c.getName());
        switch (c.getState()) {
          case TO_WATCH -> {
            if (local == null) {
              channels.put(c.getName(), new DataChannel(c.getName(), c.getCollectionId(), DataChannel.State.WATCHING));
            }
            toWatch.add(c.getName());
            mine.add(c.getName());
          }
          case WATCH_SUCCESS -> {
            if (local == null) {
              // Our answer got through although its outcome was unknown to us.
              channels.put(c.getName(), new DataChannel(c.getName(), c.getCollectionId(), DataChannel.State.WATCHED));
            } else if (local.state == DataChannel.State.WATCHING) {
              local.state = DataChannel.State.WATCHED;
            }
            mine.add(c.getName());
          }
          case TO_RELEASE -> {
            if (local == null) {
              channels.put(c.getName(), new DataChannel(c.getName(), c.getCollectionId(),
                  DataChannel.State.RELEASING));
            } else if (local.state != DataChannel.State.RELEASING) {
              LOG.info("data node {}: releasing channel {} ({} rows to report first)", sess.getServerId(),
                  c.getName(), local.unreportedRows());
              local.state = DataChannel.State.RELEASING;
            }
            releasing = true;
            mine.add(c.getName());
          }
          default -> {
            // WATCH_FAILURE, RELEASE_SUCCESS, RELEASE_FAILURE: no longer this node's to work on.
          }
        }
      }
      for (Iterator<DataChannel> it = channels.values().iterator(); it.hasNext(); ) {
        DataChannel c = it.next();
        if (!mine.contains(c.name)) {
          dropLocked(c, "the coordinator no longer lists it as this node's");
          it.remove();
        }
      }
      for (Channel c : list.getChannelsList()) {
        DataChannel local = channels.get(c.getName());
        if (local != null) {
          local.stateChangedMs = c.getStateChangedMs();
        }
      }
      // A fenced assignment that the coordinator changed (moved, or gave back anew) is forgotten.
      Map<String, Long> stillFenced = new HashMap<>();
      for (Channel c : list.getChannelsList()) {
        if (isMine(c, sess) && fenced.getOrDefault(c.getName(), -1L) == c.getStateChangedMs()) {
          stillFenced.put(c.getName(), c.getStateChangedMs());
        }
      }
      fenced.clear();
      fenced.putAll(stillFenced);
      if (releasing) {
        nextSync = System.nanoTime();
      }
      if (stopping && startedNanos - stoppedAtNanos >= 0) {
        polledSinceStop = true;
      }
      checkReleasedLocked();
    }
    if (toWatch.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    SessionRef ref = SessionClient.ref(sess);
    CompletableFuture<?>[] answers = toWatch.stream().map(name -> dataCoord
        .reportChannelStateAsync(ref, name, ChannelWatchState.WATCH_SUCCESS)
        .handle((r, err) -> {
          watchAnswered(gen, name, err);
          return null;
        })).toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(answers);
  }

  private void watchAnswered(long gen, String name, Throwable err) {
    synchronized (lock) {
      if (gen != generation) {
        return;
      }
      DataChannel c = channels.get(name);
      if (err == null) {
        counters.watches++;
        if (c != null && c.state == DataChannel.State.WATCHING) {
          c.state = DataChannel.State.WATCHED;
          LOG.debug("data node {}: watching channel {}", serverId(), name);
        }
        return;
      }
      CoordException e = Futures.toCoord(err);
      counters.error(e.code());
      if (e.code() == ErrorCode.STALE_EPOCH && c != null) {
        fenceLocked(c, "WATCH_SUCCESS got STALE_EPOCH");
        channels.remove(name);
      } else {
        // The next poll still sees TO_WATCH and answers again, or drops the channel.
        LOG.debug("data node {}: answering TO_WATCH of {} failed: {}", serverId(), name, e.toString());
      }
    }
  }

  private CompletableFuture<Void> releaseDrained(long gen, Session sess) {
    List<String> drained = new ArrayList<>();
    synchronized (lock) {
      if (gen != generation) {
        return CompletableFuture.completedFuture(null);
      }
      for (DataChannel c : channels.values()) {
        if (c.state == DataChannel.State.RELEASING && c.unreportedRows() == 0 && c.unacknowledged == null) {
          drained.add(c.name);
        }
      }
    }
    if (drained.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    SessionRef ref = SessionClient.ref(sess);
    CompletableFuture<?>[] answers = drained.stream().map(name -> dataCoord
        .reportChannelStateAsync(ref, name, ChannelWatchState.RELEASE_SUCCESS)
        .handle((r, err) -> {
          releaseAnswered(gen, name, err);
          return null;
        })).toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(answers);
  }

  private void releaseAnswered(long gen, String name, Throwable err) {
    synchronized (lock) {
      if (gen != generation) {
        return;
      }
      DataChannel c = channels.get(name);
      if (c == null) {
        return;
      }
      if (err == null) {
        counters.releases++;
        channels.remove(name);
        LOG.info("data node {}: released channel {}", serverId(), name);
        checkReleasedLocked();
        return;
      }
      CoordException e = Futures.toCoord(err);
      counters.error(e.code());
      if (e.code() == ErrorCode.STALE_EPOCH) {
        fenceLocked(c, "RELEASE_SUCCESS got STALE_EPOCH");
        channels.remove(name);
        checkReleasedLocked();
      } else {
        LOG.debug("data node {}: RELEASE_SUCCESS of {} failed, retrying at the next sync: {}", serverId(), name,
            e.toString());
      }
    }
  }

  private void checkReleasedLocked() {
    if (released != null && polledSinceStop && channels.isEmpty()) {
      released.complete(null);
    }
  }

  /** Forgets {@code c} (the caller removes it from the map); its unreported rows are lost. */
  private void dropLocked(DataChannel c, String why) {
    long lost = c.unreportedRows();
    counters.rowsLost += lost;
    counters.channelsLost++;
    LOG.info("data node {}: dropped channel {} ({}); {} unreported row(s) lost", serverId(), c.name, why, lost);
  }

  /** Drops {@code c} after STALE_EPOCH and remembers the assignment, so the next poll does not take it up again. */
  private void fenceLocked(DataChannel c, String why) {
    dropLocked(c, why);
    fenced.put(c.name, c.stateChangedMs);
  }

  private void dropAllLocked(String why) {
    generation++;
    fenced.clear();
    for (DataChannel c : channels.values()) {
      dropLocked(c, why);
    }
    channels.clear();
  }

  // ---- ingest ----

  private CompletableFuture<Void> ingest(long gen) {
    List<SegmentRequest> requests = new ArrayList<>();
    synchronized (lock) {
      if (gen != generation || target == null) {
        return CompletableFuture.completedFuture(null);
      }
      List<DataChannel> open = new ArrayList<>();
      for (DataChannel c : channels.values()) {
        if (c.state == DataChannel.State.WATCHED && c.collectionId == target.collectionId()) {
          open.add(c);
        }
      }
      long rows = rate.take(System.nanoTime(), !open.isEmpty());
      if (rows == 0) {
        return CompletableFuture.completedFuture(null);
      }
      long[] split = IngestRate.split(rows, open.size());
      for (int i = 0; i < split.length; i++) {
        if (split[i] > 0) {
          requests.add(SegmentRequest.newBuilder().setCollectionId(target.collectionId())
              .setPartitionId(target.partitionId()).setChannel(open.get(i).name).setRows(split[i]).build());
        }
      }
    }
    return client.tso().nextAsync().thenCompose(ts -> dataCoord.assignAsync(requests)
        .thenAccept(reply -> assigned(gen, ts, requests, reply)));
  }

  private void assigned(long gen, long ts, List<SegmentRequest> requests, DataCoordReply reply) {
    synchronized (lock) {
      counters.allocations++;
      for (SegmentAssignment a : reply.getAssignmentsList()) {
        if (a.getRows() <= 0) {
          continue;
        }
        counters.rowsIngested += a.getRows();
        DataChannel c = gen == generation ? channels.get(requests.get(a.getRequest()).getChannel()) : null;
        if (c == null || c.state != DataChannel.State.WATCHED) {
          // The channel went while the batch was assigned: its rows have nowhere to go.
          counters.rowsLost += a.getRows();
        } else {
          c.buffer.add(a.getSegmentId(), a.getRows(), ts);
        }
      }
    }
  }

  // ---- sync: binlog reports, flushes, checkpoints ----

  private CompletableFuture<Void> sync(long gen, Session sess) {
    synchronized (lock) {
      if (gen != generation || channels.values().stream().noneMatch(DataChannel::syncs)) {
        return CompletableFuture.completedFuture(null);
      }
    }
    CompletableFuture<Map<String, Map<Long, Segment>>> listed = listActive(sess.getServerId(), 0, new HashMap<>());
    // The checkpoint's timestamp is taken now, after every buffered batch got its own (one step
    // at a time), so every row received below it is buffered and goes into this sync's reports.
    CompletableFuture<Long> ts = client.tso().nextAsync();
    return listed.thenCombine(ts, SyncView::new).thenCompose(view -> report(gen, sess, view));
  }

  /** The node's active segments by channel (paged). */
  private CompletableFuture<Map<String, Map<Long, Segment>>> listActive(long nodeId, long afterId,
                                                                       Map<String, Map<Long, Segment>> into) {
    return dataCoord.segmentsAsync(ListSegments.newBuilder().setNodeId(nodeId).addAllStates(ACTIVE)
        .setAfterId(afterId).build()).thenCompose((SegmentList page) -> {
          long last = afterId;
          for (Segment s : page.getSegmentsList()) {
            into.computeIfAbsent(s.getChannel(), k -> new TreeMap<>()).put(s.getId(), s);
            last = Math.max(last, s.getId());
          }
          if (page.getMore() && page.getSegmentsCount() > 0) {
            return listActive(nodeId, last, into);
          }
          return CompletableFuture.completedFuture(into);
        });
  }

  private CompletableFuture<Void> report(long gen, Session sess, SyncView view) {
    int idsNeeded = 0;
    synchronized (lock) {
      if (gen != generation) {
        return CompletableFuture.completedFuture(null);
      }
      for (DataChannel c : channels.values()) {
        if (c.syncs() && c.unacknowledged == null) {
          dropInactiveLocked(c, view.on(c.name));
          idsNeeded += logIdsFor(c);
        }
      }
    }
    CompletableFuture<IdRange> ids = idsNeeded == 0 ? CompletableFuture.completedFuture(new IdRange(0, 0))
        : client.ids().allocateAsync(idsNeeded);
    return ids.thenCompose(range -> send(gen, sess, view, range)).thenCompose(v -> releaseDrained(gen, sess));
  }

  private int logIdsFor(DataChannel c) {
    return target == null ? 0 : c.buffer.segmentIds().size() * target.fields().size();
  }

  /**
   * Drops the buffered rows of segments the coordinator does not list as active on one of this
   * node's channels: a report naming them would be refused whole (FAILED_PRECONDITION for a
   * flushed or dropped segment, STALE_EPOCH for another node's channel).
   */
  private void dropInactiveLocked(DataChannel c, Map<Long, Segment> listed) {
    for (Long id : List.copyOf(c.buffer.segmentIds())) {
      if (!listed.containsKey(id)) {
        long rows = c.buffer.drop(id);
        counters.rowsLost += rows;
        LOG.warn("data node {}: segment {} on {} is not among this node's active segments any more (flushed, "
            + "dropped, or the channel is someone else's now); {} buffered row(s) lost", serverId(), id, c.name, rows);
      }
    }
  }

  private CompletableFuture<Void> send(long gen, Session sess, SyncView view, IdRange ids) {
    List<ChannelReport> reports = new ArrayList<>();
    synchronized (lock) {
      if (gen != generation) {
        return CompletableFuture.completedFuture(null);
      }
      SessionRef ref = SessionClient.ref(sess);
      long[] next = {ids.start()};
      for (DataChannel c : channels.values()) {
        if (!c.syncs()) {
          continue;
        }
        if (c.unacknowledged == null) {
          dropInactiveLocked(c, view.on(c.name));
          if (next[0] + logIdsFor(c) > ids.end()) {
            continue;  // Not enough ids (cannot happen: nothing is buffered between plan and send); next sync.
          }
          c.unacknowledged = ChannelReport.build(ref, c.name, c.buffer.take(), view.on(c.name), target,
              () -> next[0]++, view.checkpointTs());
        }
        reports.add(c.unacknowledged);
      }
    }
    CompletableFuture<?>[] sends = reports.stream().map(r -> {
      CompletableFuture<DataCoordReply> call = r.checkpointOnly()
          ? dataCoord.saveCheckpointsAsync(r.message().getNode(), r.message().getCheckpointsList())
          : dataCoord.saveBinlogPathsAsync(r.message());
      return call.handle((reply, err) -> {
        acknowledged(gen, r, err);
        return null;
      });
    }).toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(sends);
  }

  private void acknowledged(long gen, ChannelReport r, Throwable err) {
    synchronized (lock) {
      DataChannel c = gen == generation ? channels.get(r.channel()) : null;
      if (c == null || c.unacknowledged != r) {
        // The channel was dropped (session lost, closed) while the report was on its way, and its
        // rows counted as lost; if it was applied after all, they are reported instead.
        if (err == null) {
          counters.rowsLost -= r.takenRows();
          countAcknowledgedLocked(r);
        }
        return;
      }
      if (err == null) {
        c.unacknowledged = null;
        countAcknowledgedLocked(r);
        return;
      }
      CoordException e = Futures.toCoord(err);
      counters.error(e.code());
      if (e.code() == ErrorCode.STALE_EPOCH) {
        fenceLocked(c, "report got STALE_EPOCH");
        channels.remove(c.name);
        checkReleasedLocked();
      } else if (e.outcomeUnknown()) {
        LOG.debug("data node {}: report of {} has an unknown outcome, sending it again next sync: {}", serverId(),
            c.name, e.toString());
      } else {
        counters.rowsLost += r.takenRows();
        c.unacknowledged = null;
        LOG.warn("data node {}: report of {} refused ({}); {} row(s) lost", serverId(), c.name, e.toString(),
            r.takenRows());
      }
    }
  }

  private void countAcknowledgedLocked(ChannelReport r) {
    counters.rowsReported += r.takenRows();
    counters.rowsFlushed += r.flushedRows();
    counters.segmentsFlushed += r.flushedSegments();
    counters.checkpoints++;
    if (!r.checkpointOnly()) {
      counters.reports++;
    }
  }

  // ---- the session ----

  private final class SessionListener implements NodeAgent.Listener {
    @Override
    public void registered(Session s) {
      synchronized (lock) {
        if (session != null && session.getServerId() != s.getServerId()) {
          dropAllLocked("session replaced");
        }
        session = s;
      }
      userListener.registered(s);
      wake();
    }

    @Override
    public void lost(Session s) {
      synchronized (lock) {
        if (session != null && session.getServerId() == s.getServerId()) {
          session = null;
          dropAllLocked("session " + s.getServerId() + " lost");
        }
      }
      userListener.lost(s);
    }
  }

  /** Options of a data node. */
  public static final class Builder {
    private final CoordClient client;
    private final String address;
    private final List<java.util.function.Consumer<NodeAgent.Builder>> session = new ArrayList<>();
    private String role = "datanode";
    private NodeAgent.Listener listener = new NodeAgent.Listener() { };
    private String db;
    private String collection;
    private String partition = "";
    private long rowBytes;
    private double rowsPerSecond;
    private Duration pollInterval = Duration.ofMillis(500);
    private Duration syncInterval = Duration.ofMillis(500);
    private Duration batchInterval = Duration.ofMillis(100);

    private Builder(CoordClient client, String address) {
      this.client = Objects.requireNonNull(client);
      this.address = Objects.requireNonNull(address);
    }

    /** {@code datanode} (default) or {@code streamingnode}. */
    public Builder role(String role) {
      if (!role.equals("datanode") && !role.equals("streamingnode")) {
        throw new IllegalArgumentException("a data node's role is datanode or streamingnode, got " + role);
      }
      this.role = role;
      return this;
    }

    public Builder version(String version) {
      session.add(b -> b.version(version));
      return this;
    }

    public Builder label(String key, String value) {
      session.add(b -> b.label(key, value));
      return this;
    }

    public Builder capacity(long slots) {
      session.add(b -> b.capacity(slots));
      return this;
    }

    /** The session's heartbeat interval (default 1 s; see {@link NodeAgent.Builder#heartbeatInterval}). */
    public Builder heartbeatInterval(Duration d) {
      NodeAgent.builder(client, role, address).heartbeatInterval(d);
      session.add(b -> b.heartbeatInterval(d));
      return this;
    }

    /** Told of registrations and lost sessions (after the node dropped the lost session's channels). */
    public Builder listener(NodeAgent.Listener l) {
      this.listener = Objects.requireNonNull(l);
      return this;
    }

    /** Writes rows into {@code db.collection} (db empty: default), into its first partition unless told. */
    public Builder ingest(String db, String collection) {
      this.db = Objects.requireNonNull(db);
      this.collection = Objects.requireNonNull(collection);
      return this;
    }

    /** The partition the rows go to (default: the collection's first, {@code _default}). */
    public Builder partition(String name) {
      this.partition = Objects.requireNonNull(name);
      return this;
    }

    /** Rows per second over all its channels of the collection (default 0: ingest nothing until told). */
    public Builder rowsPerSecond(double rows) {
      new IngestRate(rows);
      this.rowsPerSecond = rows;
      return this;
    }

    /** Bytes of a row in the binlogs' sizes (default 0: Milvus's estimate from the schema). */
    public Builder rowBytes(long bytes) {
      if (bytes < 0) {
        throw new IllegalArgumentException("row bytes must be >= 0, got " + bytes);
      }
      this.rowBytes = bytes;
      return this;
    }

    /** How often it lists its channels (default 500 ms). */
    public Builder pollInterval(Duration d) {
      this.pollInterval = atLeast10ms("poll interval", d);
      return this;
    }

    /** How often it reports buffered rows, flushes and checkpoints (default 500 ms). */
    public Builder syncInterval(Duration d) {
      this.syncInterval = atLeast10ms("sync interval", d);
      return this;
    }

    /** How often it writes a batch when ingesting (default 100 ms). */
    public Builder batchInterval(Duration d) {
      this.batchInterval = atLeast10ms("batch interval", d);
      return this;
    }

    private static Duration atLeast10ms(String what, Duration d) {
      if (d.toMillis() < 10) {
        throw new IllegalArgumentException(what + " must be at least 10 ms, got " + d);
      }
      return d;
    }

    /**
     * Resolves the ingest collection (if any), registers the session and starts the node. Blocks
     * for both.
     *
     * @throws CoordException if the collection or partition does not exist or registering is refused
     */
    public DataNodeAgent start() {
      IngestTarget target = null;
      if (collection != null) {
        target = IngestTarget.of(client.catalog().describeCollection(db, collection).getCollection(), partition,
            rowBytes);
      }
      NodeAgent.Builder agent = NodeAgent.builder(client, role, address);
      session.forEach(op -> op.accept(agent));
      return new DataNodeAgent(this, target).start(agent);
    }
  }
}
