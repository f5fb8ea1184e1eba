package io.raftcoord.client.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.querycoord.ChannelRoute;
import io.raftcoord.proto.querycoord.NodeSegments;
import io.raftcoord.proto.querycoord.ReplicaRoute;
import io.raftcoord.proto.querycoord.SearchPlan;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The three routing policies over a plan of three replicas: round robin spreads evenly, weighted
 * round robin in proportion to node capacity and interleaved, least outstanding sends more to the
 * replica that finishes sooner; a replica missing a segment is not a candidate.
 */
class SearchRouterTest {
  /** Replicas 10, 20, 30 on nodes 1, 2, 3 with the given capacities; two channels. */
  private static SearchPlan plan(long c1, long c2, long c3, boolean replica30Whole) {
    SearchPlan.Builder p = SearchPlan.newBuilder().setCollectionId(7).setTargetVersion(1);
    for (String ch : List.of("ch0", "ch1")) {
      ChannelRoute.Builder route = ChannelRoute.newBuilder().setChannel(ch);
      for (long r = 1; r <= 3; r++) {
        boolean missing = r == 3 && !replica30Whole && ch.equals("ch1");
        route.addReplicas(ReplicaRoute.newBuilder().setReplicaId(r * 10).setDelegator(r)
            .addNodes(NodeSegments.newBuilder().setNodeId(missing ? 0 : r).addSegmentIds(100 + r)));
      }
      p.addChannels(route);
    }
    return p.putNodeCapacity(1, c1).putNodeCapacity(2, c2).putNodeCapacity(3, c3).build();
  }

  private static Map<Long, Integer> spread(SearchRouter router, int requests) {
    Map<Long, Integer> out = new TreeMap<>();
    for (int i = 0; i < requests; i++) {
      try (SearchRouter.Route r = router.acquire()) {
        out.merge(r.replicaId(), 1, Integer::sum);
      }
    }
    return out;
  }

  @Test
  void roundRobinSpreadsEvenly() {
    SearchRouter router = new SearchRouter(plan(1, 1, 1, true), RoutingPolicy.roundRobin());
    assertEquals(Map.of(10L, 100, 20L, 100, 30L, 100), spread(router, 300));
    List<Long> order = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      try (SearchRouter.Route r = router.acquire()) {
        order.add(r.replicaId());
      }
    }
    assertEquals(List.of(10L, 20L, 30L, 10L), order);
  }

  @Test
  void weightedRoundRobinFollowsCapacityAndInterleaves() {
    SearchRouter router = new SearchRouter(plan(1, 2, 5, true), RoutingPolicy.weightedRoundRobin());
    assertEquals(Map.of(10L, 100, 20L, 200, 30L, 500), spread(router, 800));
    // Smooth: within any 8 consecutive picks, exactly the weights; never 5 of the heaviest in a row.
    List<Long> picks = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      try (SearchRouter.Route r = router.acquire()) {
        picks.add(r.replicaId());
      }
    }
    assertEquals(5, picks.stream().filter(id -> id == 30L).count(), picks.toString());
    for (int i = 0; i + 4 < picks.size(); i++) {
      assertTrue(picks.subList(i, i + 5).stream().anyMatch(id -> id != 30L), picks.toString());
    }
  }

  @Test
  void leastOutstandingFavoursTheReplicaThatFinishesSooner() {
    SearchRouter router = new SearchRouter(plan(1, 1, 1, true), RoutingPolicy.leastOutstanding());
    // Simulated time: replica 10 answers in 1 tick, 20 in 2, 30 in 4; two new requests every tick.
    Map<Long, Integer> latency = Map.of(10L, 1, 20L, 2, 30L, 4);
    Map<SearchRouter.Route, Integer> due = new IdentityHashMap<>();
    Map<Long, Integer> count = new TreeMap<>();
    for (int tick = 0; tick < 700; tick++) {
      final int now = tick;
      due.entrySet().removeIf(e -> {
        if (e.getValue() <= now) {
          e.getKey().close();
          return true;
        }
        return false;
      });
      for (int k = 0; k < 2; k++) {
        SearchRouter.Route r = router.acquire();
        count.merge(r.replicaId(), 1, Integer::sum);
        due.put(r, tick + latency.get(r.replicaId()));
      }
    }
    assertTrue(count.get(10L) > count.get(20L) && count.get(20L) > count.get(30L), count.toString());
    assertTrue(count.get(10L) >= 2 * count.get(30L), count.toString());
  }

  @Test
  void aReplicaMissingASegmentIsNotACandidate() {
    SearchRouter router = new SearchRouter(plan(1, 1, 1, false), RoutingPolicy.roundRobin());
    assertEquals(List.of(10L, 20L), router.candidates());
    assertEquals(Map.of(10L, 50, 20L, 50), spread(router, 100));
    router.update(plan(1, 1, 1, true));
    assertEquals(List.of(10L, 20L, 30L), router.candidates());
  }
}
