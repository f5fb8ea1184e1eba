package io.raftcoord.tools.bench;

import io.raftcoord.client.CoordClient;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A recent TSO timestamp for binlog time ranges and channel checkpoints, refreshed by one
 * {@code tso().next()} every {@code periodMs} on a thread of its own, so that the segment
 * operations never take a timestamp of their own. Only moves forward.
 */
final class TsClock implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TsClock.class);
  private final CoordClient client;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "bench-ts-clock");
    t.setDaemon(true);
    return t;
  });
  private volatile long last;

  TsClock(CoordClient client, long periodMs) {
    this.client = client;
    this.last = client.tso().next();
    timer.scheduleWithFixedDelay(this::tick, periodMs, periodMs, TimeUnit.MILLISECONDS);
  }

  private void tick() {
    try {
      long ts = client.tso().next();
      if (ts > last) {
        last = ts;
      }
    } catch (RuntimeException e) {
      LOG.debug("timestamp refresh failed: {}", e.toString());
    }
  }

  long now() {
    return last;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
