package io.raftcoord.tools.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAccumulator;

/**
 * Completion times of successful calls (System.nanoTime), one append-only buffer per caller
 * thread so that recording needs no lock; {@link #sorted()} merges them once the callers stopped.
 */
public final class Timeline {
  private final List<Buffer> buffers = new ArrayList<>();
  private final LongAccumulator last = new LongAccumulator(Math::max, Long.MIN_VALUE);

  /** One caller's buffer; only that caller writes it. */
  public final class Buffer {
    private long[] times = new long[1 << 14];
    private int size;

    public void record(long nanos) {
      if (size == times.length) {
        times = Arrays.copyOf(times, times.length * 2);
      }
      times[size++] = nanos;
      last.accumulate(nanos);
    }
  }

  public synchronized Buffer newBuffer() {
    Buffer b = new Buffer();
    buffers.add(b);
    return b;
  }

  /** The latest completion recorded so far, or Long.MIN_VALUE. Safe while callers run. */
  public long lastCompletion() {
    return last.get();
  }

  /** Every completion, ascending. Call after the callers stopped (joined). */
  public synchronized long[] sorted() {
    int n = 0;
    for (Buffer b : buffers) {
      n += b.size;
    }
    long[] all = new long[n];
    int at = 0;
    for (Buffer b : buffers) {
      System.arraycopy(b.times, 0, all, at, b.size);
      at += b.size;
    }
    Arrays.sort(all);
    return all;
  }
}
