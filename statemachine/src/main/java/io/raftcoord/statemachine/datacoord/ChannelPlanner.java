package io.raftcoord.statemachine.datacoord;

import io.raftcoord.proto.datacoord.Channel;
import io.raftcoord.proto.datacoord.ChannelMove;
import io.raftcoord.proto.datacoord.ChannelWatchState;
import io.raftcoord.proto.session.SessionRef;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * Channel placement by average count (Milvus 2.5's channel manager), as a pure function of a view.
 * A channel without a live owner (never assigned, owner ended or re-registered, watch failed,
 * released) goes TO_WATCH to the Active data node with the fewest channels (ties: lowest id;
 * after a watch failure another node if there is one). A channel of a Stopping node goes
 * TO_RELEASE, its owner flushes and answers, and the next round places it. Only when every
 * channel is settled (WATCH_SUCCESS on an Active node) and node membership has been quiet for the
 * balance period are channels moved to even out counts, until they differ by at most one: so a
 * node leaving moves only its own channels, and a node joining takes only its share.
 */
public final class ChannelPlanner {
  /** A channel of a live collection and its current assignment (null: never assigned). */
  public record Slot(String name, long collectionId, Channel current) {}

  /** A live data node. */
  public record Node(long id, long epoch, boolean stopping) {
    SessionRef ref() {
      return SessionRef.newBuilder().setServerId(id).setEpoch(epoch).build();
    }
  }

  private ChannelPlanner() {}

  /**
   * @param slots every channel of every live collection, sorted by name
   * @param nodes live data nodes, sorted by id
   * @param balanceAllowed membership has been quiet for the balance period
   */
  public static List<ChannelMove> plan(List<Slot> slots, List<Node> nodes, boolean balanceAllowed) {
    TreeMap<Long, Node> live = new TreeMap<>();
    TreeMap<Long, Integer> load = new TreeMap<>();
    for (Node n : nodes) {
      live.put(n.id(), n);
      if (!n.stopping()) {
        load.put(n.id(), 0);
      }
    }
    for (Slot s : slots) {
      Node owner = owner(s, live);
      if (owner != null && load.containsKey(owner.id())) {
        load.merge(owner.id(), 1, Integer::sum);
      }
    }
    List<ChannelMove> moves = new ArrayList<>();
    boolean settled = true;
    for (Slot s : slots) {
      Node owner = owner(s, live);
      if (owner != null) {
        if (owner.stopping() && s.current().getState() != ChannelWatchState.TO_RELEASE && !load.isEmpty()) {
          moves.add(move(s, owner.ref(), ChannelWatchState.TO_RELEASE));
        }
        settled &= s.current().getState() == ChannelWatchState.WATCH_SUCCESS && !owner.stopping();
        continue;
      }
      settled = false;
      long avoid = s.current() != null && s.current().getState() == ChannelWatchState.WATCH_FAILURE
          ? s.current().getNode().getServerId() : 0;
      Long target = leastLoaded(load, avoid);
      if (target != null) {
        moves.add(move(s, live.get(target).ref(), ChannelWatchState.TO_WATCH));
        load.merge(target, 1, Integer::sum);
      }
    }
    if (moves.isEmpty() && settled && balanceAllowed) {
      balance(slots, load, moves);
    }
    return moves;
  }

  /** The channel's owner if it is live at the assigned epoch and still holds the channel. */
  static Node owner(Slot s, TreeMap<Long, Node> live) {
    Channel c = s.current();
    if (c == null || c.getNode().getServerId() == 0) {
      return null;
    }
    Node n = live.get(c.getNode().getServerId());
    if (n == null || n.epoch() != c.getNode().getEpoch()) {
      return null;
    }
    return switch (c.getState()) {
      case TO_WATCH, WATCH_SUCCESS, TO_RELEASE -> n;
      case WATCH_FAILURE, RELEASE_SUCCESS, RELEASE_FAILURE, WATCH_STATE_NONE, UNRECOGNIZED -> null;
    };
  }

  private static Long leastLoaded(TreeMap<Long, Integer> load, long avoid) {
    Long best = null;
    for (var e : load.entrySet()) {
      if (e.getKey() == avoid && load.size() > 1) {
        continue;
      }
      if (best == null || e.getValue() < load.get(best)) {
        best = e.getKey();
      }
    }
    return best;
  }

  private static void balance(List<Slot> slots, TreeMap<Long, Integer> load, List<ChannelMove> moves) {
    Set<String> moving = new HashSet<>();
    while (load.size() > 1) {
      long max = load.firstKey();
      long min = load.firstKey();
      for (var e : load.entrySet()) {
        if (e.getValue() > load.get(max)) {
          max = e.getKey();
        }
        if (e.getValue() < load.get(min)) {
          min = e.getKey();
        }
      }
      if (load.get(max) - load.get(min) <= 1) {
        return;
      }
      Slot pick = null;
      for (Slot s : slots) {
        if (s.current().getNode().getServerId() == max && !moving.contains(s.name())) {
          pick = s;
        }
      }
      if (pick == null) {
        return;
      }
      moving.add(pick.name());
      moves.add(move(pick, pick.current().getNode(), ChannelWatchState.TO_RELEASE));
      load.merge(max, -1, Integer::sum);
      load.merge(min, 1, Integer::sum);
    }
  }

  private static ChannelMove move(Slot s, SessionRef to, ChannelWatchState state) {
    ChannelMove.Builder m = ChannelMove.newBuilder().setChannel(s.name()).setCollectionId(s.collectionId())
        .setTo(to).setState(state);
    if (s.current() != null) {
      m.setFrom(s.current().getNode()).setFromState(s.current().getState());
    }
    return m.build();
  }
}
