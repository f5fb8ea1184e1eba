package io.raftcoord.statemachine.querycoord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.querycoord.Balancer;
import io.raftcoord.proto.querycoord.ChannelPlace;
import io.raftcoord.proto.querycoord.QueryCoordSettings;
import io.raftcoord.proto.querycoord.SegmentPlace;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * {@link PlacementPlanner} on hand-built {@link ReplicaView}s of one replica of one collection:
 * initial placement, delegators, balancing to a fixpoint, joins and leaves, drains, retries of
 * timed-out placements, and that nothing moves while the replica is unsettled.
 */
class PlacementPlannerTest {
  private static final long REPLICA = 100;
  private static final long COLLECTION = 7;
  private static final QueryCoordSettings SETTINGS =
      QueryCoordSettingsDefaults.effective(QueryCoordSettings.getDefaultInstance());

  /** A mutable replica: nodes, and segments/channels with their placement state; builds views. */
  private static final class Model {
    final TreeMap<Long, Boolean> nodes = new TreeMap<>(); // id -> stopping
    final LinkedHashMap<Long, ReplicaView.Item> segments = new LinkedHashMap<>();
    final LinkedHashMap<String, ReplicaView.Item> channels = new LinkedHashMap<>();

    Model nodes(long... ids) {
      for (long id : ids) {
        nodes.put(id, false);
      }
      return this;
    }

    Model seg(long id, long rows, long node) {
      segments.put(id, new ReplicaView.Item(id, "", rows, node, node, node != 0, false, 0, 0));
      return this;
    }

    Model chan(String name, long node) {
      channels.put(name, new ReplicaView.Item(0, name, 0, node, node, node != 0, false, 0, 0));
      return this;
    }

    long rowsOn(long node) {
      return segments.values().stream().filter(i -> i.node() == node).mapToLong(ReplicaView.Item::rows).sum();
    }

    ReplicaView view() {
      List<ReplicaView.Node> ns = new ArrayList<>();
      nodes.forEach((id, stopping) -> ns.add(new ReplicaView.Node(id, stopping, rowsOn(id),
          (int) channels.values().stream().filter(c -> c.node() == id).count())));
      // A placement on a node that left the replica shows as missing (node 0), as ReplicaViews does.
      List<ReplicaView.Item> segs = segments.values().stream().map(i -> nodes.containsKey(i.node()) ? i
          : new ReplicaView.Item(i.id(), i.name(), i.rows(), 0, i.stored(), false, false, i.placedMs(), i.attempts()))
          .toList();
      List<ReplicaView.Item> chans = channels.values().stream().map(i -> nodes.containsKey(i.node()) ? i
          : new ReplicaView.Item(0, i.name(), 0, 0, i.stored(), false, false, i.placedMs(), i.attempts())).toList();
      return new ReplicaView(REPLICA, COLLECTION, ns, segs, chans);
    }

    /** Applies steps as if each new node had loaded and served at once (moves finished). */
    void apply(PlacementPlanner.Steps steps) {
      for (SegmentPlace p : steps.segments()) {
        ReplicaView.Item i = segments.get(p.getSegmentId());
        assertEquals(i.stored(), p.getExpectedNodeId(), "a step names the stored placement");
        seg(i.id(), i.rows(), p.getNodeId());
      }
      for (ChannelPlace p : steps.channels()) {
        assertEquals(channels.get(p.getChannel()).stored(), p.getExpectedNodeId());
        chan(p.getChannel(), p.getNodeId());
      }
    }

    Map<Long, Long> placement() {
      Map<Long, Long> out = new TreeMap<>();
      segments.forEach((id, i) -> out.put(id, i.node()));
      return out;
    }
  }

  private static QueryCoordSettings with(Balancer b) {
    return SETTINGS.toBuilder().setBalancer(b).build();
  }

  private static SegmentBalancer balancerOf(QueryCoordSettings s) {
    return SegmentBalancer.of(s);
  }

  private static PlacementPlanner.Steps check(Model m, QueryCoordSettings s, long now) {
    return PlacementPlanner.check(m.view(), s, balancerOf(s), now);
  }

  private static PlacementPlanner.Steps balance(Model m, QueryCoordSettings s) {
    return PlacementPlanner.balance(m.view(), s, balancerOf(s), true);
  }

  private static Map<Long, Long> targets(PlacementPlanner.Steps steps) {
    Map<Long, Long> out = new TreeMap<>();
    steps.segments().forEach(p -> out.put(p.getSegmentId(), p.getNodeId()));
    return out;
  }

  private static void assertNoSegmentTwice(PlacementPlanner.Steps steps) {
    Set<Long> seen = new HashSet<>();
    for (SegmentPlace p : steps.segments()) {
      assertEquals(REPLICA, p.getReplicaId());
      assertTrue(seen.add(p.getSegmentId()), () -> "segment " + p.getSegmentId() + " planned twice: " + steps);
    }
    Set<String> chans = new HashSet<>();
    for (ChannelPlace p : steps.channels()) {
      assertTrue(chans.add(p.getChannel()), () -> "channel " + p.getChannel() + " planned twice: " + steps);
    }
  }

  // ---- initial placement ----

  @ParameterizedTest
  @EnumSource(value = Balancer.class, names = {"ROW_COUNT", "SCORE_BASED"})
  void initialPlacementIsGreedyLargestFirst(Balancer b) {
    Model m = new Model().nodes(1, 2, 3);
    long[] rows = {60, 50, 40, 30, 20, 10};
    for (int i = 0; i < rows.length; i++) {
      m.seg(i + 1, rows[i], 0);
    }
    PlacementPlanner.Steps steps = check(m, with(b), 0);
    // 60→1, 50→2, 40→3, 30→3 (40), 20→2 (50), 10→1 (60): 70 rows on each node.
    assertEquals(Map.of(1L, 1L, 2L, 2L, 3L, 3L, 4L, 3L, 5L, 2L, 6L, 1L), targets(steps));
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), steps.segments().stream().map(SegmentPlace::getSegmentId).toList());
    for (SegmentPlace p : steps.segments()) {
      assertEquals(0, p.getExpectedNodeId());
      assertFalse(p.getMove(), "a first placement is not a move");
    }
    assertNoSegmentTwice(steps);
  }

  @Test
  void roundRobinPlacesByCountWhateverTheSize() {
    Model m = new Model().nodes(1, 2).seg(1, 1000, 0).seg(2, 10, 0).seg(3, 10, 0).seg(4, 10, 0);
    // 1000→1, 10→2, 10→1 (1 each: lower id), 10→2.
    assertEquals(Map.of(1L, 1L, 2L, 2L, 3L, 1L, 4L, 2L), targets(check(m, with(Balancer.ROUND_ROBIN), 0)));
  }

  @Test
  void delegatorsArePlacedFirstAndSpreadOverTheNodes() {
    Model m = new Model().nodes(1, 2, 3).chan("c0", 0).chan("c1", 0).chan("c2", 0).chan("c3", 0).seg(1, 10, 0);
    PlacementPlanner.Steps steps = check(m, SETTINGS, 0);
    Map<Long, Integer> per = new TreeMap<>();
    steps.channels().forEach(c -> per.merge(c.getNodeId(), 1, Integer::sum));
    assertEquals(Map.of(1L, 2, 2L, 1, 3L, 1), per, steps.channels().toString());
    assertEquals(List.of(1L, 2L, 3L, 1L), steps.channels().stream().map(ChannelPlace::getNodeId).toList());
    assertEquals(1, steps.segments().size());

    // A node already running delegators of other collections is chosen last on a tie.
    Model busy = new Model().nodes(1, 2).chan("c0", 0).chan("other", 1);
    busy.channels.remove("other");
    ReplicaView v = busy.view();
    ReplicaView withGlobal = new ReplicaView(v.replicaId(), v.collectionId(),
        List.of(new ReplicaView.Node(1, false, 0, 3), new ReplicaView.Node(2, false, 0, 0)), v.segments(), v.channels());
    assertEquals(2, PlacementPlanner.check(withGlobal, SETTINGS, balancerOf(SETTINGS), 0).channels().get(0).getNodeId());
  }

  @Test
  void balanceEvensDelegatorsOneChannelARound() {
    Model m = new Model().nodes(1, 2).chan("c0", 1).chan("c1", 1).chan("c2", 1).seg(1, 10, 1).seg(2, 10, 2);
    PlacementPlanner.Steps steps = balance(m, SETTINGS);
    assertEquals(1, steps.channels().size(), "balance_channels_per_round = 1");
    assertEquals(2, steps.channels().get(0).getNodeId());
    assertTrue(steps.channels().get(0).getMove());
    assertEquals(List.of(), steps.segments(), "a round that moves channels moves no segments");
  }

  // ---- balancing ----

  @ParameterizedTest
  @EnumSource(value = Balancer.class, names = {"ROW_COUNT", "SCORE_BASED"})
  void balanceRoundsReachAFixpointWithEveryNodeNearTheMean(Balancer b) {
    QueryCoordSettings s = with(b);
    Model m = new Model().nodes(1, 2, 3);
    for (int i = 1; i <= 18; i++) {
      m.seg(i, 10 + 5L * (i % 4), 1);
    }
    long total = m.rowsOn(1);
    int rounds = 0;
    while (true) {
      PlacementPlanner.Steps steps = balance(m, s);
      assertNoSegmentTwice(steps);
      assertTrue(steps.segments().size() <= s.getBalanceSegmentsPerRound(), steps.toString());
      if (steps.isEmpty()) {
        break;
      }
      for (SegmentPlace p : steps.segments()) {
        assertTrue(p.getMove(), "a balance step is a move");
        assertNotEquals(p.getExpectedNodeId(), p.getNodeId());
      }
      m.apply(steps);
      assertTrue(++rounds < 30, "balance did not settle: " + m.placement());
    }
    assertTrue(rounds >= 2, "18 segments on one node take more than one round of 5: " + rounds);
    double mean = total / 3.0;
    long largest = 25;
    for (long n = 1; n <= 3; n++) {
      long node = n;
      long rows = m.rowsOn(node);
      assertTrue(Math.abs(rows - mean) <= largest * ScoreBalancer.SEGMENT_FACTOR * 2,
          () -> "node " + node + " has " + rows + " rows, mean " + mean + ": " + m.placement());
    }
    assertEquals(total, m.rowsOn(1) + m.rowsOn(2) + m.rowsOn(3));
  }

  @Test
  void aJoiningNodeOnlyReceivesAtMostFiveMovesARound() {
    Model m = new Model().nodes(1, 2);
    for (int i = 1; i <= 20; i++) {
      m.seg(i, 10, i % 2 == 0 ? 1 : 2);
    }
    assertEquals(List.of(), balance(m, SETTINGS).segments(), "balanced on two nodes");
    m.nodes(3);
    Map<Long, Long> before = m.placement();
    PlacementPlanner.Steps steps = balance(m, SETTINGS);
    assertFalse(steps.segments().isEmpty());
    assertTrue(steps.segments().size() <= SETTINGS.getBalanceSegmentsPerRound());
    for (SegmentPlace p : steps.segments()) {
      assertEquals(3, p.getNodeId(), "only moves toward the new node: " + steps);
      assertEquals(before.get(p.getSegmentId()), p.getExpectedNodeId());
    }
    assertNoSegmentTwice(steps);
    // The checker has nothing to do: everything is placed and served.
    assertTrue(check(m, SETTINGS, 1_000_000).isEmpty());
  }

  @Test
  void aLeavingNodeOnlyHasItsSegmentsReplaced() {
    Model m = new Model().nodes(1, 2, 3).chan("c0", 2).chan("c1", 3);
    for (int i = 1; i <= 9; i++) {
      m.seg(i, 10L * i, 1 + i % 3);
    }
    m.nodes.remove(2L);
    PlacementPlanner.Steps steps = check(m, SETTINGS, 0);
    Set<Long> wasOn2 = new TreeSet<>();
    m.segments.forEach((id, i) -> {
      if (i.node() == 2) {
        wasOn2.add(id);
      }
    });
    assertEquals(wasOn2, targets(steps).keySet(), "exactly the segments of the node that left");
    for (SegmentPlace p : steps.segments()) {
      assertNotEquals(2, p.getNodeId());
      assertEquals(2, p.getExpectedNodeId(), "the step names the stored (now invalid) placement");
      assertFalse(p.getMove());
    }
    assertEquals(List.of("c0"), steps.channels().stream().map(ChannelPlace::getChannel).toList());
    assertNotEquals(2, steps.channels().get(0).getNodeId());
    assertNoSegmentTwice(steps);
    // While those are being placed the balancer waits.
    assertTrue(balance(m, SETTINGS).isEmpty());
  }

  @Test
  void aStoppingNodeIsDrainedToNonStoppingNodes() {
    Model m = new Model().nodes(1, 2, 3, 4).chan("c0", 1).chan("c1", 2);
    for (int i = 1; i <= 8; i++) {
      m.seg(i, 10L + i, 1 + i % 4);
    }
    m.nodes.put(1L, true);
    m.nodes.put(4L, true);
    PlacementPlanner.Steps steps = PlacementPlanner.balance(m.view(), SETTINGS, balancerOf(SETTINGS), false);
    Set<Long> onStopping = new TreeSet<>();
    m.segments.forEach((id, i) -> {
      if (i.node() == 1 || i.node() == 4) {
        onStopping.add(id);
      }
    });
    assertEquals(onStopping, targets(steps).keySet(), "every segment of a stopping node moves (even when not normal)");
    for (SegmentPlace p : steps.segments()) {
      assertTrue(p.getNodeId() == 2 || p.getNodeId() == 3, p.toString());
      assertTrue(p.getMove(), "a drain keeps the old node serving");
    }
    assertEquals(List.of("c0"), steps.channels().stream().map(ChannelPlace::getChannel).toList());
    assertTrue(steps.channels().get(0).getNodeId() == 3, "fewest delegators: " + steps.channels());
    assertTrue(steps.channels().get(0).getMove());
    assertNoSegmentTwice(steps);
    // Nothing is placed on a stopping node by the checker either.
    Model fresh = new Model().nodes(1, 2).seg(1, 10, 0).seg(2, 10, 0).chan("c", 0);
    fresh.nodes.put(1L, true);
    PlacementPlanner.Steps placed = check(fresh, SETTINGS, 0);
    placed.segments().forEach(p -> assertEquals(2, p.getNodeId()));
    placed.channels().forEach(p -> assertEquals(2, p.getNodeId()));
    // All nodes stopping: nothing to plan.
    fresh.nodes.put(2L, true);
    assertTrue(check(fresh, SETTINGS, 0).isEmpty());
    assertTrue(PlacementPlanner.balance(fresh.view(), SETTINGS, balancerOf(SETTINGS), true).isEmpty());
  }

  @Test
  void aDrainDoesNotWaitForTheRestOfTheReplicaButLeavesMovesInFlightAlone() {
    Model m = new Model().nodes(1, 2, 3).seg(1, 10, 1).seg(2, 20, 1).seg(3, 30, 2);
    m.segments.put(4L, new ReplicaView.Item(4, "", 40, 3, 3, false, false, 0, 0));  // still loading on 3
    m.segments.put(5L, new ReplicaView.Item(5, "", 50, 1, 1, true, true, 0, 0));    // moving onto 1
    m.nodes.put(1L, true);
    PlacementPlanner.Steps steps = PlacementPlanner.balance(m.view(), SETTINGS, balancerOf(SETTINGS), true);
    assertEquals(Set.of(1L, 2L), targets(steps).keySet(), "segments 1 and 2 leave node 1; 5 is mid-move");
  }

  @Test
  void aMoveWhoseNewNodeAlreadyServesTheSegmentIsEnded() {
    Model m = new Model().nodes(1, 2).seg(1, 10, 1);
    // Segment 2 was moved from node 1 to node 2, which held it already: no report will end the move.
    m.segments.put(2L, new ReplicaView.Item(2, "", 10, 2, 2, true, true, 0, 0, true));
    m.segments.put(3L, new ReplicaView.Item(3, "", 10, 2, 2, true, true, 0, 0, false));  // still loading on 2
    PlacementPlanner.Steps steps = check(m, SETTINGS, 0);
    assertEquals(1, steps.segments().size(), steps.toString());
    SegmentPlace end = steps.segments().get(0);
    assertEquals(2, end.getSegmentId());
    assertEquals(2, end.getNodeId(), "to the node it is on");
    assertEquals(2, end.getExpectedNodeId());
    assertTrue(end.getMove());
  }

  @Test
  void aDrainIsCappedByDrainSegmentsPerRound() {
    Model m = new Model().nodes(1, 2);
    for (int i = 1; i <= 10; i++) {
      m.seg(i, 10, 1);
    }
    m.nodes.put(1L, true);
    QueryCoordSettings s = SETTINGS.toBuilder().setDrainSegmentsPerRound(3).build();
    assertEquals(3, PlacementPlanner.balance(m.view(), s, balancerOf(s), false).segments().size());
  }

  // ---- retries ----

  private static Model pending(long node, long placedMs, int attempts) {
    Model m = new Model().nodes(1, 2, 3).seg(2, 10, 2).seg(3, 10, 3);
    m.segments.put(1L, new ReplicaView.Item(1, "", 10, node, node, false, false, placedMs, attempts));
    return m;
  }

  @Test
  void aTimedOutPlacementIsRetriedOnAnotherNode() {
    long timeout = SETTINGS.getSegmentTaskTimeoutMs();
    assertTrue(check(pending(1, 1_000, 0), SETTINGS, 1_000 + timeout - 1).isEmpty(), "not yet timed out");
    PlacementPlanner.Steps steps = check(pending(1, 1_000, 0), SETTINGS, 1_000 + timeout);
    assertEquals(1, steps.segments().size());
    SegmentPlace p = steps.segments().get(0);
    assertEquals(1, p.getSegmentId());
    assertEquals(1, p.getExpectedNodeId());
    assertNotEquals(1, p.getNodeId(), "retried on a different node");
    assertFalse(p.getMove());
    // Once attempts reach task_max_retries it waits for the load timeout.
    assertTrue(check(pending(1, 1_000, SETTINGS.getTaskMaxRetries()), SETTINGS, 1_000 + 10 * timeout).isEmpty());
    assertEquals(1, check(pending(1, 1_000, SETTINGS.getTaskMaxRetries() - 1), SETTINGS, 1_000 + timeout)
        .segments().size());
  }

  @Test
  void aTimedOutChannelIsRetriedOnAnotherNode() {
    Model m = new Model().nodes(1, 2);
    m.channels.put("c", new ReplicaView.Item(0, "c", 0, 1, 1, false, false, 0, 0));
    assertTrue(check(m, SETTINGS, SETTINGS.getChannelTaskTimeoutMs() - 1).isEmpty());
    PlacementPlanner.Steps steps = check(m, SETTINGS, SETTINGS.getChannelTaskTimeoutMs());
    assertEquals(1, steps.channels().size());
    assertEquals(2, steps.channels().get(0).getNodeId());
    assertEquals(1, steps.channels().get(0).getExpectedNodeId());
    m.channels.put("c", new ReplicaView.Item(0, "c", 0, 1, 1, false, false, 0, SETTINGS.getTaskMaxRetries()));
    assertTrue(check(m, SETTINGS, 10 * SETTINGS.getChannelTaskTimeoutMs()).isEmpty());
  }

  @Test
  void aMovingSegmentIsNotRetried() {
    Model m = new Model().nodes(1, 2);
    m.segments.put(1L, new ReplicaView.Item(1, "", 10, 1, 1, false, true, 0, 0));
    assertTrue(check(m, SETTINGS, 10 * SETTINGS.getSegmentTaskTimeoutMs()).isEmpty());
  }

  // ---- settledness and determinism ----

  @Test
  void balanceDoesNothingWhileTheReplicaIsUnsettled() {
    Model m = new Model().nodes(1, 2, 3);
    for (int i = 1; i <= 9; i++) {
      m.seg(i, 10, 1);
    }
    assertFalse(balance(m, SETTINGS).isEmpty(), "settled and unbalanced: moves");
    Model unserved = new Model().nodes(1, 2, 3);
    m.segments.forEach((id, i) -> unserved.segments.put(id, i));
    unserved.segments.put(9L, new ReplicaView.Item(9, "", 10, 1, 1, false, false, 0, 0));
    assertTrue(balance(unserved, SETTINGS).isEmpty(), "a segment not served yet");
    Model moving = new Model().nodes(1, 2, 3);
    m.segments.forEach((id, i) -> moving.segments.put(id, i));
    moving.segments.put(9L, new ReplicaView.Item(9, "", 10, 2, 2, true, true, 0, 0));
    assertTrue(balance(moving, SETTINGS).isEmpty(), "a move under way");
    Model missing = new Model().nodes(1, 2, 3);
    m.segments.forEach((id, i) -> missing.segments.put(id, i));
    missing.seg(10, 10, 0);
    assertTrue(balance(missing, SETTINGS).isEmpty(), "a segment not placed");
    Model channel = new Model().nodes(1, 2, 3);
    m.segments.forEach((id, i) -> channel.segments.put(id, i));
    channel.channels.put("c", new ReplicaView.Item(0, "c", 0, 2, 2, false, false, 0, 0));
    assertTrue(balance(channel, SETTINGS).isEmpty(), "a delegator not serving");
  }

  @Test
  void theSameViewGivesTheSameSteps() {
    Model m = new Model().nodes(1, 2, 3, 4).chan("a", 0).chan("b", 0).chan("c", 2);
    for (int i = 1; i <= 40; i++) {
      m.seg(i, (i * 37L) % 101 + 1, i % 3 == 0 ? 0 : 1 + i % 4);
    }
    for (Balancer b : List.of(Balancer.SCORE_BASED, Balancer.ROW_COUNT, Balancer.ROUND_ROBIN)) {
      QueryCoordSettings s = with(b);
      assertEquals(check(m, s, 5_000), check(m, s, 5_000), b.name());
      assertNoSegmentTwice(check(m, s, 5_000));
    }
    Model settled = new Model().nodes(1, 2, 3, 4);
    for (int i = 1; i <= 40; i++) {
      settled.seg(i, (i * 37L) % 101 + 1, 1 + i % 2);
    }
    PlacementPlanner.Steps one = balance(settled, SETTINGS);
    assertFalse(one.isEmpty());
    assertEquals(one, balance(settled, SETTINGS));
  }
}
