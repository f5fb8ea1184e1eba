package io.raftcoord.tools.bench;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Samples a fleet every 100 ms for the longest time any running node has gone without an
 * acknowledged heartbeat, and keeps the maximum since the last {@link #reset}: how close the
 * nodes came to their TTL (heartbeats that fail are silent in a NodeAgent).
 */
final class AckSampler implements AutoCloseable {
  private final AtomicLong max = new AtomicLong();
  private final Thread thread;
  private volatile boolean stop;

  AckSampler(NodeFleet fleet) {
    thread = new Thread(() -> {
      while (!stop) {
        long m = fleet.maxAckAgeMs();
        max.accumulateAndGet(m, Math::max);
        ClosedLoop.sleepQuietly(100);
      }
    }, "bench-ack-sampler");
    thread.setDaemon(true);
    thread.start();
  }

  /** The maximum sampled since the last reset, and starts a new one. */
  long reset() {
    return max.getAndSet(0);
  }

  long max() {
    return max.get();
  }

  @Override
  public void close() {
    stop = true;
  }
}
