package io.raftcoord.server.chaos;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.NodeAgent;
import io.raftcoord.proto.session.Session;
import java.time.Duration;

/**
 * One node agent of the sessions workload and its reports into the {@link SessionHistory}: its
 * registrations and losses (the agent's listener callbacks), and its acknowledged heartbeats,
 * read by {@link #sample} from {@link NodeAgent#lastAckAgeMs}, since the agent announces no
 * acknowledgement.
 *
 * <p>An acknowledgement is put on the session the agent holds: the one of the last
 * {@code registered} callback, none between a {@code lost} callback and the next registration.
 * The agent moves its acknowledgement time to a fresh registration before calling
 * {@code registered} and calls {@code lost} before registering again, so a sample taken while the
 * session stayed the same (read before and after) belongs to that session.
 */
final class AgentProbe implements NodeAgent.Listener {
  /** Two readings closer than this are the same acknowledgement (the age is in whole ms). */
  private static final double SAME_ACK_MS = 5;

  final String name;
  final String role;
  final String address;
  private final SessionHistory history;
  private volatile NodeAgent agent;
  private volatile Session held;
  private volatile boolean stopped;
  private double lastAckMs = Double.NEGATIVE_INFINITY;

  AgentProbe(String name, String role, SessionHistory history) {
    this.name = name;
    this.role = role;
    this.address = name + ".sessions.chaos:19530";
    this.history = history;
    history.agent(name, role, address);
  }

  /**
   * Registers and starts heartbeating; false if the registration failed (the node then counts as
   * halted: a registration whose answer was lost may still have made a session, which must expire).
   */
  boolean start(CoordClient client, Duration heartbeat) {
    try {
      agent = NodeAgent.builder(client, role, address).version("chaos").heartbeatInterval(heartbeat).listener(this)
          .start();
      return true;
    } catch (RuntimeException e) {
      // CoordException normally; anything else is recorded the same way rather than ending the churn.
      stopped = true;
      history.registerFailed(name, e.toString());
      history.halted(name, "registration failed");
      return false;
    }
  }

  @Override
  public void registered(Session session) {
    held = session;
    history.registered(name, session);
  }

  @Override
  public void lost(Session session) {
    held = null;
    history.lost(name, session);
  }

  /** Records the agent's latest acknowledgement if it is new. Called from one thread only. */
  void sample() {
    NodeAgent a = agent;
    Session session = held;
    if (a == null || session == null) {
      return;
    }
    // The clock is read before the age, so the time is never later than the acknowledgement + 1 ms.
    double now = history.nowMs();
    long age = a.lastAckAgeMs();
    if (held != session) {
      return;
    }
    double at = now - age;
    if (at > lastAckMs + SAME_ACK_MS) {
      lastAckMs = at;
      history.ack(name, session.getServerId(), at);
    }
  }

  /** The server ID this agent holds now, if any. */
  Long serverId() {
    Session s = held;
    return s == null ? null : s.getServerId();
  }

  boolean running() {
    return agent != null && !stopped;
  }

  /** Stops heartbeating without a word, as a crashed node. */
  void halt(String why) {
    NodeAgent a = agent;
    if (a != null && !stopped) {
      stopped = true;
      a.halt();
      history.halted(name, why);
    }
  }

  /** Stops heartbeating and deregisters (the end of the run). */
  void close() {
    NodeAgent a = agent;
    if (a != null && !stopped) {
      stopped = true;
      a.close();
    }
  }
}
