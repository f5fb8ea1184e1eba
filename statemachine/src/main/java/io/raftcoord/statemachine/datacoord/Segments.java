package io.raftcoord.statemachine.datacoord;

import io.raftcoord.proto.datacoord.Allocation;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentLevel;
import io.raftcoord.proto.datacoord.SegmentState;

/** Derived figures of a segment that the allocator, the planners and apply agree on. */
final class Segments {
  private Segments() {}

  /** Rows of allocations still live at {@code nowMs}. */
  static long liveAllocated(Segment s, long nowMs) {
    long rows = 0;
    for (Allocation a : s.getAllocationsList()) {
      if (a.getExpireMs() > nowMs) {
        rows += a.getRows();
      }
    }
    return rows;
  }

  /** Whether every allocation has expired at {@code nowMs} (no writer may still add rows). */
  static boolean allocationsExpired(Segment s, long nowMs) {
    for (Allocation a : s.getAllocationsList()) {
      if (a.getExpireMs() > nowMs) {
        return false;
      }
    }
    return true;
  }

  /** {@code s} without the allocations expired at {@code nowMs}. */
  static Segment.Builder pruneAllocations(Segment.Builder s, long nowMs) {
    if (s.getAllocationsList().stream().anyMatch(a -> a.getExpireMs() <= nowMs)) {
      java.util.List<Allocation> live = s.getAllocationsList().stream().filter(a -> a.getExpireMs() > nowMs).toList();
      s.clearAllocations().addAllAllocations(live);
    }
    return s;
  }

  /** Bytes of the segment: what its binlogs report, or its rows at the estimated row size if more. */
  static long sizeBytes(Segment s) {
    return Math.max(s.getBinlogBytes(), s.getNumRows() * s.getRowBytes());
  }

  /** {@code segments} ascending by id, whatever order they came in (planners must not depend on it). */
  static java.util.List<Segment> byId(Iterable<Segment> segments) {
    java.util.List<Segment> out = new java.util.ArrayList<>();
    segments.forEach(out::add);
    out.sort(java.util.Comparator.comparingLong(Segment::getId));
    return out;
  }

  static boolean isL0(Segment s) {
    return s.getLevel() == SegmentLevel.L0;
  }

  static boolean isGrowing(Segment s) {
    return s.getState() == SegmentState.GROWING;
  }

  /**
   * The segment's seal jitter in [0, 1): Milvus draws it at random per segment; here it comes from
   * the segment id, so every replica and every leader computes the same.
   */
  static double jitter(long segmentId) {
    long z = segmentId + 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z = z ^ (z >>> 31);
    return (z >>> 11) * 0x1.0p-53;
  }
}
