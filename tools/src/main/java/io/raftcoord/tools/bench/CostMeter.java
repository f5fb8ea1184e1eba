package io.raftcoord.tools.bench;

import io.raftcoord.proto.ReplicaStatus;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the quorum spent over a window, from two snapshots: Raft entries committed (the
 * leader's commitIndex, from its admin /status), CPU time of the leader's and the followers'
 * processes and of this JVM (from /proc, for replicas on this host), and the session reaper's
 * counters (the leader's /metrics).
 */
final class CostMeter {
  private final AdminProbe probe;

  /** Replica state at one instant; arrays are indexed by replica number (slot 0 unused), -1 = unknown. */
  record Snapshot(long nanos, int leader, long term, long commitIndex, long[] pids, long[] ticks, long selfTicks,
      Optional<DutyMetrics> reaper) {}

  /**
   * One window. {@code leaderChanged}: another replica (or another term) led at the end, so the
   * per-leader figures (CPU, reaper) do not describe one process; {@code entries} is then the
   * highest commitIndex difference seen.
   */
  record Window(long nanos, int leader, boolean leaderChanged, long entries, long leaderTicks, long followerTicks,
      int followers, long selfTicks, DutyMetrics reaper) {
    double seconds() {
      return nanos / 1e9;
    }

    double leaderCpuPct() {
      return ProcCpu.percentOfCore(leaderTicks, nanos);
    }

    /** The followers together, as a percentage of one core. */
    double followersCpuPct() {
      return ProcCpu.percentOfCore(followerTicks, nanos);
    }

    double selfCpuPct() {
      return ProcCpu.percentOfCore(selfTicks, nanos);
    }

    /** Share of the window the reaper's rounds took (planning, proposing and waiting for the commit), or NaN. */
    double reaperPct() {
      return reaper == null ? Double.NaN : 100.0 * reaper.seconds() / seconds();
    }
  }

  CostMeter(AdminProbe probe) {
    this.probe = probe;
  }

  Snapshot take() {
    int n = probe.size();
    long[] pids = new long[n + 1];
    long[] ticks = new long[n + 1];
    int leader = 0;
    long term = -1;
    long commit = -1;
    for (int i = 1; i <= n; i++) {
      Optional<ReplicaStatus> s = probe.status(i);
      if (s.isPresent() && "LEADER".equals(s.get().getRole())) {
        leader = i;
        term = s.get().getTerm();
        commit = s.get().getCommitIndex();
      }
      OptionalLong pid = ReplicaPids.byAdminPort(probe.adminPort(i));
      pids[i] = pid.orElse(-1);
      ticks[i] = ProcCpu.ticks(pids[i]);
    }
    Optional<DutyMetrics> reaper = leader == 0 ? Optional.empty()
        : probe.get(leader, "/metrics").flatMap(t -> DutyMetrics.parse(t, DutyMetrics.SESSION_REAPER));
    return new Snapshot(System.nanoTime(), leader, term, commit, pids, ticks, ProcCpu.selfTicks(), reaper);
  }

  static Window between(Snapshot a, Snapshot b) {
    boolean changed = a.leader() == 0 || a.leader() != b.leader() || a.term() != b.term();
    long entries = a.commitIndex() < 0 || b.commitIndex() < 0 ? -1 : b.commitIndex() - a.commitIndex();
    int leader = b.leader() != 0 ? b.leader() : a.leader();
    long leaderTicks = -1;
    long followerTicks = 0;
    int followers = 0;
    for (int i = 1; i < a.pids().length; i++) {
      long d = a.pids()[i] == b.pids()[i] ? ProcCpu.delta(a.ticks()[i], b.ticks()[i]) : -1;
      if (i == leader) {
        leaderTicks = changed ? -1 : d;
      } else if (d >= 0) {
        followerTicks += d;
        followers++;
      }
    }
    DutyMetrics reaper = !changed && a.reaper().isPresent() && b.reaper().isPresent()
        ? b.reaper().get().minus(a.reaper().get()) : null;
    return new Window(b.nanos() - a.nanos(), leader, changed, entries, leaderTicks, followers == 0 ? -1 : followerTicks,
        followers, ProcCpu.delta(a.selfTicks(), b.selfTicks()), reaper);
  }
}
