package io.raftcoord.server.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.server.chaos.DataTasksHistory.Final;
import io.raftcoord.server.chaos.DataTasksHistory.Observation;
import io.raftcoord.server.chaos.DataTasksHistory.Records;
import io.raftcoord.server.chaos.DataTasksHistory.Report;
import io.raftcoord.server.chaos.DataTasksHistory.Seg;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The datacoord checker on hand-made histories: each violation it names, and none in a clean one. */
class DataTasksCheckerTest {
  private static Seg flushed(long id, long rows, Long... from) {
    return new Seg(id, SegmentState.FLUSHED, rows, 0, List.of(from), false);
  }

  private static Seg compacted(long id, long rows) {
    return new Seg(id, SegmentState.DROPPED, rows, 0, List.of(), true);
  }

  private static final Final CLEAN_END = new Final(300, 300, 0, 300, 300, Map.of(), 0, true);

  private static List<String> checks(Records r) {
    return DataTasksChecker.check(r).stream().map(SessionChecker.Finding::check).toList();
  }

  @Test
  void aCompleteSwapIsClean() {
    Records r = new Records(List.of(
        new Observation(10, List.of(flushed(1, 100), flushed(2, 200)), 300),
        new Observation(20, List.of(compacted(1, 100), compacted(2, 200), flushed(3, 300, 1L, 2L)), 300)),
        List.of(new Report(15, 7, 1, 50, "MIX_COMPACTION", true, "")), CLEAN_END);
    assertEquals(List.of(), checks(r));
    assertFalse(DataTasksChecker.violationSeen(r));
  }

  @Test
  void aResultBesideItsFlushedInputIsAHalfSwapAndCountsRowsTwice() {
    Records r = new Records(List.of(
        new Observation(20, List.of(flushed(1, 100), compacted(2, 200), flushed(3, 300, 1L, 2L)), 300)),
        List.of(), CLEAN_END);
    assertEquals(List.of(DataTasksChecker.HALF_SWAP, DataTasksChecker.ROWS_TWICE), checks(r));
    assertTrue(DataTasksChecker.violationSeen(r));
  }

  @Test
  void aTaskAcceptedFromTwoWorkersIsReported() {
    Records r = new Records(List.of(), List.of(
        new Report(10, 7, 1, 50, "INDEX_BUILD", true, ""),
        new Report(12, 8, 1, 50, "INDEX_BUILD", false, "STALE_EPOCH"),
        new Report(14, 9, 1, 50, "INDEX_BUILD", true, "")), CLEAN_END);
    assertEquals(List.of(DataTasksChecker.ACCEPTED_TWICE), checks(r));
  }

  @Test
  void theEndMustHoldEveryIngestedRowOnceAndIndexEverySegmentOnce() {
    assertEquals(List.of(DataTasksChecker.ROWS_LOST), checks(new Records(List.of(), List.of(),
        new Final(290, 300, 5, 290, 290, Map.of(), 0, true))));
    assertEquals(List.of(), checks(new Records(List.of(), List.of(),
        new Final(297, 300, 5, 297, 297, Map.of(), 0, true))), "a lost report may still have been applied");
    assertEquals(List.of(DataTasksChecker.ROWS_TWICE), checks(new Records(List.of(), List.of(),
        new Final(310, 300, 0, 310, 310, Map.of(), 0, true))));
    assertEquals(List.of(DataTasksChecker.INDEX, DataTasksChecker.INDEX), checks(new Records(List.of(), List.of(),
        new Final(300, 300, 0, 300, 200, Map.of(4L, 2), 0, true))));
    assertEquals(List.of(), checks(new Records(List.of(), List.of(),
        new Final(0, 300, 0, 0, 0, Map.of(), 0, false))), "an unsettled end is judged by liveness instead");
  }
}
