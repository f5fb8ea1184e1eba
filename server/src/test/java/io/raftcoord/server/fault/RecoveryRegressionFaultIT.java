package io.raftcoord.server.fault;

import static io.raftcoord.server.fault.FaultSupport.client;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.IdRange;
import io.raftcoord.proto.DumpReply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Regression tests for two client defects this suite found (fixed in {@code RaftTransport}),
 * each in its smallest setting, with the shipped client and no test-side workaround. Until the
 * fixes the fault tests had to rebuild dead clients and read replicas through a special client.
 */
class RecoveryRegressionFaultIT {
  private static final Logger LOG = LoggerFactory.getLogger(RecoveryRegressionFaultIT.class);
  /** The stall was the 2 s Ratis request timeout or more; a prompt answer takes milliseconds. */
  private static final long PROMPT_MS = 1500;

  /**
   * Regression: after the quorum had been unreachable for longer than the Ratis retry budget
   * {@code RaftTransport} sets (deadline/100 attempts, 100 ms apart: ~5 s), Ratis failed the
   * RaftClients' ordered sliding windows for good ("SlidingWindow$Client:client-...->RAFT is
   * closed"), and every later call through that CoordClient failed at once with UNAVAILABLE
   * "client is closed", although the quorum was back. Fixed: RaftTransport replaces a RaftClient
   * whose window failed. The client that lived through the outage must answer again, by itself.
   */
  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void clientRecoversAfterTheQuorumWasDownLongerThanItsRetryBudget(
      @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
    try (ReplicaProcesses cluster = new ReplicaProcesses(dir, FaultSupport.replicaArgs());
         CoordClient c = client(cluster.peers())) {
      cluster.startAll();
      cluster.awaitLeader(Duration.ofSeconds(90));
      awaitCall(c, Duration.ofSeconds(60), "a first timestamp", null);

      cluster.kill9All();
      // Calls while all replicas are down, enough to reach each of the client's RaftClients
      // (it uses several round-robin; one batch per call since each finds a free slot).
      List<CompletableFuture<IdRange>> calls = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        calls.add(c.ids().allocateAsync(1));
      }
      for (CompletableFuture<IdRange> f : calls) {
        CompletionException down = assertThrows(CompletionException.class, f::join);
        LOG.info("while all replicas are down: {}", down.getCause().toString());
      }
      ReplicaProcesses.sleep(3000); // the Ratis retries of those calls run out meanwhile
      cluster.startAll();
      cluster.awaitLeader(Duration.ofSeconds(90));
      awaitCall(c, Duration.ofSeconds(30), "a timestamp from the client that lived through the outage",
          () -> {
            try (CoordClient fresh = client(cluster.peers())) {
              fresh.tso().next();
              return "a fresh client got a timestamp, so the quorum is up: the old client did not recover";
            } catch (RuntimeException e) {
              return "a fresh client failed too (" + e + "): the quorum is not serving";
            }
          });
      // And its reads aimed at one replica work too after the outage.
      for (int i = 1; i <= ReplicaProcesses.SIZE; i++) {
        int r = i;
        DumpReply d = cluster.await(() -> {
          try {
            return Optional.of(c.admin().localDump(ReplicaProcesses.peerId(r)));
          } catch (RuntimeException e) {
            return Optional.empty();
          }
        }, Duration.ofSeconds(30), "localDump of n" + r + " through the client that lived through the outage");
        LOG.info("after the outage: n{} applied index {}", r, d.getAppliedIndex());
      }
    }
  }

  /**
   * Regression: the first request a RaftClient aimed at the LEADER by id (AdminClient's
   * {@code localDump}/{@code dump}, RaftTransport's {@code staleReadFrom}/{@code readFrom}) was
   * never processed by the leader, so it stalled until the 2 s Ratis request timeout, often until
   * the call's deadline; followers answered at once. Ratis keeps one ordered sliding window per
   * target on the client but one per gRPC stream on the server: the stream to the leader already
   * carried the client's dummy Watch (seq 1), and the targeted window started at seq 1 again,
   * which the server's window, expecting seq 2, never processed. Fixed: RaftTransport sends
   * targeted reads through a separate RaftClient with blocking calls. Here the client's ordered
   * streams to the leader are in use first (a timestamp), as in any application.
   */
  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void readsAimedAtTheLeaderAnswerPromptly(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
    try (ReplicaProcesses cluster = new ReplicaProcesses(dir, FaultSupport.replicaArgs());
         CoordClient c = client(cluster.peers())) {
      cluster.startAll();
      int leader = cluster.awaitLeader(Duration.ofSeconds(90));
      awaitCall(c, Duration.ofSeconds(60), "a first timestamp", null);
      // Every RaftClient of the client has used its ordered stream to the leader.
      for (int i = 0; i < 8; i++) {
        c.tso().next();
      }
      int follower = cluster.aFollower(Duration.ofSeconds(10));
      List<String> slow = new ArrayList<>();
      StringBuilder all = new StringBuilder();
      // Twice each: the first read per target opens its stream; repeated reads must stay prompt.
      for (int round = 1; round <= 2; round++) {
        for (int target : new int[] {follower, leader}) {
          String who = (target == leader ? "leader" : "follower") + " n" + target;
          String id = ReplicaProcesses.peerId(target);
          timed("localDump of " + who, () -> "applied " + c.admin().localDump(id).getAppliedIndex(), slow, all);
          timed("dump of " + who, () -> "applied " + c.admin().dump(id).getAppliedIndex(), slow, all);
        }
      }
      LOG.info("targeted reads: {}", all);
      assertTrue(slow.isEmpty(), "reads aimed at one replica failed or took " + PROMPT_MS + " ms or more: " + slow
          + "; all: " + all);
    }
  }

  private static void timed(String what, Supplier<String> read, List<String> slow, StringBuilder all) {
    long t = System.nanoTime();
    String outcome;
    boolean failed = false;
    try {
      outcome = read.get();
    } catch (RuntimeException e) {
      outcome = e.toString();
      failed = true;
    }
    long ms = (System.nanoTime() - t) / 1_000_000;
    String line = what + ": " + ms + " ms (" + outcome + ")";
    all.append(all.length() == 0 ? "" : "; ").append(line);
    if (failed || ms >= PROMPT_MS) {
      slow.add(line);
    }
  }

  /**
   * Retries {@code tso().next()} on {@code c} until it succeeds; {@code diagnose} (may be null)
   * explains a timeout.
   */
  private static void awaitCall(CoordClient c, Duration timeout, String what, Supplier<String> diagnose) {
    RuntimeException[] last = {null};
    int[] failures = {0};
    try {
      ReplicaProcesses.awaitTrue(() -> {
        try {
          c.tso().next();
          return true;
        } catch (RuntimeException e) {
          last[0] = e;
          failures[0]++;
          return false;
        }
      }, timeout, what);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; last error: " + last[0]
          + (diagnose == null ? "" : "; " + diagnose.get()), e);
    }
    if (last[0] != null) {
      LOG.info("{} succeeded after {} failed calls, the last: {}", what, failures[0], last[0].toString());
    }
  }
}
