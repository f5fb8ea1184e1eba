package io.raftcoord.tools.bench;

import io.raftcoord.proto.ReplicaStatus;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Drives a local quorum through scripts/cluster.sh ({@code leader}, {@code kill N},
 * {@code restart N}) and watches it through the replicas' admin /status: what the failover and
 * the sessions bench share. The script only sends signals and starts processes; every time is
 * this JVM's System.nanoTime.
 */
final class ClusterControl {
  private static final long SEC = 1_000_000_000L;

  private final Path script;
  private final String peers;
  private final AdminProbe probe;

  /** A restarted replica: when its admin endpoint answered and when it caught up (0: never). */
  record Rejoin(long up, long caughtUp) {}

  ClusterControl(Path script, String peers, AdminProbe probe) {
    this.script = script;
    this.peers = peers;
    this.probe = probe;
  }

  /** The script given by --cluster-script, else $RAFTCOORD_CLUSTER_SCRIPT, else scripts/cluster.sh. */
  static Path script(Path flag) {
    return flag != null ? flag : Path.of(System.getenv().getOrDefault("RAFTCOORD_CLUSTER_SCRIPT", "scripts/cluster.sh"));
  }

  AdminProbe probe() {
    return probe;
  }

  /** The leader's replica number as the script reports it, waiting up to 30 s for one. */
  int leader(String what) {
    return Integer.parseInt(waitFor("a leader before " + what, 30, () -> {
      try {
        String s = run("leader").strip();
        return s.matches("\\d+") ? Optional.of(s) : Optional.empty();
      } catch (IOException e) {
        return Optional.empty();
      }
    }));
  }

  /** Every replica answers its admin /status and exactly one of them leads (waits up to 120 s). */
  void waitHealthy(String what) {
    waitFor("all replicas up with a leader before " + what, 120, () -> {
      int leaders = 0;
      for (int i = 1; i <= probe.size(); i++) {
        Optional<ReplicaStatus> s = probe.status(i);
        if (s.isEmpty()) {
          return Optional.empty();
        }
        leaders += "LEADER".equals(s.get().getRole()) ? 1 : 0;
      }
      return leaders == 1 ? Optional.of("ok") : Optional.empty();
    });
  }

  /**
   * After {@code restart N}: polls the leader's commitIndex and the restarted replica's
   * appliedIndex until the replica has caught up or {@code giveUp} (nanoTime) passes.
   *
   * @param leaderNow the leader if known, else 0 (looked up on the way)
   */
  Rejoin awaitCatchUp(int victim, int leaderNow, long giveUp) {
    long up = 0;
    while (System.nanoTime() < giveUp) {
      if (leaderNow == 0) {
        leaderNow = probe.leader(victim);
      }
      // the leader's commitIndex first, then the restarted replica's appliedIndex
      Optional<ReplicaStatus> l = leaderNow == 0 ? Optional.empty() : probe.status(leaderNow);
      if (l.isPresent() && !"LEADER".equals(l.get().getRole())) {
        leaderNow = 0;
        continue;
      }
      Optional<ReplicaStatus> v = probe.status(victim);
      long now = System.nanoTime();
      if (v.isPresent() && up == 0) {
        up = now;
      }
      if (v.isPresent() && l.isPresent() && v.get().getAppliedIndex() >= l.get().getCommitIndex()) {
        return new Rejoin(up, now);
      }
      ClosedLoop.sleepQuietly(20);
    }
    return new Rejoin(up, 0);
  }

  interface Poll {
    Optional<String> get();
  }

  static String waitFor(String what, int seconds, Poll poll) {
    long end = System.nanoTime() + seconds * SEC;
    while (System.nanoTime() < end) {
      Optional<String> v = poll.get();
      if (v.isPresent()) {
        return v.get();
      }
      ClosedLoop.sleepQuietly(100);
    }
    throw new IllegalStateException("gave up waiting for " + what + " after " + seconds + " s");
  }

  /** Runs the cluster script with this run's peers; returns its output; fails on a non-zero exit. */
  String run(String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(script.toString());
    cmd.addAll(List.of(args));
    Path outFile = Files.createTempFile("bench-cluster-", ".out");
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(outFile.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      pb.environment().put("RAFTCOORD_PEERS", peers);
      Process p = pb.start();
      boolean done;
      try {
        done = p.waitFor(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
        throw new IOException("interrupted running " + String.join(" ", cmd));
      }
      String output = Files.readString(outFile, StandardCharsets.UTF_8);
      if (!done) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + " did not finish within 60 s: " + output.strip());
      }
      if (p.exitValue() != 0) {
        throw new IOException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + output.strip());
      }
      return output;
    } finally {
      Files.deleteIfExists(outFile);
    }
  }
}
