package io.raftcoord.statemachine.querycoord;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftcoord.statemachine.querycoord.SegmentBalancer.NodeLoad;
import io.raftcoord.statemachine.querycoord.SegmentBalancer.Plan;
import io.raftcoord.statemachine.querycoord.SegmentBalancer.Seg;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * {@link ScoreBalancer} against Milvus: scenarios of
 * {@code internal/querycoordv2/balance/score_based_balancer_test.go} rebuilt with Milvus's default
 * factors (global row factor 0.1, toleration 0.05, reverse toleration 1.3), expecting Milvus's plans.
 */
class ScoreBalancerTest {
  private final ScoreBalancer balancer = new ScoreBalancer(0.1, 0.05, 1.3);

  /** A segment of a small fake cluster: its collection, rows and node. */
  private record S(long id, long collection, long rows, long node) {}

  /** NodeLoads for {@code nodes} seen from {@code collection}: its rows per node and all rows per node. */
  private static List<NodeLoad> loads(long collection, List<S> all, long... nodes) {
    List<NodeLoad> out = new ArrayList<>();
    for (long n : nodes) {
      long coll = 0;
      long global = 0;
      int count = 0;
      for (S s : all) {
        if (s.node() == n) {
          global += s.rows();
          if (s.collection() == collection) {
            coll += s.rows();
            count++;
          }
        }
      }
      out.add(new NodeLoad(n, coll, global, count, 0));
    }
    return out;
  }

  private static List<Seg> placed(long collection, List<S> all) {
    return all.stream().filter(s -> s.collection() == collection).map(s -> new Seg(s.id(), s.rows(), s.node())).toList();
  }

  private static Map<Long, Long> targets(List<Plan> plans) {
    Map<Long, Long> out = new TreeMap<>();
    plans.forEach(p -> out.put(p.segmentId(), p.to()));
    return out;
  }

  /** TestAssignSegment, case "test non-empty cluster assigning one collection". */
  @Test
  void assignSegmentNonEmptyClusterAssigningOneCollection() {
    List<S> all = List.of(new S(1, 1, 10, 1), new S(2, 2, 300, 1), new S(3, 1, 20, 2), new S(4, 2, 180, 2),
        new S(5, 1, 30, 3), new S(6, 2, 20, 3));
    List<Seg> fresh = List.of(new Seg(7, 5, 0), new Seg(8, 10, 0), new Seg(9, 15, 0));
    List<Plan> plans = balancer.assign(fresh, loads(1, all, 1, 2, 3), false, Integer.MAX_VALUE);
    assertEquals(Map.of(9L, 3L, 8L, 2L, 7L, 1L), targets(plans), plans::toString);
    assertEquals(List.of(9L, 8L, 7L), plans.stream().map(Plan::segmentId).toList(), "largest first");
    plans.forEach(p -> assertEquals(0, p.from(), "new segments come from no node"));
  }

  /** TestBalanceOneRound, case "normal balance for one collection only". */
  @Test
  void balanceOneRoundNormalBalanceForOneCollectionOnly() {
    List<S> all = List.of(new S(1, 1, 10, 1), new S(2, 1, 20, 2), new S(3, 1, 30, 2));
    List<Plan> plans = balancer.balance(placed(1, all), loads(1, all, 1, 2), 5);
    assertEquals(List.of(new Plan(2, 2, 1)), plans);
  }

  /** TestBalanceOneRound, case "already balanced for one collection only". */
  @Test
  void balanceOneRoundAlreadyBalanced() {
    List<S> all = List.of(new S(1, 1, 10, 1), new S(2, 1, 20, 1), new S(3, 1, 30, 2));
    assertEquals(List.of(), balancer.balance(placed(1, all), loads(1, all, 1, 2), 5));
  }

  /**
   * TestBalanceMultiRound, case "balance considering both global rowCounts and collection
   * rowCounts": round 1 on collection 1 moves seg3 from node 2 to the empty node 3; round 2 on
   * collection 2, after that move, makes no move (reverse toleration).
   */
  @Test
  void balanceMultiRoundGlobalAndCollectionRowCounts() {
    List<S> round1 = List.of(new S(1, 1, 20, 1), new S(2, 2, 20, 1), new S(3, 1, 20, 2), new S(4, 2, 30, 2));
    List<Plan> first = balancer.balance(placed(1, round1), loads(1, round1, 1, 2, 3), 5);
    assertEquals(List.of(new Plan(3, 2, 3)), first);

    List<S> round2 = List.of(new S(1, 1, 20, 1), new S(2, 2, 20, 1), new S(4, 2, 30, 2), new S(3, 1, 20, 3));
    assertEquals(List.of(), balancer.balance(placed(2, round2), loads(2, round2, 1, 2, 3), 5));
    // Collection 1 is settled too after the move.
    assertEquals(List.of(), balancer.balance(placed(1, round2), loads(1, round2, 1, 2, 3), 5));
  }

  /**
   * TestStoppedBalance, case "stopped balance for one collection": node 1 stops; PlacementPlanner
   * drains it by a forced assignment over the other nodes, and both its segments go to node 3.
   */
  @Test
  void stoppedBalanceForOneCollection() {
    List<S> all = List.of(new S(1, 1, 10, 1), new S(2, 1, 20, 1), new S(3, 1, 30, 2));
    List<Seg> leaving = placed(1, all).stream().filter(s -> s.node() == 1).toList();
    List<Plan> plans = balancer.assign(leaving, loads(1, all, 2, 3), true, 100);
    assertEquals(List.of(new Plan(2, 1, 3), new Plan(1, 1, 3)), plans);
  }

  @Test
  void balanceRespectsMaxAndAnEmptyOrSingleNodeClusterMovesNothing() {
    List<S> all = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      all.add(new S(i, 1, 10, 1));
    }
    assertEquals(2, balancer.balance(placed(1, all), loads(1, all, 1, 2, 3), 2).size());
    assertEquals(List.of(), balancer.balance(placed(1, all), loads(1, all, 1, 2, 3), 0));
    assertEquals(List.of(), balancer.balance(placed(1, all), loads(1, all, 1), 5));
    assertEquals(List.of(), balancer.assign(List.of(new Seg(99, 5, 0)), List.of(), true, 5));
  }

  @Test
  void aDelegatorReservesScoreSoTheOtherNodeTakesTheSegment() {
    // Same rows on both nodes; node 1 runs two delegators, so a new segment goes to node 2.
    List<NodeLoad> nodes = List.of(new NodeLoad(1, 100, 100, 1, 2), new NodeLoad(2, 100, 100, 1, 0));
    assertEquals(List.of(new Plan(5, 0, 2)), balancer.assign(List.of(new Seg(5, 10, 0)), nodes, false, 1));
    // Without delegators the tie goes to the lower id.
    List<NodeLoad> even = List.of(new NodeLoad(1, 100, 100, 1, 0), new NodeLoad(2, 100, 100, 1, 0));
    assertEquals(List.of(new Plan(5, 0, 1)), balancer.assign(List.of(new Seg(5, 10, 0)), even, false, 1));
  }

  @Test
  void theResultDoesNotDependOnTheOrderOfItsInputs() {
    List<S> all = List.of(new S(1, 1, 40, 1), new S(2, 1, 35, 1), new S(3, 1, 30, 1), new S(4, 1, 25, 2),
        new S(5, 1, 20, 1), new S(6, 1, 15, 1));
    List<Seg> segs = placed(1, all);
    List<NodeLoad> nodes = loads(1, all, 1, 2, 3);
    List<Plan> expected = balancer.balance(segs, nodes, 5);
    List<Seg> reversedSegs = new ArrayList<>(segs);
    java.util.Collections.reverse(reversedSegs);
    List<NodeLoad> reversedNodes = new ArrayList<>(nodes);
    java.util.Collections.reverse(reversedNodes);
    assertEquals(expected, balancer.balance(reversedSegs, reversedNodes, 5));
    Map<Long, Long> moved = new HashMap<>();
    expected.forEach(p -> moved.merge(p.segmentId(), 1L, Long::sum));
    moved.values().forEach(c -> assertEquals(1L, c, "a segment is moved at most once a round: " + expected));
  }
}
