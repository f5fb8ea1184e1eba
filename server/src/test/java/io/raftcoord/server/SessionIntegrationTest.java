package io.raftcoord.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.client.CatalogWatch;
import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.NodeAgent;
import io.raftcoord.client.SessionClient;
import io.raftcoord.proto.ChangeEvent;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.WatchQuery;
import io.raftcoord.proto.session.RegisterSession;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionEvent;
import io.raftcoord.proto.session.SessionEventKind;
import io.raftcoord.proto.session.SessionList;
import io.raftcoord.proto.session.SessionSettings;
import io.raftcoord.proto.session.SessionState;
import io.raftcoord.statemachine.version.ApplyVersions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Node sessions on three in-process replicas: heartbeats, leader changes, expiry, epochs, version gating. */
class SessionIntegrationTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final long TTL_MS = 3_000;
  private static final long HEARTBEAT_MS = 300;

  @TempDir Path dir;

  /** Session events of the feed, with the leader's stamp of the entry that made them. */
  record Seen(SessionEvent event, long nowMs) {}

  private static CatalogWatch watchSessions(CoordClient c, List<Seen> into) {
    return c.watch(WatchQuery.newBuilder().addDomains("session").build(), (events, next) -> {
      for (ChangeEvent e : events) {
        try {
          into.add(new Seen(e.getBody().unpack(SessionEvent.class), e.getNowMs()));
        } catch (InvalidProtocolBufferException ex) {
          throw new AssertionError(ex);
        }
      }
    });
  }

  @Test
  void aHundredSessionsSurviveALeaderStopAndSilentOnesExpireWithinTtlPlusOneSecond() throws Exception {
    try (LocalQuorum q = new LocalQuorum(dir, 10_000, 8 << 20);
         CoordClient c = CoordClient.builder().peers(q.peersString()).build()) {
      q.awaitLeader(WAIT);
      LocalQuorum.awaitVersionsReported(c, WAIT);
      c.sessions().setSettings(SessionSettings.newBuilder().setTtlMs(TTL_MS).build());
      List<Seen> events = new CopyOnWriteArrayList<>();
      Map<Long, Session> lost = new ConcurrentHashMap<>();
      List<NodeAgent> agents = new ArrayList<>();
      try (CatalogWatch w = watchSessions(c, events)) {
        for (int i = 0; i < 100; i++) {
          agents.add(NodeAgent.builder(c, i % 2 == 0 ? "datanode" : "querynode", "127.0.0.1:" + (40_000 + i))
              .heartbeatInterval(Duration.ofMillis(HEARTBEAT_MS)).listener(new NodeAgent.Listener() {
                @Override
                public void lost(Session s) {
                  lost.put(s.getServerId(), s);
                }
              }).start());
        }
        assertEquals(100, agents.stream().map(a -> a.session().getServerId()).distinct().count(), "unique server IDs");

        int leader = q.awaitLeader(WAIT);
        q.stop(leader);
        LocalQuorum.await(() -> q.leader().isPresent(), WAIT, "a new leader");
        // Two TTLs after the old leader's last heartbeat: everything is still alive.
        long until = System.nanoTime() + Duration.ofMillis(2 * TTL_MS + 1_000).toNanos();
        while (System.nanoTime() < until) {
          assertTrue(lost.isEmpty(), "sessions lost across a leader change: " + lost.keySet());
          Thread.sleep(100);
        }
        assertTrue(events.stream().noneMatch(e -> e.event().getKind() == SessionEventKind.SESSION_EXPIRED),
            "no session may expire while its node heartbeats");
        SessionList live = c.sessions().list("", false);
        assertEquals(100, live.getSessionsCount());
        String table = coordctl("--peers", q.peersString(), "nodes", "--role", "datanode");
        assertEquals(50, table.lines().filter(l -> l.startsWith("datanode ")).count(), table);
        assertTrue(table.contains("50 session(s); TTL 3000 ms"), table);
        q.start(leader);

        Map<Long, Long> haltedAt = new HashMap<>();
        for (NodeAgent a : agents.subList(0, 10)) {
          a.halt();
          haltedAt.put(a.session().getServerId(), System.currentTimeMillis());
        }
        LocalQuorum.await(() -> events.stream().filter(e -> e.event().getKind() == SessionEventKind.SESSION_EXPIRED)
            .count() >= 10, WAIT, "the ten silent sessions to expire");
        for (Seen e : events) {
          if (e.event().getKind() != SessionEventKind.SESSION_EXPIRED) {
            continue;
          }
          long id = e.event().getSession().getServerId();
          assertTrue(haltedAt.containsKey(id), "session " + id + " expired although its node heartbeats");
          long after = e.nowMs() - haltedAt.get(id);
          assertTrue(after <= TTL_MS + 1_000, "session " + id + " expired " + after + " ms after its node went silent");
          // Its last heartbeat left at most one interval before the halt.
          assertTrue(after >= TTL_MS - HEARTBEAT_MS - 100, "session " + id + " expired too early: " + after + " ms");
        }

        // A call at an old epoch is refused; the node must register again.
        Session expired = c.sessions().list("", true).getSessionsList().stream()
            .filter(s -> s.getState() == SessionState.EXPIRED).findFirst().orElseThrow();
        assertFalse(c.sessions().heartbeatAsync(SessionClient.ref(expired)).get());
        CoordException stale = assertThrows(CoordException.class, () -> c.sessions().stop(SessionClient.ref(expired)));
        assertEquals(ErrorCode.STALE_EPOCH, stale.code());
        assertEquals(90, c.sessions().list("", false).getSessionsCount());
        String all = coordctl("--peers", q.peersString(), "--json", "nodes");
        assertEquals(10, all.split("\"state\":\"EXPIRED\"", -1).length - 1, all);
      } finally {
        agents.forEach(NodeAgent::halt);
      }
    }
  }

  @Test
  void anAgentWhoseSessionEndedRegistersAgainAndStandbysTakeOver() throws Exception {
    try (LocalQuorum q = new LocalQuorum(dir, 10_000, 8 << 20);
         CoordClient c = CoordClient.builder().peers(q.peersString()).build()) {
      q.awaitLeader(WAIT);
      LocalQuorum.awaitVersionsReported(c, WAIT);
      c.sessions().setSettings(SessionSettings.newBuilder().setTtlMs(TTL_MS).build());
      List<Session> registered = new CopyOnWriteArrayList<>();
      List<Session> lost = new CopyOnWriteArrayList<>();
      try (NodeAgent a = NodeAgent.builder(c, "datacoord", "127.0.0.1:1").heartbeatInterval(Duration.ofMillis(HEARTBEAT_MS))
          .listener(new NodeAgent.Listener() {
            @Override
            public void registered(Session s) {
              registered.add(s);
            }

            @Override
            public void lost(Session s) {
              lost.add(s);
            }
          }).start();
           NodeAgent b = NodeAgent.builder(c, "datacoord", "127.0.0.1:2")
               .heartbeatInterval(Duration.ofMillis(HEARTBEAT_MS)).start()) {
        Session first = a.session();
        assertEquals(SessionState.ACTIVE, first.getState());
        assertEquals(SessionState.STANDBY, b.session().getState());

        // The session ends under the running agent: the standby takes over in the same entry, and
        // the agent learns it from its next heartbeat and registers again, now as the standby.
        c.sessions().remove(SessionClient.ref(first));
        assertEquals(SessionState.ACTIVE, state(c, b.session().getServerId()));
        LocalQuorum.await(() -> registered.size() == 2, WAIT, "the agent to register again");
        Session second = registered.get(1);
        assertEquals(List.of(first), lost);
        assertTrue(second.getServerId() != first.getServerId() && second.getEpoch() > first.getEpoch(), second.toString());
        assertEquals(SessionState.STANDBY, second.getState());
        assertEquals(ErrorCode.STALE_EPOCH, assertThrows(CoordException.class,
            () -> c.sessions().stop(SessionClient.ref(first))).code());

        // The active node goes silent: expired after the TTL, and the standby takes over.
        long silentAt = System.nanoTime();
        b.halt();
        LocalQuorum.await(() -> state(c, second.getServerId()) == SessionState.ACTIVE, WAIT, "the standby to take over");
        long tookMs = Duration.ofNanos(System.nanoTime() - silentAt).toMillis();
        assertTrue(tookMs >= TTL_MS - HEARTBEAT_MS - 100 && tookMs <= TTL_MS + 2_000, "took over after " + tookMs + " ms");
        assertEquals(1, c.sessions().list("datacoord", false).getSessionsList().stream()
            .filter(s -> s.getState() == SessionState.ACTIVE).count());
      }
    }
  }

  /** Runs coordctl in this JVM; its output, or an assertion error with its stderr. */
  private static String coordctl(String... args) {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    int code = io.raftcoord.tools.cli.Coordctl.run(args, new java.io.PrintWriter(out, true),
        new java.io.PrintWriter(err, true));
    assertEquals(0, code, err::toString);
    return out.toString();
  }

  private static SessionState state(CoordClient c, long serverId) {
    return c.sessions().list("", true).getSessionsList().stream().filter(s -> s.getServerId() == serverId)
        .map(Session::getState).findFirst().orElse(SessionState.SESSION_STATE_NONE);
  }

  @Test
  void sessionsAreRefusedWhileAMemberRunsABinaryWithoutThem() throws Exception {
    ApplyVersions before = new ApplyVersions(1, 2);
    try (LocalQuorum q = new LocalQuorum(dir, 10_000, 8 << 20, ApplyVersions.THIS_BINARY, ApplyVersions.THIS_BINARY, before);
         CoordClient c = CoordClient.builder().peers(q.peersString()).build()) {
      q.awaitLeader(WAIT);
      LocalQuorum.await(() -> c.admin().version().getReplicasCount() == 3, WAIT, "three reports");
      RegisterSession req = RegisterSession.newBuilder().setRole("datanode").setAddress("127.0.0.1:1").build();
      CoordException e = assertThrows(CoordException.class, () -> c.sessions().register(req));
      assertEquals(ErrorCode.FAILED_PRECONDITION, e.code(), e.toString());
      assertTrue(e.getMessage().contains("n3 supports 1..2"), e.getMessage());
      q.stop(3);
      q.start(3, ApplyVersions.THIS_BINARY);
      LocalQuorum.awaitVersionsReported(c, WAIT);
      assertEquals(SessionState.ACTIVE, c.sessions().register(req).getState());
      // The upgraded replica applies the session like the others.
      LocalQuorum.await(() -> q.replica(3).stateMachine().state() != null
          && q.replica(3).stateMachine().state().appliedIndex() >= q.replica(q.awaitLeader(WAIT)).stateMachine().state()
          .appliedIndex(), WAIT, "n3 to catch up");
    }
  }
}
