package io.raftcoord.client;

import io.raftcoord.proto.session.Label;
import io.raftcoord.proto.session.RegisterSession;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a data, query or index node embeds to be discoverable: registers a session, heartbeats
 * to the leader, and when the leader says the session is gone (expired, or ended while the node
 * was cut off), reports it and registers again with a new server ID and epoch. Stop it
 * gracefully with {@link #stopGracefully} (STOPPING, still heartbeating) and then {@link #close}
 * (deregistered). Thread-safe; many agents may share one {@link CoordClient}, whose heartbeats
 * then travel together.
 */
public final class NodeAgent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeAgent.class);

  /** What the agent reports. */
  public interface Listener {
    /** A session was registered (first, or again after a loss). */
    default void registered(Session session) { }

    /** The leader no longer knows {@code session}: work bound to its epoch must stop. */
    default void lost(Session session) { }
  }

  private final SessionClient sessions;
  private final RegisterSession request;
  private final long intervalMs;
  private final boolean reregister;
  private final Listener listener;
  private final ScheduledExecutorService scheduler;
  private final Object lock = new Object();
  private Session session;
  private ScheduledFuture<?> task;
  private boolean heartbeatInFlight;
  private boolean registering;
  private volatile long lastAckNanos = System.nanoTime();
  private boolean closed;

  private NodeAgent(Builder b) {
    this.sessions = b.client.sessions();
    this.request = b.request.build();
    this.intervalMs = b.interval.toMillis();
    this.reregister = b.reregister;
    this.listener = b.listener;
    this.scheduler = sessions.agentScheduler();
  }

  public static Builder builder(CoordClient client, String role, String address) {
    return new Builder(client, role, address);
  }

  /** The current session (null only before the first registration succeeded). */
  public Session session() {
    synchronized (lock) {
      return session;
    }
  }

  /** Milliseconds since the leader last acknowledged a heartbeat of this agent. */
  public long lastAckAgeMs() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastAckNanos);
  }

  private NodeAgent start() {
    Session s = sessions.register(request);
    synchronized (lock) {
      session = s;
    }
    lastAckNanos = System.nanoTime();
    listener.registered(s);
    // Ticks on the interval's boundaries of one clock, so that the agents of a process heartbeat
    // together and their heartbeats share one or two queries per round.
    long firstDelay = intervalMs - Math.floorMod(TimeUnit.NANOSECONDS.toMillis(System.nanoTime()), intervalMs);
    synchronized (lock) {
      task = scheduler.scheduleAtFixedRate(this::tick, firstDelay, intervalMs, TimeUnit.MILLISECONDS);
    }
    return this;
  }

  private void tick() {
    Session s;
    synchronized (lock) {
      if (closed || heartbeatInFlight || registering) {
        return;
      }
      heartbeatInFlight = true;
      s = session;
    }
    sessions.heartbeatAsync(SessionClient.ref(s)).whenComplete((alive, err) -> {
      synchronized (lock) {
        heartbeatInFlight = false;
      }
      if (err != null) {
        LOG.debug("heartbeat of session {} failed: {}", s.getServerId(), err.toString());
      } else if (alive) {
        lastAckNanos = System.nanoTime();
      } else {
        lost(s);
      }
    });
  }

  private void lost(Session s) {
    synchronized (lock) {
      if (closed || session != s) {
        return;
      }
      registering = reregister;
    }
    LOG.info("session {} (epoch {}) is gone at the leader", s.getServerId(), s.getEpoch());
    listener.lost(s);
    if (reregister) {
      register();
    } else {
      close();
    }
  }

  private void register() {
    sessions.registerAsync(request).whenComplete((fresh, err) -> {
      if (err != null) {
        LOG.info("re-registering failed, retrying: {}", err.toString());
        scheduler.schedule(this::register, intervalMs, TimeUnit.MILLISECONDS);
        return;
      }
      boolean keep;
      synchronized (lock) {
        keep = !closed;
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

  /** Announces a graceful stop: the session becomes STOPPING and keeps heartbeating until {@link #close}. */
  public Session stopGracefully() {
    Session stopped = sessions.stop(SessionClient.ref(session()));
    synchronized (lock) {
      session = stopped;
    }
    return stopped;
  }

  /**
   * Stops heartbeating without telling the quorum, as a crashed node would: the session expires
   * after the TTL.
   */
  public void halt() {
    synchronized (lock) {
      closed = true;
      if (task != null) {
        task.cancel(false);
      }
    }
  }

  /** Stops heartbeating and deregisters the session (REMOVED). */
  @Override
  public void close() {
    Session s;
    synchronized (lock) {
      if (closed) {
        return;
      }
      halt();
      s = session;
    }
    if (s != null) {
      try {
        sessions.remove(SessionClient.ref(s));
      } catch (CoordException e) {
        LOG.info("deregistering session {} failed: {}", s.getServerId(), e.toString());
      }
    }
  }

  /** Options of an agent. */
  public static final class Builder {
    private final CoordClient client;
    private final RegisterSession.Builder request;
    private final List<Label> labels = new ArrayList<>();
    private Duration interval = Duration.ofSeconds(1);
    private boolean reregister = true;
    private Listener listener = new Listener() { };

    private Builder(CoordClient client, String role, String address) {
      this.client = Objects.requireNonNull(client);
      this.request = RegisterSession.newBuilder().setRole(role).setAddress(address);
    }

    public Builder version(String version) {
      request.setVersion(version);
      return this;
    }

    public Builder label(String key, String value) {
      request.addLabels(Label.newBuilder().setKey(key).setValue(value));
      return this;
    }

    public Builder capacity(long slots) {
      request.setCapacity(slots);
      return this;
    }

    /** How often to heartbeat (default 1 s); keep it well under the session TTL (default 10 s). */
    public Builder heartbeatInterval(Duration d) {
      if (d.toMillis() < 10) {
        throw new IllegalArgumentException("heartbeat interval must be at least 10 ms, got " + d);
      }
      this.interval = d;
      return this;
    }

    /** Off: a lost session closes the agent instead of registering again. */
    public Builder reregister(boolean on) {
      this.reregister = on;
      return this;
    }

    public Builder listener(Listener l) {
      this.listener = Objects.requireNonNull(l);
      return this;
    }

    /** Registers (blocking; throws {@link CoordException} if refused) and starts heartbeating. */
    public NodeAgent start() {
      return new NodeAgent(this).start();
    }
  }
}
