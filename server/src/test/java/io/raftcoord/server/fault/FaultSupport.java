package io.raftcoord.server.fault;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.client.CoordClient;
import io.raftcoord.proto.DumpReply;
import io.raftcoord.proto.ReplicaStatus;
import io.raftcoord.server.fault.History.Kind;
import io.raftcoord.server.fault.History.Op;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the fault ITs share: replica flags, clients, judging and end-of-test checks. */
final class FaultSupport {
  private static final Logger LOG = LoggerFactory.getLogger(FaultSupport.class);
  static final Duration CLIENT_DEADLINE = Duration.ofSeconds(5);
  /**
   * Small, so that restarts go through snapshot + log replay and followers may get snapshots
   * installed. (The client sends one batch at a time, so a test's load makes only a few thousand
   * log entries: at 2000 the kill-restart test took no snapshot at all.)
   */
  static final long SNAPSHOT_THRESHOLD = 500;

  private FaultSupport() {}

  static List<String> replicaArgs(String... extra) {
    return replicaArgs(SNAPSHOT_THRESHOLD, extra);
  }

  static List<String> replicaArgs(long snapshotThreshold, String... extra) {
    List<String> args = new ArrayList<>(List.of("--snapshot-threshold", String.valueOf(snapshotThreshold)));
    args.addAll(List.of(extra));
    return args;
  }

  /**
   * The client of a fault test, with the shipped defaults but for the deadline. A test builds ONE
   * and uses it throughout, across every fault: it must recover by itself when the quorum does.
   */
  static CoordClient client(String peers) {
    return CoordClient.builder().peers(peers).deadline(CLIENT_DEADLINE).build();
  }

  /** The error of a call that went through a Ratis client whose request window Ratis had failed. */
  static final String CLIENT_CLOSED = "client is closed";

  /** Calls invoked in {@code [fromNanos, toNanos)} that failed with {@link #CLIENT_CLOSED}. */
  static long clientClosedErrors(History history, long fromNanos, long toNanos) {
    return history.ops().stream().filter(o -> !o.ok() && o.error() != null && o.error().contains(CLIENT_CLOSED)
        && o.invokeNanos() >= fromNanos && o.invokeNanos() < toNanos).count();
  }

  /** Checks the history, writes it as JSONL into {@code dir} and logs the verdict. */
  static HistoryChecker.Verdict judge(History history, Path dir, String name) throws IOException {
    HistoryChecker.Verdict v = HistoryChecker.check(history);
    saveHistory(history, dir, name);
    LOG.info("{}: verdict: {}", name, v.summary());
    return v;
  }

  /** Writes the history as JSONL into {@code dir} whatever happened (called from finally blocks). */
  static void saveHistory(History history, Path dir, String name) {
    Path file = dir.resolve(name + "-history.jsonl");
    try {
      history.writeJsonl(file);
      LOG.info("{}: history of {} ops in {}", name, history.ops().size(), file);
    } catch (IOException | RuntimeException e) {
      LOG.warn("{}: could not write {}", name, file, e);
    }
  }

  /** OK ops invoked at or after {@code fromNanos} that returned before {@code toNanos}. */
  static long okBetween(History history, long fromNanos, long toNanos) {
    return history.ops().stream()
        .filter(o -> o.ok() && o.invokeNanos() >= fromNanos && o.returnNanos() < toNanos).count();
  }

  /**
   * Polls every replica's local store digest until all three report the same applied index and
   * digest (the load must be stopped). Returns the common dump. Uses the test's own client, the
   * one that went through the faults: its targeted reads ({@code localDump}) must work after them.
   */
  static DumpReply awaitConvergence(ReplicaProcesses cluster, CoordClient client, Duration timeout) {
    List<String> last = new ArrayList<>();
    List<String> firstMismatch = new ArrayList<>();
    int[] polls = {0};
    long start = System.nanoTime();
    try {
      DumpReply common = cluster.await(() -> {
        polls[0]++;
        if (firstMismatch.isEmpty() && !last.isEmpty()) {
          firstMismatch.addAll(last);
        }
        List<DumpReply> dumps = new ArrayList<>();
        last.clear();
        for (int i = 1; i <= ReplicaProcesses.SIZE; i++) {
          try {
            long t = System.nanoTime();
            DumpReply d = client.admin().localDump(ReplicaProcesses.peerId(i));
            dumps.add(d);
            long ms = (System.nanoTime() - t) / 1_000_000;
            if (ms > 1000) {
              LOG.info("localDump of n{} took {} ms", i, ms);
            }
            last.add("n" + i + " applied " + d.getAppliedIndex() + " digest " + d.getDigest());
          } catch (RuntimeException e) {
            last.add("n" + i + " " + e);
            return Optional.empty();
          }
        }
        DumpReply first = dumps.get(0);
        boolean same = first.getAppliedIndex() > 0 && dumps.stream().allMatch(d ->
            d.getAppliedIndex() == first.getAppliedIndex() && Objects.equals(d.getDigest(), first.getDigest()));
        return same ? Optional.of(first) : Optional.empty();
      }, timeout, "the three replicas to converge");
      LOG.info("converged after {} polls in {} ms{}", polls[0], (System.nanoTime() - start) / 1_000_000,
          firstMismatch.isEmpty() ? "" : "; first poll saw " + firstMismatch);
      return common;
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\nlast dumps: " + last, e);
    }
  }

  /**
   * Nothing acknowledged was lost: on every replica the oracle's last timestamp is at or above
   * every timestamp a client got, and the next ID is above every ID a client got.
   */
  static void assertNothingLost(ReplicaProcesses cluster, History history) {
    long maxTs = history.ops().stream().filter(o -> o.ok() && o.kind() == Kind.TSO).mapToLong(Op::last).max().orElse(0);
    long maxId = history.ops().stream().filter(o -> o.ok() && o.kind() == Kind.IDS).mapToLong(Op::last).max().orElse(0);
    for (int i = 1; i <= ReplicaProcesses.SIZE; i++) {
      int r = i;
      ReplicaStatus s = cluster.await(() -> cluster.status(r), Duration.ofSeconds(20), "/status of n" + r);
      assertTrue(s.getLastTimestamp() >= maxTs,
          "n" + r + " lost timestamps: its last is " + s.getLastTimestamp() + " but a client got " + maxTs);
      assertTrue(s.getNextId() > maxId,
          "n" + r + " lost IDs: its next is " + s.getNextId() + " but a client got " + maxId);
    }
    LOG.info("nothing lost: max acknowledged timestamp {} and id {} are covered on all replicas", maxTs, maxId);
  }

  /** Highest snapshot index per replica, for the log (proves restarts went through snapshots). */
  static String snapshots(ReplicaProcesses cluster) {
    StringBuilder b = new StringBuilder();
    for (int i = 1; i <= ReplicaProcesses.SIZE; i++) {
      int r = i;
      b.append(i == 1 ? "" : ", ").append("n").append(i).append(" snapshot ")
          .append(cluster.status(r).map(ReplicaStatus::getSnapshotIndex).map(String::valueOf).orElse("?"));
    }
    return b.toString();
  }
}
