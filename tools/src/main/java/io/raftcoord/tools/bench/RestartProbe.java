package io.raftcoord.tools.bench;

import io.raftcoord.client.CoordClient;
import io.raftcoord.proto.ClusterLayout;
import io.raftcoord.proto.ReplicaStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * Restart times of a filled quorum started by scripts/cluster.sh. A follower: SIGKILL, restart,
 * then the time until its admin endpoint answers, until its applied index reaches the leader's
 * commit index, and until a read served by that replica (ReadIndex through it) succeeds. The
 * whole cluster: stop all (SIGTERM), start all, then the time until a leader is elected, until
 * every replica caught up with the leader's commit index, and until a linearizable read
 * succeeds through a fresh client. Times are from the (last) start command.
 */
final class RestartProbe {
  /** Seconds from the start to each milestone; NaN if it was not reached. */
  record Times(double up, double caughtUp, double served, long index) {}

  /** A read the restarted quorum (or one replica, by peer id; null: any) must serve. */
  interface Read {
    void run(CoordClient client, String peerId);
  }

  private final ClusterControl ctl;
  private final String peers;
  private final Read read;
  private final long giveUpMs;

  RestartProbe(ClusterControl ctl, String peers, Read read, long giveUpMs) {
    this.ctl = ctl;
    this.peers = peers;
    this.read = read;
    this.giveUpMs = giveUpMs;
  }

  Times follower(CoordClient client, int victim) throws IOException {
    AdminProbe probe = ctl.probe();
    ctl.run("kill", Integer.toString(victim));
    long t0 = System.nanoTime();
    ctl.run("restart", Integer.toString(victim));
    long end = t0 + giveUpMs * 1_000_000;
    String peerId = ClusterLayout.parsePeers(peers).get(victim - 1).id();
    double up = Double.NaN;
    double caughtUp = Double.NaN;
    long index = -1;
    while (System.nanoTime() < end) {
      int leader = probe.leader(victim);
      Optional<ReplicaStatus> l = leader == 0 ? Optional.empty() : probe.status(leader);
      Optional<ReplicaStatus> v = probe.status(victim);
      if (v.isPresent() && Double.isNaN(up)) {
        up = since(t0);
      }
      if (v.isPresent() && l.isPresent() && v.get().getAppliedIndex() >= l.get().getCommitIndex()) {
        caughtUp = since(t0);
        index = l.get().getCommitIndex();
        break;
      }
      ClosedLoop.sleepQuietly(20);
    }
    double served = Double.NaN;
    while (!Double.isNaN(caughtUp) && System.nanoTime() < end) {
      try {
        read.run(client, peerId);
        served = since(t0);
        break;
      } catch (RuntimeException e) {
        ClosedLoop.sleepQuietly(20);
      }
    }
    return new Times(up, caughtUp, served, index);
  }

  Times cluster() throws IOException {
    AdminProbe probe = ctl.probe();
    ctl.run("stop");
    long t0 = System.nanoTime();
    for (int i = 1; i <= probe.size(); i++) {
      ctl.run("start", Integer.toString(i));
    }
    long end = t0 + giveUpMs * 1_000_000;
    double elected = Double.NaN;
    double caughtUp = Double.NaN;
    long index = -1;
    while (System.nanoTime() < end && Double.isNaN(caughtUp)) {
      int leader = probe.leader(0);
      Optional<ReplicaStatus> l = leader == 0 ? Optional.empty() : probe.status(leader);
      if (l.isPresent()) {
        if (Double.isNaN(elected)) {
          elected = since(t0);
        }
        long commit = l.get().getCommitIndex();
        boolean all = true;
        for (int i = 1; i <= probe.size() && all; i++) {
          Optional<ReplicaStatus> s = probe.status(i);
          all = s.isPresent() && s.get().getAppliedIndex() >= commit;
        }
        if (all) {
          caughtUp = since(t0);
          index = commit;
        }
      }
      if (Double.isNaN(caughtUp)) {
        ClosedLoop.sleepQuietly(20);
      }
    }
    double served = Double.NaN;
    try (CoordClient fresh = CoordClient.builder().peers(peers).deadline(Duration.ofSeconds(5)).build()) {
      while (!Double.isNaN(elected) && System.nanoTime() < end) {
        try {
          read.run(fresh, null);
          served = since(t0);
          break;
        } catch (RuntimeException e) {
          ClosedLoop.sleepQuietly(20);
        }
      }
    }
    return new Times(elected, caughtUp, served, index);
  }

  /** A follower (not the leader) to restart, or 0. */
  int pickFollower() {
    AdminProbe probe = ctl.probe();
    int leader = probe.leader(0);
    for (int i = probe.size(); i >= 1; i--) {
      if (i != leader) {
        return i;
      }
    }
    return 0;
  }

  private static double since(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
