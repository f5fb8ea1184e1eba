package io.raftcoord.statemachine.datacoord;

import io.raftcoord.proto.datacoord.DataCoordSettings;
import io.raftcoord.proto.datacoord.Segment;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Milvus's allocation policy, as a pure function: which segments a request's rows go to. A
 * Growing segment takes a request while its rows plus live allocations are under the seal
 * proportion of its max rows and the request fits; a request of max rows or more gets new
 * segments of max rows each; an L0 request (deletes) goes to the channel's open L0 segment; an
 * import gets segments of its own.
 */
final class SegmentAllocator {
  /** Rows for an existing segment ({@code segmentId > 0}) or for the {@code newIndex}-th new one. */
  record Grant(long segmentId, int newIndex, long rows) {}

  private SegmentAllocator() {}

  /**
   * @param open Growing segments of the request's collection, partition, channel and level,
   *     ascending by id
   */
  static List<Grant> allocate(Collection<Segment> open, long rows, long maxRows, boolean l0, boolean importing,
                              DataCoordSettings s, long nowMs) {
    List<Grant> out = new ArrayList<>();
    if (l0) {
      Segment first = open.isEmpty() ? null : open.iterator().next();
      out.add(first == null ? new Grant(0, 0, rows) : new Grant(first.getId(), -1, rows));
      return out;
    }
    if (!importing && rows < maxRows) {
      for (Segment seg : open) {
        // The segment's own max rows, as the seal planner's size policy uses: a change of
        // max_segment_bytes applies to segments opened after it.
        double sealRows = s.getSealProportionPermille() / 1000.0 * seg.getMaxRows();
        long used = seg.getNumRows() + Segments.liveAllocated(seg, nowMs);
        if (used < sealRows && used + rows <= seg.getMaxRows()) {
          out.add(new Grant(seg.getId(), -1, rows));
          return out;
        }
      }
      out.add(new Grant(0, 0, rows));
      return out;
    }
    long left = rows;
    for (int i = 0; left > 0; i++) {
      long take = Math.min(left, maxRows);
      out.add(new Grant(0, i, take));
      left -= take;
    }
    return out;
  }

  static int newSegments(List<Grant> grants) {
    return (int) grants.stream().filter(g -> g.segmentId() == 0).count();
  }
}
