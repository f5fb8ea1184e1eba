package io.raftcoord.statemachine.querycoord;

import io.raftcoord.proto.querycoord.Placement;
import io.raftcoord.proto.querycoord.Replica;
import io.raftcoord.proto.querycoord.TargetChannel;
import io.raftcoord.proto.querycoord.TargetSegment;
import java.util.Optional;

/**
 * Whether a replica serves a segment or channel: the node it is placed on (or, during a move, the
 * node it is leaving) is a member of the replica and reports serving it. Reads committed state only.
 */
final class Serving {
  private final QueryCoordTable table;

  Serving(QueryCoordTable table) {
    this.table = table;
  }

  static Optional<Placement> placement(Iterable<Placement> placements, long replicaId) {
    for (Placement p : placements) {
      if (p.getReplicaId() == replicaId) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** The node of the replica serving the segment (the placed node first), or 0. */
  long segmentServer(Replica r, TargetSegment s) {
    Optional<Placement> p = placement(s.getPlacementsList(), r.getId());
    if (p.isEmpty()) {
      return 0;
    }
    for (long n : new long[] {p.get().getNodeId(), p.get().getPreviousNodeId()}) {
      if (n != 0 && r.getNodesList().contains(n) && table.serves(n, s.getSegmentId())) {
        return n;
      }
    }
    return 0;
  }

  long channelServer(Replica r, TargetChannel c) {
    Optional<Placement> p = placement(c.getPlacementsList(), r.getId());
    if (p.isEmpty()) {
      return 0;
    }
    for (long n : new long[] {p.get().getNodeId(), p.get().getPreviousNodeId()}) {
      if (n != 0 && r.getNodesList().contains(n) && table.servesChannel(n, c.getName())) {
        return n;
      }
    }
    return 0;
  }

  /** Every replica of the collection serves every channel and every segment of the next target. */
  boolean nextServed(long collectionId) {
    if (table.replicasOf(collectionId).isEmpty()) {
      return false;
    }
    for (Replica r : table.replicasOf(collectionId).values()) {
      if (r.getNodesCount() == 0) {
        return false;
      }
      for (TargetChannel c : table.channelsOf(collectionId).values()) {
        if (channelServer(r, c) == 0) {
          return false;
        }
      }
      for (TargetSegment s : table.segmentsOf(collectionId).values()) {
        if (s.getNext() && segmentServer(r, s) == 0) {
          return false;
        }
      }
    }
    return true;
  }

  /** Every segment and channel of the next target has a node in every replica (served or not). */
  boolean nextPlaced(long collectionId) {
    for (Replica r : table.replicasOf(collectionId).values()) {
      for (TargetChannel c : table.channelsOf(collectionId).values()) {
        if (placement(c.getPlacementsList(), r.getId()).map(Placement::getNodeId).orElse(0L) == 0) {
          return false;
        }
      }
      for (TargetSegment s : table.segmentsOf(collectionId).values()) {
        if (s.getNext() && placement(s.getPlacementsList(), r.getId()).map(Placement::getNodeId).orElse(0L) == 0) {
          return false;
        }
      }
    }
    return !table.replicasOf(collectionId).isEmpty();
  }

  /** Whether the next target differs from the current one. */
  boolean targetsDiffer(long collectionId) {
    for (TargetSegment s : table.segmentsOf(collectionId).values()) {
      if (s.getNext() != s.getCurrent()) {
        return true;
      }
    }
    return false;
  }
}
