package io.raftcoord.statemachine.querycoord;

import io.raftcoord.proto.Record;
import io.raftcoord.proto.querycoord.QueryCoordEventKind;
import io.raftcoord.proto.querycoord.Replica;
import io.raftcoord.proto.querycoord.ResourceGroup;
import io.raftcoord.proto.session.Session;
import io.raftcoord.statemachine.session.SessionTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Keeps which group each live query node is in and which nodes each replica has in line with the
 * sessions and the group settings: given the groups and replicas a command leaves (a draft), it
 * runs {@link GroupRecovery} and {@link ReplicaNodes} and returns the records of every difference
 * from the committed state, groups and replicas included. Group records exist only for nodes
 * outside the default group, so the default group's members follow the sessions alone.
 */
final class Membership {
  private final QueryCoordTable table;
  private final SessionTable sessions;

  Membership(QueryCoordTable table, SessionTable sessions) {
    this.table = table;
    this.sessions = sessions;
  }

  /** A copy of the committed groups, to change and pass to {@link #commit}. */
  TreeMap<String, ResourceGroup> draftGroups() {
    return new TreeMap<>(table.groups());
  }

  TreeMap<Long, Replica> draftReplicas() {
    return new TreeMap<>(table.replicas());
  }

  /** Each live query node's group now (the default group when it has no record or its group is gone). */
  SortedMap<Long, String> currentGroups(SortedMap<String, ResourceGroup> groups) {
    SortedMap<Long, String> out = new TreeMap<>();
    for (long node : QueryNodes.live(sessions).keySet()) {
      String g = table.nodeGroups().get(node);
      out.put(node, g != null && groups.containsKey(g) ? g : QueryCoordTable.DEFAULT_GROUP);
    }
    return out;
  }

  /** Live, not stopping, query nodes of each group (after recovery of {@code groups}). */
  Map<String, TreeSet<Long>> serving(SortedMap<String, ResourceGroup> groups) {
    Map<String, TreeSet<Long>> out = new HashMap<>();
    TreeMap<Long, Session> live = QueryNodes.live(sessions);
    GroupRecovery.plan(groups, currentGroups(groups)).forEach((node, g) -> {
      if (!QueryNodes.stopping(live.get(node))) {
        out.computeIfAbsent(g, x -> new TreeSet<>()).add(node);
      }
    });
    return out;
  }

  /** Records that take the committed state to {@code groups} and {@code replicas}, with nodes recovered and split. */
  List<Record> commit(SortedMap<String, ResourceGroup> groups, SortedMap<Long, Replica> replicas, List<Record> earlier) {
    List<Record> out = new ArrayList<>(earlier);
    for (ResourceGroup g : table.groups().values()) {
      if (!groups.containsKey(g.getName())) {
        out.add(QueryRecords.group(QueryCoordEventKind.GROUP_REMOVED, g));
      }
    }
    for (ResourceGroup g : groups.values()) {
      if (!g.equals(table.groups().get(g.getName()))) {
        out.add(QueryRecords.group(QueryCoordEventKind.GROUP_PUT, g));
      }
    }
    SortedMap<Long, String> after = GroupRecovery.plan(groups, currentGroups(groups));
    for (Map.Entry<Long, String> e : table.nodeGroups().entrySet()) {
      if (!after.containsKey(e.getKey())) {
        out.add(QueryRecords.nodeGroup(e.getKey(), QueryCoordTable.DEFAULT_GROUP));
      }
    }
    after.forEach((node, g) -> {
      String before = table.nodeGroups().getOrDefault(node, QueryCoordTable.DEFAULT_GROUP);
      if (!before.equals(g)) {
        out.add(QueryRecords.nodeGroup(node, g));
      }
    });
    Map<String, TreeSet<Long>> members = new HashMap<>();
    after.forEach((node, g) -> members.computeIfAbsent(g, x -> new TreeSet<>()).add(node));
    Map<String, Map<Long, List<Replica>>> byGroupAndCollection = new TreeMap<>();
    for (Replica r : replicas.values()) {
      byGroupAndCollection.computeIfAbsent(r.getResourceGroup(), x -> new TreeMap<>())
          .computeIfAbsent(r.getCollectionId(), x -> new ArrayList<>()).add(r);
    }
    for (Map.Entry<String, Map<Long, List<Replica>>> g : byGroupAndCollection.entrySet()) {
      TreeSet<Long> nodes = members.getOrDefault(g.getKey(), new TreeSet<>());
      for (List<Replica> rs : g.getValue().values()) {
        Map<Long, TreeSet<Long>> split = ReplicaNodes.assign(rs, nodes);
        for (Replica r : rs) {
          Replica next = r.toBuilder().clearNodes().addAllNodes(split.get(r.getId())).build();
          if (!next.equals(table.replicas().get(r.getId()))) {
            out.add(QueryRecords.replica(QueryCoordEventKind.REPLICA_PUT, next));
          }
        }
      }
    }
    for (Replica r : table.replicas().values()) {
      if (!replicas.containsKey(r.getId())) {
        out.add(QueryRecords.replica(QueryCoordEventKind.REPLICA_REMOVED, r));
      }
    }
    return out;
  }
}
