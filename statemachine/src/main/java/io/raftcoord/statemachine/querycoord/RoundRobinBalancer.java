package io.raftcoord.statemachine.querycoord;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Milvus's RoundRobin balancer: each segment goes to the node holding the fewest of the
 * collection's segments, whatever their size; like Milvus's, it never moves placed segments
 * (only stopping nodes are drained).
 */
final class RoundRobinBalancer implements SegmentBalancer {
  @Override
  public List<Plan> assign(List<Seg> segments, List<NodeLoad> nodes, boolean forced, int max) {
    Map<Long, int[]> count = new HashMap<>();
    nodes.forEach(n -> count.put(n.id(), new int[] {n.segments()}));
    List<Plan> plans = new ArrayList<>();
    for (Seg s : SegmentBalancer.largestFirst(segments)) {
      if (plans.size() >= max || count.isEmpty()) {
        break;
      }
      long to = count.entrySet().stream().min(Comparator.comparingInt((Map.Entry<Long, int[]> e) -> e.getValue()[0])
          .thenComparingLong(Map.Entry::getKey)).orElseThrow().getKey();
      if (to == s.node()) {
        continue;
      }
      plans.add(new Plan(s.id(), s.node(), to));
      count.get(to)[0]++;
    }
    return plans;
  }

  @Override
  public List<Plan> balance(List<Seg> placed, List<NodeLoad> nodes, int max) {
    return List.of();
  }
}
