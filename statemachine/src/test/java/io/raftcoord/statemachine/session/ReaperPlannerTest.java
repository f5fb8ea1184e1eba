package io.raftcoord.statemachine.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.session.ExpireSessions;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionSettings;
import io.raftcoord.proto.session.SessionState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;

/** The reaper's planner as a pure function: fake sessions, a fake clock, a fake heartbeat table. */
class ReaperPlannerTest {
  private static final SessionSettings SETTINGS = SessionSettingsDefaults.effective(SessionSettings.newBuilder()
      .setTtlMs(10_000).setEndedRetentionMs(60_000).build());

  private static Session session(long id, SessionState state, long changedMs) {
    return Session.newBuilder().setServerId(id).setEpoch(100 + id).setRole("datanode").setState(state)
        .setStateChangedMs(changedMs).build();
  }

  private static Optional<ExpireSessions> plan(List<Session> sessions, Map<Long, Long> heard, long now, long leaderSince,
                                               boolean grace) {
    LongUnaryOperator lastHeard = id -> heard.getOrDefault(id, Long.MIN_VALUE);
    return ReaperPlanner.plan(sessions, List.of(), SETTINGS, lastHeard, now, leaderSince, 0, 7, grace);
  }

  @Test
  void expiresExactlyTheSessionsSilentForLongerThanTheTtl() {
    List<Session> s = List.of(session(1, SessionState.ACTIVE, 0), session(2, SessionState.STOPPING, 0),
        session(3, SessionState.STANDBY, 0));
    ExpireSessions p = plan(s, Map.of(1L, 5_000L, 2L, 4_999L, 3L, 20_000L), 15_000, 0, true).orElseThrow();
    assertEquals(List.of(2L), p.getExpireList().stream().map(r -> r.getServerId()).toList());
    assertEquals(102, p.getExpire(0).getEpoch());
    assertEquals(7, p.getPlannedRevision());
    assertTrue(plan(s, Map.of(1L, 5_000L, 2L, 5_000L, 3L, 5_000L), 15_000, 0, true).isEmpty(), "exactly TTL: kept");
  }

  @Test
  void theGraceCountsFromTheLeadersStart() {
    List<Session> s = List.of(session(1, SessionState.ACTIVE, 0), session(2, SessionState.ACTIVE, 0));
    // Never heard by this leader, which became ready at 100,000.
    assertTrue(plan(s, Map.of(), 110_000, 100_000, true).isEmpty());
    assertEquals(2, plan(s, Map.of(), 110_001, 100_000, true).orElseThrow().getExpireCount());
    // Heard after the start: its own heartbeat counts.
    assertEquals(List.of(2L), plan(s, Map.of(1L, 105_000L), 110_001, 100_000, true).orElseThrow().getExpireList()
        .stream().map(r -> r.getServerId()).toList());
  }

  @Test
  void withoutTheGraceUnheardSessionsGoAtOnce() {
    List<Session> s = List.of(session(1, SessionState.ACTIVE, 0));
    assertTrue(plan(s, Map.of(), 100_001, 100_000, true).isEmpty());
    assertEquals(1, plan(s, Map.of(), 100_001, 100_000, false).orElseThrow().getExpireCount());
  }

  @Test
  void endedSessionsAreForgottenAfterRetentionOldestFirstAndBeyondTheCap() {
    List<Session> s = List.of(session(1, SessionState.EXPIRED, 1_000), session(2, SessionState.REMOVED, 50_000));
    ExpireSessions p = ReaperPlanner.plan(List.of(), s, SETTINGS, id -> Long.MIN_VALUE, 0, 0, 61_000, 1, true).orElseThrow();
    assertEquals(List.of(1L), p.getForgetList());
    List<Session> many = new ArrayList<>();
    for (int i = 0; i < SessionSettingsDefaults.MAX_ENDED + 3; i++) {
      many.add(session(i + 1, SessionState.EXPIRED, 10_000 + i));
    }
    ExpireSessions capped = ReaperPlanner.plan(List.of(), many, SETTINGS, id -> Long.MIN_VALUE, 0, 0, 10_000, 1, true)
        .orElseThrow();
    assertEquals(List.of(1L, 2L, 3L), capped.getForgetList());
  }

  @Test
  void oneCommandIsBounded() {
    List<Session> s = new ArrayList<>();
    for (int i = 0; i < ReaperPlanner.MAX_PER_COMMAND + 10; i++) {
      s.add(session(i + 1, SessionState.ACTIVE, 0));
    }
    assertEquals(ReaperPlanner.MAX_PER_COMMAND, plan(s, Map.of(), 1_000_000, 0, true).orElseThrow().getExpireCount());
  }
}
