package io.raftcoord.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.DataNodeAgent;
import io.raftcoord.client.QueryNodeAgent;
import io.raftcoord.client.routing.RoutingPolicy;
import io.raftcoord.client.routing.SearchRouter;
import io.raftcoord.proto.CreateCollectionRequest;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.datacoord.DataCoordReply;
import io.raftcoord.proto.datacoord.DataCoordSettings;
import io.raftcoord.proto.querycoord.ChannelRoute;
import io.raftcoord.proto.querycoord.LoadState;
import io.raftcoord.proto.querycoord.NodeSegments;
import io.raftcoord.proto.querycoord.Replica;
import io.raftcoord.proto.querycoord.ReplicaRoute;
import io.raftcoord.proto.querycoord.SearchPlan;
import io.raftcoord.proto.session.SessionSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * QueryCoord with simulated data and query nodes against three in-process replicas: a load of two
 * replicas reaches LOADED with every segment on exactly one node of each replica; a query node
 * that dies is replaced inside its replica and the collection is served whole again; a replica
 * moves between resource groups; a release frees everything.
 */
class QueryCoordIntegrationTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String COLLECTION = "films";

  @TempDir Path dir;

  /** Ingests into a 2-shard collection until at least {@code segments} segments are flushed. */
  private static void flushedSegments(CoordClient c, int segments) throws Exception {
    c.dataCoord().setSettings(DataCoordSettings.newBuilder().setMaxSegmentBytes(65_536).build());
    c.catalog().createCollection(CreateCollectionRequest.newBuilder().setName(COLLECTION)
        .setSchema(CatalogIntegrationTest.schema()).setShardsNum(2).build());
    DataNodeAgent data = DataNodeAgent.builder(c, "127.0.0.1:42000").heartbeatInterval(Duration.ofMillis(300))
        .pollInterval(Duration.ofMillis(100)).syncInterval(Duration.ofMillis(100)).batchInterval(Duration.ofMillis(20))
        .ingest("", COLLECTION).rowsPerSecond(3_000).start();
    try {
      LocalQuorum.await(() -> data.stats().segmentsFlushed() >= segments, WAIT, segments + " flushed segments");
      data.stopIngest().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      DataCoordReply flush = c.dataCoord().flush("", COLLECTION);
      LocalQuorum.await(() -> c.dataCoord().flushState(flush).getFlushed(), WAIT, "the final flush");
    } finally {
      data.close();
    }
  }

  private static boolean loaded(CoordClient c) {
    return c.queryCoord().loadState("", COLLECTION, false).getState() == LoadState.LOADED;
  }

  /** Every channel has a delegator and every segment a node in every replica; no node 0 in the plan. */
  private static boolean servedWhole(SearchPlan plan, int replicas) {
    for (ChannelRoute ch : plan.getChannelsList()) {
      if (ch.getReplicasCount() != replicas) {
        return false;
      }
      for (ReplicaRoute r : ch.getReplicasList()) {
        if (r.getDelegator() == 0 || r.getNodesList().stream().anyMatch(n -> n.getNodeId() == 0)) {
          return false;
        }
      }
    }
    return true;
  }

  private static long segmentCount(SearchPlan plan) {
    Set<Long> ids = new HashSet<>();
    plan.getChannelsList().forEach(ch -> ch.getReplicasList().forEach(r -> r.getNodesList()
        .forEach(n -> ids.addAll(n.getSegmentIdsList()))));
    return ids.size();
  }

  /** Within one replica, no segment listed on two nodes; every node listed is a member of the replica. */
  private static void assertOneCopyPerReplica(CoordClient c, SearchPlan plan) {
    Map<Long, Replica> replicas = new HashMap<>();
    c.queryCoord().replicas("", COLLECTION).getReplicasList().forEach(r -> replicas.put(r.getId(), r));
    for (ChannelRoute ch : plan.getChannelsList()) {
      for (ReplicaRoute r : ch.getReplicasList()) {
        Set<Long> seen = new HashSet<>();
        for (NodeSegments n : r.getNodesList()) {
          assertTrue(replicas.get(r.getReplicaId()).getNodesList().contains(n.getNodeId()), plan.toString());
          for (long s : n.getSegmentIdsList()) {
            assertTrue(seen.add(s), "segment " + s + " twice in replica " + r.getReplicaId());
          }
        }
      }
    }
  }

  /**
   * Routes 1,200 requests over the loaded plan with each policy: round robin splits them evenly,
   * weighted round robin by the replicas' node capacity, least outstanding (requests held open
   * longer on the first replica) sends more to the other.
   */
  private static void assertRoutingSpread(SearchPlan plan) {
    SearchRouter rr = new SearchRouter(plan, RoutingPolicy.roundRobin());
    List<Long> ids = rr.candidates();
    assertEquals(2, ids.size(), plan.toString());
    Map<Long, Integer> even = new HashMap<>();
    for (int i = 0; i < 1_200; i++) {
      try (SearchRouter.Route r = rr.acquire()) {
        even.merge(r.replicaId(), 1, Integer::sum);
      }
    }
    assertEquals(Map.of(ids.get(0), 600, ids.get(1), 600), even);

    Map<Long, Long> weight = new HashMap<>();
    for (ChannelRoute ch : plan.getChannelsList()) {
      for (ReplicaRoute r : ch.getReplicasList()) {
        Set<Long> nodes = new HashSet<>();
        nodes.add(r.getDelegator());
        r.getNodesList().forEach(n -> nodes.add(n.getNodeId()));
        weight.merge(r.getReplicaId(), 0L, Long::sum);
        weight.put(r.getReplicaId(), Math.max(weight.get(r.getReplicaId()),
            nodes.stream().mapToLong(n -> plan.getNodeCapacityOrDefault(n, 0)).sum()));
      }
    }
    SearchRouter wrr = new SearchRouter(plan, RoutingPolicy.weightedRoundRobin());
    long total = weight.get(ids.get(0)) + weight.get(ids.get(1));
    int requests = (int) (total * 100);
    Map<Long, Integer> weighted = new HashMap<>();
    for (int i = 0; i < requests; i++) {
      try (SearchRouter.Route r = wrr.acquire()) {
        weighted.merge(r.replicaId(), 1, Integer::sum);
      }
    }
    assertEquals(Map.of(ids.get(0), (int) (weight.get(ids.get(0)) * 100), ids.get(1),
        (int) (weight.get(ids.get(1)) * 100)), weighted, "weights " + weight);

    SearchRouter least = new SearchRouter(plan, RoutingPolicy.leastOutstanding());
    List<SearchRouter.Route> slow = new ArrayList<>();
    Map<Long, Integer> byLoad = new HashMap<>();
    for (int i = 0; i < 1_200; i++) {
      SearchRouter.Route r = least.acquire();
      byLoad.merge(r.replicaId(), 1, Integer::sum);
      if (r.replicaId() == ids.get(0)) {
        slow.add(r);  // the first replica holds its requests for 3 rounds
        if (slow.size() > 3) {
          slow.remove(0).close();
        }
      } else {
        r.close();
      }
    }
    assertTrue(byLoad.get(ids.get(1)) > 2 * byLoad.get(ids.get(0)), byLoad.toString());
  }

  @Test
  void loadsTwoReplicasSurvivesANodeLossMovesAReplicaAndReleases() throws Exception {
    try (LocalQuorum q = new LocalQuorum(dir, 10_000, 8 << 20);
         CoordClient c = CoordClient.builder().peers(q.peersString()).build()) {
      q.awaitLeader(WAIT);
      LocalQuorum.awaitVersionsReported(c, WAIT);
      c.sessions().setSettings(SessionSettings.newBuilder().setTtlMs(1_500).build());
      flushedSegments(c, 6);
      List<QueryNodeAgent> nodes = new ArrayList<>();
      try {
        for (int i = 0; i < 2; i++) {
          nodes.add(QueryNodeAgent.builder(c, "127.0.0.1:" + (43_000 + i)).heartbeatInterval(Duration.ofMillis(300))
              .pollInterval(Duration.ofMillis(50)).loadPerSegment(Duration.ofMillis(20)).capacity(i + 1).start());
        }
        CoordException refused = org.junit.jupiter.api.Assertions.assertThrows(CoordException.class,
            () -> c.queryCoord().load("", COLLECTION, 3, List.of()));
        assertEquals(ErrorCode.FAILED_PRECONDITION, refused.code());
        assertTrue(refused.getMessage().contains("__default_resource_group has 2 of 3 (short by 1)"), refused.getMessage());
        for (int i = 2; i < 4; i++) {
          nodes.add(QueryNodeAgent.builder(c, "127.0.0.1:" + (43_000 + i)).heartbeatInterval(Duration.ofMillis(300))
              .pollInterval(Duration.ofMillis(50)).loadPerSegment(Duration.ofMillis(20)).capacity(i + 1).start());
        }
        c.queryCoord().load("", COLLECTION, 2, List.of());
        LocalQuorum.await(() -> loaded(c), WAIT, "the load to reach LOADED");
        assertEquals(100, c.queryCoord().loadState("", COLLECTION, true).getPercent());
        SearchPlan plan = c.queryCoord().searchPlan("", COLLECTION);
        assertTrue(servedWhole(plan, 2), plan.toString());
        long segments = segmentCount(plan);
        assertTrue(segments >= 6, plan.toString());
        assertOneCopyPerReplica(c, plan);
        assertRoutingSpread(plan);

        QueryNodeAgent victim = nodes.remove(0);
        long victimId = victim.session().getServerId();
        victim.halt();
        LocalQuorum.await(() -> c.queryCoord().replicas("", COLLECTION).getReplicasList().stream()
            .noneMatch(r -> r.getNodesList().contains(victimId)), WAIT, "the dead node to leave its replica");
        LocalQuorum.await(() -> servedWhole(c.queryCoord().searchPlan("", COLLECTION), 2), WAIT,
            "the dead node's segments to be served again inside its replica");
        assertTrue(loaded(c));
        plan = c.queryCoord().searchPlan("", COLLECTION);
        assertEquals(segments, segmentCount(plan));
        assertOneCopyPerReplica(c, plan);

        c.queryCoord().createResourceGroup("rg1", 0, 0);
        c.queryCoord().transferNode("__default_resource_group", "rg1", 1);
        LocalQuorum.await(() -> c.queryCoord().resourceGroups().getGroupsList().stream()
            .anyMatch(g -> g.getName().equals("rg1") && g.getNodesCount() == 1), WAIT, "a node in rg1");
        c.queryCoord().transferReplica("__default_resource_group", "rg1", "", COLLECTION, 1);
        LocalQuorum.await(() -> c.queryCoord().replicas("", COLLECTION).getReplicasList().stream()
            .filter(r -> r.getResourceGroup().equals("rg1")).count() == 1
            && servedWhole(c.queryCoord().searchPlan("", COLLECTION), 2), WAIT, "a replica served whole in rg1");

        c.queryCoord().release("", COLLECTION, List.of());
        assertEquals(LoadState.NOT_LOAD, c.queryCoord().loadState("", COLLECTION, false).getState());
        assertEquals(0, c.queryCoord().replicas("", COLLECTION).getReplicasCount());
        LocalQuorum.await(() -> nodes.stream().allMatch(n -> n.serving().isEmpty() && n.delegating().isEmpty()), WAIT,
            "every node to release everything");
        LocalQuorum.await(() -> c.queryCoord().distribution(0).getNodesList().stream()
            .allMatch(d -> d.getSegmentIdsCount() == 0 && d.getChannelsCount() == 0), WAIT, "empty distributions");
      } finally {
        nodes.forEach(QueryNodeAgent::close);
      }
    }
  }
}
