package io.raftcoord.statemachine.datacoord;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftcoord.proto.datacoord.Allocation;
import io.raftcoord.proto.datacoord.DataCoordSettings;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentLevel;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.statemachine.datacoord.SegmentAllocator.Grant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Milvus's allocation policy as a pure function of the open segments. */
class SegmentAllocatorTest {
  /** Seal proportion 0.12: a 1,000-row segment takes allocations while under 120 rows used. */
  private static final DataCoordSettings S = DataCoordSettingsDefaults.effective(DataCoordSettings.getDefaultInstance());
  private static final long MAX = 1_000;
  private static final long NOW = 10_000;

  private static Segment seg(long id, long rows, long... liveAllocations) {
    Segment.Builder b = Segment.newBuilder().setId(id).setState(SegmentState.GROWING).setLevel(SegmentLevel.L1)
        .setMaxRows(MAX).setNumRows(rows);
    for (long a : liveAllocations) {
      b.addAllocations(Allocation.newBuilder().setRows(a).setExpireMs(NOW + 1));
    }
    return b.build();
  }

  private static List<Grant> alloc(List<Segment> open, long rows) {
    return SegmentAllocator.allocate(open, rows, MAX, false, false, S, NOW);
  }

  private static Grant existing(long id, long rows) {
    return new Grant(id, -1, rows);
  }

  private static Grant fresh(int index, long rows) {
    return new Grant(0, index, rows);
  }

  @Test
  void aGrowingSegmentUnderTheSealProportionTakesTheRequest() {
    assertEquals(List.of(existing(1, 10)), alloc(List.of(seg(1, 0)), 10));
    assertEquals(List.of(existing(1, 10)), alloc(List.of(seg(1, 119)), 10), "119 used: under 120");
    assertEquals(List.of(fresh(0, 10)), alloc(List.of(seg(1, 120)), 10), "120 used: at the proportion, full");
    // Live allocations count as used; expired ones do not.
    assertEquals(List.of(fresh(0, 10)), alloc(List.of(seg(1, 100, 20)), 10));
    assertEquals(List.of(existing(1, 10)), alloc(List.of(seg(1, 100, 19)), 10));
    Segment expired = seg(1, 100).toBuilder().addAllocations(Allocation.newBuilder().setRows(500).setExpireMs(NOW)).build();
    assertEquals(List.of(existing(1, 10)), alloc(List.of(expired), 10), "an allocation expiring now is gone");
  }

  @Test
  void theRequestMustFitInTheSegment() {
    assertEquals(List.of(existing(1, 900)), alloc(List.of(seg(1, 100)), 900), "100 + 900 = max rows: fits");
    assertEquals(List.of(fresh(0, 901)), alloc(List.of(seg(1, 100)), 901));
  }

  @Test
  void theLowestIdWithRoomIsChosen() {
    assertEquals(List.of(existing(2, 5)), alloc(List.of(seg(1, 120), seg(2, 50), seg(3, 0)), 5));
    assertEquals(List.of(fresh(0, 5)), alloc(List.of(), 5));
  }

  @Test
  void aRequestOfMaxRowsOrMoreIsSplitOverNewSegments() {
    assertEquals(List.of(fresh(0, 1_000)), alloc(List.of(seg(1, 0)), 1_000), "exactly max rows: one new segment");
    assertEquals(List.of(fresh(0, 1_000), fresh(1, 1_000), fresh(2, 500)), alloc(List.of(seg(1, 0)), 2_500));
    assertEquals(List.of(fresh(0, 999)), alloc(List.of(seg(1, 120)), 999), "under max rows: one new segment");
    assertEquals(2, SegmentAllocator.newSegments(alloc(List.of(), 2_000)));
  }

  @Test
  void l0GoesToTheChannelsOpenL0SegmentWhateverItsSize() {
    Segment full = seg(4, 10_000).toBuilder().setLevel(SegmentLevel.L0).build();
    assertEquals(List.of(existing(4, 5_000)), SegmentAllocator.allocate(List.of(full), 5_000, MAX, true, false, S, NOW));
    assertEquals(List.of(fresh(0, 5_000)), SegmentAllocator.allocate(List.of(), 5_000, MAX, true, false, S, NOW));
  }

  @Test
  void anImportGetsSegmentsOfItsOwn() {
    assertEquals(List.of(fresh(0, 10)), SegmentAllocator.allocate(List.of(seg(1, 0)), 10, MAX, false, true, S, NOW));
    assertEquals(List.of(fresh(0, 1_000), fresh(1, 1)),
        SegmentAllocator.allocate(List.of(seg(1, 0)), 1_001, MAX, false, true, S, NOW));
  }

  @Test
  void aSegmentKeepsItsOwnMaxRowsWhenTheSettingChanges() {
    // Opened at 10,000 max rows (seals by size at 1,200); the setting now gives 1,000 (120).
    Segment big = seg(1, 500).toBuilder().setMaxRows(10_000).build();
    assertEquals(List.of(existing(1, 10)), alloc(List.of(big), 10),
        "500 rows is under the segment's own seal proportion, so it still takes rows");
    Segment small = seg(2, 100).toBuilder().setMaxRows(200).build();
    assertEquals(List.of(fresh(0, 10)), alloc(List.of(small), 10), "100 of 200 is over its own proportion (24)");
  }
}
