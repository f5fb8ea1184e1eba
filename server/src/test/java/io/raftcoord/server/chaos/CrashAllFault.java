package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.Steps.m;

import java.time.Duration;
import java.util.Random;

/**
 * A whole-cluster crash loop: one to three rounds of SIGKILL to all three replicas at the same
 * instant, under load, each followed by a restart of all three and a short run once a leader is
 * back (so the next crash hits a cluster still replaying, electing or installing). Only what
 * reached the disks survives; every acknowledged write must be among it. Timeline per round:
 * {@code kill9-all} (round, downMs), {@code restart}, {@code new-leader}; after the last round
 * {@code caught-up} per replica.
 */
final class CrashAllFault implements Fault {
  @Override
  public String name() {
    return "crash-all";
  }

  @Override
  public void inject(ChaosEnv env, Random random) throws Exception {
    ChaosCluster c = env.cluster();
    int rounds = 1 + random.nextInt(3);
    for (int round = 1; round <= rounds; round++) {
      c.awaitLeader(Duration.ofSeconds(60));
      long upMs = Steps.between(random, 0, 2000);
      Steps.sleep(upMs);
      long downMs = Steps.between(random, 200, 2000);
      env.event(name(), "kill9-all", m("round", round, "of", rounds, "upMs", upMs, "downMs", downMs));
      long t0 = System.nanoTime();
      c.kill9All(1, 2, 3);
      Steps.sleep(downMs - Steps.ms(t0));
      if (round < rounds) {
        CrashRecovery.restart(env, name(), t0, 1, 2, 3);
      } else {
        CrashRecovery.restartAndCatchUp(env, name(), t0, 1, 2, 3);
      }
    }
  }
}
