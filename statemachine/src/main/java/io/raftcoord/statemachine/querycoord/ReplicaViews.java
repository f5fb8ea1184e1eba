package io.raftcoord.statemachine.querycoord;

import io.raftcoord.proto.querycoord.Placement;
import io.raftcoord.proto.querycoord.Replica;
import io.raftcoord.proto.querycoord.TargetChannel;
import io.raftcoord.proto.querycoord.TargetSegment;
import io.raftcoord.proto.session.Session;
import io.raftcoord.statemachine.session.SessionTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.function.IntPredicate;

/**
 * Builds the checkers' {@link ReplicaView}s from committed state (under the entry read lock), one
 * planning round at a time. It walks every target item of the replica once, so it avoids
 * per-item allocation and looks members up in a set: at 100,000 segments this walk is most of a
 * round's cost. Members and each member's served segments are sorted arrays, searched without
 * boxing.
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
    long[] members = r.getNodesList().stream().mapToLong(Long::longValue).filter(live::containsKey).sorted().toArray();
    long[][] servedBy = new long[members.length][];
    for (int k = 0; k < members.length; k++) {
      long n = members[k];
      servedBy[k] = table.servedBy(n);
      nodes.add(new ReplicaView.Node(n, QueryNodes.stopping(live.get(n)), table.rowsOn(n), table.channelWork(n).size()));
    }
    List<ReplicaView.Item> segments = new ArrayList<>(table.segmentsOf(r.getCollectionId()).size());
    for (TargetSegment s : table.segmentsOf(r.getCollectionId()).values()) {
      long id = s.getSegmentId();
      segments.add(item(placement(s.getPlacementsList(), r.getId()), members, id, "", s.getRows(),
          k -> Arrays.binarySearch(servedBy[k], id) >= 0));
    }
    List<ReplicaView.Item> channels = new ArrayList<>();
    for (TargetChannel c : table.channelsOf(r.getCollectionId()).values()) {
      String name = c.getName();
      channels.add(item(placement(c.getPlacementsList(), r.getId()), members, 0, name, 0,
          k -> table.servesChannel(members[k], name)));
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

  /**
   * Served as {@link Serving} says: by the placed node or the previous one, each a live member;
   * {@code serves} takes the member's index in {@code members} (ascending ids).
   */
  private static ReplicaView.Item item(Placement p, long[] members, long id, String name, long rows,
      IntPredicate serves) {
    long stored = p.getNodeId();
    int at = stored == 0 ? -1 : Arrays.binarySearch(members, stored);
    boolean valid = at >= 0;
    boolean arrived = valid && serves.test(at);
    long previous = p.getPreviousNodeId();
    int prevAt = previous == 0 ? -1 : Arrays.binarySearch(members, previous);
    boolean served = arrived || (prevAt >= 0 && serves.test(prevAt));
    return new ReplicaView.Item(id, name, rows, valid ? stored : 0, stored, served, previous != 0, p.getPlacedMs(),
        p.getAttempts(), arrived);
  }
}
