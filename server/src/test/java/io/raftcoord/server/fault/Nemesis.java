package io.raftcoord.server.fault;

import java.io.IOException;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kills replicas under load and brings them back, waiting on observed state (not on sleeps)
 * between steps: a new leader among the survivors, progress with the victim down, the victim
 * caught up after restart, and progress again, before the next fault.
 */
final class Nemesis {
  private static final Logger LOG = LoggerFactory.getLogger(Nemesis.class);

  enum Target { LEADER, FOLLOWER }

  /**
   * What the nemesis needs of a load: OK ops counted from a mark. {@link Workload} is one (through
   * the constructor that takes it); other loads (e.g. the catalog DDL load) implement this.
   */
  interface Load {
    /** Starts counting OK ops invoked from now on; returns the mark time ({@code System.nanoTime()}). */
    long mark();

    /** Waits until {@code n} OK ops invoked after the last {@link #mark()} have returned. */
    void awaitOkSinceMark(long n, Duration timeout, String what);

    /** OK ops invoked after {@code nanos} that have returned so far. */
    long okInvokedAfter(long nanos);
  }

  /**
   * One completed fault. Times are {@code System.nanoTime()}.
   *
   * @param action "kill9" or "sigstop"
   * @param killNanos when the victim was killed or stopped
   * @param restartNanos when it was restarted or continued
   * @param recoveredNanos when the restarted victim had caught up (progress is counted from here)
   * @param okWhileDown OK ops invoked and returned while the victim was down
   * @param okAfterRecovery OK ops invoked after recovery that the nemesis waited for
   */
  record Fault(String action, Target target, int victim, long killNanos, long restartNanos, long recoveredNanos,
               long okWhileDown, long okAfterRecovery) {}

  private final ReplicaProcesses cluster;
  private final Consumer<String> events;
  private final Load load;
  private final Duration pause;
  private final long minProgress;

  /**
   * @param pause least time a victim stays down
   * @param minProgress OK ops to see (invoked after the step began) while the victim is down and after it is back
   */
  Nemesis(ReplicaProcesses cluster, History history, Workload load, Duration pause, long minProgress) {
    this(cluster, history::event, new Load() {
      @Override
      public long mark() {
        return load.mark();
      }

      @Override
      public void awaitOkSinceMark(long n, Duration timeout, String what) {
        load.awaitOkSinceMark(n, timeout, what);
      }

      @Override
      public long okInvokedAfter(long nanos) {
        return history.ops().stream().filter(o -> o.ok() && o.invokeNanos() > nanos).count();
      }
    }, pause, minProgress);
  }

  /**
   * @param events where the nemesis's steps are recorded (e.g. a history's {@code event})
   * @param pause least time a victim stays down
   * @param minProgress OK ops to see (invoked after the step began) while the victim is down and after it is back
   */
  Nemesis(ReplicaProcesses cluster, Consumer<String> events, Load load, Duration pause, long minProgress) {
    this.cluster = cluster;
    this.events = events;
    this.load = load;
    this.pause = pause;
    this.minProgress = minProgress;
  }

  Fault killAndRestart(Target target) throws IOException {
    int victim = target == Target.LEADER ? cluster.awaitLeader(Duration.ofSeconds(30))
        : cluster.aFollower(Duration.ofSeconds(30));
    events.accept("kill9 n" + victim + " (" + target.name().toLowerCase() + ")");
    long killNanos = load.mark();
    cluster.kill9(victim);
    if (target == Target.LEADER) {
      int next = cluster.awaitLeaderOtherThan(victim, Duration.ofSeconds(30));
      events.accept("new leader n" + next);
      LOG.info("leader n{} killed; n{} took over after {} ms", victim, next, (System.nanoTime() - killNanos) / 1_000_000);
    }
    // The two survivors are a quorum: clients must make progress while the victim is down.
    load.awaitOkSinceMark(minProgress, Duration.ofSeconds(30), "with n" + victim + " down");
    long minDown = killNanos + pause.toNanos();
    while (System.nanoTime() < minDown) {
      ReplicaProcesses.sleep(20);
    }
    long okWhileDown = load.okInvokedAfter(killNanos);

    events.accept("restart n" + victim);
    long restartNanos = System.nanoTime();
    cluster.start(victim);
    long index = cluster.awaitCaughtUp(victim, Duration.ofSeconds(90));
    long recoveredNanos = load.mark();
    events.accept("n" + victim + " caught up to index " + index);
    LOG.info("n{} restarted and caught up to index {} in {} ms", victim, index,
        (recoveredNanos - restartNanos) / 1_000_000);
    load.awaitOkSinceMark(minProgress, Duration.ofSeconds(30), "after n" + victim + " came back");
    long okAfter = load.okInvokedAfter(recoveredNanos);
    LOG.info("fault {} n{} done: {} OK ops while down, {} since recovery; {}", target, victim, okWhileDown, okAfter,
        cluster.describe());
    return new Fault("kill9", target, victim, killNanos, restartNanos, recoveredNanos, okWhileDown, okAfter);
  }

  /**
   * SIGSTOP the victim for {@code pause} (a long GC pause or a frozen VM: its sockets stay open,
   * it answers nothing), then SIGCONT. A stopped leader resumes still believing it leads until it
   * hears the new term; that is the moment a leader serving anything from memory goes wrong.
   */
  Fault pauseAndResume(Target target, Duration pause) {
    int victim = target == Target.LEADER ? cluster.awaitLeader(Duration.ofSeconds(30))
        : cluster.aFollower(Duration.ofSeconds(30));
    events.accept("SIGSTOP n" + victim + " (" + target.name().toLowerCase() + ")");
    long stopNanos = load.mark();
    cluster.sigstop(victim);
    try {
      if (target == Target.LEADER) {
        int next = cluster.awaitLeaderOtherThan(victim, Duration.ofSeconds(30));
        events.accept("new leader n" + next);
        LOG.info("leader n{} stopped; n{} took over after {} ms", victim, next, (System.nanoTime() - stopNanos) / 1_000_000);
      }
      load.awaitOkSinceMark(minProgress, Duration.ofSeconds(30), "with n" + victim + " stopped");
      long until = stopNanos + pause.toNanos();
      while (System.nanoTime() < until) {
        ReplicaProcesses.sleep(20);
      }
    } finally {
      cluster.sigcont(victim); // never leave it frozen, even when the wait above failed
    }
    long okWhileDown = load.okInvokedAfter(stopNanos);
    events.accept("SIGCONT n" + victim);
    long contNanos = System.nanoTime();
    long index = cluster.awaitCaughtUp(victim, Duration.ofSeconds(60));
    long recoveredNanos = load.mark();
    events.accept("n" + victim + " caught up to index " + index);
    load.awaitOkSinceMark(minProgress, Duration.ofSeconds(30), "after n" + victim + " resumed");
    long okAfter = load.okInvokedAfter(recoveredNanos);
    LOG.info("fault SIGSTOP {} n{} done: stopped {} ms, {} OK ops meanwhile, caught up {} ms after SIGCONT; {}", target,
        victim, (contNanos - stopNanos) / 1_000_000, okWhileDown, (recoveredNanos - contNanos) / 1_000_000,
        cluster.describe());
    return new Fault("sigstop", target, victim, stopNanos, contNanos, recoveredNanos, okWhileDown, okAfter);
  }
}
