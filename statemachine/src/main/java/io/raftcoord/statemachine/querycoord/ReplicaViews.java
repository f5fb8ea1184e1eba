package io.raftcoord.statemachine.querycoord;

import io.raftcoord.proto.querycoord.Placement;
import io.raftcoord.proto.querycoord.Replica;
import io.raftcoord.proto.querycoord.TargetChannel;
import io.raftcoord.proto.querycoord.TargetSegment;
import io.raftcoord.proto.session.Session;
import io.raftcoord.statemachine.session.SessionTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Builds the checkers' {@link ReplicaView}s from committed state (under the entry read lock), one planning round at a time. */
final class ReplicaViews {
  private final QueryCoordTable table;
  private final Serving serving;
  private final TreeMap<Long, Session> live;
  private final Map<Long, long[]> globalRows = new HashMap<>();

  ReplicaViews(QueryCoordTable table, SessionTable sessions) {
    this.table = table;
    this.serving = new Serving(table);
    this.live = QueryNodes.live(sessions);
  }

  ReplicaView of(Replica r) {
    List<ReplicaView.Node> nodes = new ArrayList<>();
    for (long n : r.getNodesList()) {
      Session s = live.get(n);
      if (s != null) {
        nodes.add(new ReplicaView.Node(n, QueryNodes.stopping(s), rowsOn(n), table.channelWork(n).size()));
      }
    }
    List<ReplicaView.Item> segments = new ArrayList<>();
    for (TargetSegment s : table.segmentsOf(r.getCollectionId()).values()) {
      Optional<Placement> p = Serving.placement(s.getPlacementsList(), r.getId());
      segments.add(item(r, p, s.getSegmentId(), "", s.getRows(), serving.segmentServer(r, s) != 0));
    }
    List<ReplicaView.Item> channels = new ArrayList<>();
    for (TargetChannel c : table.channelsOf(r.getCollectionId()).values()) {
      Optional<Placement> p = Serving.placement(c.getPlacementsList(), r.getId());
      channels.add(item(r, p, 0, c.getName(), 0, serving.channelServer(r, c) != 0));
    }
    return new ReplicaView(r.getId(), r.getCollectionId(), nodes, segments, channels);
  }

  private ReplicaView.Item item(Replica r, Optional<Placement> p, long id, String name, long rows, boolean served) {
    long stored = p.map(Placement::getNodeId).orElse(0L);
    boolean valid = stored != 0 && r.getNodesList().contains(stored) && live.containsKey(stored);
    boolean moving = p.isPresent() && p.get().getPreviousNodeId() != 0;
    return new ReplicaView.Item(id, name, rows, valid ? stored : 0, stored, served, moving,
        p.map(Placement::getPlacedMs).orElse(0L), p.map(Placement::getAttempts).orElse(0));
  }

  /** Rows of every target segment placed on the node, in any collection and replica. */
  private long rowsOn(long node) {
    return globalRows.computeIfAbsent(node, n -> {
      long sum = 0;
      for (long id : table.segmentWork(n)) {
        sum += table.segment(id).map(TargetSegment::getRows).orElse(0L);
      }
      return new long[] {sum};
    })[0];
  }
}
