package io.raftcoord.statemachine.querycoord;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Milvus's ScoreBased balancer. A node's score is this collection's rows on it plus
 * {@code globalFactor} × all rows on it; a segment weighs rows × 1.1; every node aims at the mean
 * score (plus a reserve of 0.1 × the mean per delegator it runs). A node's priority is its score
 * minus its aim, and each segment goes to the node of lowest priority. A move (not a forced
 * assignment) is skipped when the gap between the two nodes is under {@code toleration} × the
 * target's priority, or when it would reverse their order and the new gap × {@code reverse} is at
 * least the old gap: a move must leave the pair better balanced than it found it.
 */
final class ScoreBalancer implements SegmentBalancer {
  static final double SEGMENT_FACTOR = 1.1;
  static final double DELEGATOR_RESERVE = 0.1;

  private final double globalFactor;
  private final double toleration;
  private final double reverse;

  ScoreBalancer(double globalFactor, double toleration, double reverse) {
    this.globalFactor = globalFactor;
    this.toleration = toleration;
    this.reverse = reverse;
  }

  private static final class Item {
    final long id;
    double priority;

    Item(long id, double priority) {
      this.id = id;
      this.priority = priority;
    }
  }

  private Map<Long, Item> items(List<NodeLoad> nodes) {
    double total = 0;
    for (NodeLoad n : nodes) {
      total += score(n);
    }
    double aim = nodes.isEmpty() ? 0 : total / nodes.size();
    Map<Long, Item> out = new HashMap<>();
    for (NodeLoad n : nodes) {
      double current = score(n) + (total > 0 ? aim * DELEGATOR_RESERVE * n.delegators() : 0);
      out.put(n.id(), new Item(n.id(), current - aim));
    }
    return out;
  }

  private double score(NodeLoad n) {
    return n.collectionRows() + (long) (n.globalRows() * globalFactor);
  }

  @Override
  public List<Plan> assign(List<Seg> segments, List<NodeLoad> nodes, boolean forced, int max) {
    return assign(segments, items(nodes), forced, max);
  }

  private List<Plan> assign(List<Seg> segments, Map<Long, Item> items, boolean forced, int max) {
    List<Plan> plans = new ArrayList<>();
    if (items.isEmpty()) {
      return plans;
    }
    List<Seg> order = new ArrayList<>(segments);
    order.sort(Comparator.comparingLong((Seg s) -> -s.rows())
        .thenComparingDouble(s -> items.containsKey(s.node()) ? -items.get(s.node()).priority : 0)
        .thenComparingLong(Seg::id));
    for (Seg s : order) {
      if (plans.size() >= max) {
        break;
      }
      Item to = lowest(items);
      Item from = items.get(s.node());
      double weight = s.rows() * SEGMENT_FACTOR;
      if (from == to) {
        continue;
      }
      if (from != null && !forced && !worthMoving(from, to, weight)) {
        continue;
      }
      plans.add(new Plan(s.id(), s.node(), to.id));
      if (from != null) {
        from.priority -= weight;
      }
      to.priority += weight;
    }
    return plans;
  }

  private boolean worthMoving(Item from, Item to, double weight) {
    double oldGap = Math.abs(from.priority - to.priority);
    if (oldGap < to.priority * toleration) {
      return false;
    }
    double newFrom = from.priority - weight;
    double newTo = to.priority + weight;
    return !(newTo > newFrom && Math.abs(newTo - newFrom) * reverse >= oldGap);
  }

  private static Item lowest(Map<Long, Item> items) {
    Item best = null;
    for (Item i : items.values()) {
      if (best == null || i.priority < best.priority || (i.priority == best.priority && i.id < best.id)) {
        best = i;
      }
    }
    return best;
  }

  @Override
  public List<Plan> balance(List<Seg> placed, List<NodeLoad> nodes, int max) {
    if (nodes.size() < 2 || max <= 0) {
      return List.of();
    }
    Map<Long, Item> items = items(nodes);
    long[] ids = nodes.stream().mapToLong(NodeLoad::id).sorted().toArray();
    List<List<Seg>> byNode = new ArrayList<>(ids.length);
    for (int k = 0; k < ids.length; k++) {
      byNode.add(new ArrayList<>());
    }
    for (Seg s : placed) {
      int at = java.util.Arrays.binarySearch(ids, s.node());
      if (at >= 0) {
        byNode.get(at).add(s);
      }
    }
    List<Seg> candidates = new ArrayList<>();
    for (int k = 0; k < ids.length; k++) {
      double p = items.get(ids[k]).priority;
      if (p <= 0) {
        continue;
      }
      List<Seg> mine = byNode.get(k);
      mine.sort(Comparator.comparingLong(Seg::rows).thenComparingLong(Seg::id));
      for (Seg s : mine) {
        if (p <= 0 || candidates.size() >= max) {
          break;
        }
        candidates.add(s);
        p -= s.rows() * SEGMENT_FACTOR;
      }
    }
    return assign(candidates, items, false, max);
  }
}
