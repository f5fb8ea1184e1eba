package io.raftcoord.statemachine.datacoord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.datacoord.DataCoordSettings;
import io.raftcoord.proto.datacoord.SealRequest;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentLevel;
import io.raftcoord.proto.datacoord.SegmentState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Milvus's seal policies as a pure function: fake segments, fake clock, each threshold exactly. */
class SealPlannerTest {
  private static final long MIB = 1024L * 1024;
  /** Milvus's defaults: proportion 0.12, jitter 0.1, life 1 day, idle 10 min / 16 MiB, 32 files, 4 GiB, 5M / 64 MiB. */
  private static final DataCoordSettings DEFAULTS = DataCoordSettingsDefaults.effective(DataCoordSettings.getDefaultInstance());
  private static final long MAX_ROWS = 1_000_000;
  private static final long ROW_BYTES = 100;

  /** A growing L1 segment created and last written at 0, with nothing in it. */
  private static Segment.Builder growing(long id) {
    return Segment.newBuilder().setId(id).setCollectionId(1).setPartitionId(2).setChannel("ch")
        .setState(SegmentState.GROWING).setLevel(SegmentLevel.L1).setMaxRows(MAX_ROWS).setRowBytes(ROW_BYTES)
        .setCreatedMs(0).setLastWriteMs(0);
  }

  private static Segment.Builder l0(long id, long createdMs) {
    return growing(id).setLevel(SegmentLevel.L0).setCreatedMs(createdMs).setLastWriteMs(createdMs);
  }

  private static List<SealRequest> plan(DataCoordSettings s, long nowMs, Segment.Builder... segments) {
    List<Segment> list = new ArrayList<>();
    for (Segment.Builder b : segments) {
      list.add(b.build());
    }
    return SealPlanner.plan(Map.of("ch", list), s, nowMs);
  }

  private static Map<Long, String> reasons(List<SealRequest> plan) {
    Map<Long, String> out = new LinkedHashMap<>();
    for (SealRequest r : plan) {
      assertEquals(null, out.put(r.getSegmentId(), r.getReason()), "segment " + r.getSegmentId() + " named twice");
    }
    return out;
  }

  /** The smallest row count the size policy seals at for this segment id (its jittered threshold). */
  private static long sizeThreshold(DataCoordSettings s, long id, long maxRows) {
    double t = s.getSealProportionPermille() / 1000.0 * maxRows * (1 - s.getSealJitterPermille() / 1000.0 * Segments.jitter(id));
    return (long) Math.ceil(t);
  }

  @Test
  void theJitterIsPerSegmentStableAndInRange() {
    double min = 1;
    double max = 0;
    for (long id = 1; id <= 10_000; id++) {
      double j = Segments.jitter(id);
      assertTrue(j >= 0 && j < 1, "jitter of " + id + ": " + j);
      assertEquals(j, Segments.jitter(id));
      min = Math.min(min, j);
      max = Math.max(max, j);
    }
    assertTrue(min < 0.01 && max > 0.99, "spread over [0, 1): " + min + " .. " + max);
    assertNotEquals(sizeThreshold(DEFAULTS, 7, MAX_ROWS), sizeThreshold(DEFAULTS, 8, MAX_ROWS),
        "two segments seal at different sizes");
  }

  @Test
  void sizeSealsAtTheJitteredProportionAndNotOneRowBelow() {
    for (long id : new long[] {7, 8, 1234, 98_765_431}) {
      long at = sizeThreshold(DEFAULTS, id, MAX_ROWS);
      assertTrue(at <= 120_000 && at >= 108_000, "0.12 x 1M less at most 10%: " + at);
      assertEquals(Map.of(id, SealPlanner.SIZE), reasons(plan(DEFAULTS, 1, growing(id).setNumRows(at))), "id " + id);
      assertEquals(Map.of(), reasons(plan(DEFAULTS, 1, growing(id).setNumRows(at - 1))), "id " + id);
    }
    // The proportion itself always seals; below proportion x (1 - jitter) never does.
    assertEquals(1, plan(DEFAULTS, 1, growing(5).setNumRows(120_000)).size());
    assertEquals(0, plan(DEFAULTS, 1, growing(5).setNumRows(107_999)).size());
  }

  @Test
  void sizeUsesTheSegmentsOwnMaxRowsAndSkipsL0AndEmptySegments() {
    long at = sizeThreshold(DEFAULTS, 9, 500);
    assertEquals(Map.of(9L, SealPlanner.SIZE), reasons(plan(DEFAULTS, 1, growing(9).setMaxRows(500).setNumRows(at))));
    assertEquals(Map.of(), reasons(plan(DEFAULTS, 1, growing(9).setMaxRows(500).setNumRows(at - 1))));
    assertEquals(Map.of(), reasons(plan(DEFAULTS, 1, l0(9, 0).setNumRows(MAX_ROWS))), "L0 has no size policy");
    DataCoordSettings tiny = DataCoordSettingsDefaults.merge(DEFAULTS, DataCoordSettings.newBuilder()
        .setSealProportionPermille(1).setSealJitterPermille(1000).build());
    assertEquals(Map.of(), reasons(plan(tiny, 1, growing(9).setMaxRows(1).setNumRows(0))), "0 rows never seal by size");
  }

  @Test
  void lifetimeSealsAtExactlyMaxLife() {
    long life = DEFAULTS.getMaxLifeMs();
    Segment.Builder s = growing(3).setCreatedMs(1_000).setNumRows(1);
    assertEquals(Map.of(), reasons(plan(DEFAULTS, 1_000 + life - 1, s.setLastWriteMs(1_000 + life - 1))));
    assertEquals(Map.of(3L, SealPlanner.LIFETIME), reasons(plan(DEFAULTS, 1_000 + life, s.setLastWriteMs(1_000 + life - 1))));
    // An L0 segment has a lifetime too.
    assertEquals(Map.of(4L, SealPlanner.LIFETIME), reasons(plan(DEFAULTS, life, l0(4, 0).setLastWriteMs(life))));
  }

  @Test
  void idleSealsAfterMaxIdleOnlyFromTheMinimumSize() {
    long idle = DEFAULTS.getMaxIdleMs();
    long min = DEFAULTS.getMinSizeFromIdleBytes();
    assertEquals(16 * MIB, min);
    // The estimated size (rows x row bytes) counts...
    Segment.Builder byRows = growing(5).setNumRows(2).setRowBytes(min / 2).setLastWriteMs(50);
    assertEquals(Map.of(5L, SealPlanner.IDLE), reasons(plan(DEFAULTS, 50 + idle, byRows)));
    assertEquals(Map.of(), reasons(plan(DEFAULTS, 50 + idle - 1, byRows)), "a millisecond before max idle");
    assertEquals(Map.of(), reasons(plan(DEFAULTS, 50 + idle, byRows.setRowBytes(min / 2 - 1))), "2 bytes under the minimum");
    // ...and so do the binlog bytes: exactly the minimum seals, a byte less does not.
    Segment.Builder byBinlogs = growing(6).setNumRows(1).setBinlogBytes(min).setLastWriteMs(50);
    assertEquals(Map.of(6L, SealPlanner.IDLE), reasons(plan(DEFAULTS, 50 + idle, byBinlogs)));
    assertEquals(Map.of(), reasons(plan(DEFAULTS, 50 + idle, byBinlogs.setBinlogBytes(min - 1).setNumRows(1))));
    // An empty segment never seals by idleness, even with a minimum of 0.
    DataCoordSettings anySize = DEFAULTS.toBuilder().setMinSizeFromIdleBytes(0).build();
    assertEquals(Map.of(), reasons(plan(anySize, 10 * idle, growing(7).setCreatedMs(10 * idle - 1))));
  }

  @Test
  void binlogFilesSealAtTheMaximum() {
    int max = DEFAULTS.getMaxBinlogFiles();
    assertEquals(Map.of(8L, SealPlanner.BINLOG_FILES), reasons(plan(DEFAULTS, 1, growing(8).setNumRows(1).setBinlogFiles(max))));
    assertEquals(Map.of(), reasons(plan(DEFAULTS, 1, growing(8).setNumRows(1).setBinlogFiles(max - 1))));
  }

  @Test
  void theFirstPolicyThatHoldsNamesTheReasonAndOnlyGrowingSegmentsSeal() {
    long life = DEFAULTS.getMaxLifeMs();
    Segment.Builder all = growing(9).setNumRows(200_000).setBinlogFiles(100).setBinlogBytes(100 * MIB);
    assertEquals(Map.of(9L, SealPlanner.SIZE), reasons(plan(DEFAULTS, life, all)));
    assertEquals(Map.of(9L, SealPlanner.LIFETIME), reasons(plan(DEFAULTS, life, all.setNumRows(1))));
    for (SegmentState st : List.of(SegmentState.SEALED, SegmentState.FLUSHING, SegmentState.FLUSHED,
        SegmentState.DROPPED, SegmentState.IMPORTING)) {
      assertEquals(Map.of(), reasons(plan(DEFAULTS, life, all.setNumRows(200_000).setState(st))), st.name());
    }
  }

  @Test
  void theChannelCapSealsTheLargestFirstUntilUnderIt() {
    DataCoordSettings s = DEFAULTS.toBuilder().setChannelGrowingCapBytes(10_000).build();
    // 2,000 + 5,000 + 3,000 = 10,000: at the cap, the largest (id 2) goes; 5,000 left is under it.
    Segment.Builder a = growing(1).setNumRows(1).setBinlogBytes(2_000);
    Segment.Builder b = growing(2).setNumRows(1).setBinlogBytes(5_000);
    Segment.Builder c = growing(3).setNumRows(1).setBinlogBytes(3_000);
    assertEquals(Map.of(2L, SealPlanner.CHANNEL_CAP), reasons(plan(s, 1, a, b, c)));
    assertEquals(Map.of(), reasons(plan(s, 1, a, b, c.setBinlogBytes(2_999))), "9,999 bytes: under the cap");
    // 9,000 + 9,000 + 6,000 = 24,000: both 9,000s go (lower id first on a tie), then 6,000 is under.
    List<SealRequest> p = plan(s, 1, growing(11).setNumRows(1).setBinlogBytes(6_000),
        growing(12).setNumRows(1).setBinlogBytes(9_000), growing(13).setNumRows(1).setBinlogBytes(9_000));
    assertEquals(List.of(12L, 13L), p.stream().map(SealRequest::getSegmentId).toList());
    // The estimated size counts as well; L0 and non-growing segments do not count.
    Segment.Builder rows = growing(20).setNumRows(100).setRowBytes(100); // 10,000 bytes by estimate
    assertEquals(Map.of(20L, SealPlanner.CHANNEL_CAP), reasons(plan(s, 1, rows)));
    assertEquals(Map.of(), reasons(plan(s, 1, growing(21).setNumRows(99), l0(22, 0).setDeltalogBytes(1).setBinlogBytes(50_000),
        growing(23).setState(SegmentState.SEALED).setNumRows(1).setBinlogBytes(50_000))));
  }

  @Test
  void aSegmentSealedByItsOwnPolicyIsNotCountedAgainstTheCap() {
    DataCoordSettings s = DEFAULTS.toBuilder().setChannelGrowingCapBytes(10_000).build();
    // Segment 1 seals by binlog files; the other two are 9,999 bytes together: under the cap.
    List<SealRequest> p = plan(s, 1, growing(1).setNumRows(1).setBinlogFiles(32).setBinlogBytes(50_000),
        growing(2).setNumRows(1).setBinlogBytes(5_000), growing(3).setNumRows(1).setBinlogBytes(4_999));
    assertEquals(Map.of(1L, SealPlanner.BINLOG_FILES), reasons(p));
  }

  @Test
  void l0DeleteVolumeSealsTheOldestGrowingL0() {
    long maxEntries = DEFAULTS.getL0MaxEntries();
    long maxBytes = DEFAULTS.getL0MaxBytes();
    // Oldest is id 5 (created at 10) although id 4 has the lower id.
    Segment.Builder newer = l0(4, 20).setDeltalogEntries(maxEntries - 100);
    Segment.Builder oldest = l0(5, 10).setDeltalogEntries(99);
    assertEquals(Map.of(), reasons(plan(DEFAULTS, 30, newer, oldest)), "one entry under the limit");
    assertEquals(Map.of(5L, SealPlanner.L0_VOLUME), reasons(plan(DEFAULTS, 30, newer, oldest.setDeltalogEntries(100))));
    Segment.Builder bytes = l0(6, 10).setDeltalogBytes(maxBytes);
    assertEquals(Map.of(6L, SealPlanner.L0_VOLUME), reasons(plan(DEFAULTS, 30, bytes)));
    assertEquals(Map.of(), reasons(plan(DEFAULTS, 30, bytes.setDeltalogBytes(maxBytes - 1))));
    // L1 deltalogs do not count, nor do sealed L0 segments.
    assertEquals(Map.of(), reasons(plan(DEFAULTS, 30, growing(7).setNumRows(1).setDeltalogEntries(maxEntries),
        l0(8, 1).setState(SegmentState.SEALED).setDeltalogEntries(maxEntries))));
  }

  @Test
  void eachChannelIsJudgedOnItsOwn() {
    DataCoordSettings s = DEFAULTS.toBuilder().setChannelGrowingCapBytes(10_000).build();
    Map<String, List<Segment>> view = new TreeMap<>();
    view.put("a", List.of(growing(1).setChannel("a").setNumRows(1).setBinlogBytes(6_000).build()));
    view.put("b", List.of(growing(2).setChannel("b").setNumRows(1).setBinlogBytes(6_000).build()));
    assertEquals(List.of(), SealPlanner.plan(view, s, 1), "6,000 bytes per channel: each under the cap");
  }

  @Test
  void theSameViewGivesTheSamePlanWhateverTheMapsAndListsOrder() {
    DataCoordSettings s = DEFAULTS.toBuilder().setChannelGrowingCapBytes(50_000).setL0MaxEntries(100).build();
    Random rnd = new Random(42);
    TreeMap<String, List<Segment>> sorted = new TreeMap<>();
    long id = 1;
    for (int c = 0; c < 40; c++) {
      String name = "by-dml_" + c + "_449v" + (c % 3);
      List<Segment> segs = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        Segment.Builder b = rnd.nextBoolean() ? growing(id) : l0(id, rnd.nextInt(100));
        segs.add(b.setChannel(name).setNumRows(rnd.nextInt(150_000)).setBinlogBytes(rnd.nextInt(20_000))
            .setBinlogFiles(rnd.nextInt(40)).setDeltalogEntries(rnd.nextInt(40)).setLastWriteMs(rnd.nextInt(1_000_000))
            .build());
        id++;
      }
      sorted.put(name, segs);
    }
    List<SealRequest> expected = SealPlanner.plan(sorted, s, 700_000);
    assertTrue(expected.size() > 20, "the view exercises the policies: " + expected.size());
    assertEquals(expected, SealPlanner.plan(sorted, s, 700_000), "same input, same output");
    HashMap<String, List<Segment>> hashed = new HashMap<>();
    sorted.forEach((k, v) -> {
      List<Segment> shuffled = new ArrayList<>(v);
      Collections.shuffle(shuffled, rnd);
      hashed.put(k, shuffled);
    });
    assertNotEquals(new ArrayList<>(sorted.keySet()), new ArrayList<>(hashed.keySet()),
        "the hash map iterates in another order (else this test proves nothing)");
    assertEquals(expected, SealPlanner.plan(hashed, s, 700_000), "a hash map and shuffled lists give the same plan");
    // Channels in name order, each channel's segments named once.
    List<String> channels = new ArrayList<>();
    for (SealRequest r : expected) {
      String ch = sorted.values().stream().flatMap(List::stream).filter(x -> x.getId() == r.getSegmentId()).findFirst()
          .orElseThrow().getChannel();
      if (channels.isEmpty() || !channels.get(channels.size() - 1).equals(ch)) {
        channels.add(ch);
      }
    }
    assertEquals(channels.stream().sorted().toList(), channels);
    assertEquals(expected.size(), reasons(expected).size());
  }
}
