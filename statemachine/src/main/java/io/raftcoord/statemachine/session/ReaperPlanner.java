package io.raftcoord.statemachine.session;

import io.raftcoord.proto.session.ExpireSessions;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionRef;
import io.raftcoord.proto.session.SessionSettings;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
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
   * @param sessions committed sessions, by server ID
   * @param lastHeard server ID to when the leader last heard it ({@link Long#MIN_VALUE}: never)
   * @param nowMs the leader's monotonic clock
   * @param leaderSinceMs when this leadership became ready, on the same clock
   * @param leaderTimeMs the leader's stamp clock now (for retention of ended sessions, whose end
   *     times are apply-clock stamps)
   * @param grace false only under the planted bug that skips the new leader's grace
   */
  public static Optional<ExpireSessions> plan(Collection<Session> sessions, SessionSettings settings,
                                              LongUnaryOperator lastHeard, long nowMs, long leaderSinceMs,
                                              long leaderTimeMs, long revision, boolean grace) {
    ExpireSessions.Builder out = ExpireSessions.newBuilder().setPlannedRevision(revision);
    List<Session> ended = new ArrayList<>();
    for (Session s : sessions) {
      if (!SessionTable.isLive(s)) {
        ended.add(s);
        continue;
      }
      long heard = lastHeard.applyAsLong(s.getServerId());
      long since = grace ? Math.max(heard, leaderSinceMs) : heard;
      if (since == Long.MIN_VALUE || nowMs - since > settings.getTtlMs()) {
        if (out.getExpireCount() < MAX_PER_COMMAND) {
          out.addExpire(SessionRef.newBuilder().setServerId(s.getServerId()).setEpoch(s.getEpoch()));
        }
      }
    }
    ended.sort(Comparator.comparingLong(Session::getStateChangedMs).thenComparingLong(Session::getServerId));
    int over = ended.size() - SessionSettingsDefaults.MAX_ENDED;
    for (int i = 0; i < ended.size() && out.getForgetCount() < MAX_PER_COMMAND; i++) {
      Session s = ended.get(i);
      if (i < over || leaderTimeMs - s.getStateChangedMs() >= settings.getEndedRetentionMs()) {
        out.addForget(s.getServerId());
      }
    }
    return out.getExpireCount() == 0 && out.getForgetCount() == 0 ? Optional.empty() : Optional.of(out.build());
  }
}
