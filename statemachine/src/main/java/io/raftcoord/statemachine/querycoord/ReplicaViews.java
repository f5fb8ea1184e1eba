package io.raftcoord.statemachine.querycoord;

import io.raftcoord.proto.querycoord.Placement;
import io.raftcoord.proto.querycoord.Replica;
import io.raftcoord.proto.querycoord.TargetChannel;
import io.raftcoord.proto.querycoord.TargetSegment;
import io.raftcoord.proto.session.Session;
import io.raftcoord.statemachine.session.SessionTable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongPredicate;

/**
 * Builds the checkers' {@link ReplicaView}s from committed state (under the entry read lock), one
 * planning round at a time. It walks every target item of the replica once, so it avoids
 * per-item allocation and looks members up in a set: at 100,000 segments this walk is most of a
 * round's cost.
 */
final class ReplicaViews {
  private final QueryCoordTable table;
  private final TreeMap<Long, Session> live;

  ReplicaViews(QueryCoordTable table, SessionTable sessions) {
    this.table = table;
    this.live = QueryNodes.live(sessions);
  }

  ReplicaView of(Replica r) {
    List<ReplicaView.Node> nodes = new ArrayList<>();
    Set<Long> members = new HashSet<>();
    for (long n : r.getNodesList()) {
      Session s = live.get(n);
      if (s != null) {
        members.add(n);
        nodes.add(new ReplicaView.Node(n, QueryNodes.stopping(s), table.rowsOn(n), table.channelWork(n).size()));
      }
    }
    List<ReplicaView.Item> segments = new ArrayList<>(table.segmentsOf(r.getCollectionId()).size());
    for (TargetSegment s : table.segmentsOf(r.getCollectionId()).values()) {
      long id = s.getSegmentId();
      segments.add(item(placement(s.getPlacementsList(), r.getId()), members, id, "", s.getRows(),
          n -> table.serves(n, id)));
    }
    List<ReplicaView.Item> channels = new ArrayList<>();
    for (TargetChannel c : table.channelsOf(r.getCollectionId()).values()) {
      String name = c.getName();
      channels.add(item(placement(c.getPlacementsList(), r.getId()), members, 0, name, 0,
          n -> table.servesChannel(n, name)));
    }
    return new ReplicaView(r.getId(), r.getCollectionId(), nodes, segments, channels);
  }

  private static Placement placement(List<Placement> placements, long replicaId) {
    for (Placement p : placements) {
      if (p.getReplicaId() == replicaId) {
        return p;
      }
    }
    return Placement.getDefaultInstance();
  }

  /** Served as {@link Serving} says: by the placed node or the previous one, each a live member. */
  private static ReplicaView.Item item(Placement p, Set<Long> members, long id, String name, long rows,
      LongPredicate serves) {
    long stored = p.getNodeId();
    boolean valid = stored != 0 && members.contains(stored);
    boolean arrived = valid && serves.test(stored);
    long previous = p.getPreviousNodeId();
    boolean served = arrived || (previous != 0 && members.contains(previous) && serves.test(previous));
    return new ReplicaView.Item(id, name, rows, valid ? stored : 0, stored, served, previous != 0, p.getPlacedMs(),
        p.getAttempts(), arrived);
  }
}
