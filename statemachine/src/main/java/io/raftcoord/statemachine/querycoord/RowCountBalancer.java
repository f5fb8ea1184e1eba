package io.raftcoord.statemachine.querycoord;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Milvus's RowCountBased balancer: a node's load is this collection's rows on it; a segment goes
 * to the node with the fewest; a move takes the smallest segment from the fullest node to the
 * emptiest while that narrows their gap.
 */
final class RowCountBalancer implements SegmentBalancer {
  @Override
  public List<Plan> assign(List<Seg> segments, List<NodeLoad> nodes, boolean forced, int max) {
    Map<Long, long[]> rows = new HashMap<>();
    nodes.forEach(n -> rows.put(n.id(), new long[] {n.collectionRows()}));
    List<Plan> plans = new ArrayList<>();
    for (Seg s : SegmentBalancer.largestFirst(segments)) {
      if (plans.size() >= max || rows.isEmpty()) {
        break;
      }
      long to = rows.entrySet().stream().min(Comparator.comparingLong((Map.Entry<Long, long[]> e) -> e.getValue()[0])
          .thenComparingLong(Map.Entry::getKey)).orElseThrow().getKey();
      if (to == s.node()) {
        continue;
      }
      plans.add(new Plan(s.id(), s.node(), to));
      rows.get(to)[0] += s.rows();
      if (rows.containsKey(s.node())) {
        rows.get(s.node())[0] -= s.rows();
      }
    }
    return plans;
  }

  @Override
  public List<Plan> balance(List<Seg> placed, List<NodeLoad> nodes, int max) {
    Map<Long, Long> rows = new HashMap<>();
    nodes.forEach(n -> rows.put(n.id(), n.collectionRows()));
    Map<Long, List<Seg>> byNode = new HashMap<>();
    for (Seg s : placed) {
      byNode.computeIfAbsent(s.node(), n -> new ArrayList<>()).add(s);
    }
    byNode.values().forEach(l -> l.sort(Comparator.comparingLong(Seg::rows).thenComparingLong(Seg::id)));
    List<Plan> plans = new ArrayList<>();
    while (plans.size() < max && rows.size() >= 2) {
      Comparator<Map.Entry<Long, Long>> byRows = Comparator.comparingLong((Map.Entry<Long, Long> e) -> e.getValue())
          .thenComparingLong(Map.Entry::getKey);
      long from = rows.entrySet().stream().max(Comparator.comparingLong((Map.Entry<Long, Long> e) -> e.getValue())
          .thenComparingLong(e -> -e.getKey())).orElseThrow().getKey();
      long to = rows.entrySet().stream().min(byRows).orElseThrow().getKey();
      long gap = rows.get(from) - rows.get(to);
      List<Seg> mine = byNode.getOrDefault(from, new ArrayList<>());
      if (mine.isEmpty() || mine.get(0).rows() * 2 > gap || from == to) {
        break;
      }
      Seg s = mine.remove(0);
      plans.add(new Plan(s.id(), from, to));
      rows.put(from, rows.get(from) - s.rows());
      rows.put(to, rows.get(to) + s.rows());
      byNode.computeIfAbsent(to, n -> new ArrayList<>()).add(new Seg(s.id(), s.rows(), to));
    }
    return plans;
  }
}
