package io.raftcoord.tools.bench;

import io.raftcoord.client.CoordClient;
import io.raftcoord.proto.datacoord.DataCoordReply;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Recorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How long a flush(collection) takes to complete: up to {@link #MAX_TRACKED} flushes at a time
 * are polled with flushState every {@code periodMs} until flushed (all their segments FLUSHED or
 * DROPPED and the channels' checkpoints past the flush timestamp); the time from the flush's
 * reply to the first flushed answer goes to a histogram (milliseconds). Flushes beyond the cap
 * are not tracked.
 */
final class FlushTracker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FlushTracker.class);
  static final int MAX_TRACKED = 32;

  private record Pending(DataCoordReply reply, long startNanos) {}

  /** Flushes completed in an interval, their completion times, and how many are still waiting. */
  record Counts(long completed, org.HdrHistogram.Histogram millis, int outstanding, long untracked) {}

  private final CoordClient client;
  private final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
  private final Recorder recorder = new Recorder(3);
  private final LongAdder completed = new LongAdder();
  private final LongAdder untracked = new LongAdder();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "bench-flush-tracker");
    t.setDaemon(true);
    return t;
  });

  FlushTracker(CoordClient client, long periodMs) {
    this.client = client;
    timer.scheduleWithFixedDelay(this::poll, periodMs, periodMs, TimeUnit.MILLISECONDS);
  }

  void track(DataCoordReply flush) {
    if (pending.size() >= MAX_TRACKED) {
      untracked.increment();
      return;
    }
    pending.add(new Pending(flush, System.nanoTime()));
  }

  private void poll() {
    for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
      Pending p = it.next();
      try {
        if (client.dataCoord().flushState(p.reply()).getFlushed()) {
          recorder.recordValue(Math.max(1, (System.nanoTime() - p.startNanos()) / 1_000_000));
          completed.increment();
          it.remove();
        }
      } catch (RuntimeException e) {
        LOG.debug("flushState failed: {}", e.toString());
      }
    }
  }

  Counts sample() {
    return new Counts(completed.sumThenReset(), recorder.getIntervalHistogram(), pending.size(), untracked.sumThenReset());
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }

  static String describe(Counts c) {
    var h = c.millis();
    return h.getTotalCount() == 0 ? String.format(java.util.Locale.ROOT, "%d flushes completed (%d still waiting)",
        c.completed(), c.outstanding())
        : String.format(java.util.Locale.ROOT, "%d flushes completed in p50 %d ms, p99 %d ms, max %d ms (%d still waiting%s)",
            c.completed(), h.getValueAtPercentile(50), h.getValueAtPercentile(99), h.getMaxValue(), c.outstanding(),
            c.untracked() > 0 ? ", " + c.untracked() + " not tracked" : "");
  }
}
