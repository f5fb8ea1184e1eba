package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.Steps.m;

import java.time.Duration;
import java.util.Optional;
import java.util.Random;

/**
 * Network cuts between replicas (clients keep reaching all of them), one of:
 * <ul>
 *   <li>{@code isolate-leader}: the leader cut from both followers for 2-6 s; the majority elects
 *       a new leader while clients may still talk to the old one;</li>
 *   <li>{@code isolate-follower}: a follower cut from both others for 2-6 s;</li>
 *   <li>{@code one-way}: packets from the leader to one follower, or from a follower to the
 *       leader, dropped for 2-6 s;</li>
 *   <li>{@code flapping}: the leader's link to a follower (or the leader's isolation) cut and
 *       healed 6-12 times, 0.2-1 s each way.</li>
 * </ul>
 * Then every cut is healed and the run waits for the cluster to be whole.
 */
final class PartitionFault implements Fault {
  private final String unavailable;

  /** @param unavailable why namespaces are not available here, or null */
  PartitionFault(String unavailable) {
    this.unavailable = unavailable;
  }

  @Override
  public String name() {
    return "partition";
  }

  @Override
  public Optional<String> unavailableReason(ChaosEnv env) {
    if (unavailable != null) {
      return Optional.of(unavailable);
    }
    return env.network().isPresent() ? Optional.empty() : Optional.of("no network namespaces in this run");
  }

  @Override
  public void inject(ChaosEnv env, Random random) throws Exception {
    ChaosCluster c = env.cluster();
    ChaosNetwork net = env.network().orElseThrow();
    int leader = c.awaitLeader(Duration.ofSeconds(30));
    int follower = Steps.other(random, leader, leader);
    String[] variants = {"isolate-leader", "isolate-follower", "one-way", "flapping"};
    String variant = variants[random.nextInt(variants.length)];
    long holdMs = Steps.between(random, 2000, 6000);
    long t0 = System.nanoTime();
    try {
      switch (variant) {
        case "isolate-leader" -> {
          env.event(name(), "isolate", m("variant", variant, "replica", leader, "role", "leader", "holdMs", holdMs));
          net.isolate(leader);
          awaitNewLeader(env, c, leader, t0, holdMs);
        }
        case "isolate-follower" -> {
          env.event(name(), "isolate", m("variant", variant, "replica", follower, "role", "follower", "holdMs", holdMs));
          net.isolate(follower);
          Steps.sleep(holdMs);
        }
        case "one-way" -> {
          boolean fromLeader = random.nextBoolean();
          int from = fromLeader ? leader : follower;
          int to = fromLeader ? follower : leader;
          env.event(name(), "cut-one-way", m("variant", variant, "from", from, "to", to, "leader", leader,
              "holdMs", holdMs));
          net.cutOneWay(from, to);
          Steps.sleep(holdMs);
        }
        default -> {
          boolean isolate = random.nextBoolean();
          int flips = (int) Steps.between(random, 6, 12);
          env.event(name(), "flap", m("variant", variant, "what", isolate ? "isolate leader" : "leader<->follower",
              "leader", leader, "follower", isolate ? null : follower, "flips", flips));
          for (int k = 0; k < flips; k++) {
            if (isolate) {
              net.isolate(leader);
            } else {
              net.cut(leader, follower);
            }
            Steps.sleep(Steps.between(random, 200, 1000));
            net.healAll();
            Steps.sleep(Steps.between(random, 200, 1000));
          }
        }
      }
    } finally {
      net.healAll();
      env.event(name(), "heal", m("variant", variant, "cutMs", Steps.ms(t0)));
    }
    int now = c.awaitLeader(Duration.ofSeconds(30));
    long t1 = System.nanoTime();
    for (int i = 1; i <= 3; i++) {
      c.awaitCaughtUp(i, Duration.ofSeconds(60));
    }
    env.event(name(), "caught-up", m("leader", now, "afterMs", Steps.ms(t1)));
  }

  /** Holds the isolation {@code holdMs}, noting when the majority elects a new leader. */
  private void awaitNewLeader(ChaosEnv env, ChaosCluster c, int old, long t0, long holdMs) {
    boolean seen = false;
    while (Steps.ms(t0) < holdMs) {
      if (!seen) {
        Optional<Integer> l = c.leader().filter(x -> x != old);
        if (l.isPresent()) {
          seen = true;
          env.event(name(), "new-leader", m("replica", l.get(), "afterMs", Steps.ms(t0)));
        }
      }
      Steps.sleep(50);
    }
    if (!seen) {
      env.event(name(), "no-new-leader", m("afterMs", Steps.ms(t0)));
    }
  }
}
