package io.raftcoord.server.chaos;

import io.raftcoord.proto.ReplicaStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The three replica processes of a chaos run (1-based). */
public interface ChaosCluster {
  void kill9(int replica);

  /**
   * SIGKILLs several replicas at the same instant: every signal is sent before waiting for any
   * exit, so none of them gets to write, flush or answer after another died.
   */
  default void kill9All(int... replicas) {
    for (int r : replicas) {
      kill9(r);
    }
  }

  void start(int replica) throws Exception;

  void sigstop(int replica);

  void sigcont(int replica);

  boolean isRunning(int replica);

  Optional<Integer> leader();

  int awaitLeader(Duration timeout);

  Optional<ReplicaStatus> status(int replica);

  /** Waits until the replica's applied index reaches the leader's commit index; returns the index. */
  long awaitCaughtUp(int replica, Duration timeout);

  /** Moves the replica's clock by {@code offsetMs} (needs replicas started with --test-clock-control). */
  void setClockOffset(int replica, long offsetMs) throws Exception;

  Path dataDir(int replica);

  Path logFile(int replica);

  // ---- added for the fault plug-ins; defaults so that test doubles need not implement them ----

  /** The replica's admin HTTP endpoint ({@code http://host:port}), where this cluster has one. */
  default java.net.URI adminUri(int replica) {
    throw new UnsupportedOperationException("this cluster has no admin endpoints");
  }

  /** Whether the replica is frozen by {@link #sigstop} (and not continued since). */
  default boolean isStopped(int replica) {
    return false;
  }

  /** Waits for a leader other than {@code excluded} (the replica just killed, stopped or cut off). */
  default int awaitLeaderOtherThan(int excluded, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<Integer> l = leader().filter(x -> x != excluded);
      if (l.isPresent()) {
        return l.get();
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no leader other than n" + excluded + " within " + timeout.toMillis() + " ms");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
  }

  /**
   * Asks the leader to hand leadership to {@code replica} (Ratis transferLeadership); true if
   * the replica leads afterwards. Best effort: false when this cluster cannot do it.
   */
  default boolean transferLeadership(int replica, Duration timeout) {
    return false;
  }

  /**
   * Marks exits of {@code replica} as expected (a fault that may make it halt, e.g. a full disk)
   * or not; an unexpected exit is a finding of the run.
   */
  default void expectExit(int replica, boolean expected) {}

  /** One line on every replica (pid, role, term, indexes), for logs and timelines. */
  default String describe() {
    StringBuilder b = new StringBuilder();
    for (int i = 1; i <= 3; i++) {
      int r = i;
      b.append(i == 1 ? "" : "; ").append('n').append(i).append(": ")
          .append(!isRunning(r) ? "not running" : status(r).map(s -> s.getRole() + " term " + s.getTerm()
              + " commit " + s.getCommitIndex() + " applied " + s.getAppliedIndex() + " snapshot "
              + s.getSnapshotIndex()).orElse("no /status"));
    }
    return b.toString();
  }
}
