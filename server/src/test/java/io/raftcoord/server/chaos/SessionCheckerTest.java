package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.Steps.m;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionEventKind;
import io.raftcoord.proto.session.SessionState;
import io.raftcoord.server.chaos.SessionChecker.Finding;
import io.raftcoord.server.chaos.SessionRecords.Ack;
import io.raftcoord.server.chaos.SessionRecords.Agent;
import io.raftcoord.server.chaos.SessionRecords.FeedEvent;
import io.raftcoord.server.chaos.SessionRecords.Loss;
import io.raftcoord.server.chaos.SessionRecords.Registration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Hand-made session histories that {@link SessionChecker} must accept or reject. A small model
 * ({@link World}) writes what a correct quorum and its agents would report (acknowledgements
 * every second, a feed event per change); each must-fail case then breaks one thing and checks
 * that the check that names it reports it, and each must-pass case shows a situation a correct
 * system produces under faults that the checker must not mistake for a bug.
 */
class SessionCheckerTest {
  private static final long TTL = 4000;

  /** Agents, the feed and the fault windows of one run, all on the run clock (ms). */
  private static final class World {
    final Map<String, AgentBuilder> agents = new LinkedHashMap<>();
    final List<FeedEvent> feed = new ArrayList<>();
    final List<FaultWindows.Window> windows = new ArrayList<>();
    long revision = 10;
    long nextId = 100;
    boolean stampsTrusted = true;
    boolean feedComplete = true;
    double observedUntil = 120_000;

    AgentBuilder agent(String name, String role) {
      AgentBuilder a = new AgentBuilder(name, role);
      agents.put(name, a);
      return a;
    }

    /** A committed change stamped at {@code atMs}, received 20 ms later. */
    FeedEvent event(SessionEventKind kind, Session s, double atMs) {
      FeedEvent e = new FeedEvent(revision++, 0, kind, s, atMs, atMs + 20);
      feed.add(e);
      return e;
    }

    /** Registers {@code a} at {@code atMs}: a new server ID, the feed's ADDED, the agent's callback. */
    Session register(AgentBuilder a, double atMs, SessionState state) {
      Session s = Session.newBuilder().setServerId(nextId++).setRole(a.role).setAddress(a.address)
          .setEpoch(revision).setState(state).setExclusive(ExclusiveRoleCheck.EXCLUSIVE_ROLES.contains(a.role)).build();
      event(SessionEventKind.SESSION_ADDED, s, atMs);
      a.registrations.add(new Registration(s.getServerId(), s.getEpoch(), state, atMs + 5));
      a.acks.add(new Ack(s.getServerId(), atMs + 5));
      return s;
    }

    /** Acknowledged heartbeats of {@code s} every second in {@code [fromMs, toMs]}. */
    void heartbeats(AgentBuilder a, Session s, double fromMs, double toMs) {
      for (double t = fromMs; t <= toMs; t += 1000) {
        a.acks.add(new Ack(s.getServerId(), t));
      }
    }

    FeedEvent end(SessionEventKind kind, Session s, double atMs) {
      return event(kind, s.toBuilder().setState(kind == SessionEventKind.SESSION_EXPIRED ? SessionState.EXPIRED
          : SessionState.REMOVED).build(), atMs);
    }

    SessionRecords records() {
      List<Agent> out = new ArrayList<>();
      agents.values().forEach(a -> out.add(a.build()));
      return new SessionRecords(TTL, stampsTrusted, out, feed, feedComplete, windows, observedUntil);
    }

    List<Finding> check() {
      return SessionChecker.check(records());
    }
  }

  private static final class AgentBuilder {
    final String name;
    final String role;
    final String address;
    final List<Registration> registrations = new ArrayList<>();
    final List<Loss> losses = new ArrayList<>();
    final List<Ack> acks = new ArrayList<>();
    double haltMs = Double.NaN;

    AgentBuilder(String name, String role) {
      this.name = name;
      this.role = role;
      this.address = name + ":19530";
    }

    Agent build() {
      return new Agent(name, role, address, registrations, losses, acks, haltMs);
    }
  }

  private static List<String> checks(List<Finding> findings) {
    return findings.stream().map(Finding::check).toList();
  }

  /** A quorum that behaves, under a kill, a pause and a hand-over, with one crashed node. */
  private static World validRun() {
    World w = new World();
    AgentBuilder live = w.agent("w0", "querynode");
    Session s = w.register(live, 1000, SessionState.ACTIVE);
    w.heartbeats(live, s, 2000, 60_000);
    // A leader kill at 10 s: the new leader grants a full TTL, the agent reaches it 1.2 s later.
    w.windows.add(new FaultWindows.Window("kill", 10_000, 13_000));
    // A frozen leader woke at 24 s and answered heartbeats it had queued: a pause window.
    w.windows.add(new FaultWindows.Window("pause", 20_000, 26_000));

    AgentBuilder crashed = w.agent("h1", "querynode");
    Session c = w.register(crashed, 30_000, SessionState.ACTIVE);
    w.heartbeats(crashed, c, 31_000, 33_000);
    crashed.haltMs = 33_500;
    w.end(SessionEventKind.SESSION_EXPIRED, c, 33_000 + TTL + 400);

    AgentBuilder dc0 = w.agent("dc0", "datacoord");
    AgentBuilder dc1 = w.agent("dc1", "datacoord");
    Session a = w.register(dc0, 2000, SessionState.ACTIVE);
    Session b = w.register(dc1, 2100, SessionState.STANDBY);
    w.heartbeats(dc0, a, 3000, 40_000);
    w.heartbeats(dc1, b, 3100, 60_000);
    dc0.haltMs = 40_200;
    // One entry: the active expires and the standby takes over (ordinals 0 and 1).
    long rev = w.revision++;
    double at = 40_000 + TTL + 300;
    w.feed.add(new FeedEvent(rev, 0, SessionEventKind.SESSION_EXPIRED, a.toBuilder().setState(SessionState.EXPIRED)
        .build(), at, at + 20));
    w.feed.add(new FeedEvent(rev, 1, SessionEventKind.SESSION_ACTIVATED, b.toBuilder().setState(SessionState.ACTIVE)
        .build(), at, at + 20));
    return w;
  }

  @Test
  void aCorrectRunUnderFaultsIsValid() {
    World w = validRun();
    assertEquals(List.of(), w.check());
    Verdict v = SessionChecker.verdict("sessions", 10, w.check());
    assertTrue(v.valid());
    assertEquals("", v.smallestWindow());
  }

  @Test
  void aNewLeaderThatExpiresAHeartbeatingNodeAtOnceIsCaught() {
    World w = validRun();
    AgentBuilder a = w.agent("w1", "datanode");
    Session s = w.register(a, 1000, SessionState.ACTIVE);
    w.heartbeats(a, s, 1500, 9_500);
    // The leader is killed at 10 s; its successor is ready at 10.7 s and expires the session at once.
    w.end(SessionEventKind.SESSION_EXPIRED, s, 10_750);
    a.losses.add(new Loss(s.getServerId(), s.getEpoch(), 11_300));
    List<Finding> f = w.check();
    assertEquals(List.of(AliveExpiryCheck.EXPIRED, AliveExpiryCheck.LOST), checks(f), f.toString());
    assertTrue(f.get(0).message().contains("only 1270 ms after"), f.get(0).message());
    assertEquals(9_500, f.get(0).fromMs(), 0.01);
    assertEquals(10_770, f.get(0).toMs(), 0.01); // it arrived before stamp + tolerance
    assertTrue(f.get(1).message().contains("SESSION_EXPIRED"), f.get(1).message());

    Verdict v = SessionChecker.verdict("sessions", 10, f);
    assertFalse(v.valid());
    assertTrue(v.violations().get(0).startsWith(AliveExpiryCheck.EXPIRED + ": agent w1"), v.violations().toString());
    assertTrue(v.smallestWindow().startsWith(AliveExpiryCheck.EXPIRED + " [9.500 s .. 10.770 s]"), v.smallestWindow());
  }

  @Test
  void anExpiryAfterAFullTtlOfSilenceIsFine() {
    World w = validRun();
    AgentBuilder a = w.agent("w1", "datanode");
    Session s = w.register(a, 1000, SessionState.ACTIVE);
    w.heartbeats(a, s, 2000, 9_000);
    // No heartbeat got through after 9 s (say its client hung on the dead leader): expired 10.7 + TTL.
    w.end(SessionEventKind.SESSION_EXPIRED, s, 10_700 + TTL);
    a.losses.add(new Loss(s.getServerId(), s.getEpoch(), 15_000));
    assertEquals(List.of(), w.check());
    // TTL - margin after the acknowledgement is the line (the event arrives 20 ms after its stamp).
    double line = 9_000 + TTL - AliveExpiryCheck.MARGIN_MS - 20;
    assertEquals(List.of(), checks(expiredAt(line)));
    assertEquals(List.of(AliveExpiryCheck.EXPIRED), checks(expiredAt(line - 1)));
  }

  /** A valid run plus a node heartbeating until 9 s and expired at {@code stampMs}. */
  private static List<Finding> expiredAt(double stampMs) {
    World w = validRun();
    AgentBuilder b = w.agent("w1", "datanode");
    Session t = w.register(b, 1000, SessionState.ACTIVE);
    w.heartbeats(b, t, 2000, 9_000);
    w.end(SessionEventKind.SESSION_EXPIRED, t, stampMs);
    return w.check();
  }

  @Test
  void acknowledgementsWhileADeposedLeaderMayAnswerDoNotCount() {
    World w = validRun();
    AgentBuilder a = w.agent("w1", "datanode");
    Session s = w.register(a, 1000, SessionState.ACTIVE);
    w.heartbeats(a, s, 2000, 19_000);
    // The frozen leader (pause window 20-26 s) woke at 24 s and acknowledged a queued heartbeat;
    // its successor had never heard the node and expired it at 25 s, rightly.
    a.acks.add(new Ack(s.getServerId(), 24_000));
    w.end(SessionEventKind.SESSION_EXPIRED, s, 25_000);
    assertEquals(List.of(), w.check());
    // The same acknowledgement outside any disturbance would have been from the real leader.
    w.windows.removeIf(x -> x.fault().equals("pause"));
    assertEquals(List.of(AliveExpiryCheck.EXPIRED), checks(w.check()));
  }

  @Test
  void withoutTrustedStampsTheArrivalTimeJudges() {
    World w = validRun();
    w.stampsTrusted = false;
    AgentBuilder a = w.agent("w1", "datanode");
    Session s = w.register(a, 1000, SessionState.ACTIVE);
    w.heartbeats(a, s, 2000, 9_000);
    // Stamped "at 9.5 s" by a leader whose clock was set back; it arrived only at 15 s.
    w.feed.add(new FeedEvent(w.revision++, 0, SessionEventKind.SESSION_EXPIRED,
        s.toBuilder().setState(SessionState.EXPIRED).build(), 9_500, 15_000));
    assertEquals(List.of(), w.check());
    w.stampsTrusted = true;
    assertEquals(List.of(AliveExpiryCheck.EXPIRED), checks(w.check()));
  }

  @Test
  void aHaltedNodeMustBeExpiredWithinTheTtlOfAWholeQuorum() {
    World w = validRun();
    AgentBuilder a = w.agent("h2", "querynode");
    Session s = w.register(a, 45_000, SessionState.ACTIVE);
    w.heartbeats(a, s, 46_000, 48_000);
    a.haltMs = 48_300;
    // Never expired, and the feed is known well past the deadline 48.3 + 4 + 2 s.
    List<Finding> f = w.check();
    assertEquals(List.of(HaltedExpiryCheck.NAME), checks(f));
    assertTrue(f.get(0).message().contains("had still not ended"), f.get(0).message());
    // Not judged while the feed is known only up to before the deadline.
    w.observedUntil = 54_000;
    assertEquals(List.of(), w.check());
    assertEquals(48_300 + TTL + HaltedExpiryCheck.SLACK_MS, HaltedExpiryCheck.latestPending(w.records())
        .getAsDouble(), 0.01);
    // Expired late.
    w.observedUntil = 120_000;
    w.end(SessionEventKind.SESSION_EXPIRED, s, 48_300 + TTL + HaltedExpiryCheck.SLACK_MS + 500);
    f = w.check();
    assertEquals(List.of(HaltedExpiryCheck.NAME), checks(f));
    assertTrue(f.get(0).message().contains("came only at"), f.get(0).message());
    assertTrue(HaltedExpiryCheck.latestPending(w.records()).isEmpty());
  }

  @Test
  void aHeartbeatInFlightAtTheHaltAndFaultsAfterItMoveTheDeadline() {
    World w = validRun();
    AgentBuilder a = w.agent("h2", "querynode");
    Session s = w.register(a, 45_000, SessionState.ACTIVE);
    w.heartbeats(a, s, 46_000, 48_000);
    a.haltMs = 48_300;
    a.acks.add(new Ack(s.getServerId(), 48_700)); // the heartbeat in flight at the halt
    // A kill 3 s later: the new leader grants a full TTL again from when the quorum is whole (56 s).
    w.windows.add(new FaultWindows.Window("kill", 51_700, 56_000));
    w.end(SessionEventKind.SESSION_EXPIRED, s, 56_000 + TTL + 1500);
    assertEquals(List.of(), w.check());
    assertEquals(56_000 + TTL + HaltedExpiryCheck.SLACK_MS, HaltedExpiryCheck.due(w.records()).stream()
        .filter(d -> d.serverId() == s.getServerId()).findFirst().orElseThrow().deadlineMs(), 0.01);
  }

  @Test
  void deadlinesSkipDisturbedStretches() {
    double slack = HaltedExpiryCheck.SLACK_MS;
    List<FaultWindows.Window> ws = List.of(new FaultWindows.Window("kill", 10_000, 12_000),
        new FaultWindows.Window("pause", 20_000, 25_000), new FaultWindows.Window("partition", 40_000,
            Double.POSITIVE_INFINITY));
    assertEquals(1000 + TTL + slack, HaltedExpiryCheck.deadline(1000, ws, TTL), 0.01);
    assertEquals(12_000 + TTL + slack, HaltedExpiryCheck.deadline(5000, ws, TTL), 0.01); // the kill cut in
    assertEquals(12_000 + TTL + slack, HaltedExpiryCheck.deadline(11_000, ws, TTL), 0.01); // halted during it
    assertEquals(25_000 + TTL + slack, HaltedExpiryCheck.deadline(16_000, ws, TTL), 0.01); // 16-20 s is too short
    assertTrue(Double.isInfinite(HaltedExpiryCheck.deadline(35_000, ws, TTL))); // never whole again
  }

  @Test
  void aRegistrationWhoseAnswerWasLostMustExpireToo() {
    World w = validRun();
    AgentBuilder a = w.agent("h3", "querynode");
    a.haltMs = 50_000; // its registration failed at 50 s: no callback, but the session was made
    Session orphan = Session.newBuilder().setServerId(w.nextId++).setRole("querynode").setAddress(a.address)
        .setEpoch(w.revision).setState(SessionState.ACTIVE).build();
    w.event(SessionEventKind.SESSION_ADDED, orphan, 49_900);
    assertEquals(List.of(HaltedExpiryCheck.NAME), checks(w.check()));
    w.end(SessionEventKind.SESSION_EXPIRED, orphan, 49_900 + TTL + 300);
    assertEquals(List.of(), w.check());
  }

  @Test
  void serverIdsAreUniqueAndAcknowledgedRegistrationsAreInTheFeed() {
    World w = validRun();
    AgentBuilder a = w.agent("w5", "querynode");
    Session s = w.register(a, 5000, SessionState.ACTIVE);
    w.heartbeats(a, s, 6000, 60_000);
    AgentBuilder b = w.agent("w6", "querynode");
    // The same server ID handed to another node.
    Session dup = s.toBuilder().setAddress(b.address).setEpoch(w.revision).build();
    w.event(SessionEventKind.SESSION_ADDED, dup, 7000);
    b.registrations.add(new Registration(dup.getServerId(), dup.getEpoch(), SessionState.ACTIVE, 7005));
    List<String> c = checks(w.check());
    assertTrue(c.size() >= 3 && c.stream().allMatch(ServerIdCheck.DUPLICATE::equals), c.toString());

    World lost = validRun();
    AgentBuilder x = lost.agent("w7", "querynode");
    x.registrations.add(new Registration(999, 77, SessionState.ACTIVE, 8000));
    assertEquals(List.of(ServerIdCheck.MISSING), checks(lost.check()));
    lost.feedComplete = false; // then the feed proves nothing missing, but says it is incomplete
    assertEquals(List.of(SessionChecker.FEED_INCOMPLETE), checks(lost.check()));
  }

  @Test
  void anExclusiveRoleNeverHasTwoActiveSessions() {
    World w = validRun();
    AgentBuilder dc2 = w.agent("dc2", "datacoord");
    Session c = w.register(dc2, 3000, SessionState.STANDBY);
    w.heartbeats(dc2, c, 4000, 60_000);
    // A standby activated while dc1 (active since 44.6 s) is still active.
    w.event(SessionEventKind.SESSION_ACTIVATED, c.toBuilder().setState(SessionState.ACTIVE).build(), 50_000);
    List<Finding> f = w.check();
    assertEquals(List.of(ExclusiveRoleCheck.NAME), checks(f));
    assertTrue(f.get(0).message().contains("role datacoord has 2 ACTIVE sessions"), f.get(0).message());

    // An entry that activates the standby before it expires the active one applies as a whole:
    // the role is never seen with both active.
    World one = validRun();
    List<FeedEvent> swapped = new ArrayList<>();
    for (FeedEvent e : one.feed) {
      boolean handover = e.kind() == SessionEventKind.SESSION_ACTIVATED
          || e.kind() == SessionEventKind.SESSION_EXPIRED && e.session().getRole().equals("datacoord");
      swapped.add(handover ? new FeedEvent(e.revision(), 1 - e.ordinal(), e.kind(), e.session(), e.stampMs(),
          e.receivedMs()) : e);
    }
    one.feed.clear();
    one.feed.addAll(swapped);
    assertEquals(List.of(), one.check());
  }

  @Test
  void aFeedThatNeverCaughtUpIsReported() {
    World w = validRun();
    w.observedUntil = Double.NEGATIVE_INFINITY;
    assertEquals(List.of(SessionChecker.FEED_BEHIND), checks(w.check()));
  }

  @Test
  void faultWindowsRunFromABeginToTheNextWholeCluster() {
    List<Timeline.Event> events = List.of(
        new Timeline.Event(100, "run", "start", m()),
        new Timeline.Event(1000, "kill", "begin", m("n", 1)),
        new Timeline.Event(1500, "kill", "kill9", m("replica", 2)),
        new Timeline.Event(4000, "kill", "end", m()),
        new Timeline.Event(4500, "heal", "whole", m("why", "after kill")),
        new Timeline.Event(7000, "heal", "whole", m("why", "at the end")),
        new Timeline.Event(8000, "pause", "begin", m("n", 1)),
        new Timeline.Event(9000, "clock", "begin", m("n", 1)));
    List<FaultWindows.Window> ws = FaultWindows.from(events);
    assertEquals(List.of(new FaultWindows.Window("kill", 1000, 4500), new FaultWindows.Window("pause", 8000, 9000),
        new FaultWindows.Window("clock", 9000, Double.POSITIVE_INFINITY)), ws);
    assertTrue(ws.get(0).covers(5400, 1000));
    assertFalse(ws.get(0).covers(5600, 1000));
    assertTrue(FaultWindows.clockMoved(events));
    assertFalse(FaultWindows.clockMoved(events.subList(0, 7)));
  }
}
