package io.raftcoord.tools.bench;

/**
 * Write unavailability from a timeline of successful completions: the longest interval
 * without any completion around an event (a kill).
 */
public final class Gaps {
  private Gaps() {}

  /**
   * An interval without completions. {@code openStart}: no completion at or before the window
   * start, so the gap began at or before {@code start}; {@code openEnd}: no completion at or
   * after the window end, so the gap lasted at least until {@code end}. Either makes the length
   * a lower bound.
   */
  public record Gap(long start, long end, boolean openStart, boolean openEnd) {
    public long length() {
      return end - start;
    }

    public boolean exact() {
      return !openStart && !openEnd;
    }
  }

  /**
   * The longest interval between consecutive completions that overlaps {@code [from, to]}.
   * The intervals considered run from the last completion at or before {@code from} to the
   * first at or after {@code to}, so a gap that straddles a window boundary counts whole.
   *
   * @param sorted completion times, ascending (any unit; the result uses the same)
   */
  public static Gap longestGap(long[] sorted, long from, long to) {
    if (to < from) {
      throw new IllegalArgumentException("window end " + to + " before its start " + from);
    }
    int n = sorted.length;
    // first index with t > from; the completion before it (if any) starts the first interval
    int firstAfter = upperBound(sorted, from);
    int lo = firstAfter - 1;
    // first index with t >= to; it (if any) ends the last interval
    int hi = lowerBound(sorted, to);
    long prev;
    boolean prevOpen;
    if (lo >= 0) {
      prev = sorted[lo];
      prevOpen = false;
    } else {
      prev = from;
      prevOpen = true;
    }
    Gap best = null;
    int last = Math.min(hi, n - 1);
    for (int i = firstAfter; i <= last; i++) {
      long t = sorted[i];
      if (best == null || t - prev > best.length()) {
        best = new Gap(prev, t, prevOpen, false);
      }
      prev = t;
      prevOpen = false;
    }
    if (hi >= n) {
      // no completion at or after the window end: the last interval is still open
      if (best == null || to - prev > best.length()) {
        best = new Gap(prev, to, prevOpen, true);
      }
    }
    return best;
  }

  /** First index with {@code a[i] > key}. */
  static int upperBound(long[] a, long key) {
    int lo = 0;
    int hi = a.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (a[mid] <= key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** First index with {@code a[i] >= key}. */
  static int lowerBound(long[] a, long key) {
    int lo = 0;
    int hi = a.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (a[mid] < key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
