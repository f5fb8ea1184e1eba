package io.raftcoord.server.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.server.chaos.QueryCoordRecords.CopySample;
import io.raftcoord.server.chaos.QueryCoordRecords.FinalLoad;
import io.raftcoord.server.chaos.QueryCoordRecords.NodeEvent;
import io.raftcoord.server.chaos.QueryCoordRecords.Obs;
import io.raftcoord.server.chaos.QueryCoordRecords.ObsKind;
import io.raftcoord.server.chaos.QueryCoordRecords.Op;
import io.raftcoord.server.chaos.QueryCoordRecords.Outcome;
import io.raftcoord.server.chaos.SessionChecker.Finding;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Hand-made querycoord histories that {@link QueryCoordChecker} must accept or reject.
 * {@link World#valid} is what a correct coordinator produces: a collection loaded with two
 * replicas on four nodes, observed every 100 ms, whose next target is promoted only once served;
 * each must-fail case breaks one thing and checks that the check naming it reports it (and only
 * it); the must-pass cases are situations a correct system produces that the checker must not
 * mistake for bugs (a halted node's segments unserved until they are placed again).
 */
class QueryCoordCheckerTest {
  private static final String C = "qc_main";
  private static final List<Long> REPLICAS = List.of(900L, 901L);
  private static final Set<Long> NODES = Set.of(11L, 12L, 13L, 14L);

  private static final class World {
    final List<Op> ops = new ArrayList<>();
    final List<Obs> obs = new ArrayList<>();
    final List<NodeEvent> events = new ArrayList<>();
    final List<CopySample> copies = new ArrayList<>();
    final List<FinalLoad> finals = new ArrayList<>();
    final List<String> finalErrors = new ArrayList<>();

    /** Nodes started at 0, the load at 4 s, LOADING until 4.5 s, version 1 then; a flush makes version 2 at 8 s. */
    static World valid() {
      World w = new World();
      NODES.forEach(n -> w.events.add(new NodeEvent("start", "qn" + n, n, 0)));
      for (double t = 100; t < 4000; t += 100) {
        w.obs.add(new Obs(C, t, t + 5, ObsKind.NOT_LOADED, 0, List.of(), Set.of(), NODES, Set.of(), Set.of()));
      }
      w.ops.add(new Op("load", C, 2, 4000, 4010, Outcome.OK, ""));
      for (double t = 4000; t < 4500; t += 100) {
        w.pending(t, NODES);
      }
      for (double t = 4500; t < 8000; t += 100) {
        w.plan(t, 1, NODES, Set.of(1L, 2L, 3L, 4L), Set.of());
      }
      for (double t = 8000; t < 12000; t += 100) {
        w.plan(t, 2, NODES, Set.of(1L, 2L, 3L, 4L, 5L, 6L), Set.of());
      }
      for (double t = 12000; t < 15000; t += 250) {
        w.copies.add(new CopySample(C, t, Map.of()));
      }
      w.finals.add(new FinalLoad(C, "LOADED", 12000));
      return w;
    }

    void pending(double t, Set<Long> nodes) {
      obs.add(new Obs(C, t, t + 5, ObsKind.PENDING, 0, REPLICAS, nodes, NODES, Set.of(), Set.of()));
    }

    void plan(double t, long version, Set<Long> nodes, Set<Long> segments, Set<Long> unserved) {
      obs.add(new Obs(C, t, t + 5, ObsKind.PLAN, version, REPLICAS, nodes, NODES, segments, unserved));
    }

    /** Replaces the observations in [from, to) by plans of {@code version} with {@code unserved}. */
    void replacePlans(double from, double to, long version, Set<Long> nodes, Set<Long> segments, Set<Long> unserved) {
      obs.removeIf(o -> o.invokeMs() >= from && o.invokeMs() < to);
      for (double t = from; t < to; t += 100) {
        plan(t, version, nodes, segments, unserved);
      }
      obs.sort(java.util.Comparator.comparingDouble(Obs::invokeMs));
    }

    QueryCoordRecords records() {
      return new QueryCoordRecords(ops, obs, events, copies, finals, finalErrors, 2000);
    }
  }

  private static List<Finding> check(World w) {
    return QueryCoordChecker.check(w.records());
  }

  private static void assertOnly(String check, List<Finding> findings) {
    assertFalse(findings.isEmpty(), "expected a " + check + " finding");
    findings.forEach(f -> assertEquals(check, f.check(), f.toString()));
  }

  @Test
  void aValidRunPasses() {
    List<Finding> f = check(World.valid());
    assertTrue(f.isEmpty(), f.toString());
    assertTrue(QueryCoordChecker.judged(World.valid().records()) > 50, "the unserved check judged too little");
    assertTrue(QueryCoordChecker.verdict("querycoord", 1, f).valid());
  }

  @Test
  void anAcknowledgedLoadNeverLoadedIsFound() {
    World w = World.valid();
    w.finals.set(0, new FinalLoad(C, "LOADING", 12000));
    assertOnly(QueryCoordChecker.NEVER_LOADED, check(w));
  }

  @Test
  void aLoadReleasedAfterwardsOrOfUnknownOutcomeNeedNotBeLoaded() {
    World w = World.valid();
    w.ops.add(new Op("release", C, 0, 10_000, 13_000, Outcome.UNKNOWN, "DEADLINE_EXCEEDED"));
    w.finals.set(0, new FinalLoad(C, "NOT_LOAD", 12000));
    assertTrue(check(w).isEmpty(), check(w).toString());
    World u = World.valid();
    u.ops.set(0, new Op("load", C, 2, 4000, 7000, Outcome.UNKNOWN, "DEADLINE_EXCEEDED"));
    u.finals.set(0, new FinalLoad(C, "NOT_LOAD", 12000));
    assertTrue(check(u).isEmpty(), check(u).toString());
    World refusedRelease = World.valid();
    refusedRelease.ops.add(new Op("release", C, 0, 10_000, 10_010, Outcome.REFUSED, "NOT_FOUND"));
    refusedRelease.finals.set(0, new FinalLoad(C, "NOT_LOAD", 12000));
    assertOnly(QueryCoordChecker.NEVER_LOADED, check(refusedRelease));
  }

  @Test
  void aTargetPromotedBeforeItIsServedIsFound() {
    // The planted bug: version 2 becomes current while segments 5 and 6 are only placed.
    World w = World.valid();
    w.replacePlans(8000, 8300, 2, NODES, Set.of(1L, 2L, 3L, 4L, 5L, 6L), Set.of(5L, 6L));
    List<Finding> f = check(w);
    assertOnly(QueryCoordChecker.UNSERVED, f);
    assertEquals(1, f.size(), f.toString());
    assertTrue(f.get(0).message().contains("[5, 6]"), f.get(0).message());
    assertTrue(QueryCoordChecker.violationSeen(w.records()));
  }

  @Test
  void aFirstLoadMarkedLoadedBeforeItIsServedIsFound() {
    World w = World.valid();
    w.replacePlans(4500, 4700, 1, NODES, Set.of(1L, 2L, 3L, 4L), Set.of(3L, 4L));
    assertOnly(QueryCoordChecker.UNSERVED, check(w));
  }

  @Test
  void unservedSegmentsAfterAHaltAreNotJudgedUntilTheNodesAreSettled() {
    // Node 14 halts at 6 s; its session expires at 8.2 s (it leaves the replicas); its segments
    // are unserved until 8.6 s, and a leader failover delays that to 11.5 s: the membership
    // changed after the promotion, so nothing is judged.
    World w = World.valid();
    w.events.add(new NodeEvent("halt", "qn14", 14, 6000));
    Set<Long> three = Set.of(11L, 12L, 13L);
    w.obs.replaceAll(o -> o.invokeMs() >= 6000 ? new Obs(o.collection(), o.invokeMs(), o.completeMs(), o.kind(),
        o.version(), o.replicaIds(), o.nodes(), three, o.segments(), o.unserved()) : o);
    w.replacePlans(8200, 11_500, 2, three, Set.of(1L, 2L, 3L, 4L, 5L, 6L), Set.of(4L));
    w.obs.replaceAll(o -> o.invokeMs() >= 8200 ? new Obs(o.collection(), o.invokeMs(), o.completeMs(), o.kind(),
        o.version(), o.replicaIds(), three, three, o.segments(), o.unserved()) : o);
    assertTrue(check(w).isEmpty(), check(w).toString());
  }

  @Test
  void unservedWhileANodeIsNotAliveIsNotJudged() {
    // Same membership across the promotion, but node 12 was halted (its session not yet expired):
    // within the TTL + margin after the halt nothing is judged.
    World w = World.valid();
    w.events.add(new NodeEvent("halt", "qn12", 12, 7000));
    w.replacePlans(8000, 8300, 2, NODES, Set.of(1L, 2L, 3L, 4L, 5L, 6L), Set.of(5L));
    assertTrue(check(w).isEmpty(), check(w).toString());
  }

  @Test
  void unservedAcrossAMembershipChangeIsNotJudged() {
    World w = World.valid();
    Set<Long> five = Set.of(11L, 12L, 13L, 14L, 15L);
    w.obs.replaceAll(o -> o.invokeMs() >= 7950 ? new Obs(o.collection(), o.invokeMs(), o.completeMs(), o.kind(),
        o.version(), o.replicaIds(), o.kind() == ObsKind.PLAN ? five : o.nodes(), five, o.segments(), o.unserved()) : o);
    w.replacePlans(8000, 8300, 2, five, Set.of(1L, 2L, 3L, 4L, 5L, 6L), Set.of(5L));
    // Version 1 seen with four nodes at 7.9 s, version 2 with five at 8.0 s: the promotion is not bracketed.
    w.obs.removeIf(o -> o.invokeMs() >= 7950 && o.invokeMs() < 8000);
    assertTrue(check(w).isEmpty(), check(w).toString());
  }

  @Test
  void twoCopiesInOneReplicaAfterSettlingAreFound() {
    World w = World.valid();
    w.copies.replaceAll(s -> new CopySample(C, s.atMs(), Map.of("replica 900 segment 3", List.of(11L, 12L))));
    assertOnly(QueryCoordChecker.TWO_COPIES, check(w));
  }

  @Test
  void twoCopiesOfAMoveInProgressPass() {
    World w = World.valid();
    w.copies.set(0, new CopySample(C, 12000, Map.of("replica 900 segment 3", List.of(11L, 12L))));
    w.copies.set(1, new CopySample(C, 12250, Map.of("replica 900 segment 3", List.of(11L, 12L))));
    assertTrue(check(w).isEmpty(), check(w).toString());
  }

  @Test
  void endPhaseReadsThatKeptFailingAreAFinding() {
    World w = World.valid();
    w.finalErrors.add("qc_main: only 1 of 12 distribution samples could be read");
    assertOnly(QueryCoordChecker.FINAL_READ, check(w));
  }
}
