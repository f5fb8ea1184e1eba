package io.raftcoord.statemachine.datacoord;

import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which Sealed segments may start flushing: those whose allocations have all expired at the
 * leader's time, so that no writer can still add rows. A pure function of the active segments.
 */
public final class FlushPlanner {
  private FlushPlanner() {}

  /** @param byChannel each channel's active segments, in any order: planned by channel name, then id */
  public static List<Long> plan(Map<String, ? extends Iterable<Segment>> byChannel, long nowMs) {
    List<Long> out = new ArrayList<>();
    for (Iterable<Segment> segments : new TreeMap<>(byChannel).values()) {
      for (Segment seg : Segments.byId(segments)) {
        if (seg.getState() == SegmentState.SEALED && Segments.allocationsExpired(seg, nowMs)) {
          out.add(seg.getId());
        }
      }
    }
    return out;
  }
}
