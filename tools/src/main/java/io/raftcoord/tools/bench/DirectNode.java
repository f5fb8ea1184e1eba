package io.raftcoord.tools.bench;

import io.raftcoord.client.NodeAgent;
import io.raftcoord.client.SessionClient;
import io.raftcoord.client.internal.HeartbeatPipeline;
import io.raftcoord.proto.session.RegisterSession;
import io.raftcoord.proto.session.Session;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated node whose heartbeats are never coalesced with another node's: it has a
 * {@link HeartbeatPipeline} of its own (over a Raft transport shared with the other nodes), and
 * since it never has two heartbeats outstanding, each heartbeat is one leader query carrying one
 * session, as a node process of its own would send. Registration, one heartbeat in flight at a
 * time, and re-registration after the leader called the session stale follow {@link NodeAgent}
 * (which always heartbeats through its client's shared pipeline, so it cannot be used here).
 */
final class DirectNode implements SimNode {
  private static final Logger LOG = LoggerFactory.getLogger(DirectNode.class);

  /** Heartbeats of all direct nodes of a fleet. */
  record Counters(LongAdder sent, LongAdder acked, LongAdder stale, LongAdder failed) {
    Counters() {
      this(new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder());
    }
  }

  private final SessionClient sessions;
  private final HeartbeatPipeline heartbeats;
  private final RegisterSession request;
  private final long intervalMs;
  private final ScheduledExecutorService timer;
  private final NodeAgent.Listener listener;
  private final Counters counters;
  private final Object lock = new Object();
  private Session session;
  private ScheduledFuture<?> task;
  private boolean inFlight;
  private boolean registering;
  private boolean halted;
  private volatile long lastAckNanos = System.nanoTime();

  DirectNode(SessionClient sessions, HeartbeatPipeline heartbeats, RegisterSession request, long intervalMs,
      ScheduledExecutorService timer, NodeAgent.Listener listener, Counters counters) {
    this.sessions = sessions;
    this.heartbeats = heartbeats;
    this.request = request;
    this.intervalMs = intervalMs;
    this.timer = timer;
    this.listener = listener;
    this.counters = counters;
  }

  @Override
  public void start() {
    Session s = sessions.register(request);
    synchronized (lock) {
      session = s;
    }
    lastAckNanos = System.nanoTime();
    listener.registered(s);
    synchronized (lock) {
      if (!halted) {
        task = timer.scheduleAtFixedRate(this::tick, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
      }
    }
  }

  private void tick() {
    Session s;
    synchronized (lock) {
      if (halted || inFlight || registering) {
        return;
      }
      inFlight = true;
      s = session;
    }
    counters.sent().increment();
    heartbeats.heartbeat(SessionClient.ref(s)).whenComplete((alive, err) -> {
      synchronized (lock) {
        inFlight = false;
      }
      if (err != null) {
        counters.failed().increment();
        LOG.debug("heartbeat of session {} failed: {}", s.getServerId(), err.toString());
      } else if (alive) {
        counters.acked().increment();
        lastAckNanos = System.nanoTime();
      } else {
        counters.stale().increment();
        lost(s);
      }
    });
  }

  private void lost(Session s) {
    synchronized (lock) {
      if (halted || session != s) {
        return;
      }
      registering = true;
    }
    listener.lost(s);
    register();
  }

  private void register() {
    sessions.registerAsync(request).whenComplete((fresh, err) -> {
      if (err != null) {
        LOG.info("re-registering failed, retrying: {}", err.toString());
        timer.schedule(this::register, intervalMs, TimeUnit.MILLISECONDS);
        return;
      }
      boolean keep;
      synchronized (lock) {
        keep = !halted;
        if (keep) {
          session = fresh;
          registering = false;
        }
      }
      lastAckNanos = System.nanoTime();
      if (keep) {
        listener.registered(fresh);
      } else {
        sessions.removeAsync(SessionClient.ref(fresh));
      }
    });
  }

  @Override
  public Session session() {
    synchronized (lock) {
      return session;
    }
  }

  @Override
  public long lastAckAgeMs() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastAckNanos);
  }

  @Override
  public void halt() {
    synchronized (lock) {
      halted = true;
      if (task != null) {
        task.cancel(false);
      }
    }
  }
}
