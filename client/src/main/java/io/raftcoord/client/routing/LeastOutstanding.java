package io.raftcoord.client.routing;

import java.util.List;

/** The candidate with the fewest outstanding requests; among equals, the one after the last chosen. */
final class LeastOutstanding implements RoutingPolicy {
  private final RoundRobin ties = new RoundRobin();

  @Override
  public int pick(List<Candidate> candidates) {
    int least = Integer.MAX_VALUE;
    for (Candidate c : candidates) {
      least = Math.min(least, c.outstanding());
    }
    final int min = least;
    List<Candidate> tied = candidates.stream().filter(c -> c.outstanding() == min).toList();
    Candidate chosen = tied.get(ties.pick(tied));
    return candidates.indexOf(chosen);
  }
}
