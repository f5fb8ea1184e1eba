package io.raftcoord.server.chaos;

import java.util.function.BooleanSupplier;

/**
 * The threads of a workload's actors. Every actor thread is a daemon, so that a workload that
 * fails to stop them cannot keep the run's JVM alive; an actor sleeps between rounds in slices
 * of at most 100 ms, so that it notices within that much that its workload stopped.
 */
final class WorkloadThreads {
  private WorkloadThreads() {}

  /** Starts {@code r} on a new daemon thread. */
  static Thread daemon(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Sleeps {@code ms} while {@code running} holds; returns whether it still does. */
  static boolean pause(BooleanSupplier running, long ms) {
    long until = System.nanoTime() + ms * 1_000_000L;
    while (running.getAsBoolean() && System.nanoTime() < until) {
      Steps.sleep(Math.min(100, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
    }
    return running.getAsBoolean();
  }
}
