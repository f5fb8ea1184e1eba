package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.Steps.m;

import java.time.Duration;
import java.util.Random;

/**
 * Skews clocks through the replicas' {@code /admin/clock} (they run with
 * {@code --test-clock-control}); the leader's clock stamps every entry, so timestamps follow it.
 * One of:
 * <ul>
 *   <li>{@code leader-forward}: the leader's clock 1-30 s ahead for 2-4 s, then back to true time
 *       (the oracle must not go back with it);</li>
 *   <li>{@code leader-backward}: the leader's clock 1-30 s behind for 2-4 s;</li>
 *   <li>{@code handover-to-slow-clock}: the leader's clock 1-30 s ahead, a follower's 1-30 s
 *       behind, and leadership transferred to that follower (a new leader whose clock is far
 *       behind the last timestamp) for 2-4 s.</li>
 * </ul>
 * Every running replica's offset is 0 again at the end.
 */
final class ClockFault implements Fault {
  @Override
  public String name() {
    return "clock";
  }

  @Override
  public void inject(ChaosEnv env, Random random) throws Exception {
    ChaosCluster c = env.cluster();
    int leader = c.awaitLeader(Duration.ofSeconds(30));
    String[] variants = {"leader-forward", "leader-backward", "handover-to-slow-clock"};
    String variant = variants[random.nextInt(variants.length)];
    long skew = Steps.between(random, 1000, 30_000);
    long holdMs = Steps.between(random, 2000, 4000);
    try {
      switch (variant) {
        case "leader-forward" -> {
          env.event(name(), "skew", m("variant", variant, "replica", leader, "offsetMs", skew, "holdMs", holdMs));
          c.setClockOffset(leader, skew);
          Steps.sleep(holdMs);
        }
        case "leader-backward" -> {
          env.event(name(), "skew", m("variant", variant, "replica", leader, "offsetMs", -skew, "holdMs", holdMs));
          c.setClockOffset(leader, -skew);
          Steps.sleep(holdMs);
        }
        default -> {
          int slow = Steps.other(random, leader, leader);
          long behind = Steps.between(random, 1000, 30_000);
          env.event(name(), "skew", m("variant", variant, "replica", leader, "offsetMs", skew, "slowReplica", slow,
              "slowOffsetMs", -behind));
          c.setClockOffset(leader, skew);
          c.setClockOffset(slow, -behind);
          Steps.sleep(1000);
          long t0 = System.nanoTime();
          boolean moved = c.transferLeadership(slow, Duration.ofSeconds(5));
          env.event(name(), "transfer-leadership", m("to", slow, "ok", moved, "afterMs", Steps.ms(t0)));
          Steps.sleep(holdMs);
        }
      }
    } finally {
      for (int i = 1; i <= 3; i++) {
        if (c.isRunning(i) && !c.isStopped(i)) {
          c.setClockOffset(i, 0);
        }
      }
      env.event(name(), "restore", m("variant", variant));
    }
  }
}
