package io.raftcoord.statemachine.datatasks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftcoord.proto.datacoord.Position;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentLevel;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.proto.datatasks.PlanGc;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongPredicate;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Metadata GC planning as a pure function: fake segments, fake clock, each condition at its boundary. */
class GcPlannerTest {
  private static final long COLL = 7;
  private static final long TOL = DataTasksSettingsDefaults.DEFAULTS.getDropToleranceMs();
  private static final long DROPPED_AT = 1_000;
  /** Late enough for every segment dropped at {@link #DROPPED_AT}. */
  private static final long NOW = DROPPED_AT + TOL;

  private static Segment.Builder dropped(long id, String channel) {
    return Segment.newBuilder().setId(id).setCollectionId(COLL).setPartitionId(1).setChannel(channel)
        .setState(SegmentState.DROPPED).setLevel(SegmentLevel.L1).setNumRows(10).setDroppedMs(DROPPED_AT);
  }

  private static Segment d(long id) {
    return dropped(id, "a").build();
  }

  private static Segment.Builder result(long id, long... from) {
    Segment.Builder b = Segment.newBuilder().setId(id).setCollectionId(COLL).setPartitionId(1).setChannel("a")
        .setState(SegmentState.FLUSHED).setLevel(SegmentLevel.L1).setNumRows(10);
    for (long f : from) {
      b.addCompactionFrom(f);
    }
    return b;
  }

  private static Position pos(long ts) {
    return Position.newBuilder().setTimestamp(ts).build();
  }

  private static final LongPredicate NONE_HELD = id -> false;
  private static final LongPredicate ALL_INDEXED = id -> true;
  private static final ToLongFunction<String> CP_MAX = ch -> Long.MAX_VALUE;

  private static List<Segment> byId(List<Segment> segments) {
    List<Segment> out = new ArrayList<>(segments);
    out.sort(Comparator.comparingLong(Segment::getId));
    return out;
  }

  /** "channel:[ids]" for each plan. */
  private static List<String> plan(List<Segment> segments, long now, LongPredicate held, LongPredicate indexed,
                                   ToLongFunction<String> cp, int maxPerPlan, int maxSegments) {
    List<PlanGc> plans = GcPlanner.plan(COLL, byId(segments), now, TOL, held, indexed, cp, maxPerPlan, maxSegments);
    plans.forEach(p -> assertEquals(COLL, p.getCollectionId()));
    return plans.stream().map(p -> p.getChannel() + ":" + p.getSegmentsList()).toList();
  }

  private static List<String> plan(List<Segment> segments) {
    return plan(segments, NOW, NONE_HELD, ALL_INDEXED, CP_MAX, 1000, 1000);
  }

  @ParameterizedTest(name = "now = dropped + tolerance {0}: planned {1}")
  @CsvSource({"-1, false", "0, true", "1, true"})
  void aDroppedSegmentWaitsForTheDropTolerance(long delta, boolean planned) {
    List<String> out = plan(List.of(d(1)), DROPPED_AT + TOL + delta, NONE_HELD, ALL_INDEXED, CP_MAX, 1000, 1000);
    assertEquals(planned ? List.of("a:[1]") : List.of(), out);
  }

  @Test
  void theToleranceIsThreeHoursByDefault() {
    assertEquals(10_800_000L, TOL);
  }

  @Test
  void aZeroToleranceCollectsAtOnce() {
    List<PlanGc> plans = GcPlanner.plan(COLL, List.of(d(1)), DROPPED_AT, 0, NONE_HELD, ALL_INDEXED, CP_MAX, 10, 10);
    assertEquals(List.of(PlanGc.newBuilder().setCollectionId(COLL).setChannel("a").addSegments(1).build()), plans);
  }

  @Test
  void aSegmentHeldByAnOpenTaskIsNotPlanned() {
    assertEquals(List.of("a:[1, 3]"), plan(List.of(d(1), d(2), d(3)), NOW, id -> id == 2, ALL_INDEXED, CP_MAX,
        1000, 1000));
  }

  @Test
  void aCompactedSegmentWaitsUntilItsResultIsIndexed() {
    List<Segment> view = List.of(dropped(1, "a").setCompacted(true).build(), result(2, 1).build());
    assertEquals(List.of(), plan(view, NOW, NONE_HELD, id -> false, CP_MAX, 1000, 1000));
    assertEquals(List.of("a:[1]"), plan(view, NOW, NONE_HELD, id -> id == 2, CP_MAX, 1000, 1000));
  }

  @Test
  void aCompactedSegmentWaitsUntilEveryResultIsIndexed() {
    List<Segment> view = List.of(dropped(1, "a").setCompacted(true).build(), result(2, 1).build(),
        result(3, 1).build());
    assertEquals(List.of(), plan(view, NOW, NONE_HELD, id -> id == 2, CP_MAX, 1000, 1000));
    assertEquals(List.of("a:[1]"), plan(view, NOW, NONE_HELD, id -> id == 2 || id == 3, CP_MAX, 1000, 1000));
  }

  @Test
  void aDroppedResultDoesNotHoldItsInputs() {
    // 1 was compacted into 2, and 2 (not indexed) into 3 (not indexed): 1 may go, 2 waits for 3.
    List<Segment> view = List.of(dropped(1, "a").setCompacted(true).build(),
        dropped(2, "a").setCompacted(true).addCompactionFrom(1).build(), result(3, 2).build());
    assertEquals(List.of("a:[1]"), plan(view, NOW, NONE_HELD, id -> false, CP_MAX, 1000, 1000));
  }

  @Test
  void onlySegmentsListingItInCompactionFromCountAsItsResults() {
    // 2 came from 9, not from 1: its index state does not matter to 1.
    List<Segment> view = List.of(d(1), result(2, 9).build());
    assertEquals(List.of("a:[1]"), plan(view, NOW, NONE_HELD, id -> false, CP_MAX, 1000, 1000));
  }

  @ParameterizedTest(name = "dml position {0}, checkpoint {1}: planned {2}")
  @CsvSource({
      "500, 499, false",
      "500, 500, true",
      "500, 501, true",
      "-1,  0,   true",   // no dml position: nothing to replay
  })
  void aSegmentIsCollectedOnlyAtOrBelowItsChannelCheckpoint(long dmlTs, long checkpoint, boolean planned) {
    Segment.Builder b = dropped(1, "a");
    if (dmlTs >= 0) {
      b.setDmlPosition(pos(dmlTs));
    }
    List<String> out = plan(List.of(b.build()), NOW, NONE_HELD, ALL_INDEXED, ch -> checkpoint, 1000, 1000);
    assertEquals(planned ? List.of("a:[1]") : List.of(), out);
  }

  @Test
  void eachSegmentIsComparedWithItsOwnChannelsCheckpoint() {
    Map<String, Long> cps = Map.of("a", 100L, "b", 300L);
    List<Segment> view = List.of(dropped(1, "a").setDmlPosition(pos(200)).build(),
        dropped(2, "b").setDmlPosition(pos(200)).build());
    assertEquals(List.of("b:[2]"), plan(view, NOW, NONE_HELD, ALL_INDEXED, cps::get, 1000, 1000));
  }

  @Test
  void onePlanPerChannelInChannelOrderWithSegmentsInIdOrder() {
    List<Segment> view = List.of(dropped(1, "b").build(), dropped(2, "a").build(), dropped(3, "b").build(),
        dropped(4, "c").build(), dropped(5, "a").build());
    assertEquals(List.of("a:[2, 5]", "b:[1, 3]", "c:[4]"), plan(view));
  }

  @Test
  void maxPerPlanCapsEachChannelAndSkippedSegmentsDoNotCountAgainstMaxSegments() {
    List<Segment> view = List.of(dropped(1, "a").build(), dropped(2, "a").build(), dropped(3, "a").build(),
        dropped(4, "b").build());
    assertEquals(List.of("a:[1, 2]", "b:[4]"), plan(view, NOW, NONE_HELD, ALL_INDEXED, CP_MAX, 2, 3));
  }

  @Test
  void maxSegmentsCapsThePassInIdOrder() {
    List<Segment> view = List.of(dropped(1, "a").build(), dropped(2, "b").build(), dropped(3, "a").build(),
        dropped(4, "b").build(), dropped(5, "a").build());
    assertEquals(List.of("a:[1, 3]", "b:[2]"), plan(view, NOW, NONE_HELD, ALL_INDEXED, CP_MAX, 1000, 3));
    assertEquals(List.of(), plan(view, NOW, NONE_HELD, ALL_INDEXED, CP_MAX, 1000, 0));
  }

  @Test
  void ineligibleSegmentsDoNotCountAgainstMaxSegments() {
    List<Segment> view = List.of(dropped(1, "a").setDroppedMs(NOW).build(), d(2), d(3));
    assertEquals(List.of("a:[2]"), plan(view, NOW, NONE_HELD, ALL_INDEXED, CP_MAX, 1000, 1));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = SegmentState.class, names = {"DROPPED", "UNRECOGNIZED"}, mode = EnumSource.Mode.EXCLUDE)
  void onlyDroppedSegmentsAreEverCollected(SegmentState state) {
    Segment s = dropped(1, "a").setState(state).setDroppedMs(0).build();
    assertEquals(List.of(), plan(List.of(s), Long.MAX_VALUE / 2, NONE_HELD, ALL_INDEXED, CP_MAX, 1000, 1000));
  }

  @Test
  void theSameViewPlansTheSame() {
    List<Segment> view = new ArrayList<>();
    for (long id = 1; id <= 50; id++) {
      Segment.Builder b = dropped(id, "ch" + (id % 4)).setDroppedMs(id * 1000).setDmlPosition(pos(id * 10));
      if (id % 7 == 0) {
        b.setState(SegmentState.FLUSHED).addCompactionFrom(id - 1);
      }
      view.add(b.build());
    }
    Set<Long> indexed = Set.of(14L, 28L);
    ToLongFunction<String> cp = ch -> 300;
    // Past the tolerance: ids <= 31; below the checkpoint: ids <= 30; 3 is held; 6 and 20 wait for their results
    // (7, 21: not indexed), 13 and 27 do not (14, 28: indexed). Then 4 per channel and 12 in all, in id order.
    List<PlanGc> first = GcPlanner.plan(COLL, view, NOW + 30_000, TOL, id -> id == 3, indexed::contains, cp, 4, 12);
    assertEquals(List.of(
        PlanGc.newBuilder().setCollectionId(COLL).setChannel("ch0").addAllSegments(List.of(4L, 8L, 12L, 16L)).build(),
        PlanGc.newBuilder().setCollectionId(COLL).setChannel("ch1").addAllSegments(List.of(1L, 5L, 9L, 13L)).build(),
        PlanGc.newBuilder().setCollectionId(COLL).setChannel("ch2").addAllSegments(List.of(2L, 10L)).build(),
        PlanGc.newBuilder().setCollectionId(COLL).setChannel("ch3").addAllSegments(List.of(11L, 15L)).build()),
        first);
    assertEquals(first, GcPlanner.plan(COLL, view, NOW + 30_000, TOL, id -> id == 3, indexed::contains, cp, 4, 12));
  }
}
