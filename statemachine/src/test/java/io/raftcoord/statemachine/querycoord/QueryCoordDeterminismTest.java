package io.raftcoord.statemachine.querycoord;

import static io.raftcoord.statemachine.querycoord.QueryCoordFixture.ref;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.BatchReply;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandBatch;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.querycoord.LoadCollection;
import io.raftcoord.proto.querycoord.LoadState;
import io.raftcoord.proto.querycoord.LoadTarget;
import io.raftcoord.proto.querycoord.PlaceTasks;
import io.raftcoord.proto.querycoord.Placement;
import io.raftcoord.proto.querycoord.QueryCoordReply;
import io.raftcoord.proto.querycoord.ReleaseCollection;
import io.raftcoord.proto.querycoord.Replica;
import io.raftcoord.proto.querycoord.TargetChannel;
import io.raftcoord.proto.querycoord.TargetSegment;
import io.raftcoord.proto.session.ExpireSessions;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.StopSession;
import io.raftcoord.statemachine.sm.Batches;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same seeded sequence of QueryCoord operations (node joins, stops and expiries, loads,
 * releases, new segments, drops, checker and balance rounds, node reports) run on two fresh
 * stores in lockstep gives the same replies and the same querycoord column family, and its log
 * replayed into a third store gives the same store; invariants hold after every step, and once
 * the disturbances stop the collection settles LOADED with every segment served by every replica.
 * (A seeded {@link Random} only generates the input.)
 */
class QueryCoordDeterminismTest {
  private static final int STEPS = 150;

  @TempDir
  Path dir;

  /** One run of the workload on its own store. */
  private static final class Run {
    final QueryCoordFixture f;
    final List<Session> queryNodes = new ArrayList<>();
    final Set<Long> gone = new HashSet<>();
    Session dataNode;
    CollectionInfo c;
    int generation;
    final List<String> replies = new ArrayList<>();

    Run(Path dir) {
      f = new QueryCoordFixture(dir);
    }

    void record(CommandReply r) {
      replies.add(r.getCode() + " " + r.getMessage() + " " + r.getDomain());
    }

    List<Session> live() {
      return queryNodes.stream().filter(q -> !gone.contains(q.getServerId())).toList();
    }

    void setUp() {
      dataNode = f.register("datanode", "d:1");
      for (int i = 0; i < 4; i++) {
        queryNodes.add(f.register("querynode", "q:" + i));
      }
      c = f.watchedCollection("c0", 2, dataNode);
      for (int i = 0; i < 4; i++) {
        f.flushedSegment(c, i % 2, 10 + 10L * i, dataNode);
      }
    }

    LoadTarget target() {
      return LoadTarget.newBuilder().setDb("default").setName(c.getName()).build();
    }

    void checker() {
      for (Command cmd : f.plan("querycoord-checker")) {
        CommandReply r = f.run(cmd);
        record(r);
        if (cmd.getDomain().is(PlaceTasks.class)) {
          assertEquals(ErrorCode.OK, r.getCode(), r::getMessage);
          assertEquals(0, QueryCoordFixture.unpack(r.getDomain(), QueryCoordReply.class).getSkipped(),
              "a plan applied at once is never stale");
        }
      }
    }

    void balance() {
      f.time += 3_000;
      f.clock.addAndGet(3_000);
      for (Command cmd : f.plan("querycoord-balance")) {
        CommandReply r = f.run(cmd);
        record(r);
        assertEquals(ErrorCode.OK, r.getCode(), r::getMessage);
        assertEquals(0, QueryCoordFixture.unpack(r.getDomain(), QueryCoordReply.class).getSkipped());
      }
    }

    void serve(Session q) {
      CommandReply r = f.serve(q);
      record(r);
      assertEquals(ErrorCode.OK, r.getCode(), r::getMessage);
    }

    /** One random operation. */
    void step(Random rnd) {
      int op = rnd.nextInt(20);
      List<Session> live = live();
      if (op < 5) {
        checker();
      } else if (op < 8) {
        balance();
      } else if (op < 13) {
        if (!live.isEmpty()) {
          serve(live.get(rnd.nextInt(live.size())));
        }
      } else if (op == 13) {
        record(f.run(LoadCollection.newBuilder().setCollection(target()).setReplicaNumber(1 + rnd.nextInt(2)).build()));
      } else if (op == 14) {
        if (rnd.nextInt(3) == 0) {
          record(f.run(ReleaseCollection.newBuilder().setCollection(target()).build()));
        }
      } else if (op == 15) {
        f.flushedSegment(c, rnd.nextInt(2), 5 + rnd.nextInt(60), dataNode);
      } else if (op == 16) {
        if (queryNodes.size() < 7) {
          queryNodes.add(f.register("querynode", "q:" + queryNodes.size()));
        }
      } else if (op == 17) {
        if (live.size() > 2) {
          Session q = live.get(rnd.nextInt(live.size()));
          record(f.run(StopSession.newBuilder().setSession(ref(q)).build()));
        }
      } else if (op == 18) {
        if (live.size() > 2) {
          Session q = live.get(rnd.nextInt(live.size()));
          CommandReply r = f.run(ExpireSessions.newBuilder().addExpire(ref(q)).setPlannedRevision(f.state.appliedIndex())
              .build());
          record(r);
          gone.add(q.getServerId());
        }
      } else if (rnd.nextInt(4) == 0) {
        record(f.run(Batches.dropCollection("default", c.getName())));
        c = f.watchedCollection("c" + ++generation, 2, dataNode);
        f.flushedSegment(c, 0, 25, dataNode);
      }
      f.time += rnd.nextInt(500);
    }

    /** Structural invariants of the committed state. */
    void assertInvariants() {
      QueryCoordTable t = f.table();
      for (var l : t.loads().values()) {
        var rs = t.replicasOf(l.getCollectionId());
        assertEquals(l.getReplicaNumber(), rs.size(), "replicas of " + l);
        Set<Long> used = new HashSet<>();
        for (Replica r : rs.values()) {
          for (long n : r.getNodesList()) {
            assertTrue(used.add(n), "node " + n + " in two replicas of " + l.getCollectionId() + ": " + rs);
            assertTrue(!gone.contains(n), "an ended node in " + r);
          }
        }
        for (TargetSegment s : t.segmentsOf(l.getCollectionId()).values()) {
          assertEquals(rs.keySet(), new TreeSet<>(s.getPlacementsList().stream().map(Placement::getReplicaId).toList()), s::toString);
          assertEquals(rs.size(), s.getPlacementsCount(), s::toString);
        }
        for (TargetChannel ch : t.channelsOf(l.getCollectionId()).values()) {
          assertEquals(rs.size(), ch.getPlacementsCount(), ch::toString);
        }
      }
      for (Replica r : t.replicas().values()) {
        assertTrue(t.load(r.getCollectionId()).isPresent(), "a replica without a load: " + r);
      }
      for (long gone : gone) {
        assertTrue(t.distribution(gone).isEmpty(), "distribution of ended node " + gone);
      }
    }

    /** Checker, serve and balance rounds until nothing changes. */
    void settle() {
      for (int i = 0; i < 40; i++) {
        long before = f.state.appliedIndex();
        checker();
        for (Session q : live()) {
          serve(q);
        }
        balance();
        for (Session q : live()) {
          serve(q);
        }
        assertInvariants();
        if (f.state.appliedIndex() == before + 2L * live().size()
            && f.plan("querycoord-checker").isEmpty() && f.plan("querycoord-balance").isEmpty()) {
          return;
        }
      }
      throw new AssertionError("did not settle: " + f.table().loads());
    }

    List<String> querycoordEntries() {
      return f.state.dump(true).entries().stream().filter(e -> e.startsWith(QueryCoordTable.CF.dbName() + " ")).toList();
    }
  }

  @Test
  void twoStoresFedTheSameOperationsAreIdenticalAndTheLogReplaysToTheSameStore() {
    long seed = 0x9c0_0dL;
    Run a = new Run(dir.resolve("a"));
    Run b = new Run(dir.resolve("b"));
    try {
      a.setUp();
      b.setUp();
      Random ra = new Random(seed);
      Random rb = new Random(seed);
      a.record(a.f.run(LoadCollection.newBuilder().setCollection(a.target()).setReplicaNumber(2).build()));
      b.record(b.f.run(LoadCollection.newBuilder().setCollection(b.target()).setReplicaNumber(2).build()));
      int loadedSeen = 0;
      for (int i = 0; i < STEPS; i++) {
        a.step(ra);
        b.step(rb);
        a.assertInvariants();
        assertEquals(a.replies, b.replies, "replies after step " + i);
        if (i % 10 == 0) {
          assertEquals(a.querycoordEntries(), b.querycoordEntries(), "querycoord state after step " + i);
        }
        if (a.f.table().loads().values().stream().anyMatch(l -> l.getState() == LoadState.LOADED)) {
          loadedSeen++;
        }
      }
      assertTrue(loadedSeen > 0, "the workload reached LOADED at least once");
      assertTrue(a.replies.stream().filter(r -> r.startsWith("OK")).count() > 50, "the workload did something");

      // Once disturbances stop, a loaded collection settles.
      a.record(a.f.run(LoadCollection.newBuilder().setCollection(a.target()).setReplicaNumber(
          a.f.table().load(a.c.getId()).map(l -> l.getReplicaNumber()).orElse(1)).build()));
      a.settle();
      var l = a.f.table().load(a.c.getId()).orElseThrow();
      assertEquals(LoadState.LOADED, l.getState());
      Serving serving = new Serving(a.f.table());
      for (Replica r : a.f.table().replicasOf(a.c.getId()).values()) {
        for (TargetSegment s : a.f.table().segmentsOf(a.c.getId()).values()) {
          assertTrue(s.getCurrent() && s.getNext(), s::toString);
          assertTrue(serving.segmentServer(r, s) != 0, () -> s + " unserved in " + r);
        }
      }
      assertTrue(!a.querycoordEntries().isEmpty());

      // The log replayed into a fresh store gives the same store.
      QueryCoordFixture c = new QueryCoordFixture(dir.resolve("c"));
      try {
        for (CommandBatch batch : a.f.log) {
          BatchReply reply = Batches.applyNext(c.state, batch);
          assertTrue(reply.getRepliesCount() > 0);
        }
        assertEquals(a.querycoordEntries(), c.state.dump(true).entries().stream()
            .filter(e -> e.startsWith(QueryCoordTable.CF.dbName() + " ")).toList());
        assertEquals(a.f.state.dump(false).digest(), c.state.dump(false).digest());
        assertEquals(a.f.table().replicas(), c.table().replicas());
        assertEquals(a.f.table().loads(), c.table().loads());
      } finally {
        c.close();
      }
    } finally {
      a.f.close();
      b.f.close();
    }
  }
}
