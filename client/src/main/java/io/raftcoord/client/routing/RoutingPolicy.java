package io.raftcoord.client.routing;

import java.util.List;

/**
 * Chooses which replica serves the next request, among the replicas that serve the collection
 * whole. Implementations keep their own state (a cursor, running weights) and are called under
 * the router's lock.
 */
public interface RoutingPolicy {
  /**
   * One replica a request may go to.
   *
   * @param weight the capacity of the replica's nodes (their sessions' capacity, summed; at least 1)
   * @param outstanding requests routed to it and not yet finished
   */
  record Candidate(long replicaId, long weight, int outstanding) {}

  /** The index in {@code candidates} (never empty, ascending by replica id) of the chosen replica. */
  int pick(List<Candidate> candidates);

  /** Cycles through the replicas in id order. */
  static RoutingPolicy roundRobin() {
    return new RoundRobin();
  }

  /** Smooth weighted round robin: each replica gets requests in proportion to its weight, interleaved. */
  static RoutingPolicy weightedRoundRobin() {
    return new WeightedRoundRobin();
  }

  /** The replica with the fewest outstanding requests (least connections); ties in round-robin order. */
  static RoutingPolicy leastOutstanding() {
    return new LeastOutstanding();
  }
}
