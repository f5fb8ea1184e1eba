package io.raftcoord.server.chaos;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waiting, bounded, for a condition a workload reads from the cluster. A read that throws counts
 * as "not yet" (a fault may be on); giving up is logged, not thrown: the caller decides whether
 * an unmet condition fails the setup or is left for the checker to judge.
 */
final class BoundedWait {
  private static final Logger LOG = LoggerFactory.getLogger(BoundedWait.class);

  private BoundedWait() {}

  /** Polls {@code done} every 200 ms for at most {@code limit}; whether it held. */
  static boolean until(String workload, BooleanSupplier done, Duration limit, String what) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (done.getAsBoolean()) {
          return true;
        }
      } catch (RuntimeException e) {
        // a fault: try again
      }
      Steps.sleep(200);
    }
    LOG.warn("{}: gave up waiting for {} after {}", workload, what, limit);
    return false;
  }
}
