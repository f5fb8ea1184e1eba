package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.Steps.m;

import java.time.Duration;
import java.util.Optional;
import java.util.Random;

/**
 * SIGSTOP the leader for 5-20 election timeouts (its sockets stay open and clients stay
 * attached to it), then SIGCONT: it wakes up believing it leads until it hears the new term.
 * Timeline: {@code sigstop} (replica, pauseMs), {@code new-leader}, {@code sigcont}, {@code caught-up}.
 */
final class PauseFault implements Fault {
  @Override
  public String name() {
    return "pause";
  }

  @Override
  public void inject(ChaosEnv env, Random random) throws Exception {
    ChaosCluster c = env.cluster();
    int victim = c.awaitLeader(Duration.ofSeconds(30));
    long pauseMs = env.electionTimeout().toMillis() * Steps.between(random, 5, 20);
    env.event(name(), "sigstop", m("replica", victim, "role", "leader", "pauseMs", pauseMs));
    long t0 = System.nanoTime();
    c.sigstop(victim);
    boolean newLeader = false;
    try {
      while (Steps.ms(t0) < pauseMs) {
        if (!newLeader) {
          Optional<Integer> l = c.leader().filter(x -> x != victim);
          if (l.isPresent()) {
            newLeader = true;
            env.event(name(), "new-leader", m("replica", l.get(), "afterMs", Steps.ms(t0)));
          }
        }
        Steps.sleep(newLeader ? 50 : 20);
      }
    } finally {
      c.sigcont(victim); // never leave it frozen
      env.event(name(), "sigcont", m("replica", victim, "stoppedMs", Steps.ms(t0)));
    }
    long t1 = System.nanoTime();
    long index = c.awaitCaughtUp(victim, Duration.ofSeconds(60));
    env.event(name(), "caught-up", m("replica", victim, "index", index, "afterMs", Steps.ms(t1)));
  }
}
