package io.raftcoord.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.IdRange;
import io.raftcoord.client.TimestampRange;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Timestamps;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three in-process replicas on ephemeral ports, driven through the real client. */
class QuorumIntegrationTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void allocatesThroughTheQuorumInOrder() throws Exception {
    try (LocalQuorum q = new LocalQuorum(dir, 10_000, 8 << 20);
         CoordClient c = CoordClient.builder().peers(q.peersString()).build()) {
      q.awaitLeader(WAIT);
      long a = c.tso().next();
      TimestampRange r = c.tso().allocate(10);
      long b = c.tso().next();
      assertTrue(a < r.first() && r.last() < b, a + " " + r + " " + b);
      assertEquals(Timestamps.physicalMs(r.first()), Timestamps.physicalMs(r.last()));
      IdRange x = c.ids().allocate(5);
      IdRange y = c.ids().allocate(5);
      assertEquals(x.end(), y.start());
    }
  }

  @Test
  void concurrentCallersShareEntriesAndEachGetTheirOwnReply() throws Exception {
    try (LocalQuorum q = new LocalQuorum(dir, 10_000, 8 << 20);
         CoordClient c = CoordClient.builder().peers(q.peersString()).maxInFlight(1).build()) {
      q.awaitLeader(WAIT);
      c.tso().next();
      long batchesBefore = c.batchesSent();
      List<CompletableFuture<IdRange>> ok = new ArrayList<>();
      List<CompletableFuture<IdRange>> bad = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        ok.add(c.ids().allocateAsync(3));
        if (i % 50 == 0) {
          bad.add(c.ids().allocateAsync(0));
        }
      }
      List<IdRange> ranges = new ArrayList<>();
      for (CompletableFuture<IdRange> f : ok) {
        ranges.add(f.join());
      }
      for (CompletableFuture<IdRange> f : bad) {
        CoordException e = assertThrows(CoordException.class, () -> io.raftcoord.client.internal.Futures.join(f));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("got 0"), e.getMessage());
      }
      ranges.sort((u, v) -> Long.compare(u.start(), v.start()));
      for (int i = 1; i < ranges.size(); i++) {
        assertEquals(ranges.get(i - 1).end(), ranges.get(i).start(), "ranges must be disjoint and dense");
      }
      long batches = c.batchesSent() - batchesBefore;
      assertTrue(batches < 204 / 2, "204 commands with one batch in flight must share entries, took " + batches);
    }
  }

  @Test
  void timestampsKeepIncreasingAcrossLeaderChangesAndABackwardClock() throws Exception {
    try (LocalQuorum q = new LocalQuorum(dir, 10_000, 8 << 20);
         CoordClient c = CoordClient.builder().peers(q.peersString()).build()) {
      int leader = q.awaitLeader(WAIT);
      // The first leader's clock runs 10 minutes ahead; the others are correct, i.e. behind it.
      q.clock(leader).setOffsetMs(600_000);
      long ahead = c.tso().next();
      assertTrue(Timestamps.physicalMs(ahead) > System.currentTimeMillis() + 500_000, Timestamps.describe(ahead));
      long last = ahead;
      for (int round = 0; round < 2; round++) {
        int old = q.leader().orElseThrow();
        q.stop(old);
        int next = q.awaitLeader(WAIT);
        assertTrue(next != old);
        long ts = c.tso().next();
        assertTrue(ts > last, "after leader " + old + " -> " + next + ": " + ts + " <= " + last);
        last = ts;
        q.start(old);
      }
    }
  }

  @Test
  void followerDownPastAPurgedLogCatchesUpBySnapshotInstall() throws Exception {
    try (LocalQuorum q = new LocalQuorum(dir, 200, 16 << 10);
         CoordClient c = CoordClient.builder().peers(q.peersString()).maxInFlight(1).maxBatch(1).build()) {
      int leader = q.awaitLeader(WAIT);
      int follower = leader == 1 ? 2 : 1;
      c.ids().allocate(1);
      long followerIndexWhenStopped = q.replica(follower).stateMachine().state().appliedIndex();
      q.stop(follower);

      // One entry per call: enough entries for several snapshots and a purged log head.
      int leaderNow = leader;
      LocalQuorum.await(() -> {
        c.tso().allocate(1);
        c.ids().allocate(2);
        try {
          var log = q.replica(leaderNow).division().getRaftLog();
          return log.getStartIndex() > followerIndexWhenStopped + 1 && log.getSnapshotIndex() > followerIndexWhenStopped;
        } catch (IOException e) {
          throw new AssertionError(e);
        }
      }, Duration.ofSeconds(90), "the leader to snapshot and purge past the stopped follower");
      long leaderSnapshot = q.replica(leader).division().getRaftLog().getSnapshotIndex();

      q.start(follower);
      LocalQuorum.await(() -> q.replica(follower).stateMachine().getLatestSnapshot() != null
              && q.replica(follower).stateMachine().getLatestSnapshot().getIndex() >= leaderSnapshot,
          WAIT, "the follower to install the leader's snapshot");
      SnapshotInfo installed = q.replica(follower).stateMachine().getLatestSnapshot();
      assertNotNull(installed);

      IdRange last = c.ids().allocate(1);
      q.assertStoresIdentical(Duration.ofSeconds(30));
      assertEquals(last.end(), q.replica(follower).stateMachine().state().ids().nextId());
    }
  }
}
