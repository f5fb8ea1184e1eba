package io.raftcoord.statemachine.querycoord;

import io.raftcoord.proto.querycoord.ChannelPlace;
import io.raftcoord.proto.querycoord.QueryCoordSettings;
import io.raftcoord.proto.querycoord.SegmentPlace;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The segment, channel and balance checkers of one replica, as pure functions of a
 * {@link ReplicaView}. The checker places what is missing (delegators first, then segments
 * largest first by the balancer) and retries placements not served within the task timeout on
 * another node; the balancer drains stopping nodes and, once the replica has settled, makes a few
 * moves that even out the load. A move keeps the old node serving until the new one has the
 * segment, so a replica never stops serving it.
 */
final class PlacementPlanner {
  record Steps(List<SegmentPlace> segments, List<ChannelPlace> channels) {
    boolean isEmpty() {
      return segments.isEmpty() && channels.isEmpty();
    }
  }

  private PlacementPlanner() {}

  /**
   * Places missing channels and segments, retries timed-out placements, and ends moves whose new
   * node already serves the item (a step to the same node, which apply reads as "the move is over").
   */
  static Steps check(ReplicaView v, QueryCoordSettings s, SegmentBalancer balancer, long nowMs) {
    List<ReplicaView.Node> rw = v.nodes().stream().filter(n -> !n.stopping()).toList();
    List<SegmentPlace> segs = new ArrayList<>();
    List<ChannelPlace> chans = new ArrayList<>();
    if (rw.isEmpty()) {
      return new Steps(segs, chans);
    }
    Map<Long, Integer> delegators = delegators(v);
    for (ReplicaView.Item c : v.channels()) {
      if (c.moving() && c.arrived()) {
        chans.add(ChannelPlace.newBuilder().setChannel(c.name()).setReplicaId(v.replicaId()).setNodeId(c.node())
            .setExpectedNodeId(c.stored()).setMove(true).build());
        continue;
      }
      boolean timedOut = c.node() != 0 && !c.served() && !c.moving()
          && nowMs - c.placedMs() >= s.getChannelTaskTimeoutMs() && c.attempts() < s.getTaskMaxRetries();
      if (c.node() == 0 || timedOut) {
        long to = fewestDelegators(rw, delegators, timedOut ? c.node() : 0);
        delegators.merge(to, 1, Integer::sum);
        chans.add(ChannelPlace.newBuilder().setChannel(c.name()).setReplicaId(v.replicaId()).setNodeId(to)
            .setExpectedNodeId(c.stored()).build());
      }
    }
    List<SegmentBalancer.Seg> missing = new ArrayList<>();
    List<ReplicaView.Item> timedOut = new ArrayList<>();
    for (ReplicaView.Item i : v.segments()) {
      if (i.moving() && i.arrived()) {
        segs.add(place(v, i, i.node(), true));  // ends a move whose new node served it without a report saying so
      } else if (i.node() == 0) {
        missing.add(new SegmentBalancer.Seg(i.id(), i.rows(), 0));
      } else if (!i.served() && !i.moving() && nowMs - i.placedMs() >= s.getSegmentTaskTimeoutMs()
          && i.attempts() < s.getTaskMaxRetries()) {
        timedOut.add(i);
      }
    }
    List<SegmentBalancer.NodeLoad> loads = loads(v, rw);
    List<SegmentBalancer.Plan> assigned = balancer.assign(missing, loads, true, Integer.MAX_VALUE);
    Map<Long, ReplicaView.Item> byId = itemsOf(v, assigned);
    for (SegmentBalancer.Plan p : assigned) {
      segs.add(place(v, byId.get(p.segmentId()), p.to(), false));
    }
    for (ReplicaView.Item i : timedOut) {
      List<SegmentBalancer.NodeLoad> others = loads.stream().filter(l -> l.id() != i.node()).toList();
      long to = others.isEmpty() ? i.node() : balancer.assign(List.of(new SegmentBalancer.Seg(i.id(), i.rows(), 0)),
          others, true, 1).get(0).to();
      segs.add(place(v, i, to, false));
    }
    return new Steps(segs, chans);
  }

  /**
   * Moves off stopping nodes (every round, up to {@code drain_segments_per_round}), else, when
   * {@code normal} and nothing of the replica is loading or moving, a few moves that even out
   * delegators and segments.
   */
  static Steps balance(ReplicaView v, QueryCoordSettings s, SegmentBalancer balancer, boolean normal) {
    List<ReplicaView.Node> rw = v.nodes().stream().filter(n -> !n.stopping()).toList();
    List<SegmentPlace> segs = new ArrayList<>();
    List<ChannelPlace> chans = new ArrayList<>();
    if (rw.isEmpty()) {
      return new Steps(segs, chans);
    }
    List<Long> stopping = v.nodes().stream().filter(ReplicaView.Node::stopping).map(ReplicaView.Node::id).toList();
    Map<Long, Integer> delegators = delegators(v);
    List<SegmentBalancer.NodeLoad> loads = loads(v, rw);
    if (!stopping.isEmpty()) {
      // A drain does not wait for the rest of the replica to settle (new segments may keep coming);
      // only what is not already moving leaves, so a move in flight is never cut short.
      for (ReplicaView.Item c : v.channels()) {
        if (stopping.contains(c.node()) && !c.moving()) {
          long to = fewestDelegators(rw, delegators, 0);
          delegators.merge(to, 1, Integer::sum);
          chans.add(ChannelPlace.newBuilder().setChannel(c.name()).setReplicaId(v.replicaId()).setNodeId(to)
              .setExpectedNodeId(c.stored()).setMove(true).build());
        }
      }
      List<SegmentBalancer.Seg> leaving = v.segments().stream().filter(i -> stopping.contains(i.node()) && !i.moving())
          .map(i -> new SegmentBalancer.Seg(i.id(), i.rows(), i.node())).toList();
      List<SegmentBalancer.Plan> drained = balancer.assign(leaving, loads, true, s.getDrainSegmentsPerRound());
      Map<Long, ReplicaView.Item> byId = itemsOf(v, drained);
      for (SegmentBalancer.Plan p : drained) {
        segs.add(place(v, byId.get(p.segmentId()), p.to(), true));
      }
      if (!segs.isEmpty() || !chans.isEmpty()) {
        return new Steps(segs, chans);
      }
    }
    boolean unsettled = v.segments().stream().anyMatch(i -> i.node() == 0 || !i.served() || i.moving())
        || v.channels().stream().anyMatch(i -> i.node() == 0 || !i.served() || i.moving());
    if (unsettled) {
      return new Steps(segs, chans);
    }
    if (!normal) {
      return new Steps(segs, chans);
    }
    for (int i = 0; i < s.getBalanceChannelsPerRound(); i++) {
      long most = rw.stream().max(Comparator.comparingInt((ReplicaView.Node n) -> delegators.getOrDefault(n.id(), 0))
          .thenComparingLong(n -> -n.id())).orElseThrow().id();
      long least = fewestDelegators(rw, delegators, 0);
      if (delegators.getOrDefault(most, 0) - delegators.getOrDefault(least, 0) < 2) {
        break;
      }
      ReplicaView.Item c = v.channels().stream().filter(x -> x.node() == most).findFirst().orElseThrow();
      if (chans.stream().anyMatch(x -> x.getChannel().equals(c.name()))) {
        break;
      }
      delegators.merge(most, -1, Integer::sum);
      delegators.merge(least, 1, Integer::sum);
      chans.add(ChannelPlace.newBuilder().setChannel(c.name()).setReplicaId(v.replicaId()).setNodeId(least)
          .setExpectedNodeId(c.stored()).setMove(true).build());
    }
    if (!chans.isEmpty()) {
      return new Steps(segs, chans);
    }
    List<SegmentBalancer.Seg> placed = v.segments().stream()
        .map(i -> new SegmentBalancer.Seg(i.id(), i.rows(), i.node())).toList();
    List<SegmentBalancer.Plan> moves = balancer.balance(placed, loads, s.getBalanceSegmentsPerRound());
    Map<Long, ReplicaView.Item> byId = itemsOf(v, moves);
    for (SegmentBalancer.Plan p : moves) {
      segs.add(place(v, byId.get(p.segmentId()), p.to(), true));
    }
    return new Steps(segs, chans);
  }

  /** The view's items of the planned segments: one pass, without indexing every segment of the replica. */
  private static Map<Long, ReplicaView.Item> itemsOf(ReplicaView v, List<SegmentBalancer.Plan> plans) {
    Map<Long, ReplicaView.Item> out = new HashMap<>();
    if (plans.isEmpty()) {
      return out;
    }
    long[] ids = plans.stream().mapToLong(SegmentBalancer.Plan::segmentId).sorted().toArray();
    for (ReplicaView.Item i : v.segments()) {
      if (java.util.Arrays.binarySearch(ids, i.id()) >= 0) {
        out.put(i.id(), i);
      }
    }
    return out;
  }

  private static SegmentPlace place(ReplicaView v, ReplicaView.Item i, long to, boolean move) {
    return SegmentPlace.newBuilder().setSegmentId(i.id()).setReplicaId(v.replicaId()).setNodeId(to)
        .setExpectedNodeId(i.stored()).setMove(move).build();
  }

  private static Map<Long, Integer> delegators(ReplicaView v) {
    Map<Long, Integer> out = new HashMap<>();
    for (ReplicaView.Item c : v.channels()) {
      if (c.node() != 0) {
        out.merge(c.node(), 1, Integer::sum);
      }
    }
    return out;
  }

  /** The node with the fewest of this collection's delegators, then the fewest channels overall, then lowest id. */
  private static long fewestDelegators(List<ReplicaView.Node> rw, Map<Long, Integer> delegators, long avoid) {
    List<ReplicaView.Node> pool = rw.size() > 1 ? rw.stream().filter(n -> n.id() != avoid).toList() : rw;
    return pool.stream().min(Comparator.comparingInt((ReplicaView.Node n) -> delegators.getOrDefault(n.id(), 0))
        .thenComparingInt(ReplicaView.Node::globalChannels).thenComparingLong(ReplicaView.Node::id)).orElseThrow().id();
  }

  private static List<SegmentBalancer.NodeLoad> loads(ReplicaView v, List<ReplicaView.Node> rw) {
    long[] ids = rw.stream().mapToLong(ReplicaView.Node::id).sorted().toArray();
    long[] rows = new long[ids.length];
    int[] count = new int[ids.length];
    for (ReplicaView.Item i : v.segments()) {
      int at = i.node() == 0 ? -1 : java.util.Arrays.binarySearch(ids, i.node());
      if (at >= 0) {
        rows[at] += i.rows();
        count[at]++;
      }
    }
    Map<Long, Integer> delegators = delegators(v);
    List<SegmentBalancer.NodeLoad> out = new ArrayList<>();
    for (ReplicaView.Node n : rw) {
      int at = java.util.Arrays.binarySearch(ids, n.id());
      out.add(new SegmentBalancer.NodeLoad(n.id(), rows[at], n.globalRows(), count[at],
          delegators.getOrDefault(n.id(), 0)));
    }
    return out;
  }

}
