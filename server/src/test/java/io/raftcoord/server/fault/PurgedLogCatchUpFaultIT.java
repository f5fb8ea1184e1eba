package io.raftcoord.server.fault;

import static io.raftcoord.server.fault.FaultSupport.client;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.client.CoordClient;
import io.raftcoord.proto.ReplicaStatus;
import io.raftcoord.server.fault.Workload.Mix;
import io.raftcoord.server.fault.Workload.TimestampSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A killed leader must catch up after the new leader has purged the log it needs.
 *
 * <p>Found by this suite with Ratis 3.2.2 and {@code RatisTuning} (purge up to the snapshot
 * index): the new term starts a new log segment; the new leader's next snapshot purges the old
 * term's segments; the old leader, restarted, asks for exactly the new term's first index. Ratis
 * 3.2.2 then needs the purged entry before it as "previous", the leader's log appender dies of
 * "NullPointerException: ... Previous TermIndex not found for firstIndex = N" and is never
 * restarted, so the old leader never catches up while that leader lasts and the quorum runs on
 * two replicas (upstream RATIS-2487 and RATIS-2499, not released). With the leader installing its
 * snapshot instead (server's {@code SnapshotFallbackLogAppender}), the old leader must catch up,
 * by a snapshot install.
 */
class PurgedLogCatchUpFaultIT {
  private static final Logger LOG = LoggerFactory.getLogger(PurgedLogCatchUpFaultIT.class);
  private static final Mix MIX = new Mix(50, 25);

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void killedLeaderCatchesUpAfterTheNewLeaderPurgedItsTerm(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir)
      throws Exception {
    long t0 = System.nanoTime();
    History history = new History();
    try (ReplicaProcesses cluster = new ReplicaProcesses(dir, FaultSupport.replicaArgs());
         CoordClient client = client(cluster.peers())) {
      cluster.startAll();
      cluster.awaitLeader(Duration.ofSeconds(90));
      try (Workload load = new Workload(client, 4, history, TimestampSource.TSO_NEXT, MIX, 4)) {
        load.mark();
        load.start();
        load.awaitOkSinceMark(200, Duration.ofSeconds(90), "to warm up");
        load.stop(Duration.ofSeconds(20));
      }
      // Quiesce first, so that the leader's own log (flushed asynchronously) ends exactly where
      // the next term will begin: then the old leader, back, asks for the new term's first index.
      cluster.await(() -> Optional.of(true).filter(x -> quiescent(cluster)), Duration.ofSeconds(30),
          "all replicas to agree on commit and applied index");
      int old = cluster.awaitLeader(Duration.ofSeconds(30));
      history.event("kill9 n" + old + " (quiescent leader)");
      cluster.kill9(old);
      int next = cluster.awaitLeaderOtherThan(old, Duration.ofSeconds(30));
      long termStart = cluster.await(() -> cluster.status(next).map(ReplicaStatus::getCommitIndex),
          Duration.ofSeconds(10), "commit index of n" + next);
      try (Workload load = new Workload(client, 4, history, TimestampSource.TSO_NEXT, MIX, 5)) {
        load.start();
        // A snapshot past the new term's first entry purges every segment of the old term.
        long snapshot = cluster.await(() -> cluster.status(next).map(ReplicaStatus::getSnapshotIndex)
            .filter(i -> i > termStart), Duration.ofSeconds(90), "n" + next + " to snapshot past index " + termStart);
        history.event("restart n" + old + " (n" + next + " has snapshot " + snapshot + ")");
        LOG.info("leader n{} killed; n{} leads from about index {} and has snapshot {}; restarting n{}", old, next,
            termStart, snapshot, old);
        cluster.start(old);
        try {
          cluster.awaitCaughtUp(old, Duration.ofSeconds(60));
        } catch (AssertionError e) {
          String leaderLog = ReplicaProcesses.tail(cluster.logFile(next), 4000);
          boolean appenderDied = leaderLog.contains("Previous TermIndex not found");
          throw new AssertionError("restarted n" + old + " never caught up with leader n" + next
              + (appenderDied ? " - the leader's log appender for it died of 'Previous TermIndex not found' "
                  + "(Ratis 3.2.2, RATIS-2487/RATIS-2499), which SnapshotFallbackLogAppender should prevent; see "
                  + cluster.logFile(next) : "")
              + "\n" + e.getMessage(), e);
        }
        // The entries it lacked are gone from the leader's log: it can only have caught up from a snapshot.
        long installed = cluster.await(() -> cluster.status(old).map(ReplicaStatus::getSnapshotIndex),
            Duration.ofSeconds(10), "status of n" + old);
        assertTrue(installed >= snapshot, "n" + old + " caught up but its snapshot index is " + installed
            + ", below the leader's " + snapshot + " - which path was taken?");
        load.mark();
        load.awaitOkSinceMark(50, Duration.ofSeconds(30), "after n" + old + " caught up");
        load.stop(Duration.ofSeconds(20));
      }
      HistoryChecker.Verdict v = FaultSupport.judge(history, dir, "purged-catch-up");
      assertTrue(v.valid(), v.summary());
      FaultSupport.awaitConvergence(cluster, client, Duration.ofSeconds(60));
      FaultSupport.assertNothingLost(cluster, history);
    } finally {
      FaultSupport.saveHistory(history, dir, "purged-catch-up");
    }
    LOG.info("killedLeaderCatchesUpAfterTheNewLeaderPurgedItsTerm took {} s", (System.nanoTime() - t0) / 1_000_000_000);
  }

  private static boolean quiescent(ReplicaProcesses cluster) {
    List<ReplicaStatus> all = new ArrayList<>();
    for (int i = 1; i <= ReplicaProcesses.SIZE; i++) {
      Optional<ReplicaStatus> st = cluster.status(i);
      if (st.isEmpty()) {
        return false;
      }
      all.add(st.get());
    }
    return all.stream().allMatch(x -> x.getCommitIndex() == all.get(0).getCommitIndex()
        && x.getAppliedIndex() == all.get(0).getAppliedIndex());
  }
}
