package io.raftcoord.client;

import io.raftcoord.proto.session.Session;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

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
 *
 * <p>This class is the facade; the work is done by its parts, which share one
 * {@code DataNodeState} and its lock: {@code DataNodeLoop} (which step runs when),
 * {@code ChannelWatcher} (the watch/release handshake), {@code IngestBatches} (the rows written),
 * {@code ChannelSync} (reports, flushes and checkpoints) and {@code GracefulStop}.
 */
public final class DataNodeAgent implements AutoCloseable {
  private final DataNodeState state = new DataNodeState();
  private final Object lock = state.lock;
  private final IngestTarget target;
  private final NodeAgent.Listener userListener;
  private final IngestBatches ingest;
  private final DataNodeLoop loop;
  private final ChannelWatcher watcher;
  private final ChannelSync sync;
  private volatile NodeAgent node;

  private DataNodeAgent(Builder b, IngestTarget target) {
    DataCoordClient dataCoord = b.client.dataCoord();
    this.target = target;
    this.userListener = b.listener;
    this.ingest = new IngestBatches(state, b.client, dataCoord, target, target == null ? 0 : b.rowsPerSecond);
    this.loop = new DataNodeLoop(state, b.client.sessions().agentScheduler(), b.pollInterval, b.syncInterval,
        b.batchInterval, new Steps());
    this.watcher = new ChannelWatcher(state, dataCoord, loop);
    this.sync = new ChannelSync(state, b.client, dataCoord, target, watcher);
  }

  public static Builder builder(CoordClient client, String address) {
    return new Builder(client, address);
  }

  // ---- what tests, tools and benchmarks read ----

  public DataNodeStats stats() {
    synchronized (lock) {
      return state.statsLocked();
    }
  }

  /** The current session (null while registering again after a loss). */
  public Session session() {
    synchronized (lock) {
      return state.session;
    }
  }

  /** The channels this node holds now (watching, watched or releasing), by name. */
  public List<String> channels() {
    synchronized (lock) {
      return List.copyOf(state.channels.keySet());
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
      ingest.rowsPerSecondLocked(rows);
    }
    loop.wake();
  }

  /**
   * Stops ingesting; completes once no batch is in flight, so that the counters no longer change
   * by ingest (reports and flushes go on).
   */
  public CompletableFuture<Void> stopIngest() {
    CompletableFuture<Void> idle = new CompletableFuture<>();
    synchronized (lock) {
      ingest.rowsPerSecondLocked(0);
      if (loop.awaitIngestLocked(idle)) {
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
    return loop.syncNow();
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
      ingest.rowsPerSecondLocked(0);
      done = state.stop.futureLocked();
    }
    node.stopGracefully();
    synchronized (lock) {
      long now = System.nanoTime();
      state.stop.stoppedLocked(now);
      loop.pollAtLocked(now);
    }
    loop.wake();
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
      if (!loop.closeLocked()) {
        return false;
      }
      state.dropAllLocked(why);
      waiters = loop.takeWaitersLocked();
      rel = state.stop.askedLocked();
    }
    waiters.forEach(w -> w.complete(null));
    if (rel != null) {
      rel.complete(null);
    }
    return true;
  }

  private DataNodeAgent start(NodeAgent.Builder nb) {
    // The first registered() callback comes from start(), before node is set: it only sets the session.
    node = nb.listener(new SessionListener()).start();
    loop.wake();
    return this;
  }

  /** What each step of the loop does. */
  private final class Steps implements DataNodeLoop.Runner {
    @Override
    public boolean ingesting() {
      return ingest.ingestingLocked();
    }

    @Override
    public CompletableFuture<Void> run(DataNodeLoop.Step step, long generation, Session session) {
      return switch (step) {
        case POLL -> watcher.poll(generation, session, System.nanoTime());
        case SYNC -> sync.sync(generation, session);
        case INGEST -> ingest.batch(generation);
      };
    }
  }

  // ---- the session ----

  private final class SessionListener implements NodeAgent.Listener {
    @Override
    public void registered(Session s) {
      synchronized (lock) {
        if (state.session != null && state.session.getServerId() != s.getServerId()) {
          state.dropAllLocked("session replaced");
        }
        state.session = s;
      }
      userListener.registered(s);
      loop.wake();
    }

    @Override
    public void lost(Session s) {
      synchronized (lock) {
        if (state.session != null && state.session.getServerId() == s.getServerId()) {
          state.session = null;
          state.dropAllLocked("session " + s.getServerId() + " lost");
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
