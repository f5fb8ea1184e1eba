package io.raftcoord.statemachine.datacoord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.raftcoord.proto.datacoord.Allocation;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentLevel;
import io.raftcoord.proto.datacoord.SegmentState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Which sealed segments may start flushing: a pure function of the view and the leader's time. */
class FlushPlannerTest {
  private static Segment.Builder seg(long id, String channel, SegmentState state, long... expiries) {
    Segment.Builder b = Segment.newBuilder().setId(id).setChannel(channel).setState(state).setLevel(SegmentLevel.L1)
        .setNumRows(10).setMaxRows(100);
    for (long e : expiries) {
      b.addAllocations(Allocation.newBuilder().setRows(1).setExpireMs(e));
    }
    return b;
  }

  private static List<Long> plan(long nowMs, Segment.Builder... segments) {
    TreeMap<String, List<Segment>> view = new TreeMap<>();
    for (Segment.Builder b : segments) {
      view.computeIfAbsent(b.getChannel(), c -> new ArrayList<>()).add(b.build());
    }
    return FlushPlanner.plan(view, nowMs);
  }

  @Test
  void aSealedSegmentFlushesOnceEveryAllocationHasExpired() {
    Segment.Builder s = seg(1, "a", SegmentState.SEALED, 1_000, 2_000);
    assertEquals(List.of(), plan(1_999, s), "an allocation still live until 2,000");
    assertEquals(List.of(1L), plan(2_000, s), "expired at exactly its expiry");
    assertEquals(List.of(2L), plan(0, seg(2, "a", SegmentState.SEALED)), "no allocations at all");
  }

  @Test
  void onlySealedSegmentsFlush() {
    for (SegmentState st : SegmentState.values()) {
      if (st == SegmentState.UNRECOGNIZED) {
        continue;
      }
      List<Long> expected = st == SegmentState.SEALED ? List.of(3L) : List.of();
      assertEquals(expected, plan(10_000, seg(3, "a", st, 5)), st.name());
    }
  }

  @Test
  void channelsInNameOrderAndSegmentsById() {
    List<Long> p = plan(100, seg(30, "b", SegmentState.SEALED), seg(10, "b", SegmentState.SEALED),
        seg(20, "a", SegmentState.SEALED), seg(40, "a", SegmentState.GROWING), seg(5, "c", SegmentState.SEALED, 101));
    assertEquals(List.of(20L, 10L, 30L), p);
  }

  @Test
  void theSameViewGivesTheSamePlanWhateverTheMapsAndListsOrder() {
    Random rnd = new Random(7);
    TreeMap<String, List<Segment>> sorted = new TreeMap<>();
    long id = 1;
    for (int c = 0; c < 30; c++) {
      String name = "by-dml_" + c + "_77v0";
      List<Segment> segs = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        segs.add(seg(id++, name, rnd.nextBoolean() ? SegmentState.SEALED : SegmentState.GROWING, rnd.nextInt(200)).build());
      }
      sorted.put(name, segs);
    }
    List<Long> expected = FlushPlanner.plan(sorted, 100);
    assertEquals(expected, FlushPlanner.plan(sorted, 100));
    HashMap<String, List<Segment>> hashed = new HashMap<>();
    sorted.forEach((k, v) -> {
      List<Segment> shuffled = new ArrayList<>(v);
      Collections.shuffle(shuffled, rnd);
      hashed.put(k, shuffled);
    });
    assertNotEquals(new ArrayList<>(sorted.keySet()), new ArrayList<>(hashed.keySet()));
    assertEquals(expected, FlushPlanner.plan(hashed, 100));
    assertEquals(expected, FlushPlanner.plan(Map.copyOf(sorted), 100));
  }
}
