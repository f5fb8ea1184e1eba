package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.Steps.m;

import java.time.Duration;
import java.util.Random;

/**
 * SIGKILL the leader and one follower at the same instant, under load, then restart both on
 * their data directories. The survivor alone is no majority, so everything acknowledged before
 * the crash must come back from what the two killed replicas had flushed: an entry acknowledged
 * before a majority made it durable is lost here, where a single kill cannot lose it. Timeline:
 * {@code kill9-majority} (leader, follower, downMs), {@code restart}, {@code new-leader},
 * {@code caught-up} (per replica).
 */
final class MajorityCrashFault implements Fault {
  @Override
  public String name() {
    return "crash-majority";
  }

  @Override
  public void inject(ChaosEnv env, Random random) throws Exception {
    ChaosCluster c = env.cluster();
    int leader = c.awaitLeader(Duration.ofSeconds(30));
    int follower = 1 + (leader + random.nextInt(2)) % 3; // one of the other two
    long downMs = Steps.between(random, 500, 3000);
    env.event(name(), "kill9-majority", m("leader", leader, "follower", follower, "downMs", downMs));
    long t0 = System.nanoTime();
    c.kill9All(leader, follower);
    Steps.sleep(downMs - Steps.ms(t0));
    CrashRecovery.restartAndCatchUp(env, name(), t0, leader, follower);
  }
}
