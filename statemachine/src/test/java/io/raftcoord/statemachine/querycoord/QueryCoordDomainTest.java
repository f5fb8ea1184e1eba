package io.raftcoord.statemachine.querycoord;

import static io.raftcoord.statemachine.querycoord.QueryCoordFixture.ref;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.querycoord.CollectionLoad;
import io.raftcoord.proto.querycoord.GetLoadState;
import io.raftcoord.proto.querycoord.LoadCollection;
import io.raftcoord.proto.querycoord.LoadState;
import io.raftcoord.proto.querycoord.LoadStateReply;
import io.raftcoord.proto.querycoord.LoadTarget;
import io.raftcoord.proto.querycoord.NodeDistribution;
import io.raftcoord.proto.querycoord.ObserveTarget;
import io.raftcoord.proto.querycoord.PlaceTasks;
import io.raftcoord.proto.querycoord.Placement;
import io.raftcoord.proto.querycoord.QueryCoordReply;
import io.raftcoord.proto.querycoord.ReleaseCollection;
import io.raftcoord.proto.querycoord.Replica;
import io.raftcoord.proto.querycoord.SegmentPlace;
import io.raftcoord.proto.querycoord.ReportDistribution;
import io.raftcoord.proto.querycoord.TargetChannel;
import io.raftcoord.proto.querycoord.TargetSegment;
import io.raftcoord.proto.session.ExpireSessions;
import io.raftcoord.proto.session.RemoveSession;
import io.raftcoord.proto.session.Session;
import io.raftcoord.statemachine.domain.LeaderDuty;
import io.raftcoord.statemachine.sm.Batches;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The QueryCoord domain through {@link io.raftcoord.statemachine.sm.CoordState} over a temp store
 * without Raft: sessions, the catalog and DataCoord set the scene; loads, checker rounds and node
 * reports drive a collection from LOADING to LOADED, and node loss, new segments, drops and
 * releases change it, each in one log entry.
 */
class QueryCoordDomainTest {
  @TempDir
  Path dir;

  private QueryCoordFixture f;
  private Session dataNode;
  private final List<Session> queryNodes = new ArrayList<>();
  private CollectionInfo c;
  private final List<Long> segments = new ArrayList<>();

  @AfterEach
  void close() {
    if (f != null) {
      f.close();
    }
  }

  /** {@code nodes} query nodes, a data node, collection "c" of 2 channels with FLUSHED segments of 30, 20 and 10 rows. */
  private void scene(int nodes) {
    f = new QueryCoordFixture(dir);
    dataNode = f.register("datanode", "d:1");
    for (int i = 0; i < nodes; i++) {
      queryNodes.add(f.register("querynode", "q:" + i));
    }
    c = f.watchedCollection("c", 2, dataNode);
    segments.add(f.flushedSegment(c, 0, 30, dataNode));
    segments.add(f.flushedSegment(c, 1, 20, dataNode));
    segments.add(f.flushedSegment(c, 0, 10, dataNode));
  }

  private static LoadTarget target(String name) {
    return LoadTarget.newBuilder().setDb("default").setName(name).build();
  }

  private static LoadCollection load(String name, int replicas) {
    return LoadCollection.newBuilder().setCollection(target(name)).setReplicaNumber(replicas).build();
  }

  private Map<Long, Replica> replicas() {
    return f.table().replicasOf(c.getId());
  }

  private CollectionLoad loadOf() {
    return f.table().load(c.getId()).orElseThrow(() -> new AssertionError("collection not loaded"));
  }

  private static long nodeIn(List<Placement> ps, long replica) {
    return ps.stream().filter(p -> p.getReplicaId() == replica).findFirst().orElseThrow().getNodeId();
  }

  /** Every target segment and channel has exactly one placement per replica, on a member of that replica. */
  private void assertPlacedOncePerReplica() {
    Map<Long, Replica> rs = replicas();
    for (TargetSegment s : f.table().segmentsOf(c.getId()).values()) {
      assertEquals(rs.keySet(), placementReplicas(s.getPlacementsList()), s.toString());
      for (Placement p : s.getPlacementsList()) {
        assertTrue(rs.get(p.getReplicaId()).getNodesList().contains(p.getNodeId()), () -> s + " in " + rs);
      }
    }
    for (TargetChannel ch : f.table().channelsOf(c.getId()).values()) {
      assertEquals(rs.keySet(), placementReplicas(ch.getPlacementsList()), ch.toString());
      for (Placement p : ch.getPlacementsList()) {
        assertTrue(rs.get(p.getReplicaId()).getNodesList().contains(p.getNodeId()), () -> ch + " in " + rs);
      }
    }
  }

  private static Set<Long> placementReplicas(List<Placement> ps) {
    List<Long> ids = ps.stream().map(Placement::getReplicaId).toList();
    assertEquals(ids.size(), new HashSet<>(ids).size(), "one placement per replica: " + ps);
    return new TreeSet<>(ids);
  }

  private void serveAll() {
    for (Session q : queryNodes) {
      if (f.table().replicas().values().stream().anyMatch(r -> r.getNodesList().contains(q.getServerId()))) {
        assertEquals(ErrorCode.OK, f.serve(q).getCode());
      }
    }
  }

  private static boolean isObserve(Command cmd) {
    return cmd.getDomain().is(ObserveTarget.class);
  }

  private static boolean isPlace(Command cmd) {
    return cmd.getDomain().is(PlaceTasks.class);
  }

  /** Loads c with 2 replicas, places, serves and promotes: LOADED. */
  private void loaded() {
    f.ok(load("c", 2));
    for (CommandReply r : f.checkerRound()) {
      assertEquals(ErrorCode.OK, r.getCode(), r::getMessage);
    }
    serveAll();
    List<CommandReply> round = f.checkerRound();
    assertEquals(1, round.size(), round.toString());
    assertEquals(ErrorCode.OK, round.get(0).getCode(), round.get(0)::getMessage);
    assertEquals(LoadState.LOADED, loadOf().getState());
  }

  // ---- load, place, serve, promote ----

  @Test
  void aLoadIsPlacedOncePerReplicaServedAndThenLoaded() {
    scene(4);
    QueryCoordReply reply = f.ok(load("c", 2));
    assertEquals(c.getId(), reply.getCollectionId());
    assertEquals(2, reply.getReplicaIdsCount());
    Map<Long, Replica> rs = replicas();
    assertEquals(new TreeSet<>(reply.getReplicaIdsList()), rs.keySet());
    Set<Long> all = new TreeSet<>();
    for (Replica r : rs.values()) {
      assertEquals(2, r.getNodesCount(), rs.toString());
      assertEquals(QueryCoordTable.DEFAULT_GROUP, r.getResourceGroup());
      for (long n : r.getNodesList()) {
        assertTrue(all.add(n), "replicas share no node: " + rs);
      }
    }
    assertEquals(queryNodes.stream().map(Session::getServerId).collect(java.util.stream.Collectors.toCollection(TreeSet::new)),
        all);
    CollectionLoad l = loadOf();
    assertEquals(LoadState.LOADING, l.getState());
    assertEquals(2, l.getReplicaNumber());
    assertEquals(0, l.getTargetVersion());
    assertEquals(new TreeSet<>(segments), f.table().segmentsOf(c.getId()).keySet());
    for (TargetSegment s : f.table().segmentsOf(c.getId()).values()) {
      assertTrue(s.getNext());
      assertFalse(s.getCurrent());
      assertEquals(2, s.getPlacementsCount());
      s.getPlacementsList().forEach(p -> assertEquals(0, p.getNodeId(), "unplaced"));
    }
    assertEquals(new TreeSet<>(c.getVirtualChannelsList()), f.table().channelsOf(c.getId()).keySet());
    // Loading again with the same settings changes nothing.
    long index = f.state.appliedIndex();
    assertEquals(reply.getReplicaIdsList(), f.ok(load("c", 2)).getReplicaIdsList());
    assertEquals(rs, replicas());
    assertEquals(index + 1, f.state.appliedIndex());

    // The checker duty, planned through the domain's own duty list, places everything once per replica.
    LeaderDuty checker = f.domain().duties().stream().filter(d -> d.name().equals("querycoord-checker")).findFirst()
        .orElseThrow();
    List<Command> planned = checker.plan(new LeaderDuty.When(f.clock.get(), 0, f.state.appliedIndex(), f.time));
    assertEquals(1, planned.size(), "one PlaceTasks, no ObserveTarget yet: " + planned);
    assertTrue(isPlace(planned.get(0)));
    QueryCoordReply placed = f.ok(QueryCoordFixture.unpack(planned.get(0).getDomain(), PlaceTasks.class));
    assertEquals((segments.size() + 2) * 2, placed.getApplied());
    assertEquals(0, placed.getSkipped());
    assertPlacedOncePerReplica();
    assertEquals(List.of(), f.plan("querycoord-checker"), "placed, not served, not timed out: nothing to do");
    assertEquals(List.of(), f.plan("querycoord-balance"), "nothing balances while loading");

    LoadStateReply progress = f.read(GetLoadState.newBuilder().setCollection(target("c")).setWithProgress(true).build(),
        LoadStateReply.class);
    assertEquals(LoadState.LOADING, progress.getState());
    assertEquals(0, progress.getPercent());

    // Every node serves its work list; then the checker plans the promotion.
    int worked = 0;
    for (Session q : queryNodes) {
      worked += f.work(q.getServerId()).getSegmentsCount();
    }
    assertEquals(segments.size() * 2, worked, "each segment in one node's work per replica");
    serveAll();
    List<Command> observe = f.plan("querycoord-checker");
    assertEquals(1, observe.size(), observe.toString());
    assertTrue(isObserve(observe.get(0)));
    QueryCoordReply promoted = f.ok(QueryCoordFixture.unpack(observe.get(0).getDomain(), ObserveTarget.class));
    assertEquals(LoadState.LOADED, promoted.getState());
    assertEquals(1, promoted.getTargetVersion());
    l = loadOf();
    assertEquals(LoadState.LOADED, l.getState());
    assertEquals(1, l.getTargetVersion());
    assertEquals(f.time, l.getLoadedMs());
    for (TargetSegment s : f.table().segmentsOf(c.getId()).values()) {
      assertTrue(s.getCurrent() && s.getNext(), s.toString());
    }
    assertEquals(100, f.read(GetLoadState.newBuilder().setCollection(target("c")).setWithProgress(true).build(),
        LoadStateReply.class).getPercent());
    assertEquals(List.of(), f.plan("querycoord-checker"), "loaded and settled");
  }

  @Test
  void aMoveOntoANodeThatAlreadyServesTheSegmentKeepsNoSecondCopy() {
    scene(4);
    loaded();
    TargetSegment s = f.table().segmentsOf(c.getId()).firstEntry().getValue();
    Placement p = s.getPlacements(0);
    Replica r = replicas().get(p.getReplicaId());
    long from = p.getNodeId();
    long to = r.getNodesList().stream().filter(n -> n != from).findFirst().orElseThrow();
    Session toSession = queryNodes.stream().filter(q -> q.getServerId() == to).findFirst().orElseThrow();
    // The other node still holds the segment (left from an earlier placement) and says so.
    f.ok(ReportDistribution.newBuilder().setNode(QueryCoordFixture.ref(toSession)).addLoadedSegments(s.getSegmentId())
        .build());
    QueryCoordReply moved = f.ok(PlaceTasks.newBuilder().addSegments(SegmentPlace.newBuilder()
        .setSegmentId(s.getSegmentId()).setReplicaId(r.getId()).setNodeId(to).setExpectedNodeId(from).setMove(true))
        .build());
    assertEquals(1, moved.getApplied());
    Placement after = f.table().segment(s.getSegmentId()).orElseThrow().getPlacements(0);
    assertEquals(to, after.getNodeId());
    assertEquals(0, after.getPreviousNodeId(), "no report would end the move: it must not keep the old node");
    assertFalse(f.work(from).getSegmentsList().stream().anyMatch(w -> w.getSegmentId() == s.getSegmentId()),
        "the old node is told to release it");
  }

  @Test
  void aLoadShortOfNodesIsRefusedNamingTheGroupAndTheShortfall() {
    scene(2);
    CommandReply r = f.run(load("c", 3));
    assertEquals(ErrorCode.FAILED_PRECONDITION, r.getCode(), r::getMessage);
    assertTrue(r.getMessage().contains(QueryCoordTable.DEFAULT_GROUP), r.getMessage());
    assertTrue(r.getMessage().contains("short by 1"), r.getMessage());
    assertTrue(f.table().load(c.getId()).isEmpty());
    assertTrue(f.table().replicas().isEmpty());
    assertEquals(0, f.table().segmentCount());
    assertEquals(ErrorCode.NOT_FOUND, f.run(load("nope", 1)).getCode());
  }

  @Test
  void aReportWithAWrongEpochIsStale() {
    scene(2);
    f.ok(load("c", 1));
    Session q = queryNodes.get(0);
    CommandReply r = f.run(ReportDistribution.newBuilder()
        .setNode(ref(q).toBuilder().setEpoch(q.getEpoch() + 1)).addLoadedSegments(segments.get(0)).build());
    assertEquals(ErrorCode.STALE_EPOCH, r.getCode(), r::getMessage);
    assertTrue(f.table().distribution(q.getServerId()).isEmpty());
    CommandReply notANode = f.run(ReportDistribution.newBuilder().setNode(ref(dataNode)).build());
    assertEquals(ErrorCode.STALE_EPOCH, notANode.getCode(), "a data node is not a query node");
    assertEquals(ErrorCode.OK, f.run(ReportDistribution.newBuilder().setNode(ref(q)).addLoadedSegments(segments.get(0))
        .build()).getCode());
    assertEquals(List.of(segments.get(0)), f.table().distribution(q.getServerId()).orElseThrow().getSegmentIdsList());
  }

  // ---- node loss ----

  @Test
  void anExpiredNodeLeavesItsReplicaAndItsDistributionInTheSameEntryAndIsReplaced() {
    scene(4);
    loaded();
    Session gone = queryNodes.get(0);
    long node = gone.getServerId();
    Replica before = replicas().values().stream().filter(r -> r.getNodesList().contains(node)).findFirst().orElseThrow();
    assertTrue(f.table().distribution(node).isPresent());
    long index = f.state.appliedIndex();
    CommandReply r = f.run(ExpireSessions.newBuilder().addExpire(ref(gone)).setPlannedRevision(index).build());
    assertEquals(ErrorCode.OK, r.getCode(), r::getMessage);
    assertEquals(index + 1, f.state.appliedIndex(), "one entry");
    Replica after = replicas().get(before.getId());
    assertFalse(after.getNodesList().contains(node), after.toString());
    assertEquals(before.getNodesCount() - 1, after.getNodesCount());
    assertTrue(f.table().distribution(node).isEmpty(), "its distribution is gone with it");
    long other = after.getNodes(0);

    // The checker moves what the node had to the replica's remaining node; serving it settles the replica.
    List<Long> lost = new ArrayList<>();
    for (TargetSegment s : f.table().segmentsOf(c.getId()).values()) {
      if (nodeIn(s.getPlacementsList(), before.getId()) == node) {
        lost.add(s.getSegmentId());
      }
    }
    assertFalse(lost.isEmpty(), "the node held something");
    for (CommandReply x : f.checkerRound()) {
      assertEquals(ErrorCode.OK, x.getCode(), x::getMessage);
    }
    assertPlacedOncePerReplica();
    for (long s : lost) {
      assertEquals(other, nodeIn(f.table().segment(s).orElseThrow().getPlacementsList(), before.getId()));
    }
    assertEquals(LoadState.LOADED, loadOf().getState(), "still loaded: the other replica serves");
  }

  @Test
  void aRemovedNodeLeavesItsReplicaToo() {
    scene(2);
    f.ok(load("c", 1));
    f.checkerRound();
    serveAll();
    Session gone = queryNodes.get(1);
    assertEquals(ErrorCode.OK, f.run(RemoveSession.newBuilder().setSession(ref(gone)).build()).getCode());
    assertEquals(List.of(queryNodes.get(0).getServerId()), replicas().values().iterator().next().getNodesList());
    assertTrue(f.table().distribution(gone.getServerId()).isEmpty());
  }

  // ---- the next target ----

  @Test
  void aNewFlushedSegmentJoinsTheNextTargetAndBecomesCurrentOnceServed() {
    scene(4);
    loaded();
    long fresh = f.flushedSegment(c, 1, 40, dataNode);
    TargetSegment t = f.table().segment(fresh).orElseThrow(() -> new AssertionError("not in the target"));
    assertTrue(t.getNext());
    assertFalse(t.getCurrent());
    assertEquals(40, t.getRows());
    assertEquals(2, t.getPlacementsCount());
    assertEquals(LoadState.LOADED, loadOf().getState());
    assertEquals(1, loadOf().getTargetVersion());

    List<Command> plan = f.plan("querycoord-checker");
    assertEquals(1, plan.size(), "placing only; no promotion before it is served: " + plan);
    assertEquals(ErrorCode.OK, f.run(plan.get(0)).getCode());
    assertPlacedOncePerReplica();
    assertFalse(f.table().segment(fresh).orElseThrow().getCurrent());
    serveAll();
    List<CommandReply> round = f.checkerRound();
    assertEquals(1, round.size());
    assertEquals(ErrorCode.OK, round.get(0).getCode(), round.get(0)::getMessage);
    assertTrue(f.table().segment(fresh).orElseThrow().getCurrent());
    assertEquals(2, loadOf().getTargetVersion());
    assertEquals(LoadState.LOADED, loadOf().getState());
  }

  // ---- drop and release ----

  @Test
  void droppingTheCollectionRemovesItsLoadReplicasAndTargetsInTheSameEntry() {
    scene(4);
    loaded();
    long index = f.state.appliedIndex();
    assertEquals(ErrorCode.OK, f.run(Batches.dropCollection("default", "c")).getCode());
    assertEquals(index + 1, f.state.appliedIndex());
    assertTrue(f.table().load(c.getId()).isEmpty());
    assertTrue(f.table().replicasOf(c.getId()).isEmpty());
    assertTrue(f.table().segmentsOf(c.getId()).isEmpty());
    assertTrue(f.table().channelsOf(c.getId()).isEmpty());
    assertEquals(List.of(), f.plan("querycoord-checker"));
  }

  @Test
  void releaseRemovesItsLoadReplicasAndTargetsInTheSameEntry() {
    scene(4);
    loaded();
    long index = f.state.appliedIndex();
    assertEquals(c.getId(), f.ok(ReleaseCollection.newBuilder().setCollection(target("c")).build()).getCollectionId());
    assertEquals(index + 1, f.state.appliedIndex());
    assertTrue(f.table().load(c.getId()).isEmpty());
    assertTrue(f.table().replicas().isEmpty());
    assertEquals(0, f.table().segmentCount());
    assertTrue(f.table().channelsOf(c.getId()).isEmpty());
    for (Session q : queryNodes) {
      assertEquals(0, f.work(q.getServerId()).getSegmentsCount() + f.work(q.getServerId()).getChannelsCount());
    }
    assertEquals(LoadState.NOT_LOAD, f.read(GetLoadState.newBuilder().setCollection(target("c")).build(),
        LoadStateReply.class).getState());
    // Releasing again is a no-op; loading again works.
    f.ok(ReleaseCollection.newBuilder().setCollection(target("c")).build());
    f.ok(load("c", 2));
    assertEquals(2, replicas().size());
  }

  // ---- reopen ----

  @Test
  void reopeningTheStoreRestoresTheSameState() {
    scene(4);
    loaded();
    f.flushedSegment(c, 1, 40, dataNode);
    f.checkerRound();
    Map<Long, Replica> replicasBefore = new TreeMap<>(f.table().replicas());
    Map<Long, CollectionLoad> loadsBefore = new TreeMap<>(f.table().loads());
    Map<Long, TargetSegment> segmentsBefore = new TreeMap<>(f.table().segmentsOf(c.getId()));
    Map<String, TargetChannel> channelsBefore = new TreeMap<>(f.table().channelsOf(c.getId()));
    Map<Long, NodeDistribution> distBefore = new TreeMap<>(f.table().distributions());
    Map<String, ?> groupsBefore = new TreeMap<>(f.table().groups());
    Map<Long, Set<Long>> workBefore = new TreeMap<>();
    for (Session q : queryNodes) {
      workBefore.put(q.getServerId(), Set.copyOf(f.table().segmentWork(q.getServerId())));
    }
    String digest = f.state.dump(false).digest();
    assertFalse(segmentsBefore.isEmpty());

    f.reopen();
    assertEquals(digest, f.state.dump(false).digest());
    assertEquals(replicasBefore, f.table().replicas());
    assertEquals(loadsBefore, f.table().loads());
    assertEquals(segmentsBefore, f.table().segmentsOf(c.getId()));
    assertEquals(channelsBefore, f.table().channelsOf(c.getId()));
    assertEquals(distBefore, f.table().distributions());
    assertEquals(groupsBefore, f.table().groups());
    for (Session q : queryNodes) {
      assertEquals(workBefore.get(q.getServerId()), Set.copyOf(f.table().segmentWork(q.getServerId())), "index rebuilt");
    }
    // And it goes on from there: serving promotes the new segment.
    serveAll();
    f.checkerRound();
    assertEquals(2, loadOf().getTargetVersion());
    assertNotEquals(0, f.table().segmentCount());
  }
}
