package io.raftcoord.statemachine.querycoord;

import io.raftcoord.proto.querycoord.ResourceGroup;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Milvus's resource group recovery as a pure function: a group over its limits gives its surplus
 * (highest node ids first) back to the default group; a group under its requests takes nodes from
 * the default group (lowest ids first), then from groups holding more than they request. Groups
 * are visited by name, so every replica computes the same moves.
 */
final class GroupRecovery {
  private GroupRecovery() {}

  /** The group of every node after recovery, from {@code assignment} (every live node → its group now). */
  static SortedMap<Long, String> plan(SortedMap<String, ResourceGroup> groups, SortedMap<Long, String> assignment) {
    Map<String, TreeSet<Long>> members = new HashMap<>();
    for (String g : groups.keySet()) {
      members.put(g, new TreeSet<>());
    }
    TreeSet<Long> free = members.get(QueryCoordTable.DEFAULT_GROUP);
    for (Map.Entry<Long, String> e : assignment.entrySet()) {
      members.getOrDefault(e.getValue(), free).add(e.getKey());
    }
    for (ResourceGroup g : groups.values()) {
      if (g.getName().equals(QueryCoordTable.DEFAULT_GROUP)) {
        continue;
      }
      TreeSet<Long> m = members.get(g.getName());
      while (m.size() > g.getLimits()) {
        free.add(m.pollLast());
      }
    }
    for (ResourceGroup g : groups.values()) {
      if (g.getName().equals(QueryCoordTable.DEFAULT_GROUP)) {
        continue;
      }
      TreeSet<Long> m = members.get(g.getName());
      while (m.size() < g.getRequests()) {
        Long taken = free.pollFirst();
        if (taken == null) {
          taken = takeFromSurplus(groups, members, g.getName());
        }
        if (taken == null) {
          break;
        }
        m.add(taken);
      }
    }
    SortedMap<Long, String> out = new TreeMap<>();
    members.forEach((g, nodes) -> nodes.forEach(n -> out.put(n, g)));
    return out;
  }

  private static Long takeFromSurplus(SortedMap<String, ResourceGroup> groups, Map<String, TreeSet<Long>> members,
      String taker) {
    for (ResourceGroup h : groups.values()) {
      if (h.getName().equals(QueryCoordTable.DEFAULT_GROUP) || h.getName().equals(taker)) {
        continue;
      }
      TreeSet<Long> m = members.get(h.getName());
      if (m.size() > h.getRequests()) {
        return m.pollLast();
      }
    }
    return null;
  }
}
