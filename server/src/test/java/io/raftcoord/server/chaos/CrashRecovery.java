package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.Steps.m;

import java.time.Duration;

/** Restarting replicas after a multi-replica crash, with the timeline events every crash fault logs. */
final class CrashRecovery {
  private CrashRecovery() {}

  /** Starts the replicas again and waits for a leader among them. */
  static int restart(ChaosEnv env, String fault, long crashedAtNanos, int... replicas) throws Exception {
    ChaosCluster c = env.cluster();
    for (int r : replicas) {
      env.event(fault, "restart", m("replica", r, "downMs", Steps.ms(crashedAtNanos)));
      c.start(r);
    }
    long t1 = System.nanoTime();
    int leader = c.awaitLeader(Duration.ofSeconds(60));
    env.event(fault, "new-leader", m("replica", leader, "afterMs", Steps.ms(t1)));
    return leader;
  }

  /** As {@link #restart}, then waits until each restarted replica has applied what is committed. */
  static void restartAndCatchUp(ChaosEnv env, String fault, long crashedAtNanos, int... replicas) throws Exception {
    restart(env, fault, crashedAtNanos, replicas);
    long t1 = System.nanoTime();
    for (int r : replicas) {
      long index = env.cluster().awaitCaughtUp(r, Duration.ofSeconds(90));
      env.event(fault, "caught-up", m("replica", r, "index", index, "afterMs", Steps.ms(t1)));
    }
  }
}
