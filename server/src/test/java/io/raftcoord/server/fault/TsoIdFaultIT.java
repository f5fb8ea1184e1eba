package io.raftcoord.server.fault;

import static io.raftcoord.server.fault.FaultSupport.client;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.client.CoordClient;
import io.raftcoord.proto.DumpReply;
import io.raftcoord.proto.ReplicaStatus;
import io.raftcoord.server.fault.History.Kind;
import io.raftcoord.server.fault.History.Op;
import io.raftcoord.server.fault.Nemesis.Fault;
import io.raftcoord.server.fault.Nemesis.Target;
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
 * Real replica JVMs under a closed-loop TSO/ID load while replicas are SIGKILLed and restarted on
 * their data directories (and, once, the leader is frozen with SIGSTOP and resumed). The history
 * of every call must be linearizable for the TSO (unique, increasing in real time), ID ranges must
 * never overlap, progress must resume after every fault, nothing acknowledged may be missing from
 * any replica, and the replicas must converge to the same store. Each test drives the load through
 * ONE {@link CoordClient} that lives through every fault (the progress checks thus also prove the
 * client recovers by itself, with nothing rebuilt by the test). Data and the history (JSONL) are
 * kept in the test's temp dir when a test fails.
 */
class TsoIdFaultIT {
  private static final Logger LOG = LoggerFactory.getLogger(TsoIdFaultIT.class);
  private static final Mix MIX = new Mix(50, 25);

  @Test
  @Timeout(value = 200, unit = TimeUnit.SECONDS)
  void leaderKilledThreeTimesAndAFollowerTwiceThenLeaderPaused(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
    long t0 = System.nanoTime();
    History history = new History();
    try (ReplicaProcesses cluster = new ReplicaProcesses(dir, FaultSupport.replicaArgs());
         CoordClient client = client(cluster.peers());
         Workload load = new Workload(client, 8, history, TimestampSource.TSO_NEXT, MIX, 1)) {
      cluster.startAll();
      history.event("started n1..n3");
      cluster.awaitLeader(Duration.ofSeconds(90));
      load.mark();
      load.start();
      load.awaitOkSinceMark(300, Duration.ofSeconds(90), "to warm up");
      history.event("warmed up");

      Nemesis nemesis = new Nemesis(cluster, history, load, Duration.ofSeconds(1), 50);
      List<Fault> faults = new ArrayList<>();
      for (Target t : List.of(Target.LEADER, Target.FOLLOWER, Target.LEADER, Target.FOLLOWER, Target.LEADER)) {
        faults.add(nemesis.killAndRestart(t));
      }
      faults.add(nemesis.pauseAndResume(Target.LEADER, Duration.ofSeconds(2)));
      load.stop(Duration.ofSeconds(20));
      long end = System.nanoTime();
      history.event("load stopped");

      HistoryChecker.Verdict v = FaultSupport.judge(history, dir, "kill-restart");
      assertTrue(v.valid(), v.summary());
      assertTrue(v.ok() > 500, "too few OK ops to mean anything: " + v.summary());
      assertTrue(v.counts(Kind.TSO).ok() > 100 && v.counts(Kind.IDS).ok() > 100, v.summary());
      for (int k = 0; k < faults.size(); k++) {
        Fault f = faults.get(k);
        long to = k + 1 < faults.size() ? faults.get(k + 1).killNanos() : end;
        long after = FaultSupport.okBetween(history, f.recoveredNanos(), to);
        LOG.info("fault {}: {} {} n{}: {} OK ops while down, {} OK ops after it caught up", k + 1, f.action(),
            f.target(), f.victim(), f.okWhileDown(), after);
        assertTrue(f.okWhileDown() > 0, "no progress while n" + f.victim() + " was down (fault " + (k + 1) + ")");
        assertTrue(after >= 20, "no progress after fault " + (k + 1) + " (" + after + " OK ops)");
      }

      DumpReply common = FaultSupport.awaitConvergence(cluster, client, Duration.ofSeconds(60));
      LOG.info("converged at store index {} digest {}; {}", common.getAppliedIndex(), common.getDigest(),
          FaultSupport.snapshots(cluster));
      FaultSupport.assertNothingLost(cluster, history);
    } finally {
      FaultSupport.saveHistory(history, dir, "kill-restart");
    }
    LOG.info("leaderKilledThreeTimesAndAFollowerTwiceThenLeaderPaused took {} s", (System.nanoTime() - t0) / 1_000_000_000);
  }

  private static boolean allHaveSnapshots(ReplicaProcesses cluster) {
    for (int i = 1; i <= ReplicaProcesses.SIZE; i++) {
      if (cluster.status(i).map(ReplicaStatus::getSnapshotIndex).orElse(-1L) <= 0) {
        return false;
      }
    }
    return true;
  }

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void allThreeKilledAtOnce(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
    long t0 = System.nanoTime();
    History history = new History();
    try (ReplicaProcesses cluster = new ReplicaProcesses(dir, FaultSupport.replicaArgs(300));
         CoordClient client = client(cluster.peers());
         Workload load = new Workload(client, 8, history, TimestampSource.TSO_NEXT, MIX, 2)) {
      cluster.startAll();
      history.event("started n1..n3");
      cluster.awaitLeader(Duration.ofSeconds(90));
      load.mark();
      load.start();
      load.awaitOkSinceMark(500, Duration.ofSeconds(90), "before the crash");
      // Snapshots every 300 entries here, so that the restart of all three goes through
      // snapshot + log replay (checked below).
      cluster.await(() -> Optional.of(true).filter(x -> allHaveSnapshots(cluster)), Duration.ofSeconds(60),
          "a snapshot on every replica before the crash");

      history.event("kill9 n1 n2 n3");
      long crashStart = System.nanoTime();
      cluster.kill9All();
      long crashEnd = System.nanoTime();
      // Down for longer than the client's Ratis retry budget (~ the deadline): Ratis then fails
      // the request windows of the client's RaftClients for good, and the client must replace
      // them by itself. Regression: it did not, and every later call failed with "client is
      // closed" although the quorum was back. The same client must make progress again below.
      ReplicaProcesses.sleep(FaultSupport.CLIENT_DEADLINE.toMillis() + 1000);
      history.event("restart n1 n2 n3");
      cluster.startAll();
      int leader = cluster.awaitLeader(Duration.ofSeconds(90));
      long restarted = load.mark();
      history.event("leader n" + leader + " after restart");
      LOG.info("all three restarted; leader n{} after {} ms", leader, (restarted - crashEnd) / 1_000_000);
      load.awaitOkSinceMark(500, Duration.ofSeconds(60), "after the restart, from the client that lived through "
          + "the outage");
      load.stop(Duration.ofSeconds(20));
      long stopped = System.nanoTime();
      history.event("load stopped");

      HistoryChecker.Verdict v = FaultSupport.judge(history, dir, "kill-all");
      assertTrue(v.valid(), v.summary());
      // Once the quorum is back, a failed window is replaced at its next call: no call invoked a
      // deadline later may still find a closed one.
      long closedLate = FaultSupport.clientClosedErrors(history, restarted + FaultSupport.CLIENT_DEADLINE.toNanos(),
          stopped);
      LOG.info("kill-all: outage {} ms; '{}' errors: {} before the leader was back, {} in the first {} after, "
          + "{} later", (restarted - crashStart) / 1_000_000, FaultSupport.CLIENT_CLOSED,
          FaultSupport.clientClosedErrors(history, crashStart, restarted),
          FaultSupport.clientClosedErrors(history, restarted, restarted + FaultSupport.CLIENT_DEADLINE.toNanos()),
          FaultSupport.CLIENT_DEADLINE, closedLate);
      assertEquals(0, closedLate, "calls still went through closed Ratis clients well after the quorum was back");

      // The crash boundary, stated directly: everything acknowledged before it is below
      // everything handed out after it (the real-time check implies this; this names it).
      List<Op> ops = history.ops();
      List<Op> tsoBefore = ops.stream().filter(o -> o.ok() && o.kind() == Kind.TSO && o.returnNanos() < crashStart).toList();
      List<Op> tsoAfter = ops.stream().filter(o -> o.ok() && o.kind() == Kind.TSO && o.invokeNanos() > crashEnd).toList();
      long idsBefore = ops.stream().filter(o -> o.ok() && o.kind() == Kind.IDS && o.returnNanos() < crashStart).count();
      long idsAfter = ops.stream().filter(o -> o.ok() && o.kind() == Kind.IDS && o.invokeNanos() > crashEnd).count();
      assertTrue(tsoBefore.size() > 100 && tsoAfter.size() > 100 && idsBefore > 50 && idsAfter > 50,
          "too few OK ops around the crash: tso " + tsoBefore.size() + "/" + tsoAfter.size()
              + ", ids " + idsBefore + "/" + idsAfter);
      long maxBefore = tsoBefore.stream().mapToLong(Op::last).max().orElseThrow();
      long minAfter = tsoAfter.stream().mapToLong(Op::first).min().orElseThrow();
      assertTrue(maxBefore < minAfter, "a timestamp handed out after the restart (" + minAfter
          + ") is not above one acknowledged before the crash (" + maxBefore + ")");
      long inFlight = ops.stream().filter(o -> o.invokeNanos() < crashStart && o.returnNanos() > crashEnd).count();
      LOG.info("crash boundary: {} tso / {} ids OK before, {} tso / {} ids OK after; max before {}, min after {}; "
          + "{} ops were in flight across the crash", tsoBefore.size(), idsBefore, tsoAfter.size(), idsAfter,
          maxBefore, minAfter, inFlight);

      DumpReply common = FaultSupport.awaitConvergence(cluster, client, Duration.ofSeconds(60));
      LOG.info("converged at store index {} digest {}; {}", common.getAppliedIndex(), common.getDigest(),
          FaultSupport.snapshots(cluster));
      FaultSupport.assertNothingLost(cluster, history);
    } finally {
      FaultSupport.saveHistory(history, dir, "kill-all");
    }
    LOG.info("allThreeKilledAtOnce took {} s", (System.nanoTime() - t0) / 1_000_000_000);
  }
}
