package io.raftcoord.server.chaos;

import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionEventKind;
import io.raftcoord.proto.session.SessionState;
import java.util.List;

/**
 * What the sessions checker judges, as plain data: each agent's own reports (registrations,
 * losses, acknowledged heartbeats, its halt), the session events of the change feed as a watcher
 * received them, and when the quorum was disturbed. Every time is in ms on the run clock
 * ({@link ChaosEnv#nowMs}).
 *
 * @param ttlMs the replicated session TTL the workload set
 * @param stampsTrusted whether leader stamps can be put on the run clock (no replica's clock was moved)
 * @param feedComplete the watcher saw every session event of the run (it was never compacted away)
 * @param observedUntilMs every session event committed before this time is in {@code feed}
 */
record SessionRecords(long ttlMs, boolean stampsTrusted, List<Agent> agents, List<FeedEvent> feed,
                      boolean feedComplete, List<FaultWindows.Window> windows, double observedUntilMs) {
  /**
   * How far a leader stamp, put on the run clock, may be off: replicas and driver share one
   * machine's clock, so only the two clock readings and their conversion differ.
   */
  static final double STAMP_TOLERANCE_MS = 100;

  SessionRecords {
    agents = List.copyOf(agents);
    feed = List.copyOf(feed);
    windows = List.copyOf(windows);
  }

  /** A registration the agent reported ({@code registered} callback). */
  record Registration(long serverId, long epoch, SessionState state, double atMs) {}

  /** A {@code lost} callback: the leader said the session is gone. */
  record Loss(long serverId, long epoch, double atMs) {}

  /** A heartbeat (or the registration itself) acknowledged by a leader, as the agent saw it. */
  record Ack(long serverId, double atMs) {}

  /** One node agent; {@code haltMs} is NaN unless it stopped heartbeating on purpose (a crash). */
  record Agent(String name, String role, String address, List<Registration> registrations, List<Loss> losses,
               List<Ack> acks, double haltMs) {
    Agent {
      registrations = List.copyOf(registrations);
      losses = List.copyOf(losses);
      acks = List.copyOf(acks);
    }

    boolean halted() {
      return !Double.isNaN(haltMs);
    }
  }

  /**
   * One session event of the feed: the session after the change, the leader's stamp of its entry
   * (on the run clock) and when the watcher received it.
   */
  record FeedEvent(long revision, int ordinal, SessionEventKind kind, Session session, double stampMs,
                   double receivedMs) {
    long serverId() {
      return session.getServerId();
    }

    boolean ends() {
      return kind == SessionEventKind.SESSION_EXPIRED || kind == SessionEventKind.SESSION_REMOVED;
    }

    /**
     * The latest moment the change can have been decided: it was stamped before it committed
     * and committed before it arrived.
     */
    double latestMs(boolean stampsTrusted) {
      return stampsTrusted ? Math.min(receivedMs, stampMs + STAMP_TOLERANCE_MS) : receivedMs;
    }

    /** The earliest moment it can have committed (unknown without trusted stamps). */
    double earliestMs(boolean stampsTrusted) {
      return stampsTrusted ? stampMs - STAMP_TOLERANCE_MS : Double.NEGATIVE_INFINITY;
    }

    String describe() {
      return String.format(java.util.Locale.ROOT, "rev %d %s of session %d (%s, epoch %d, %s)", revision, kind,
          serverId(), session.getRole(), session.getEpoch(), session.getState());
    }
  }
}
