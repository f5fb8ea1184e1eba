package io.raftcoord.statemachine.querycoord;

import io.raftcoord.proto.querycoord.QueryCoordSettings;
import java.util.List;

/**
 * Chooses query nodes for one collection's segments inside one replica: where new segments go
 * ({@link #assign}) and which few to move to even the load ({@link #balance}). Pure functions of
 * their arguments; ties go to the lower node id, so every replica computes the same.
 */
interface SegmentBalancer {
  /** A segment of the collection and the node of the replica holding it now (0: none). */
  record Seg(long id, long rows, long node) {}

  /** One node of the replica: this collection's rows on it, all rows on it, its delegators of this collection. */
  record NodeLoad(long id, long collectionRows, long globalRows, int segments, int delegators) {}

  record Plan(long segmentId, long from, long to) {}

  /**
   * Plans for {@code segments} (placed in the given order by {@link #order}) on {@code nodes}; a
   * forced assignment (a segment with no node, or one leaving a stopping node) skips the check
   * that a move is worth making. At most {@code max} plans.
   */
  List<Plan> assign(List<Seg> segments, List<NodeLoad> nodes, boolean forced, int max);

  /** At most {@code max} moves between {@code nodes} (none stopping) that even out the load. */
  List<Plan> balance(List<Seg> placed, List<NodeLoad> nodes, int max);

  static SegmentBalancer of(QueryCoordSettings s) {
    return switch (s.getBalancer()) {
      case SCORE_BASED, BALANCER_DEFAULT -> new ScoreBalancer(s.getGlobalRowFactor(), s.getTolerationFactor(),
          s.getReverseTolerationFactor());
      case ROW_COUNT -> new RowCountBalancer();
      case ROUND_ROBIN -> new RoundRobinBalancer();
      case UNRECOGNIZED -> throw new IllegalStateException("unknown balancer " + s.getBalancerValue());
    };
  }

  /** Largest first, then by id: Milvus's greedy order. */
  static List<Seg> largestFirst(List<Seg> segments) {
    return segments.stream().sorted((a, b) -> a.rows() != b.rows() ? Long.compare(b.rows(), a.rows())
        : Long.compare(a.id(), b.id())).toList();
  }

}
