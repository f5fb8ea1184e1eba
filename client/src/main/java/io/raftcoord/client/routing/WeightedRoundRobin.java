package io.raftcoord.client.routing;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Smooth weighted round robin (nginx's): every pick adds each candidate's weight to its running
 * total, takes the largest total and subtracts the sum of weights from it. Over any run of
 * sum-of-weights picks each replica is chosen exactly weight times, spread out rather than in bursts.
 */
final class WeightedRoundRobin implements RoutingPolicy {
  private final Map<Long, Long> current = new HashMap<>();

  @Override
  public int pick(List<Candidate> candidates) {
    long total = 0;
    int best = 0;
    long bestValue = Long.MIN_VALUE;
    for (int i = 0; i < candidates.size(); i++) {
      Candidate c = candidates.get(i);
      long w = Math.max(1, c.weight());
      total += w;
      long v = current.merge(c.replicaId(), w, Long::sum);
      if (v > bestValue) {
        bestValue = v;
        best = i;
      }
    }
    current.keySet().retainAll(candidates.stream().map(Candidate::replicaId).toList());
    current.merge(candidates.get(best).replicaId(), -total, Long::sum);
    return best;
  }
}
