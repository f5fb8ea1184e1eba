package io.raftcoord.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftcoord.proto.ClusterLayout;
import io.raftcoord.statemachine.store.StoreDump;
import io.raftcoord.statemachine.version.ApplyVersions;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/** Three in-process replicas on free loopback ports, each with its own clock and data dir. */
final class LocalQuorum implements AutoCloseable {
  private final List<ClusterLayout.Peer> peers;
  private final Path root;
  private final ReplicaServer[] replicas;
  private final ServerClock[] clocks;
  private final long snapshotThreshold;
  private final long segmentSize;
  private final ApplyVersions[] versions = new ApplyVersions[3];

  LocalQuorum(Path root, long snapshotThreshold, long segmentSize) throws IOException {
    this(root, snapshotThreshold, segmentSize, ApplyVersions.THIS_BINARY, ApplyVersions.THIS_BINARY,
        ApplyVersions.THIS_BINARY);
  }

  /** Replicas whose binaries support the given apply versions (as if built from different releases). */
  LocalQuorum(Path root, long snapshotThreshold, long segmentSize, ApplyVersions... perReplica) throws IOException {
    if (perReplica.length != 3) {
      throw new IllegalArgumentException("three replicas, got " + perReplica.length + " version ranges");
    }
    System.arraycopy(perReplica, 0, versions, 0, 3);
    this.root = root;
    this.snapshotThreshold = snapshotThreshold;
    this.segmentSize = segmentSize;
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      sb.append(i == 0 ? "" : ",").append("127.0.0.1:").append(freePort());
    }
    this.peers = ClusterLayout.parsePeers(sb.toString());
    this.replicas = new ReplicaServer[3];
    this.clocks = new ServerClock[3];
    for (int i = 0; i < 3; i++) {
      clocks[i] = new ServerClock();
      start(i + 1);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  String peersString() {
    return String.join(",", peers.stream().map(ClusterLayout.Peer::address).toList());
  }

  ServerConfig config(int index) {
    return ServerConfig.defaults(index, peers, root.resolve("n" + index))
        .withSnapshot(snapshotThreshold, segmentSize).withApplyVersions(versions[index - 1]);
  }

  void start(int index) throws IOException {
    replicas[index - 1] = ReplicaServer.start(config(index), clocks[index - 1], e -> {
      throw new AssertionError("apply failed on replica " + index, e);
    });
  }

  /** Starts replica {@code index} again with a binary that supports {@code v}. */
  void start(int index, ApplyVersions v) throws IOException {
    versions[index - 1] = v;
    start(index);
  }

  void stop(int index) throws IOException {
    ReplicaServer r = replicas[index - 1];
    replicas[index - 1] = null;
    if (r != null) {
      r.close();
    }
  }

  ReplicaServer replica(int index) {
    return replicas[index - 1];
  }

  ServerClock clock(int index) {
    return clocks[index - 1];
  }

  Optional<Integer> leader() {
    for (int i = 0; i < 3; i++) {
      if (replicas[i] != null && replicas[i].isLeader()) {
        return Optional.of(i + 1);
      }
    }
    return Optional.empty();
  }

  int awaitLeader(Duration timeout) {
    await(() -> leader().isPresent(), timeout, "a leader");
    return leader().orElseThrow();
  }

  /**
   * Asserts that the three replicas hold the same store. Duties on the leader (the TSO window,
   * planners) may log entries at any time, so dumps are compared only once all three were taken at
   * one applied index; each dump reads its applied index from the same store snapshot.
   */
  void assertStoresIdentical(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      StoreDump[] d = new StoreDump[3];
      boolean sameIndex = true;
      for (int i = 0; i < 3; i++) {
        var state = replica(i + 1).stateMachine().state();
        d[i] = state == null ? null : state.dump(true);
        sameIndex &= d[i] != null && d[0] != null && d[i].appliedIndex() > 0
            && d[i].appliedIndex() == d[0].appliedIndex();
      }
      if (sameIndex) {
        for (int i = 1; i < 3; i++) {
          assertEquals(d[0].entries(), d[i].entries(), "store of replica " + (i + 1));
          assertEquals(d[0].digest(), d[i].digest(), "digest of replica " + (i + 1));
        }
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for all replicas to apply one index");
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted comparing stores");
      }
    }
  }

  /**
   * Polls {@code condition} until it holds; a read that fails with an unknown outcome (no leader
   * for a moment on a loaded machine) counts as "not yet".
   */
  /**
   * Waits until all three replicas have reported this binary's apply versions: before that the
   * leader refuses the commands of domains newer than the oldest version it has heard of.
   */
  static void awaitVersionsReported(io.raftcoord.client.CoordClient c, Duration timeout) {
    await(() -> {
      try {
        return c.admin().version().getReplicasList().stream()
            .filter(r -> r.getMaxVersion() >= io.raftcoord.statemachine.version.ApplyVersions.THIS_BINARY.max())
            .count() == 3;
      } catch (io.raftcoord.client.CoordException e) {
        return false;
      }
    }, timeout, "every replica to report its versions");
  }

  static void await(BooleanSupplier condition, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!holds(condition)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what);
      }
    }
  }

  private static boolean holds(BooleanSupplier condition) {
    try {
      return condition.getAsBoolean();
    } catch (io.raftcoord.client.CoordException e) {
      if (e.outcomeUnknown()) {
        return false;
      }
      throw e;
    }
  }

  @Override
  public void close() throws IOException {
    List<IOException> errors = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      try {
        stop(i);
      } catch (IOException e) {
        errors.add(e);
      }
    }
    if (!errors.isEmpty()) {
      throw errors.get(0);
    }
  }
}
