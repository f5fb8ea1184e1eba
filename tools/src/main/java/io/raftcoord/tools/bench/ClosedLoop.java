package io.raftcoord.tools.bench;

import io.raftcoord.client.CoordException;
import io.raftcoord.client.internal.Futures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * C platform threads, each calling a blocking operation in a loop and waiting for its reply
 * (a closed loop). Latencies go to an HdrHistogram in microseconds; {@link #reset()} and
 * {@link #sample()} cut measurement intervals while the callers keep running.
 */
final class ClosedLoop implements AutoCloseable {
  /** One blocking call; returns how many items (timestamps, IDs) it obtained. */
  interface Op {
    long call();
  }

  /** What the callers did between two cuts. */
  record Interval(long nanos, long ops, long items, Histogram latencyUs, Map<String, Long> errors) {
    long errorCount() {
      return errors.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private final Recorder recorder = new Recorder(3);
  private final LongAdder ops = new LongAdder();
  private final LongAdder items = new LongAdder();
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean stop;
  private long cutNanos;

  ClosedLoop(int concurrency, Op op, Timeline timeline) {
    for (int i = 0; i < concurrency; i++) {
      Timeline.Buffer buf = timeline == null ? null : timeline.newBuffer();
      Thread t = new Thread(() -> loop(op, buf), "bench-caller-" + i);
      t.setDaemon(true);
      threads.add(t);
    }
  }

  ClosedLoop start() {
    cutNanos = System.nanoTime();
    threads.forEach(Thread::start);
    return this;
  }

  private void loop(Op op, Timeline.Buffer buf) {
    while (!stop) {
      long t0 = System.nanoTime();
      try {
        long n = op.call();
        long t1 = System.nanoTime();
        recorder.recordValue(Math.max(1, (t1 - t0) / 1000));
        ops.increment();
        items.add(n);
        if (buf != null) {
          buf.record(t1);
        }
      } catch (RuntimeException e) {
        CoordException ce = Futures.toCoord(e);
        errors.computeIfAbsent(ce.code().name(), k -> new LongAdder()).increment();
        // A quorum that refuses at once would otherwise be hammered in a tight loop.
        sleepQuietly(10);
      }
    }
  }

  /** Starts a new interval; what happened since the last cut is discarded. */
  void reset() {
    sample();
  }

  /** Ends the current interval and starts the next one. */
  Interval sample() {
    Histogram h = recorder.getIntervalHistogram();
    long o = ops.sumThenReset();
    long it = items.sumThenReset();
    Map<String, Long> errs = new TreeMap<>();
    errors.forEach((k, v) -> {
      long n = v.sumThenReset();
      if (n > 0) {
        errs.put(k, n);
      }
    });
    long now = System.nanoTime();
    long elapsed = now - cutNanos;
    cutNanos = now;
    return new Interval(elapsed, o, it, h, errs);
  }

  /** Stops the callers and waits up to {@code maxWaitMs} for their last calls to return. */
  void stop(long maxWaitMs) {
    stop = true;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMs);
    for (Thread t : threads) {
      long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      try {
        t.join(Math.max(1, left));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  long stillRunning() {
    return threads.stream().filter(Thread::isAlive).count();
  }

  /**
   * Stops the callers; if some are still inside a call long after the client's deadline should
   * have failed it, the client is hung and later figures would be meaningless: fail the run.
   */
  void stopOrFail(long maxWaitMs, String what) {
    stop(maxWaitMs);
    long stuck = stillRunning();
    if (stuck > 0) {
      throw new HungException(stuck + " of " + threads.size() + " callers still blocked " + maxWaitMs
          + " ms after " + what + " ended, beyond the client deadline: the client library is hung"
          + " (take a jstack of this JVM to see where)");
    }
  }

  @Override
  public void close() {
    stop(15_000);
  }

  /** Callers did not return although the client's deadline should have failed their calls. */
  static final class HungException extends RuntimeException {
    HungException(String message) {
      super(message);
    }
  }

  static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
