package io.raftcoord.statemachine.session;

import io.raftcoord.proto.session.ExpireSessions;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionRef;
import io.raftcoord.proto.session.SessionSettings;
import java.util.Collection;
import java.util.Optional;
import java.util.function.LongUnaryOperator;

/**
 * Plans the session reaper's command; a pure function of its inputs. A live session expires when
 * the leader has heard nothing from it for longer than the TTL, counting from the later of its
 * last heartbeat and the moment this leader became ready (the grace a new leader owes every
 * session, since heartbeats sent to the old leader were never logged). Ended sessions are
 * forgotten once past retention, oldest first, and beyond {@link SessionSettingsDefaults#MAX_ENDED}.
 */
public final class ReaperPlanner {
  /** Most sessions one command expires or forgets, so that the entry stays small. */
  public static final int MAX_PER_COMMAND = 1_000;

  private ReaperPlanner() {}

  /**
   * @param live committed live sessions to judge (all of them, or those the heartbeat table finds silent)
   * @param endedOldestFirst committed ended sessions, by end time then server ID
   * @param lastHeard server ID to when the leader last heard it ({@link Long#MIN_VALUE}: never)
   * @param nowMs the leader's monotonic clock
   * @param leaderSinceMs when this leadership became ready, on the same clock
   * @param leaderTimeMs the leader's stamp clock now (for retention of ended sessions, whose end
   *     times are apply-clock stamps)
   * @param grace false only under the planted bug that skips the new leader's grace
   */
  public static Optional<ExpireSessions> plan(Collection<Session> live, Collection<Session> endedOldestFirst,
                                              SessionSettings settings,
                                              LongUnaryOperator lastHeard, long nowMs, long leaderSinceMs,
                                              long leaderTimeMs, long revision, boolean grace) {
    ExpireSessions.Builder out = ExpireSessions.newBuilder().setPlannedRevision(revision);
    for (Session s : live) {
      long heard = lastHeard.applyAsLong(s.getServerId());
      long since = grace ? Math.max(heard, leaderSinceMs) : heard;
      if (since == Long.MIN_VALUE || nowMs - since > settings.getTtlMs()) {
        if (out.getExpireCount() < MAX_PER_COMMAND) {
          out.addExpire(SessionRef.newBuilder().setServerId(s.getServerId()).setEpoch(s.getEpoch()));
        }
      }
    }
    int over = endedOldestFirst.size() - SessionSettingsDefaults.MAX_ENDED;
    int i = 0;
    for (Session s : endedOldestFirst) {
      // Oldest first: once one is kept, every later one is too.
      if (out.getForgetCount() >= MAX_PER_COMMAND
          || i >= over && leaderTimeMs - s.getStateChangedMs() < settings.getEndedRetentionMs()) {
        break;
      }
      out.addForget(s.getServerId());
      i++;
    }
    return out.getExpireCount() == 0 && out.getForgetCount() == 0 ? Optional.empty() : Optional.of(out.build());
  }
}
