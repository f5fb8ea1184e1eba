package io.raftcoord.server.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.client.CoordException;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.server.fault.History.Kind;
import io.raftcoord.server.fault.History.Op;
import io.raftcoord.server.fault.History.Outcome;
import io.raftcoord.server.fault.HistoryChecker.Check;
import io.raftcoord.server.fault.HistoryChecker.Verdict;
import io.raftcoord.server.fault.HistoryChecker.Violation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-made histories that the checker must accept or reject. Times are plain numbers (ns). */
class HistoryCheckerTest {
  private final List<Op> ops = new ArrayList<>();

  private Op tso(long invoke, long ret, long first, long count) {
    return add(Kind.TSO, invoke, ret, first, count);
  }

  private Op ids(long invoke, long ret, long start, long count) {
    return add(Kind.IDS, invoke, ret, start, count);
  }

  private Op add(Kind kind, long invoke, long ret, long first, long count) {
    Op op = new Op(ops.size(), "t" + ops.size(), kind, kind == Kind.TSO ? "tso.allocate" : "ids.allocate",
        (int) count, invoke, ret, Outcome.OK, first, count, null);
    ops.add(op);
    return op;
  }

  private Op notOk(Kind kind, Outcome outcome, long invoke, long ret) {
    Op op = new Op(ops.size(), "t" + ops.size(), kind, "x", 1, invoke, ret, outcome, -1, 0, "boom");
    ops.add(op);
    return op;
  }

  private Verdict check() {
    return HistoryChecker.check(ops, 0);
  }

  private static long count(Verdict v, Check c) {
    return v.violationCounts().get(c);
  }

  @Test
  void emptyHistoryIsValid() {
    Verdict v = check();
    assertTrue(v.valid(), v.summary());
    assertEquals(0, v.ok());
  }

  @Test
  void sequentialIncreasingTimestampsAndDisjointIdsAreValid() {
    tso(0, 10, 100, 1);
    tso(20, 30, 101, 5);     // 101..105
    tso(40, 50, 106, 1);
    ids(0, 10, 1, 10);       // [1, 11)
    ids(20, 30, 11, 10);     // adjacent, not overlapping
    ids(40, 50, 1000, 1);
    Verdict v = check();
    assertTrue(v.valid(), v.summary());
    assertEquals(3, v.counts(Kind.TSO).ok());
    assertEquals(3, v.counts(Kind.IDS).ok());
  }

  @Test
  void concurrentOpsMayCompleteInAnyOrder() {
    tso(0, 100, 50, 1);  // long-running; took the larger value
    tso(10, 20, 40, 1);  // overlapped the first one: a smaller value is fine
    tso(30, 40, 45, 1);  // invoked after 40 returned: above it, and the first is still running
    tso(100, 110, 60, 1); // invoked exactly when the first returned: concurrent, so not compared with it
    Verdict v = check();
    assertTrue(v.valid(), v.summary());
  }

  @Test
  void staleTimestampAfterReturnIsAViolationNamingBothOps() {
    Op a = tso(0, 100, 50, 1);
    tso(10, 20, 40, 1);
    Op d = tso(110, 120, 49, 1); // invoked after a returned 50
    Verdict v = check();
    assertFalse(v.valid());
    assertEquals(1, count(v, Check.TSO_REAL_TIME));
    assertEquals(0, count(v, Check.TSO_UNIQUE));
    Violation viol = v.first(Check.TSO_REAL_TIME).orElseThrow();
    assertSame(d, viol.op());
    assertSame(a, viol.other());
    assertTrue(v.summary().contains("op#" + d.id()), v.summary());
  }

  @Test
  void equalTimestampAfterReturnBreaksBothOrderAndUniqueness() {
    Op a = tso(0, 10, 100, 1);
    Op b = tso(20, 30, 100, 1);
    Verdict v = check();
    assertEquals(1, count(v, Check.TSO_REAL_TIME));
    assertEquals(1, count(v, Check.TSO_UNIQUE));
    Violation dup = v.first(Check.TSO_UNIQUE).orElseThrow();
    assertSame(b, dup.op());
    assertSame(a, dup.other());
  }

  @Test
  void duplicateAmongConcurrentOpsIsCaughtByUniquenessOnly() {
    tso(0, 100, 7, 1);
    tso(0, 100, 7, 1);
    Verdict v = check();
    assertEquals(1, count(v, Check.TSO_UNIQUE));
    assertEquals(0, count(v, Check.TSO_REAL_TIME));
  }

  @Test
  void rangeOverlapsAreDuplicates() {
    tso(0, 100, 10, 5);   // 10..14
    tso(0, 100, 14, 1);   // overlaps the last timestamp of the range
    tso(0, 100, 15, 3);   // 15..17: adjacent, fine
    Verdict v = check();
    assertEquals(1, count(v, Check.TSO_UNIQUE), v.summary());
  }

  @Test
  void realTimeComparesAgainstTheEndOfEarlierRanges() {
    Op range = tso(0, 10, 100, 10); // 100..109
    Op later = tso(20, 30, 105, 1);
    Verdict v = check();
    Violation rt = v.first(Check.TSO_REAL_TIME).orElseThrow();
    assertSame(later, rt.op());
    assertSame(range, rt.other());
  }

  @Test
  void reportsTheEarliestViolationAgainstTheHighestEarlierTimestamp() {
    tso(0, 10, 100, 1);
    Op high = tso(0, 12, 300, 1);
    tso(0, 11, 200, 1);
    Op firstBad = tso(20, 30, 250, 1);  // below 300
    tso(40, 50, 260, 1);                // also below 300
    Verdict v = check();
    assertEquals(2, count(v, Check.TSO_REAL_TIME));
    Violation first = v.first(Check.TSO_REAL_TIME).orElseThrow();
    assertSame(firstBad, first.op());
    assertSame(high, first.other());
  }

  @Test
  void idRangesMustBeDisjointEvenWhenNotNeighbours() {
    Op big = ids(0, 10, 1, 100);  // [1, 101)
    ids(0, 10, 101, 5);           // adjacent: fine
    ids(20, 30, 2, 1);            // inside big
    Op inside = ids(40, 50, 50, 10); // inside big, but its sorted neighbour is [2, 3)
    Verdict v = check();
    assertEquals(2, count(v, Check.IDS_DISJOINT), v.summary());
    assertTrue(v.violations().stream().anyMatch(x -> x.op() == inside && x.other() == big), v.summary());
  }

  @Test
  void idRangesAreNotCheckedForOrder() {
    ids(0, 10, 500, 10);
    ids(20, 30, 1, 10); // smaller IDs later are fine: only uniqueness is promised
    assertTrue(check().valid());
  }

  @Test
  void failedAndUnknownOpsAreCountedButNotChecked() {
    tso(0, 10, 100, 1);
    notOk(Kind.TSO, Outcome.UNKNOWN, 20, 5000);
    notOk(Kind.TSO, Outcome.FAILED, 20, 30);
    notOk(Kind.IDS, Outcome.UNKNOWN, 20, 30);
    tso(40, 50, 101, 1);
    Verdict v = check();
    assertTrue(v.valid(), v.summary());
    assertEquals(new HistoryChecker.Counts(2, 1, 1), v.counts(Kind.TSO));
    assertEquals(new HistoryChecker.Counts(0, 0, 1), v.counts(Kind.IDS));
    assertEquals(2, v.unknown());
  }

  @Test
  void wrongResultSizeIsAViolation() {
    ops.add(new Op(0, "t", Kind.IDS, "ids.allocate", 10, 0, 1, Outcome.OK, 1, 9, null));
    Verdict v = check();
    assertEquals(1, count(v, Check.RESULT_SIZE));
    assertNull(v.first(Check.RESULT_SIZE).orElseThrow().other());
  }

  @Test
  void reportsAtMostMaxPerCheckButCountsAll() {
    tso(0, 1, 1_000_000, 1);
    for (int i = 0; i < 100; i++) {
      tso(10 + i * 10, 15 + i * 10, 1000 + i, 1);
    }
    Verdict v = check();
    assertEquals(100, count(v, Check.TSO_REAL_TIME));
    assertEquals(HistoryChecker.MAX_REPORTED, v.violations().size());
  }

  @Test
  void classifiesErrors() {
    assertEquals(Outcome.FAILED, History.classify(new CoordException(ErrorCode.INVALID_ARGUMENT, "bad count")));
    assertEquals(Outcome.FAILED, History.classify(
        new CompletionException(new CoordException(ErrorCode.FAILED_PRECONDITION, "x"))));
    assertEquals(Outcome.UNKNOWN, History.classify(new CoordException(ErrorCode.UNAVAILABLE, "down")));
    assertEquals(Outcome.UNKNOWN, History.classify(new CoordException(ErrorCode.DEADLINE_EXCEEDED, "slow")));
    assertEquals(Outcome.UNKNOWN, History.classify(new CompletionException(new TimeoutException())));
    assertEquals(Outcome.UNKNOWN, History.classify(new IllegalStateException("anything else")));
  }

  @Test
  void writesOneJsonLinePerOpAndEvent(@TempDir Path dir) throws Exception {
    History h = new History(0);
    h.ok("w1", Kind.TSO, "tso.next", 1, 10, 20, 42, 1);
    h.event("kill9 n1 \"leader\"");
    h.failed("w2", Kind.IDS, "ids.allocate", 5, 30, 40, new CoordException(ErrorCode.UNAVAILABLE, "down\nhard"));
    Path f = dir.resolve("history.jsonl");
    h.writeJsonl(f);
    List<String> lines = Files.readAllLines(f);
    assertEquals(3, lines.size(), String.join("\n", lines));
    assertTrue(lines.stream().allMatch(l -> l.startsWith("{") && l.endsWith("}")), String.join("\n", lines));
    assertTrue(lines.get(0).contains("\"first\":42"), lines.get(0));
    assertTrue(lines.stream().anyMatch(l -> l.contains("\"outcome\":\"UNKNOWN\"") && l.contains("down\\nhard")),
        String.join("\n", lines));
    assertTrue(lines.stream().anyMatch(l -> l.contains("\"event\":\"kill9 n1 \\\"leader\\\"\"")),
        String.join("\n", lines));
    assertTrue(HistoryChecker.check(h).valid());
  }
}
