package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.Steps.m;

import java.time.Duration;
import java.util.Random;

/**
 * SIGKILL the leader (half the time) or a replica at random, keep it down 1-4 s (the survivors
 * elect a new leader meanwhile if it led), restart it on its data directory and wait until it has
 * caught up. Timeline: {@code kill9} (replica, role), {@code new-leader}, {@code restart},
 * {@code caught-up}.
 */
final class KillFault implements Fault {
  @Override
  public String name() {
    return "kill";
  }

  @Override
  public void inject(ChaosEnv env, Random random) throws Exception {
    ChaosCluster c = env.cluster();
    int leader = c.awaitLeader(Duration.ofSeconds(30));
    boolean targetLeader = random.nextBoolean();
    int victim = targetLeader ? leader : 1 + random.nextInt(3);
    String role = victim == leader ? "leader" : "follower";
    long downMs = Steps.between(random, 1000, 4000);
    env.event(name(), "kill9", m("replica", victim, "role", role, "target", targetLeader ? "leader" : "random",
        "downMs", downMs));
    long t0 = System.nanoTime();
    c.kill9(victim);
    if (victim == leader) {
      int next = c.awaitLeaderOtherThan(victim, Duration.ofSeconds(30));
      env.event(name(), "new-leader", m("replica", next, "afterMs", Steps.ms(t0)));
    }
    Steps.sleep(downMs - Steps.ms(t0));
    env.event(name(), "restart", m("replica", victim, "downMs", Steps.ms(t0)));
    c.start(victim);
    long t1 = System.nanoTime();
    long index = c.awaitCaughtUp(victim, Duration.ofSeconds(90));
    env.event(name(), "caught-up", m("replica", victim, "index", index, "afterMs", Steps.ms(t1)));
  }
}
