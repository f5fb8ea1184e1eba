package io.raftcoord.statemachine.session;

import static io.raftcoord.statemachine.sm.Batches.applyNext;
import static io.raftcoord.statemachine.sm.Batches.batch;
import static io.raftcoord.statemachine.sm.Batches.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.raftcoord.proto.ChangeEvent;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.WatchQuery;
import io.raftcoord.proto.session.ExpireSessions;
import io.raftcoord.proto.session.Heartbeat;
import io.raftcoord.proto.session.HeartbeatReply;
import io.raftcoord.proto.session.Label;
import io.raftcoord.proto.session.ListSessions;
import io.raftcoord.proto.session.RegisterSession;
import io.raftcoord.proto.session.RemoveSession;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionCommandReply;
import io.raftcoord.proto.session.SessionEvent;
import io.raftcoord.proto.session.SessionList;
import io.raftcoord.proto.session.SessionRef;
import io.raftcoord.proto.session.SessionSettings;
import io.raftcoord.proto.session.SessionState;
import io.raftcoord.proto.session.SetSessionSettings;
import io.raftcoord.proto.session.StopSession;
import io.raftcoord.statemachine.domain.DomainEnv;
import io.raftcoord.statemachine.domain.DutyPlan;
import io.raftcoord.statemachine.idempotency.IdempotencyLog;
import io.raftcoord.statemachine.sm.CoordState;
import io.raftcoord.statemachine.domain.PlantedBug;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.version.ApplyVersions;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The session domain against a temp store without Raft, with a fake leader clock. */
class SessionDomainTest {
  @TempDir
  Path dir;

  /** The leader-local monotonic clock (heartbeats, the reaper). */
  private final AtomicLong clock = new AtomicLong(1_000_000);
  /** The apply clock (leader stamps in the log). */
  private long time = 1_700_000_000_000L;
  private CoordState state;

  private CoordState open(Set<PlantedBug> bugs) {
    state = new CoordState(CoordStore.open(dir), IdempotencyLog.Retention.DEFAULT,
        new DomainEnv("n1", clock::get, bugs), ApplyVersions.THIS_BINARY);
    return state;
  }

  @AfterEach
  void close() {
    if (state != null) {
      state.close();
    }
  }

  private CommandReply run(Message body) {
    time += 10;
    return only(applyNext(state, batch(time, Command.newBuilder().setDomain(Any.pack(body)).build())));
  }

  private static <T extends Message> T unpack(Any a, Class<T> type) {
    try {
      return a.unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  private Session register(String role, String address) {
    CommandReply r = run(RegisterSession.newBuilder().setRole(role).setAddress(address).build());
    assertEquals(ErrorCode.OK, r.getCode(), r::getMessage);
    return unpack(r.getDomain(), SessionCommandReply.class).getSession();
  }

  private static SessionRef ref(Session s) {
    return SessionRef.newBuilder().setServerId(s.getServerId()).setEpoch(s.getEpoch()).build();
  }

  private SessionList list(boolean includeEnded) {
    QueryReply r = state.domainRead(Query.newBuilder()
        .setDomain(Any.pack(ListSessions.newBuilder().setIncludeEnded(includeEnded).build())).build());
    assertEquals(ErrorCode.OK, r.getCode(), r::getMessage);
    return unpack(r.getDomain(), SessionList.class);
  }

  private HeartbeatReply heartbeat(Session... sessions) {
    Heartbeat.Builder h = Heartbeat.newBuilder();
    for (Session s : sessions) {
      h.addSessions(ref(s));
    }
    QueryReply r = state.domainRead(Query.newBuilder().setDomain(Any.pack(h.build())).build());
    return unpack(r.getDomain(), HeartbeatReply.class);
  }

  /** Plans the reaper once and applies what it proposed; the reply, or null if it planned nothing. */
  private CommandReply reap(long leaderSinceMs) {
    List<DutyPlan> plans = state.planDuties(clock.get(), leaderSinceMs, time, d -> true);
    DutyPlan reaper = plans.stream().filter(p -> p.duty().equals("session-reaper")).findFirst().orElseThrow();
    if (reaper.commands().isEmpty()) {
      return null;
    }
    time += 10;
    return only(applyNext(state, batch(time, reaper.commands().get(0))));
  }

  @Test
  void registerHandsOutUniqueServerIdsAndTheEntryAsEpoch() {
    open(Set.of());
    Session a = register("datanode", "10.0.0.1:21124");
    Session b = register("querynode", "10.0.0.2:21123");
    assertNotEquals(a.getServerId(), b.getServerId());
    assertTrue(a.getServerId() > 0);
    assertEquals(SessionState.ACTIVE, a.getState());
    assertEquals(state.appliedIndex(), b.getEpoch());
    assertEquals(2, list(false).getSessionsCount());
    assertEquals(10_000, list(false).getSettings().getTtlMs());
  }

  @Test
  void badRegistrationsAreRefusedByName() {
    open(Set.of());
    CommandReply r = run(RegisterSession.newBuilder().setRole("gpu-node").setAddress("x:1").build());
    assertEquals(ErrorCode.INVALID_ARGUMENT, r.getCode());
    assertTrue(r.getMessage().contains("unknown role 'gpu-node'"), r.getMessage());
    r = run(RegisterSession.newBuilder().setRole("datanode").build());
    assertEquals(ErrorCode.INVALID_ARGUMENT, r.getCode());
    assertTrue(r.getMessage().contains("address"), r.getMessage());
    r = run(RegisterSession.newBuilder().setRole("datanode").setAddress("a:1")
        .addLabels(Label.newBuilder().setKey("zone").setValue("a")).addLabels(Label.newBuilder().setKey("zone").setValue("b"))
        .build());
    assertTrue(r.getMessage().contains("'zone' appears twice"), r.getMessage());
    assertEquals(0, list(true).getSessionsCount());
  }

  @Test
  void anExclusiveRoleHasOneActiveAndTheOldestStandbyTakesOver() {
    open(Set.of());
    Session first = register("datacoord", "a:1");
    Session second = register("datacoord", "b:1");
    Session third = register("datacoord", "c:1");
    assertEquals(SessionState.ACTIVE, first.getState());
    assertEquals(SessionState.STANDBY, second.getState());
    assertEquals(SessionState.STANDBY, third.getState());
    CommandReply stopped = run(StopSession.newBuilder().setSession(ref(first)).build());
    assertEquals(SessionState.STOPPING, unpack(stopped.getDomain(), SessionCommandReply.class).getSession().getState());
    List<Session> now = list(false).getSessionsList();
    assertEquals(List.of(SessionState.STOPPING, SessionState.ACTIVE, SessionState.STANDBY),
        now.stream().map(Session::getState).toList());
  }

  @Test
  void callsWithAnOldEpochOrForAnEndedSessionAreStale() {
    open(Set.of());
    Session s = register("datanode", "a:1");
    SessionRef wrong = ref(s).toBuilder().setEpoch(s.getEpoch() - 1).build();
    CommandReply r = run(StopSession.newBuilder().setSession(wrong).build());
    assertEquals(ErrorCode.STALE_EPOCH, r.getCode());
    assertTrue(r.getMessage().contains("epoch"), r.getMessage());
    assertEquals(ErrorCode.OK, run(RemoveSession.newBuilder().setSession(ref(s)).build()).getCode());
    assertEquals(ErrorCode.STALE_EPOCH, run(StopSession.newBuilder().setSession(ref(s)).build()).getCode());
    assertEquals(List.of(ref(s)), heartbeat(s).getStaleList());
    assertEquals(SessionState.REMOVED, list(true).getSessions(0).getState());
    assertEquals(0, list(false).getSessionsCount());
  }

  @Test
  void theReaperExpiresASessionOnlyAfterATtlWithoutHeartbeats() {
    open(Set.of());
    long leaderSince = clock.get();
    Session s = register("datanode", "a:1");
    clock.addAndGet(9_000);
    assertTrue(heartbeat(s).getStaleList().isEmpty());
    clock.addAndGet(10_000);
    assertEquals(null, reap(leaderSince), "heard 10,000 ms ago: not past the TTL yet");
    clock.addAndGet(1);
    CommandReply r = reap(leaderSince);
    assertEquals(ErrorCode.OK, r.getCode(), r::getMessage);
    assertEquals(List.of(ref(s)), unpack(r.getDomain(), SessionCommandReply.class).getExpiredList());
    assertEquals(SessionState.EXPIRED, list(true).getSessions(0).getState());
    assertEquals(List.of(ref(s)), heartbeat(s).getStaleList(), "an expired session must register again");
  }

  @Test
  void aNewLeaderGrantsEverySessionAFullTtl() {
    open(Set.of());
    Session s = register("datanode", "a:1");
    clock.addAndGet(60_000); // heard nothing for a minute, but this leader only became ready now
    long leaderSince = clock.get();
    clock.addAndGet(10_000);
    assertEquals(null, reap(leaderSince));
    clock.addAndGet(1);
    assertEquals(ErrorCode.OK, reap(leaderSince).getCode());
    assertEquals(SessionState.EXPIRED, list(true).getSessions(0).getState());
  }

  @Test
  void aSessionThisReplicaNeverHeardGetsTheGraceToo() {
    open(Set.of());
    Session s = register("datanode", "a:1");
    state.close();
    open(Set.of()); // a restarted replica: its heartbeat table is empty
    clock.addAndGet(60_000);
    long leaderSince = clock.get();
    assertEquals(null, reap(leaderSince));
    clock.addAndGet(10_000);
    assertEquals(null, reap(leaderSince));
    clock.addAndGet(1);
    CommandReply r = reap(leaderSince);
    assertEquals(List.of(ref(s)), unpack(r.getDomain(), SessionCommandReply.class).getExpiredList());
  }

  @Test
  void thePlantedBugSkipsTheGrace() {
    open(Set.of(PlantedBug.REAPER_SKIPS_GRACE));
    register("datanode", "a:1");
    clock.addAndGet(60_000);
    long leaderSince = clock.get();
    CommandReply r = reap(leaderSince);
    assertEquals(ErrorCode.OK, r.getCode(), "the defect expires at once what a correct reaper keeps");
  }

  @Test
  void anExpiryPlannedAtAnOldEpochIsRefusedAsStale() {
    open(Set.of());
    Session s = register("datanode", "a:1");
    ExpireSessions stale = ExpireSessions.newBuilder()
        .addExpire(ref(s).toBuilder().setEpoch(s.getEpoch() + 1)).setPlannedRevision(state.appliedIndex()).build();
    CommandReply r = run(stale);
    assertEquals(ErrorCode.STALE_EPOCH, r.getCode());
    assertEquals(SessionState.ACTIVE, list(false).getSessions(0).getState());
  }

  @Test
  void endedSessionsAreForgottenAfterRetention() {
    open(Set.of());
    assertEquals(ErrorCode.OK, run(SetSessionSettings.newBuilder()
        .setSettings(SessionSettings.newBuilder().setEndedRetentionMs(60_000)).build()).getCode());
    Session s = register("datanode", "a:1");
    run(RemoveSession.newBuilder().setSession(ref(s)).build());
    long since = clock.get();
    time += 59_000;
    assertEquals(null, reap(since));
    time += 2_000;
    assertEquals(ErrorCode.OK, reap(since).getCode());
    assertEquals(0, list(true).getSessionsCount());
  }

  @Test
  void settingsAreValidatedAndTheQuotaHolds() {
    open(Set.of());
    CommandReply bad = run(SetSessionSettings.newBuilder().setSettings(SessionSettings.newBuilder().setTtlMs(10)).build());
    assertEquals(ErrorCode.INVALID_ARGUMENT, bad.getCode());
    assertTrue(bad.getMessage().contains("ttl_ms must be between 1000 and 600000, got 10"), bad.getMessage());
    assertEquals(ErrorCode.OK, run(SetSessionSettings.newBuilder()
        .setSettings(SessionSettings.newBuilder().setMaxSessions(2)).build()).getCode());
    register("datanode", "a:1");
    register("datanode", "b:1");
    CommandReply over = run(RegisterSession.newBuilder().setRole("datanode").setAddress("c:1").build());
    assertEquals(ErrorCode.QUOTA_EXCEEDED, over.getCode());
    assertTrue(over.getMessage().contains("max_sessions 2"), over.getMessage());
  }

  @Test
  void stateAndSettingsSurviveAReopen() {
    open(Set.of());
    run(SetSessionSettings.newBuilder().setSettings(SessionSettings.newBuilder().setTtlMs(3_000)).build());
    Session a = register("datacoord", "a:1");
    Session b = register("datacoord", "b:1");
    SessionList before = list(true);
    state.close();
    open(Set.of());
    SessionList after = list(true);
    assertEquals(before.getSessionsList(), after.getSessionsList());
    assertEquals(3_000, after.getSettings().getTtlMs());
    assertEquals(SessionState.STANDBY, after.getSessions(1).getState());
    assertNotEquals(a.getServerId(), b.getServerId());
  }

  @Test
  void sessionEventsAreOnTheChangeFeedByDomainAndKind() throws Exception {
    open(Set.of());
    long from = state.appliedIndex() + 1;
    Session s = register("querynode", "a:1");
    run(StopSession.newBuilder().setSession(ref(s)).build());
    QueryReply r = state.watch(WatchQuery.newBuilder().setFromRevision(from).addDomains("session")
        .addKindNames("SESSION_STOPPING").build());
    List<ChangeEvent> events = r.getWatch().getEventsList();
    assertEquals(1, events.size());
    assertEquals("session", events.get(0).getDomain());
    assertEquals(s.getServerId(), events.get(0).getBody().unpack(SessionEvent.class).getSession().getServerId());
    QueryReply catalogOnly = state.watch(WatchQuery.newBuilder().setFromRevision(from).addDomains("catalog").build());
    assertEquals(0, catalogOnly.getWatch().getEventsCount());
  }
}
