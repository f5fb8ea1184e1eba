package io.raftcoord.statemachine.querycoord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.querycoord.Replica;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** {@link ReplicaNodes}: members stay, new nodes go to the smallest replica, an empty replica takes one from the largest. */
class ReplicaNodesTest {
  private static Replica replica(long id, long... nodes) {
    Replica.Builder b = Replica.newBuilder().setId(id).setCollectionId(1).setResourceGroup(QueryCoordTable.DEFAULT_GROUP);
    for (long n : nodes) {
      b.addNodes(n);
    }
    return b.build();
  }

  private static TreeSet<Long> set(long... ids) {
    TreeSet<Long> out = new TreeSet<>();
    for (long id : ids) {
      out.add(id);
    }
    return out;
  }

  @Test
  void existingMembersStayAndNewNodesGoToTheSmallestReplica() {
    Map<Long, TreeSet<Long>> out = ReplicaNodes.assign(List.of(replica(1, 1, 2), replica(2, 3)), set(1, 2, 3, 4, 5));
    assertEquals(Map.of(1L, set(1, 2, 5), 2L, set(3, 4)), out);
  }

  @Test
  void freshReplicasShareNodesAlternately() {
    Map<Long, TreeSet<Long>> out = ReplicaNodes.assign(List.of(replica(10), replica(11)), set(1, 2, 3, 4, 5));
    assertEquals(Map.of(10L, set(1, 3, 5), 11L, set(2, 4)), out);
    assertEquals(List.of(10L, 11L), new ArrayList<>(out.keySet()));
  }

  @Test
  void anEmptyReplicaTakesOneFromTheLargest() {
    Map<Long, TreeSet<Long>> out = ReplicaNodes.assign(List.of(replica(1, 1, 2, 3), replica(2)), set(1, 2, 3));
    assertEquals(Map.of(1L, set(1, 2), 2L, set(3)), out);
    // A replica with one node keeps it even if another replica has none.
    assertEquals(Map.of(1L, set(1), 2L, set()), ReplicaNodes.assign(List.of(replica(1, 1), replica(2)), set(1)));
  }

  @Test
  void nodesThatLeftTheGroupAreDroppedAndANodeIsNeverInTwoReplicas() {
    Map<Long, TreeSet<Long>> out = ReplicaNodes.assign(List.of(replica(1, 1, 9), replica(2, 1, 2)), set(1, 2));
    assertEquals(Map.of(1L, set(1), 2L, set(2)), out);
  }

  @Test
  void noReplicasNoAssignment() {
    assertTrue(ReplicaNodes.assign(List.of(), set(1, 2)).isEmpty());
  }

  @Test
  void everyNodeIsInExactlyOneReplicaAndMembersOnlyMoveToFillAnEmptyReplica() {
    Random rnd = new Random(42);
    for (int round = 0; round < 500; round++) {
      int replicas = 1 + rnd.nextInt(4);
      TreeSet<Long> group = new TreeSet<>();
      for (long n = 1; n <= 10; n++) {
        if (rnd.nextInt(3) > 0) {
          group.add(n);
        }
      }
      List<Replica> rs = new ArrayList<>();
      for (int r = 0; r < replicas; r++) {
        List<Long> members = new ArrayList<>();
        for (long n = 1; n <= 12; n++) {
          if (rnd.nextInt(replicas + 2) == 0) {
            members.add(n);
          }
        }
        rs.add(replica(r + 1, members.stream().mapToLong(Long::longValue).toArray()));
      }
      Map<Long, TreeSet<Long>> out = ReplicaNodes.assign(rs, group);
      String ctx = rs + " in " + group + " -> " + out;
      TreeSet<Long> all = new TreeSet<>();
      int total = 0;
      for (TreeSet<Long> s : out.values()) {
        all.addAll(s);
        total += s.size();
      }
      assertEquals(group, all, ctx);
      assertEquals(group.size(), total, "no node twice: " + ctx);
      int empty = (int) out.values().stream().filter(Set::isEmpty).count();
      assertTrue(empty == 0 || group.size() < replicas || out.values().stream().allMatch(s -> s.size() <= 1),
          "a replica is empty only when nodes are short: " + ctx);
      // A node that was first claimed by replica r and is still in the group stays in r, unless it was the
      // one given to an empty replica.
      Map<Long, Long> first = new TreeMap<>();
      for (Replica r : rs) {
        for (long n : r.getNodesList()) {
          if (group.contains(n)) {
            first.putIfAbsent(n, r.getId());
          }
        }
      }
      int moved = 0;
      for (Map.Entry<Long, Long> e : first.entrySet()) {
        if (!out.get(e.getValue()).contains(e.getKey())) {
          moved++;
        }
      }
      assertTrue(moved <= replicas - 1, "members moved only to fill empty replicas: " + ctx);
    }
  }
}
