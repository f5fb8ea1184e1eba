package io.raftcoord.statemachine.querycoord;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftcoord.proto.querycoord.ResourceGroup;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** {@link GroupRecovery}: surplus back to the default group, requests filled from it and then from groups over their requests. */
class GroupRecoveryTest {
  private static final String DEF = QueryCoordTable.DEFAULT_GROUP;

  private static SortedMap<String, ResourceGroup> groups(ResourceGroup... gs) {
    SortedMap<String, ResourceGroup> out = new TreeMap<>();
    out.put(DEF, QueryCoordTable.DEFAULT_GROUP_CONFIG);
    for (ResourceGroup g : gs) {
      out.put(g.getName(), g);
    }
    return out;
  }

  private static ResourceGroup rg(String name, int requests, int limits) {
    return ResourceGroup.newBuilder().setName(name).setRequests(requests).setLimits(limits).build();
  }

  private static SortedMap<Long, String> assignment(Object... nodeThenGroup) {
    SortedMap<Long, String> out = new TreeMap<>();
    for (int i = 0; i < nodeThenGroup.length; i += 2) {
      out.put(((Number) nodeThenGroup[i]).longValue(), (String) nodeThenGroup[i + 1]);
    }
    return out;
  }

  @Test
  void surplusOverLimitsGoesBackToDefaultHighestIdsFirst() {
    SortedMap<Long, String> after = GroupRecovery.plan(groups(rg("a", 0, 2)),
        assignment(1, "a", 2, "a", 3, "a", 4, "a", 5, DEF));
    assertEquals(assignment(1, "a", 2, "a", 3, DEF, 4, DEF, 5, DEF), after);
  }

  @Test
  void requestsAreFilledFromTheDefaultGroupLowestIdsFirst() {
    SortedMap<Long, String> after = GroupRecovery.plan(groups(rg("a", 2, 3)),
        assignment(5, DEF, 6, DEF, 7, DEF));
    assertEquals(assignment(5, "a", 6, "a", 7, DEF), after);
  }

  @Test
  void thenFromGroupsHoldingMoreThanTheyRequest() {
    SortedMap<Long, String> after = GroupRecovery.plan(groups(rg("a", 1, 5), rg("b", 2, 2)),
        assignment(1, "a", 2, "a", 3, "a"));
    assertEquals(assignment(1, "a", 2, "b", 3, "b"), after, "b takes a's highest ids; a keeps its request");
    // A group at its requests gives nothing.
    SortedMap<Long, String> none = GroupRecovery.plan(groups(rg("a", 2, 5), rg("b", 1, 1)),
        assignment(1, "a", 2, "a"));
    assertEquals(assignment(1, "a", 2, "a"), none);
  }

  @Test
  void groupsAreVisitedByName() {
    // Inserted out of order: "a" is still served first.
    SortedMap<String, ResourceGroup> gs = new TreeMap<>();
    gs.put("b", rg("b", 1, 1));
    gs.put("a", rg("a", 1, 1));
    gs.put(DEF, QueryCoordTable.DEFAULT_GROUP_CONFIG);
    assertEquals(assignment(9, "a"), GroupRecovery.plan(gs, assignment(9, DEF)));
    assertEquals(assignment(8, "a", 9, "b"), GroupRecovery.plan(gs, assignment(8, DEF, 9, DEF)));
  }

  @Test
  void aNodeOfAnUnknownGroupIsInTheDefaultGroupAndEveryNodeStaysAssigned() {
    SortedMap<Long, String> after = GroupRecovery.plan(groups(rg("a", 0, 1)),
        assignment(1, "gone", 2, "a", 3, "a"));
    assertEquals(assignment(1, DEF, 2, "a", 3, DEF), after);
    assertEquals(3, after.size());
  }

  @Test
  void aStableAssignmentIsAFixpoint() {
    SortedMap<String, ResourceGroup> gs = groups(rg("a", 2, 3), rg("b", 1, 4), rg("c", 0, 0));
    SortedMap<Long, String> start = assignment(1, DEF, 2, DEF, 3, "c", 4, "a", 5, "b", 6, "b", 7, "b", 8, "b", 9, "b");
    SortedMap<Long, String> once = GroupRecovery.plan(gs, start);
    assertEquals(once, GroupRecovery.plan(gs, once));
    Map<String, Long> count = new TreeMap<>();
    once.values().forEach(g -> count.merge(g, 1L, Long::sum));
    assertEquals(2L, count.get("a"));
    assertEquals(null, count.get("c"), "limits 0 holds nothing");
    assertEquals(4L, count.get("b"));
  }
}
