package io.raftcoord.client;

import io.raftcoord.client.internal.Futures;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.querycoord.NodeWork;
import io.raftcoord.proto.querycoord.ReportDistribution;
import io.raftcoord.proto.querycoord.WorkChannel;
import io.raftcoord.proto.querycoord.WorkSegment;
import io.raftcoord.proto.session.Session;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated query node: a {@link NodeAgent} session in the {@code querynode} role that does a
 * query node's side of the QueryCoord contract. Every poll interval it reads its work list,
 * "loads" segments it was given (instantly, or one after another with a set delay per segment) and
 * channels (at once), releases what it no longer has work for, and reports the changes to its
 * distribution. A report whose outcome is unknown is sent again before anything new (reports are
 * set changes, so a repeat is harmless). On STALE_EPOCH or a lost session it forgets everything:
 * the NodeAgent registers again under a new server id.
 *
 * <p>Invariants: one call (work read or report) in flight at a time; {@link #serving()} is what the
 * coordinator has acknowledged plus what it is being told; the steps run on the client's agent
 * timer thread and never block. Thread-safe.
 */
public final class QueryNodeAgent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(QueryNodeAgent.class);

  private final Object lock = new Object();
  private final QueryCoordClient queryCoord;
  private final ScheduledExecutorService scheduler;
  private final long loadMsPerSegment;
  private final long pollMs;
  private final Set<Long> served = new TreeSet<>();
  private final Set<String> channels = new TreeSet<>();
  /** Segments being loaded, with the time (ms, monotonic) each is ready. */
  private final Map<Long, Long> loading = new LinkedHashMap<>();
  private final Set<Long> loadedUnreported = new HashSet<>();
  private final Set<Long> releasedUnreported = new HashSet<>();
  private final Set<String> channelsLoaded = new HashSet<>();
  private final Set<String> channelsReleased = new HashSet<>();
  private ReportDistribution inFlightReport;
  private boolean callInFlight;
  private long lastReadyMs;
  private Session session;
  private boolean closed;
  private ScheduledFuture<?> task;
  private volatile NodeAgent node;

  private QueryNodeAgent(Builder b) {
    this.queryCoord = b.client.queryCoord();
    this.scheduler = b.client.sessions().agentScheduler();
    this.loadMsPerSegment = b.loadPerSegment.toMillis();
    this.pollMs = b.pollInterval.toMillis();
  }

  public static Builder builder(CoordClient client, String address) {
    return new Builder(client, address);
  }

  /** The current session (null while registering again). */
  public Session session() {
    synchronized (lock) {
      return session;
    }
  }

  /** Segments this node serves (acknowledged or being reported). */
  public Set<Long> serving() {
    synchronized (lock) {
      Set<Long> out = new TreeSet<>(served);
      out.addAll(loadedUnreported);
      out.removeAll(releasedUnreported);
      return out;
    }
  }

  /** Channels this node is the delegator of. */
  public Set<String> delegating() {
    synchronized (lock) {
      Set<String> out = new TreeSet<>(channels);
      out.addAll(channelsLoaded);
      out.removeAll(channelsReleased);
      return out;
    }
  }

  public NodeAgent nodeAgent() {
    return node;
  }

  private void registered(Session s) {
    synchronized (lock) {
      forgetLocked();
      session = s;
    }
  }

  private void lost(Session s) {
    synchronized (lock) {
      if (session == s) {
        forgetLocked();
        session = null;
      }
    }
  }

  private void forgetLocked() {
    served.clear();
    channels.clear();
    loading.clear();
    loadedUnreported.clear();
    releasedUnreported.clear();
    channelsLoaded.clear();
    channelsReleased.clear();
    inFlightReport = null;
  }

  private static long nowMs() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
  }

  private void tick() {
    Session s;
    ReportDistribution report = null;
    synchronized (lock) {
      if (closed || callInFlight || session == null) {
        return;
      }
      s = session;
      long now = nowMs();
      loading.entrySet().removeIf(e -> {
        if (e.getValue() <= now) {
          loadedUnreported.add(e.getKey());
          return true;
        }
        return false;
      });
      if (inFlightReport == null && (!loadedUnreported.isEmpty() || !releasedUnreported.isEmpty()
          || !channelsLoaded.isEmpty() || !channelsReleased.isEmpty())) {
        inFlightReport = ReportDistribution.newBuilder().setNode(SessionClient.ref(s))
            .addAllLoadedSegments(new TreeSet<>(loadedUnreported)).addAllReleasedSegments(new TreeSet<>(releasedUnreported))
            .addAllLoadedChannels(new TreeSet<>(channelsLoaded)).addAllReleasedChannels(new TreeSet<>(channelsReleased))
            .build();
      }
      report = inFlightReport;
      callInFlight = true;
    }
    if (report != null) {
      send(s, report);
    } else {
      poll(s);
    }
  }

  private void send(Session s, ReportDistribution report) {
    queryCoord.reportAsync(report).whenComplete((ok, err) -> {
      synchronized (lock) {
        callInFlight = false;
        if (session != s || inFlightReport != report) {
          return;
        }
        if (err == null) {
          served.addAll(report.getLoadedSegmentsList());
          report.getReleasedSegmentsList().forEach(served::remove);
          channels.addAll(report.getLoadedChannelsList());
          report.getReleasedChannelsList().forEach(channels::remove);
          report.getLoadedSegmentsList().forEach(loadedUnreported::remove);
          report.getReleasedSegmentsList().forEach(releasedUnreported::remove);
          report.getLoadedChannelsList().forEach(channelsLoaded::remove);
          report.getReleasedChannelsList().forEach(channelsReleased::remove);
          inFlightReport = null;
        } else if (Futures.toCoord(err).code() == ErrorCode.STALE_EPOCH) {
          LOG.info("query node {} epoch {} is stale; forgetting its distribution", s.getServerId(), s.getEpoch());
          forgetLocked();
        }
      }
    });
  }

  private void poll(Session s) {
    queryCoord.workAsync(s.getServerId()).whenComplete((work, err) -> {
      synchronized (lock) {
        callInFlight = false;
        if (err != null || session != s) {
          return;
        }
        applyWorkLocked(work);
      }
    });
  }

  private void applyWorkLocked(NodeWork work) {
    Set<Long> wanted = new HashSet<>();
    for (WorkSegment w : work.getSegmentsList()) {
      wanted.add(w.getSegmentId());
    }
    Set<String> wantedChannels = new HashSet<>();
    for (WorkChannel c : work.getChannelsList()) {
      wantedChannels.add(c.getName());
    }
    long now = nowMs();
    for (WorkSegment w : work.getSegmentsList()) {
      long id = w.getSegmentId();
      if (!served.contains(id) && !loadedUnreported.contains(id) && !loading.containsKey(id)) {
        releasedUnreported.remove(id);
        lastReadyMs = Math.max(now, lastReadyMs) + loadMsPerSegment;
        loading.put(id, lastReadyMs);
      }
    }
    loading.keySet().removeIf(id -> !wanted.contains(id));
    for (long id : new TreeSet<>(served)) {
      if (!wanted.contains(id)) {
        releasedUnreported.add(id);
      }
    }
    loadedUnreported.removeIf(id -> !wanted.contains(id));
    for (String c : wantedChannels) {
      if (!channels.contains(c)) {
        channelsLoaded.add(c);
        channelsReleased.remove(c);
      }
    }
    for (String c : channels) {
      if (!wantedChannels.contains(c)) {
        channelsReleased.add(c);
      }
    }
    channelsLoaded.removeIf(c -> !wantedChannels.contains(c));
  }

  /** Simulates a crash: no more heartbeats, polls or reports; the session expires after its TTL. */
  public void halt() {
    NodeAgent n = stopLoop();
    if (n != null) {
      n.halt();
    }
  }

  /** Marks the session STOPPING, so that the coordinator drains it. */
  public Session stopGracefully() {
    return node.stopGracefully();
  }

  @Override
  public void close() {
    NodeAgent n = stopLoop();
    if (n != null) {
      n.close();
    }
  }

  private NodeAgent stopLoop() {
    synchronized (lock) {
      closed = true;
      if (task != null) {
        task.cancel(false);
      }
    }
    return node;
  }

  private QueryNodeAgent start(Builder b) {
    NodeAgent.Builder builder = NodeAgent.builder(b.client, "querynode", b.address).capacity(b.capacity)
        .heartbeatInterval(b.heartbeat).listener(new NodeAgent.Listener() {
          @Override
          public void registered(Session s) {
            QueryNodeAgent.this.registered(s);
            b.listener.registered(s);
          }

          @Override
          public void lost(Session s) {
            QueryNodeAgent.this.lost(s);
            b.listener.lost(s);
          }
        });
    b.labels.forEach(builder::label);
    node = builder.version(b.version).start();
    synchronized (lock) {
      task = scheduler.scheduleWithFixedDelay(this::tick, pollMs, pollMs, TimeUnit.MILLISECONDS);
    }
    return this;
  }

  public static final class Builder {
    private final CoordClient client;
    private final String address;
    private Duration loadPerSegment = Duration.ZERO;
    private Duration pollInterval = Duration.ofMillis(100);
    private Duration heartbeat = Duration.ofSeconds(1);
    private long capacity;
    private String version = "sim";
    private final Map<String, String> labels = new LinkedHashMap<>();
    private NodeAgent.Listener listener = new NodeAgent.Listener() { };

    private Builder(CoordClient client, String address) {
      this.client = client;
      this.address = address;
    }

    /** How long "loading" one segment takes (segments load one after another); default 0. */
    public Builder loadPerSegment(Duration d) {
      this.loadPerSegment = d;
      return this;
    }

    public Builder pollInterval(Duration d) {
      this.pollInterval = d;
      return this;
    }

    public Builder heartbeatInterval(Duration d) {
      this.heartbeat = d;
      return this;
    }

    /** Capacity reported in the session: the weight of weighted round-robin routing. */
    public Builder capacity(long slots) {
      this.capacity = slots;
      return this;
    }

    public Builder version(String v) {
      this.version = v;
      return this;
    }

    public Builder label(String key, String value) {
      labels.put(key, value);
      return this;
    }

    /** Told of each registration and lost session, after the agent has reset its own state. */
    public Builder listener(NodeAgent.Listener l) {
      this.listener = l;
      return this;
    }

    public QueryNodeAgent start() {
      return new QueryNodeAgent(this).start(this);
    }
  }
}
