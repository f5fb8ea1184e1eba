package io.raftcoord.client;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rows a data node received on one channel and has not reported yet, by segment: each segment's
 * row count and the timestamp range of the batches they came in. Not thread-safe (the agent's
 * lock guards it).
 *
 * <p>Invariants: every entry has rows &gt; 0 and timestampFrom &le; timestampTo; {@link #rows()} is
 * the sum over the entries; {@link #take} empties the buffer and returns exactly what it held.
 */
final class SegmentBuffer {
  /** Unreported rows of one segment. */
  record Pending(long segmentId, long rows, long timestampFrom, long timestampTo) {
    Pending merge(Pending other) {
      return new Pending(segmentId, rows + other.rows, Math.min(timestampFrom, other.timestampFrom),
          Math.max(timestampTo, other.timestampTo));
    }
  }

  private final TreeMap<Long, Pending> bySegment = new TreeMap<>();
  private long rows;

  /** Adds {@code count} rows of segment {@code segmentId} received at {@code timestamp}. */
  void add(long segmentId, long count, long timestamp) {
    if (count <= 0) {
      throw new IllegalArgumentException("rows must be positive, got " + count);
    }
    bySegment.merge(segmentId, new Pending(segmentId, count, timestamp, timestamp), Pending::merge);
    rows += count;
  }

  long rows() {
    return rows;
  }

  boolean isEmpty() {
    return bySegment.isEmpty();
  }

  /** The segments with buffered rows, ascending. */
  Collection<Long> segmentIds() {
    return Collections.unmodifiableSet(bySegment.keySet());
  }

  /** Drops the rows of {@code segmentId}; returns how many there were. */
  long drop(long segmentId) {
    Pending p = bySegment.remove(segmentId);
    if (p == null) {
      return 0;
    }
    rows -= p.rows();
    return p.rows();
  }

  /** Empties the buffer; returns what it held by segment id, ascending. */
  Map<Long, Pending> take() {
    Map<Long, Pending> out = new TreeMap<>(bySegment);
    bySegment.clear();
    rows = 0;
    return out;
  }
}
