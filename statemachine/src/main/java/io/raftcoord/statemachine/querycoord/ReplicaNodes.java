package io.raftcoord.statemachine.querycoord;

import io.raftcoord.proto.querycoord.Replica;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Splits one group's nodes among one collection's replicas in that group, as a pure function:
 * every node in exactly one replica, nodes keep their replica while they stay in the group, a new
 * node joins the replica with the fewest nodes, and a replica left with none takes one from the
 * largest. Moving as few nodes as possible keeps placements (and what nodes serve) in place.
 */
final class ReplicaNodes {
  private ReplicaNodes() {}

  /** Node lists by replica id, for {@code replicas} (ascending by id) sharing {@code groupNodes}. */
  static Map<Long, TreeSet<Long>> assign(List<Replica> replicas, SortedSet<Long> groupNodes) {
    Map<Long, TreeSet<Long>> out = new LinkedHashMap<>();
    Set<Long> taken = new HashSet<>();
    for (Replica r : replicas) {
      TreeSet<Long> keep = new TreeSet<>();
      for (long n : r.getNodesList()) {
        if (groupNodes.contains(n) && taken.add(n)) {
          keep.add(n);
        }
      }
      out.put(r.getId(), keep);
    }
    if (out.isEmpty()) {
      return out;
    }
    for (long n : groupNodes) {
      if (!taken.contains(n)) {
        smallest(out).add(n);
      }
    }
    List<Long> ids = new ArrayList<>(out.keySet());
    for (long id : ids) {
      TreeSet<Long> mine = out.get(id);
      if (mine.isEmpty()) {
        TreeSet<Long> largest = largest(out);
        if (largest.size() >= 2) {
          mine.add(largest.pollLast());
        }
      }
    }
    return out;
  }

  private static TreeSet<Long> smallest(Map<Long, TreeSet<Long>> m) {
    TreeSet<Long> best = null;
    for (TreeSet<Long> s : m.values()) {
      if (best == null || s.size() < best.size()) {
        best = s;
      }
    }
    return best;
  }

  private static TreeSet<Long> largest(Map<Long, TreeSet<Long>> m) {
    TreeSet<Long> best = null;
    for (TreeSet<Long> s : m.values()) {
      if (best == null || s.size() > best.size()) {
        best = s;
      }
    }
    return best;
  }
}
