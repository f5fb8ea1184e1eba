package io.raftcoord.client;

import java.util.concurrent.TimeUnit;

/**
 * How many rows a data node owes at a set rate: time since the last batch times the rate, with
 * the fraction carried to the next batch. Not thread-safe (the agent's lock guards it).
 *
 * <p>Invariants: the debt never exceeds one second's worth of rows (a node that could not write
 * for a while, e.g. while it owned no channel, does not burst to catch up); with rate 0 or
 * while writing is not possible, no debt accrues; {@link #take} never returns a negative count.
 */
final class IngestRate {
  private double rowsPerSecond;
  private double owed;
  private long lastNanos;
  private boolean started;

  IngestRate(double rowsPerSecond) {
    set(rowsPerSecond);
  }

  void set(double rowsPerSecond) {
    if (!(rowsPerSecond >= 0) || Double.isInfinite(rowsPerSecond)) {
      throw new IllegalArgumentException("rows per second must be a finite number >= 0, got " + rowsPerSecond);
    }
    this.rowsPerSecond = rowsPerSecond;
    if (rowsPerSecond == 0) {
      owed = 0;
    }
  }

  double rowsPerSecond() {
    return rowsPerSecond;
  }

  /**
   * The whole rows owed at {@code nowNanos} (removed from the debt), or 0 while {@code canWrite} is
   * false (time passing then is not owed).
   */
  long take(long nowNanos, boolean canWrite) {
    if (!started) {
      started = true;
      lastNanos = nowNanos;
      return 0;
    }
    double elapsedS = Math.max(0, nowNanos - lastNanos) / (double) TimeUnit.SECONDS.toNanos(1);
    lastNanos = nowNanos;
    if (!canWrite || rowsPerSecond == 0) {
      owed = 0;
      return 0;
    }
    owed = Math.min(owed + elapsedS * rowsPerSecond, Math.max(rowsPerSecond, 1));
    long rows = (long) Math.floor(owed);
    owed -= rows;
    return rows;
  }

  /** {@code rows} split over {@code parts} as evenly as possible (the first parts take the remainder). */
  static long[] split(long rows, int parts) {
    long[] out = new long[parts];
    for (int i = 0; i < parts; i++) {
      out[i] = rows / parts + (i < rows % parts ? 1 : 0);
    }
    return out;
  }
}
