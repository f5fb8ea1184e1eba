package io.raftcoord.statemachine.datatasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.datacoord.Position;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentLevel;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.proto.datatasks.DataTasksSettings;
import io.raftcoord.proto.datatasks.PlannedCompaction;
import io.raftcoord.proto.datatasks.TaskType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The compaction planners (mix, single, L0 and the pass that combines them) as pure functions of
 * hand-built views: every threshold of Milvus's defaults is tried just below and at its boundary.
 * The expected segment size is 1,000,000 bytes so that the permille thresholds are round numbers:
 * small &lt; 500,000, leftover &le; 150,000, expansion cap 1,250,000.
 */
class CompactionPlannersTest {
  /** No limit on the plans a call packs (a manual trigger's). */
  private static final int ALL = Integer.MAX_VALUE;
  private static final long MIB = 1024L * 1024;
  private static final long E = 1_000_000;
  private static final long COLL = 7;
  private static final long PART = 10;
  private static final String CH = "ch-a";
  private static final DataTasksSettings S = DataTasksSettingsDefaults.DEFAULTS;

  // ---- builders ----

  /** A FLUSHED L1 segment of one row whose size is its binlog bytes. */
  private static Segment l1(long id, long bytes) {
    return l1(id, PART, bytes);
  }

  private static Segment l1(long id, long partition, long bytes) {
    return l1b(id, partition, bytes).build();
  }

  private static Segment.Builder l1b(long id, long partition, long bytes) {
    return Segment.newBuilder().setId(id).setCollectionId(COLL).setPartitionId(partition).setChannel(CH)
        .setState(SegmentState.FLUSHED).setLevel(SegmentLevel.L1).setNumRows(1).setBinlogBytes(bytes);
  }

  /** A FLUSHED L1 segment that started at {@code startTs}. */
  private static Segment target(long id, long startTs) {
    return l1b(id, PART, 100).setStartPosition(pos(startTs)).build();
  }

  /** A FLUSHED L0 segment whose last delete is at {@code lastTs} (its dml position). */
  private static Segment l0(long id, long lastTs, long deltaBytes) {
    return Segment.newBuilder().setId(id).setCollectionId(COLL).setPartitionId(PART).setChannel(CH)
        .setState(SegmentState.FLUSHED).setLevel(SegmentLevel.L0).setDeltalogBytes(deltaBytes)
        .setStartPosition(pos(Math.max(0, lastTs - 5))).setDmlPosition(pos(lastTs)).build();
  }

  /** An L0 segment with no dml position: its start counts as its last delete. */
  private static Segment l0NoDml(long id, long startTs, long deltaBytes) {
    return Segment.newBuilder().setId(id).setCollectionId(COLL).setPartitionId(PART).setChannel(CH)
        .setState(SegmentState.FLUSHED).setLevel(SegmentLevel.L0).setDeltalogBytes(deltaBytes)
        .setStartPosition(pos(startTs)).build();
  }

  private static Position pos(long ts) {
    return Position.newBuilder().setTimestamp(ts).build();
  }

  private static CompactionGroup mixGroup(List<Segment> l1) {
    return new CompactionGroup(COLL, CH, l1, List.of(), Long.MAX_VALUE, E, false);
  }

  private static CompactionGroup l0Group(List<Segment> l1, List<Segment> l0, long earliestGrowing) {
    return new CompactionGroup(COLL, CH, l1, l0, earliestGrowing, E, false);
  }

  private static List<Segment> sized(long firstId, long... bytes) {
    List<Segment> out = new ArrayList<>();
    for (int i = 0; i < bytes.length; i++) {
      out.add(l1(firstId + i, bytes[i]));
    }
    return out;
  }

  private static List<Segment> l0s(int n, long bytesEach) {
    List<Segment> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      out.add(l0(i, 10L * i, bytesEach));
    }
    return out;
  }

  /** Each plan's inputs, sorted, in plan order. */
  private static List<List<Long>> inputs(List<PlannedCompaction> plans) {
    return plans.stream().map(p -> p.getSegmentsList().stream().sorted().toList()).toList();
  }

  private static List<List<Long>> mix(List<Segment> l1, DataTasksSettings s, boolean force) {
    return inputs(MixPlanner.plan(mixGroup(l1), s, force, "mix", ALL));
  }

  private static List<List<Long>> mix(List<Segment> l1) {
    return mix(l1, S, false);
  }

  private static List<Long> range(long from, long toInclusive) {
    return LongStream.rangeClosed(from, toInclusive).boxed().toList();
  }

  // ---- mix ----

  /**
   * The packing rule as first written (simple and quadratic): largest-first buckets, a bucket
   * too small sets its largest candidate aside, leftovers join the first plan under the cap.
   */
  private static List<List<Long>> referencePack(List<Segment> candidates, long expected, DataTasksSettings s,
      boolean force) {
    List<Segment> left = new ArrayList<>(candidates);
    left.sort(java.util.Comparator.comparingLong(MixPlanner::size).reversed().thenComparingLong(Segment::getId));
    List<List<Segment>> plans = new ArrayList<>();
    List<long[]> sizes = new ArrayList<>();
    List<Segment> skipped = new ArrayList<>();
    while (left.size() >= 2) {
      List<Segment> bucket = new ArrayList<>();
      long total = 0;
      for (int i = 0; i < left.size() && bucket.size() < s.getMaxSegmentsPerPlan(); i++) {
        if (bucket.isEmpty() || total + MixPlanner.size(left.get(i)) <= expected) {
          bucket.add(left.get(i));
          total += MixPlanner.size(left.get(i));
        }
      }
      boolean enough = bucket.size() >= s.getMinSegmentsToMerge() || bucket.size() >= 2
          && (force || expected - total <= expected * s.getCompactableProportionPermille() / 1000);
      if (!enough) {
        skipped.add(left.remove(0));
        continue;
      }
      left.removeAll(bucket);
      plans.add(bucket);
      sizes.add(new long[] {total});
    }
    left.addAll(0, skipped);
    for (Segment c : left) {
      for (int p = 0; p < plans.size(); p++) {
        if (plans.get(p).size() < s.getMaxSegmentsPerPlan()
            && sizes.get(p)[0] + MixPlanner.size(c) <= expected * s.getExpansionRatePermille() / 1000) {
          plans.get(p).add(c);
          sizes.get(p)[0] += MixPlanner.size(c);
          break;
        }
      }
    }
    return plans.stream().map(b -> b.stream().map(Segment::getId).sorted().toList()).toList();
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void mixPackingMatchesTheSimpleQuadraticRuleOnRandomSizes(long seed) {
    Random r = new Random(seed);
    for (int round = 0; round < 50; round++) {
      int n = r.nextInt(200);
      List<Segment> view = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        // Many equal sizes (ties by id), some just under the small threshold, some tiny.
        long bytes = switch (r.nextInt(4)) {
          case 0 -> (1 + r.nextInt(4)) * E / 10;
          case 1 -> E / 2 - 1 - r.nextInt(1000);
          case 2 -> 1 + r.nextInt(1000);
          default -> 1 + r.nextInt((int) (E / 2 - 1));
        };
        view.add(l1(i + 1, bytes));
      }
      DataTasksSettings s = S.toBuilder().setMinSegmentsToMerge(2 + r.nextInt(4))
          .setMaxSegmentsPerPlan(2 + r.nextInt(20)).build();
      boolean force = r.nextBoolean();
      List<Segment> small = view.stream().filter(x -> MixPlanner.size(x) < E * s.getSmallProportionPermille() / 1000)
          .toList();
      assertEquals(referencePack(small, E, s, force), mix(view, s, force), "seed " + seed + " round " + round);
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4})
  void aLimitedMixRoundPlansAtMostTheLimitAndAtTheNaturalCountTheSame(long seed) {
    Random r = new Random(seed);
    for (int round = 0; round < 30; round++) {
      List<Segment> view = new ArrayList<>();
      int n = 2 + r.nextInt(150);
      for (int i = 0; i < n; i++) {
        view.add(l1(i + 1, 1 + r.nextInt((int) (E / 2 - 1))));
      }
      DataTasksSettings s = S.toBuilder().setMinSegmentsToMerge(2).setMaxSegmentsPerPlan(2 + r.nextInt(6)).build();
      List<List<Long>> all = mix(view, s, false);
      for (int limit = 0; limit <= all.size() + 1; limit++) {
        List<List<Long>> some = inputs(MixPlanner.plan(mixGroup(view), s, false, "mix", limit));
        String at = "seed " + seed + " round " + round + " limit " + limit;
        if (limit >= all.size()) {
          assertEquals(all, some, at);
        } else {
          assertEquals(limit, some.size(), at);
          // The packs it made are the first ones the full round makes, before any leftover joins.
          for (int p = 0; p < limit; p++) {
            assertTrue(all.get(p).containsAll(some.get(p)), at + " plan " + p);
          }
        }
      }
    }
  }

  @ParameterizedTest(name = "small_proportion {0}\u2030, candidate of {1} bytes planned: {2}")
  @CsvSource({
      "500, 499999, true",
      "500, 500000, false",
      "500, 600000, false",
      "300, 299999, true",
      "300, 300000, false",
  })
  void mixTakesOnlySegmentsBelowTheSmallThreshold(int permille, long candidate, boolean planned) {
    DataTasksSettings s = S.toBuilder().setSmallProportionPermille(permille).build();
    List<Segment> view = sized(1, 100_000, 100_000, 100_000, candidate);
    List<List<Long>> expected = planned ? List.of(List.of(1L, 2L, 3L, 4L)) : List.of(List.of(1L, 2L, 3L));
    assertEquals(expected, mix(view, s, false));
  }

  @ParameterizedTest(name = "binlog {0}, rows {1} x {2} bytes: size {3}, small {4}")
  @CsvSource({
      "100,    1000, 499, 499000, true",
      "100,    1000, 500, 500000, false",
      "499999, 1000, 1,   499999, true",
      "500000, 1,    1,   500000, false",
      "500000, 0,    0,   500000, false",
  })
  void mixSizeIsTheLargerOfBinlogBytesAndRowsTimesRowBytes(long binlog, long rows, long rowBytes, long size,
                                                          boolean small) {
    Segment probe = l1b(4, PART, binlog).setNumRows(rows).setRowBytes(rowBytes).build();
    assertEquals(size, MixPlanner.size(probe));
    List<Segment> view = new ArrayList<>(sized(1, 100_000, 100_000, 100_000));
    view.add(probe);
    List<List<Long>> expected = small ? List.of(List.of(1L, 2L, 3L, 4L)) : List.of(List.of(1L, 2L, 3L));
    assertEquals(expected, mix(view));
  }

  @Test
  void mixIgnoresSegmentsWithNoRows() {
    Segment empty = l1b(3, PART, 100_000).setNumRows(0).build();
    assertEquals(List.of(), mix(List.of(l1(1, 100_000), l1(2, 100_000), empty)));
    assertEquals(List.of(List.of(1L, 2L)), mix(List.of(l1(1, 100_000), l1(2, 100_000), empty), S, true));
    assertEquals(List.of(List.of(1L, 2L, 4L)), mix(List.of(l1(1, 100_000), l1(2, 100_000), empty, l1(4, 100_000))));
  }

  @Test
  void mixNeedsMinSegmentsToMergeInputs() {
    assertEquals(List.of(List.of(1L, 2L, 3L)), mix(sized(1, 100_000, 100_000, 100_000)));
    assertEquals(List.of(), mix(sized(1, 100_000, 100_000)));
    assertEquals(List.of(), mix(sized(1, 100_000)));
  }

  @Test
  void mixHonoursAModifiedMinSegmentsToMerge() {
    DataTasksSettings four = S.toBuilder().setMinSegmentsToMerge(4).build();
    assertEquals(List.of(), mix(sized(1, 100_000, 100_000, 100_000), four, false));
    assertEquals(List.of(List.of(1L, 2L, 3L, 4L)), mix(sized(1, 100_000, 100_000, 100_000, 100_000), four, false));
  }

  @ParameterizedTest(name = "{0} + {1}: planned {2}")
  @CsvSource({
      "450000, 400000, true",   // leftover 150,000 = 0.15 x expected
      "450000, 399999, false",  // leftover 150,001
      "499999, 499999, true",
      "100000, 100000, false",
  })
  void twoSmallSegmentsArePlannedOnlyWhenTheLeftoverIsAtMostCompactableProportion(long a, long b, boolean planned) {
    List<List<Long>> expected = planned ? List.of(List.of(1L, 2L)) : List.of();
    assertEquals(expected, mix(sized(1, a, b)));
  }

  @Test
  void forceMergesAnyTwoSmallSegmentsButNeverOne() {
    assertEquals(List.of(List.of(1L, 2L)), mix(sized(1, 100_000, 100_000), S, true));
    assertEquals(List.of(), mix(sized(1, 100_000), S, true));
  }

  @Test
  void forcePlanCarriesTheGivenTrigger() {
    List<PlannedCompaction> plans = MixPlanner.plan(mixGroup(sized(1, 100_000, 100_000)), S, true, "manual", ALL);
    assertEquals(1, plans.size());
    assertEquals("manual", plans.get(0).getTrigger());
  }

  @Test
  void mixPacksLargestFirstWithinTheExpectedSizeThenSqueezesLeftovers() {
    // Largest first: 400k + 350k (300k would overflow) + 200k (100k would overflow) + 50k = 1,000,000.
    // The rest (300k, 100k) is two inputs 600k short: no plan; 100k then fits under 1.25 x, 300k does not.
    List<Segment> view = sized(1, 400_000, 350_000, 300_000, 200_000, 100_000, 50_000);
    assertEquals(List.of(List.of(1L, 2L, 4L, 5L, 6L)), mix(view));
  }

  @Test
  void aPackThatFallsShortDoesNotStarveTheOtherSmallSegments() {
    List<List<Long>> plans = mix(sized(1, 490_000, 330_000, 330_000, 330_000, 330_000));
    assertEquals(1, plans.size(), "one plan of three 330k segments: " + plans);
    assertEquals(3, plans.get(0).size(), "one plan of three 330k segments: " + plans);
    assertTrue(Set.of(2L, 3L, 4L, 5L).containsAll(plans.get(0)), "one plan of three 330k segments: " + plans);
  }

  @Test
  void mixMakesSeveralPlansWhenTheCandidatesExceedTheExpectedSize() {
    assertEquals(List.of(List.of(1L, 2L, 3L), List.of(4L, 5L, 6L)),
        mix(sized(1, 300_000, 300_000, 300_000, 300_000, 300_000, 300_000)));
  }

  @ParameterizedTest(name = "leftover of {0} bytes joins the 1,000,000-byte plan: {1}")
  @CsvSource({
      "250000, true",   // 1,250,000 = 1.25 x expected
      "250001, false",
  })
  void leftoversJoinAPlanUpToTheExpansionRate(long leftover, boolean joins) {
    // Packing takes 450k + 300k + 250k = 1,000,000; the fourth segment is left alone.
    List<Segment> view = List.of(l1(1, 450_000), l1(2, 300_000), l1(3, 250_000), l1(4, leftover));
    List<List<Long>> expected = joins ? List.of(List.of(1L, 2L, 3L, 4L)) : List.of(List.of(1L, 2L, 3L));
    assertEquals(expected, mix(view));
  }

  @Test
  void mixPlansEachPartitionSeparately() {
    List<Segment> view = List.of(
        l1(1, 20, 200_000), l1(2, 10, 200_000), l1(3, 20, 200_000), l1(4, 10, 200_000),
        l1(5, 20, 200_000), l1(6, 10, 200_000), l1(7, 30, 200_000), l1(8, 30, 200_000));
    List<PlannedCompaction> plans = MixPlanner.plan(mixGroup(view), S, false, "mix", ALL);
    assertEquals(List.of(10L, 20L), plans.stream().map(PlannedCompaction::getPartitionId).toList());
    assertEquals(List.of(List.of(2L, 4L, 6L), List.of(1L, 3L, 5L)), inputs(plans));
  }

  @Test
  void mixCapsInputsPerPlan() {
    DataTasksSettings three = S.toBuilder().setMaxSegmentsPerPlan(3).build();
    List<Segment> view = sized(1, 100_000, 100_000, 100_000, 100_000, 100_000, 100_000, 100_000);
    // Seven inputs: two full plans of three; the seventh cannot join a full plan.
    assertEquals(List.of(List.of(1L, 2L, 3L), List.of(4L, 5L, 6L)), mix(view, three, false));
    assertEquals(List.of(range(1, 7)), mix(view));
  }

  @Test
  void mixPlanNamesTypeCollectionPartitionChannelAndTrigger() {
    PlannedCompaction p = MixPlanner.plan(mixGroup(sized(1, 100_000, 100_000, 100_000)), S, false, "mix", ALL).get(0);
    assertEquals(TaskType.MIX_COMPACTION, p.getType());
    assertEquals(COLL, p.getCollectionId());
    assertEquals(PART, p.getPartitionId());
    assertEquals(CH, p.getChannel());
    assertEquals("mix", p.getTrigger());
    assertEquals(0, p.getTargetsCount());
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 42, 1234})
  void mixIsDeterministicAndIndependentOfInputOrder(long seed) {
    Random r = new Random(seed);
    List<Segment> view = new ArrayList<>();
    for (long id = 1; id <= 300; id++) {
      // Few distinct sizes, so that ties (broken by id) are common.
      long bytes = 10_000L * (1 + r.nextInt(60));
      view.add(l1b(id, 1 + r.nextInt(3), bytes).setNumRows(r.nextInt(10) == 0 ? 0 : 1).build());
    }
    List<PlannedCompaction> first = MixPlanner.plan(mixGroup(view), S, false, "mix", ALL);
    assertTrue(first.size() > 3, "the random view should produce several plans");
    assertEquals(first, MixPlanner.plan(mixGroup(view), S, false, "mix", ALL));
    List<Segment> shuffled = new ArrayList<>(view);
    Collections.shuffle(shuffled, new Random(seed + 1));
    assertEquals(first, MixPlanner.plan(mixGroup(shuffled), S, false, "mix", ALL));
  }

  // ---- single ----

  @ParameterizedTest(name = "rows {0}, deletes {1}, deltalog bytes {2}: {3}")
  @CsvSource({
      "1000, 199, 0,        none",
      "1000, 200, 0,        single:delete-ratio",
      "1000, 1000, 0,       single:delete-ratio",
      "1000, 1,   16777216, none",
      "1000, 1,   16777217, single:deltalog-size",
      "1000, 200, 16777217, single:delete-ratio",
      "1000, 0,   104857600, none",
      "0,    5,   1,        none",
      "0,    5,   16777217, single:deltalog-size",
  })
  void singleTriggersAtDeleteRatioOrDeltalogBytes(long rows, long deletes, long deltaBytes, String expected) {
    Segment seg = l1b(1, PART, 100_000).setNumRows(rows).setDeltalogEntries(deletes).setDeltalogBytes(deltaBytes)
        .build();
    List<PlannedCompaction> plans = SinglePlanner.plan(mixGroup(List.of(seg)), S);
    List<String> triggers = plans.stream().map(PlannedCompaction::getTrigger).toList();
    assertEquals(expected.equals("none") ? List.of() : List.of(expected), triggers);
  }

  @Test
  void singleDeltalogThresholdIsSixteenMibByDefault() {
    assertEquals(16 * MIB, S.getSingleDeltalogBytes());
    assertEquals(200, S.getSingleDeleteRatioPermille());
  }

  @Test
  void singlePlansOneSegmentEachInIdOrder() {
    Segment ratio = l1b(1, 11, 100).setNumRows(10).setDeltalogEntries(5).build();
    Segment quiet = l1b(2, 11, 100).setNumRows(10).setDeltalogEntries(1).build();
    Segment big = l1b(3, 12, 100).setNumRows(1000).setDeltalogEntries(1).setDeltalogBytes(17 * MIB).build();
    List<PlannedCompaction> plans = SinglePlanner.plan(mixGroup(List.of(ratio, quiet, big)), S);
    assertEquals(List.of(
        PlannedCompaction.newBuilder().setType(TaskType.SINGLE_COMPACTION).setCollectionId(COLL).setPartitionId(11)
            .setChannel(CH).addSegments(1).setTrigger("single:delete-ratio").build(),
        PlannedCompaction.newBuilder().setType(TaskType.SINGLE_COMPACTION).setCollectionId(COLL).setPartitionId(12)
            .setChannel(CH).addSegments(3).setTrigger("single:deltalog-size").build()), plans);
  }

  // ---- L0 ----

  private static List<Long> l0Inputs(List<PlannedCompaction> plans) {
    assertTrue(plans.size() <= 1, "L0 plans at most once per channel");
    return plans.isEmpty() ? List.of() : plans.get(0).getSegmentsList();
  }

  @ParameterizedTest(name = "{0} eligible L0 segments of 1 byte: planned {1}")
  @CsvSource({"1, false", "9, false", "10, true", "11, true"})
  void l0TriggersAtTenDeltalogFiles(int n, boolean planned) {
    List<PlannedCompaction> plans = L0Planner.plan(l0Group(List.of(), l0s(n, 1), Long.MAX_VALUE), S, false, "l0");
    assertEquals(planned ? range(1, n) : List.of(), l0Inputs(plans));
  }

  @ParameterizedTest(name = "L0 deltas {0} + {1} bytes: planned {2}")
  @CsvSource({
      "8388607, 0,       false",
      "8388608, 0,       true",
      "4194304, 4194303, false",
      "4194304, 4194304, true",
  })
  void l0TriggersAtEightMib(long a, long b, boolean planned) {
    List<Segment> l0 = new ArrayList<>(List.of(l0(1, 10, a)));
    if (b > 0) {
      l0.add(l0(2, 20, b));
    }
    List<PlannedCompaction> plans = L0Planner.plan(l0Group(List.of(), l0, Long.MAX_VALUE), S, false, "l0");
    assertEquals(planned ? l0.stream().map(Segment::getId).toList() : List.of(), l0Inputs(plans));
  }

  @ParameterizedTest(name = "earliest growing at {0}: planned {1}")
  @CsvSource({"100, false", "101, true"})
  void l0CountsOnlySegmentsOlderThanTheEarliestGrowingSegment(long earliestGrowing, boolean planned) {
    // Ten L0 segments, the newest with its last delete at 100: it is eligible only when growing started after 100.
    List<Segment> l0 = new ArrayList<>(l0s(9, 1));
    l0.add(l0(10, 100, 1));
    List<PlannedCompaction> plans = L0Planner.plan(l0Group(List.of(), l0, earliestGrowing), S, false, "l0");
    assertEquals(planned ? range(1, 10) : List.of(), l0Inputs(plans));
  }

  @Test
  void l0LastDeleteIsTheDmlPositionElseTheStart() {
    List<Segment> l0 = List.of(
        l0(1, 99, 1),             // dml 99 < 100: eligible
        l0(2, 100, 1),            // dml 100: not older than growing
        l0NoDml(3, 99, 1),        // no dml, start 99: eligible
        l0NoDml(4, 100, 1),       // no dml, start 100: not eligible
        Segment.newBuilder(l0(5, 150, 1)).setStartPosition(pos(10)).build()); // started early, deleted late
    List<PlannedCompaction> plans = L0Planner.plan(l0Group(List.of(), l0, 100), S, true, "manual");
    assertEquals(List.of(1L, 3L), l0Inputs(plans));
  }

  @Test
  void l0WithNoGrowingSegmentTreatsEverySegmentAsEligible() {
    List<Segment> l0 = List.of(l0(1, Long.MAX_VALUE - 1, 1), l0(2, 5, 1));
    assertEquals(List.of(1L, 2L), l0Inputs(L0Planner.plan(l0Group(List.of(), l0, Long.MAX_VALUE), S, true, "m")));
  }

  @Test
  void l0PlanTakesAtMostThirtyFiles() {
    List<PlannedCompaction> plans = L0Planner.plan(l0Group(List.of(), l0s(35, 1), Long.MAX_VALUE), S, false, "l0");
    assertEquals(range(1, 30), l0Inputs(plans));
  }

  @ParameterizedTest(name = "ten L0 segments of {0} bytes: first {1} taken")
  @CsvSource({
      "8388608, 8",   // 8 x 8 MiB = 64 MiB exactly
      "8388609, 7",   // the eighth would pass 64 MiB
      "67108864, 1",  // 64 MiB alone
      "104857600, 1", // 100 MiB: the first is always taken
  })
  void l0PlanTakesAtMostSixtyFourMib(long each, int taken) {
    List<PlannedCompaction> plans = L0Planner.plan(l0Group(List.of(), l0s(10, each), Long.MAX_VALUE), S, false, "l0");
    assertEquals(range(1, taken), l0Inputs(plans));
  }

  @Test
  void l0PlanTakesTheOldestPrefixAndStopsAtTheFirstSegmentThatWouldOverflow() {
    List<Segment> l0 = List.of(l0(1, 10, 10 * MIB), l0(2, 20, 60 * MIB), l0(3, 30, MIB));
    assertEquals(List.of(1L), l0Inputs(L0Planner.plan(l0Group(List.of(), l0, Long.MAX_VALUE), S, false, "l0")));
  }

  @Test
  void l0TargetsAreTheL1SegmentsStartedAtOrBeforeTheNewestTakenDelete() {
    List<Segment> l0 = List.of(l0(1, 50, 4 * MIB), l0(2, 80, 4 * MIB));
    Segment noStart = l1(13, 100);
    List<Segment> l1 = List.of(target(10, 79), target(11, 80), target(12, 81), noStart);
    List<PlannedCompaction> plans = L0Planner.plan(l0Group(l1, l0, Long.MAX_VALUE), S, false, "l0");
    assertEquals(List.of(1L, 2L), l0Inputs(plans));
    assertEquals(List.of(10L, 11L, 13L), plans.get(0).getTargetsList().stream().sorted().toList());
  }

  @Test
  void l0TargetsFollowOnlyTheTakenSegmentsWhenThePlanIsCapped() {
    // 31 segments, last deletes at 10, 20, ..., 310; the first 30 are taken (newest delete 300).
    List<Segment> l1 = List.of(target(100, 300), target(101, 301));
    List<PlannedCompaction> plans = L0Planner.plan(l0Group(l1, l0s(31, 1), Long.MAX_VALUE), S, false, "l0");
    assertEquals(range(1, 30), l0Inputs(plans));
    assertEquals(List.of(100L), plans.get(0).getTargetsList());
  }

  @Test
  void l0PlanNamesTypeCollectionPartitionChannelAndTrigger() {
    Segment first = Segment.newBuilder(l0(1, 10, 8 * MIB)).setPartitionId(-1).build();
    PlannedCompaction p = L0Planner.plan(l0Group(List.of(target(5, 1)), List.of(first), Long.MAX_VALUE), S, false,
        "l0").get(0);
    assertEquals(PlannedCompaction.newBuilder().setType(TaskType.L0_COMPACTION).setCollectionId(COLL)
        .setPartitionId(-1).setChannel(CH).addSegments(1).addTargets(5).setTrigger("l0").build(), p);
  }

  @Test
  void busyChannelPlansNoL0EvenWhenForced() {
    CompactionGroup busy = new CompactionGroup(COLL, CH, List.of(), l0s(20, MIB), Long.MAX_VALUE, E, true);
    assertEquals(List.of(), L0Planner.plan(busy, S, false, "l0"));
    assertEquals(List.of(), L0Planner.plan(busy, S, true, "manual"));
  }

  @Test
  void forcePlansAnyEligibleL0Segment() {
    List<PlannedCompaction> plans = L0Planner.plan(l0Group(List.of(), l0s(1, 1), Long.MAX_VALUE), S, true, "manual");
    assertEquals(List.of(1L), l0Inputs(plans));
    assertEquals("manual", plans.get(0).getTrigger());
    // Forced but nothing eligible (its delete is not older than the growing segment): no plan.
    assertEquals(List.of(), L0Planner.plan(l0Group(List.of(), l0s(1, 1), 10), S, true, "manual"));
    assertEquals(List.of(), L0Planner.plan(l0Group(List.of(), List.of(), Long.MAX_VALUE), S, true, "manual"));
  }

  @Test
  void l0IsDeterministic() {
    CompactionGroup g = l0Group(List.of(target(100, 5), target(101, 500)), l0s(40, MIB), Long.MAX_VALUE);
    assertEquals(L0Planner.plan(g, S, false, "l0"), L0Planner.plan(g, S, false, "l0"));
  }

  // ---- the combined pass ----

  private static Segment deletesHalf(long id, String channel, long bytes) {
    return l1b(id, PART, bytes).setChannel(channel).setNumRows(10).setDeltalogEntries(5).build();
  }

  private static Segment small(long id, String channel) {
    return l1b(id, PART, 100_000).setChannel(channel).build();
  }

  private static CompactionGroup group(String channel, List<Segment> l1, List<Segment> l0) {
    return new CompactionGroup(COLL, channel, l1, l0, Long.MAX_VALUE, E, false);
  }

  /** Groups as CompactionGroups builds them: the mix view carries no L0 segments. */
  private static CompactionGroups.Groups groups(List<CompactionGroup> l0Views) {
    List<CompactionGroup> mix = l0Views.stream().map(g -> new CompactionGroup(g.collectionId(), g.channel(), g.l1(),
        List.of(), g.earliestGrowingTs(), g.expectedBytes(), false)).toList();
    return new CompactionGroups.Groups(mix, l0Views);
  }

  private record Summary(TaskType type, String channel, List<Long> segments, List<Long> targets, String trigger) {
    static Summary of(PlannedCompaction p) {
      return new Summary(p.getType(), p.getChannel(), p.getSegmentsList().stream().sorted().toList(),
          p.getTargetsList().stream().sorted().toList(), p.getTrigger());
    }
  }

  private static List<Summary> summaries(List<PlannedCompaction> plans) {
    return plans.stream().map(Summary::of).toList();
  }

  @Test
  void singleRunsBeforeMixAndMixSkipsWhatSingleTook() {
    CompactionGroup a = group("a", List.of(deletesHalf(1, "a", 100_000), small(2, "a"), small(3, "a"), small(4, "a")),
        List.of());
    List<PlannedCompaction> plans = CompactionPlanner.plan(groups(List.of(a)), S, true, true, false, "manual");
    assertEquals(List.of(
        new Summary(TaskType.SINGLE_COMPACTION, "a", List.of(1L), List.of(), "single:delete-ratio"),
        new Summary(TaskType.MIX_COMPACTION, "a", List.of(2L, 3L, 4L), List.of(), "mix")), summaries(plans));
  }

  @Test
  void mixGetsNothingWhenSingleLeavesTooFewSegments() {
    CompactionGroup a = group("a", List.of(deletesHalf(1, "a", 100_000), small(2, "a"), small(3, "a")), List.of());
    assertEquals(List.of(new Summary(TaskType.SINGLE_COMPACTION, "a", List.of(1L), List.of(), "single:delete-ratio")),
        summaries(CompactionPlanner.plan(groups(List.of(a)), S, true, true, false, "manual")));
  }

  private static List<Segment> l0On(String channel, long firstId, int n) {
    List<Segment> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Segment.newBuilder(l0(firstId + i, 10L * (i + 1), 1)).setChannel(channel).build());
    }
    return out;
  }

  private static List<CompactionGroup> channelsAandB(int l0OnA) {
    CompactionGroup a = group("a", List.of(deletesHalf(1, "a", 100_000), small(2, "a"), small(3, "a"), small(4, "a")),
        l0On("a", 100, l0OnA));
    CompactionGroup b = group("b", List.of(small(5, "b"), small(6, "b"), small(7, "b")), List.of());
    return List.of(a, b);
  }

  @Test
  void aChannelWithAnL0PlanGetsNoMixOrSinglePlanInTheSamePass() {
    List<PlannedCompaction> plans = CompactionPlanner.plan(groups(channelsAandB(10)), S, true, true, false, "x");
    assertEquals(List.of(
        new Summary(TaskType.L0_COMPACTION, "a", range(100, 109), range(1, 4), "l0"),
        new Summary(TaskType.MIX_COMPACTION, "b", List.of(5L, 6L, 7L), List.of(), "mix")), summaries(plans));
  }

  @Test
  void aChannelWhoseL0DoesNotTriggerStillGetsMixAndSingle() {
    List<PlannedCompaction> plans = CompactionPlanner.plan(groups(channelsAandB(9)), S, true, true, false, "x");
    assertEquals(List.of(
        new Summary(TaskType.SINGLE_COMPACTION, "a", List.of(1L), List.of(), "single:delete-ratio"),
        new Summary(TaskType.MIX_COMPACTION, "a", List.of(2L, 3L, 4L), List.of(), "mix"),
        new Summary(TaskType.MIX_COMPACTION, "b", List.of(5L, 6L, 7L), List.of(), "mix")), summaries(plans));
  }

  @Test
  void withoutL0PlanningTheMixPassCoversEveryChannel() {
    List<PlannedCompaction> plans = CompactionPlanner.plan(groups(channelsAandB(10)), S, true, false, false, "x");
    assertEquals(List.of(
        new Summary(TaskType.SINGLE_COMPACTION, "a", List.of(1L), List.of(), "single:delete-ratio"),
        new Summary(TaskType.MIX_COMPACTION, "a", List.of(2L, 3L, 4L), List.of(), "mix"),
        new Summary(TaskType.MIX_COMPACTION, "b", List.of(5L, 6L, 7L), List.of(), "mix")), summaries(plans));
  }

  @Test
  void onlyL0PlanningMakesOnlyL0Plans() {
    List<PlannedCompaction> plans = CompactionPlanner.plan(groups(channelsAandB(10)), S, false, true, false, "x");
    assertEquals(List.of(new Summary(TaskType.L0_COMPACTION, "a", range(100, 109), range(1, 4), "l0")),
        summaries(plans));
  }

  @Test
  void aForcedPassUsesTheGivenTriggerForL0AndMixButNamesSingleByItsReason() {
    CompactionGroup a = group("a", List.of(deletesHalf(1, "a", 100_000)), l0On("a", 100, 1));
    CompactionGroup b = group("b", List.of(deletesHalf(2, "b", 100_000), small(3, "b"), small(4, "b")), List.of());
    List<PlannedCompaction> plans = CompactionPlanner.plan(groups(List.of(a, b)), S, true, true, true, "manual");
    assertEquals(List.of(
        new Summary(TaskType.L0_COMPACTION, "a", List.of(100L), List.of(1L), "manual"),
        new Summary(TaskType.SINGLE_COMPACTION, "b", List.of(2L), List.of(), "single:delete-ratio"),
        new Summary(TaskType.MIX_COMPACTION, "b", List.of(3L, 4L), List.of(), "manual")), summaries(plans));
  }

  private static CompactionGroups.Groups randomGroups(long seed) {
    Random r = new Random(seed);
    long id = 1;
    List<CompactionGroup> views = new ArrayList<>();
    for (int c = 0; c < 6; c++) {
      String channel = "ch" + c;
      List<Segment> l1 = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        Segment.Builder b = l1b(id++, 1 + r.nextInt(2), 20_000L * (1 + r.nextInt(30))).setChannel(channel)
            .setNumRows(100).setStartPosition(pos(r.nextInt(1000)));
        if (r.nextInt(8) == 0) {
          b.setDeltalogEntries(50);
        }
        l1.add(b.build());
      }
      List<Segment> l0 = new ArrayList<>();
      int n = r.nextInt(14);
      for (int i = 0; i < n; i++) {
        l0.add(Segment.newBuilder(l0(id++, 10L * (i + 1), r.nextInt(2 * (int) MIB))).setChannel(channel).build());
      }
      views.add(new CompactionGroup(COLL, channel, l1, l0, 10L * (1 + r.nextInt(15)), E, r.nextInt(6) == 0));
    }
    return groups(views);
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 99, 2024})
  void noSegmentIsInTwoPlans(long seed) {
    List<PlannedCompaction> plans = CompactionPlanner.plan(randomGroups(seed), S, true, true, false, "x");
    Set<Long> seen = new HashSet<>();
    for (PlannedCompaction p : plans) {
      for (long s : p.getSegmentsList()) {
        assertTrue(seen.add(s), "segment " + s + " is in two plans: " + plans);
      }
      for (long s : p.getTargetsList()) {
        assertTrue(seen.add(s), "target " + s + " is in two plans: " + plans);
      }
    }
    Set<String> l0Channels = new HashSet<>();
    plans.stream().filter(p -> p.getType() == TaskType.L0_COMPACTION).forEach(p -> l0Channels.add(p.getChannel()));
    plans.stream().filter(p -> p.getType() != TaskType.L0_COMPACTION)
        .forEach(p -> assertTrue(!l0Channels.contains(p.getChannel()), "mix/single beside L0 on " + p.getChannel()));
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3})
  void theCombinedPassIsDeterministic(long seed) {
    List<PlannedCompaction> first = CompactionPlanner.plan(randomGroups(seed), S, true, true, false, "x");
    assertTrue(!first.isEmpty());
    assertEquals(first, CompactionPlanner.plan(randomGroups(seed), S, true, true, false, "x"));
  }
}
