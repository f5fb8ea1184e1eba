package io.raftcoord.client.routing;

import java.util.List;

/** Cycles through the candidates by replica id; a replica that drops out is skipped, not waited for. */
final class RoundRobin implements RoutingPolicy {
  private long last = Long.MIN_VALUE;

  @Override
  public int pick(List<Candidate> candidates) {
    for (int i = 0; i < candidates.size(); i++) {
      if (candidates.get(i).replicaId() > last) {
        last = candidates.get(i).replicaId();
        return i;
      }
    }
    last = candidates.get(0).replicaId();
    return 0;
  }
}
