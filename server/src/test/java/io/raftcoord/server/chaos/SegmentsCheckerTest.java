package io.raftcoord.server.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.server.chaos.SegmentRecords.Assign;
import io.raftcoord.server.chaos.SegmentRecords.ChannelRead;
import io.raftcoord.server.chaos.SegmentRecords.ChannelView;
import io.raftcoord.server.chaos.SegmentRecords.Cp;
import io.raftcoord.server.chaos.SegmentRecords.Final;
import io.raftcoord.server.chaos.SegmentRecords.Grant;
import io.raftcoord.server.chaos.SegmentRecords.Outcome;
import io.raftcoord.server.chaos.SegmentRecords.Ref;
import io.raftcoord.server.chaos.SegmentRecords.Request;
import io.raftcoord.server.chaos.SegmentRecords.SegReport;
import io.raftcoord.server.chaos.SegmentRecords.SegmentRead;
import io.raftcoord.server.chaos.SegmentRecords.SegmentView;
import io.raftcoord.server.chaos.SegmentRecords.SessionSeen;
import io.raftcoord.server.chaos.SegmentRecords.Write;
import io.raftcoord.server.chaos.SegmentRecords.WriteKind;
import io.raftcoord.server.chaos.SessionChecker.Finding;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Hand-made segments histories that {@link SegmentsChecker} must accept or reject. {@link #validRun}
 * is what a correct coordinator and its data nodes produce, with a crashed node whose zombie
 * keeps reporting and is fenced; each must-fail case then breaks one thing and checks that the
 * check that names it reports it (and only it), and the must-pass cases show situations a
 * correct system produces that the checker must not mistake for bugs.
 */
class SegmentsCheckerTest {
  private static final String CH0 = "by-dev-rootcoord-dml_0_1v0";
  private static final String CH1 = "by-dev-rootcoord-dml_1_1v1";
  private static final Ref A = new Ref(101, 11);
  private static final Ref B = new Ref(102, 12);
  private static final Ref C = new Ref(103, 20);

  /** One run's records, all times in ms on the run clock. */
  private static final class World {
    final List<Assign> assigns = new ArrayList<>();
    final List<Write> writes = new ArrayList<>();
    final List<ChannelRead> channelReads = new ArrayList<>();
    final List<SegmentRead> segmentReads = new ArrayList<>();
    final List<SessionSeen> sessions = new ArrayList<>();
    final Map<Long, Final> finals = new LinkedHashMap<>();
    final Map<Long, String> finalErrors = new LinkedHashMap<>();

    Assign assign(double at, String channel, long rows, Grant... grants) {
      Assign a = new Assign("writer", at, at + 10, Outcome.OK, "", List.of(new Request(channel, rows)), List.of(grants));
      assigns.add(a);
      return a;
    }

    Write report(Ref node, double at, Outcome outcome, String code, SegReport... segs) {
      Write w = new Write("node", node, WriteKind.REPORT, at, at + 10, outcome, code, false, false, List.of(segs),
          List.of());
      writes.add(w);
      return w;
    }

    Write reportWithCp(Ref node, double at, Outcome outcome, String code, Cp cp, SegReport... segs) {
      Write w = new Write("node", node, WriteKind.REPORT, at, at + 10, outcome, code, false, false, List.of(segs),
          List.of(cp));
      writes.add(w);
      return w;
    }

    Write checkpoint(Ref node, double at, Outcome outcome, String code, String channel, long ts) {
      Write w = new Write("node", node, WriteKind.CHECKPOINT, at, at + 10, outcome, code, false, false, List.of(),
          List.of(new Cp(channel, ts)));
      writes.add(w);
      return w;
    }

    ChannelRead channels(double at, ChannelView... views) {
      ChannelRead r = new ChannelRead("sampler", at, at + 5, List.of(views));
      channelReads.add(r);
      return r;
    }

    SegmentRead segments(double at, SegmentView... views) {
      SegmentRead r = new SegmentRead("sampler", at, at + 5, List.of(views));
      segmentReads.add(r);
      return r;
    }

    void seen(Ref ref, String state, double at) {
      sessions.add(new SessionSeen(ref, state, at, "sessions list"));
    }

    void finalView(long id, String channel, SegmentState state, long rows, long... logIds) {
      Set<Long> ids = new HashSet<>();
      for (long l : logIds) {
        ids.add(l);
      }
      finals.put(id, new Final(id, new SegmentView(id, channel, state, rows, 100), ids, 100_000));
    }

    SegmentRecords records() {
      return new SegmentRecords(assigns, writes, channelReads, segmentReads, sessions, finals, finalErrors);
    }

    List<Finding> check() {
      return SegmentsChecker.check(records());
    }
  }

  private static SegReport seg(long id, String channel, long rows, boolean flushed, Long... logIds) {
    return new SegReport(id, channel, List.of(logIds), rows, flushed);
  }

  private static ChannelView ch(String name, Ref owner, String state, long cp) {
    return new ChannelView(name, owner, state, cp);
  }

  private static SegmentView view(long id, String channel, SegmentState state, long rows) {
    return new SegmentView(id, channel, state, rows, 100);
  }

  private static List<String> checks(List<Finding> findings) {
    return findings.stream().map(Finding::check).toList();
  }

  /**
   * Node A owns ch0, B owns ch1. Segment 1 (ch0) gets 30 rows in two grants, A reports them, A
   * crashes at 5 s; its session expires and ch0 goes to B. A's zombie keeps reporting and
   * checkpointing and gets STALE_EPOCH; B takes over segment 1, which is sealed, flushed and
   * FLUSHED with 40 rows. Segment 2 (ch1) stays GROWING; segment 3 (ch1) was sealed empty and
   * dropped by the flush duty; an unknown-outcome report of segment 2 was retried.
   */
  private static World validRun() {
    World w = new World();
    w.channels(500, ch(CH0, A, "WATCH_SUCCESS", 0), ch(CH1, B, "WATCH_SUCCESS", 0));
    w.assign(1000, CH0, 30, new Grant(1, 20, 0, 3000), new Grant(1, 10, 0, 3000));
    w.assign(1100, CH1, 5, new Grant(2, 5, 0, 3100));
    w.assign(1200, CH1, 0);
    w.reportWithCp(A, 1500, Outcome.OK, "", new Cp(CH0, 1000), seg(1, CH0, 20, false, 1001L, 1002L));
    w.reportWithCp(A, 2000, Outcome.OK, "", new Cp(CH0, 2000), seg(1, CH0, 30, false, 1003L));
    w.checkpoint(B, 2100, Outcome.OK, "", CH1, 2100);
    // An unknown outcome, then its identical retry.
    Write first = w.report(B, 2200, Outcome.UNKNOWN, "DEADLINE_EXCEEDED", seg(2, CH1, 5, false, 2001L));
    w.writes.add(new Write("node", B, WriteKind.REPORT, 2400, 2410, Outcome.OK, "", true, false, first.segments(),
        List.of()));
    w.channels(2500, ch(CH0, A, "WATCH_SUCCESS", 2000), ch(CH1, B, "WATCH_SUCCESS", 2100));
    w.segments(2600, view(1, CH0, SegmentState.GROWING, 30), view(2, CH1, SegmentState.GROWING, 5),
        view(3, CH1, SegmentState.SEALED, 0));
    // A crashes at 5 s (stops heartbeating); its session expires at 9 s; ch0 goes to B.
    w.reportWithCp(A, 6000, Outcome.OK, "", new Cp(CH0, 6000), seg(1, CH0, 35, false, 1004L));
    w.seen(A, "ACTIVE", 6500);
    w.seen(A, "EXPIRED", 9200);
    w.channels(9300, ch(CH0, B, "TO_WATCH", 6000), ch(CH1, B, "WATCH_SUCCESS", 2100));
    w.report(A, 9500, Outcome.FAILED, "STALE_EPOCH", seg(1, CH0, 36, false, 1005L));
    w.checkpoint(A, 9600, Outcome.FAILED, "STALE_EPOCH", CH0, 9600);
    w.segments(9700, view(1, CH0, SegmentState.SEALED, 35), view(3, CH1, SegmentState.DROPPED, 0));
    w.segments(10_000, view(1, CH0, SegmentState.FLUSHING, 35));
    w.reportWithCp(B, 10_500, Outcome.OK, "", new Cp(CH0, 10_500), seg(1, CH0, 40, true, 1006L));
    w.channels(11_000, ch(CH0, B, "WATCH_SUCCESS", 10_500), ch(CH1, B, "WATCH_SUCCESS", 2100));
    // An assign invoked while the seal was being applied: the read that shows it completed after the invoke.
    w.assign(9702, CH0, 3, new Grant(1, 3, 0, 11_000));

    w.finalView(1, CH0, SegmentState.FLUSHED, 40, 1001, 1002, 1003, 1004, 1006);
    w.finalView(2, CH1, SegmentState.GROWING, 5, 2001);
    w.finalView(3, CH1, SegmentState.DROPPED, 0);
    return w;
  }

  @Test
  void aCorrectRunWithAFencedZombieIsValid() {
    World w = validRun();
    assertEquals(List.of(), w.check());
    Verdict v = SegmentsChecker.verdict("segments", 20, w.check());
    assertTrue(v.valid());
    assertTrue(RowConservationCheck.totals(w.records()).startsWith("1 segments FLUSHED with 40 rows"),
        RowConservationCheck.totals(w.records()));
  }

  // ---- (e) zombie fencing ----

  @Test
  void aZombieReportAcknowledgedAfterItsSessionEndedIsCaught() {
    World w = validRun();
    w.report(A, 9800, Outcome.OK, "", seg(1, CH0, 37, false, 1007L));
    w.finals.put(1L, new Final(1, new SegmentView(1, CH0, SegmentState.FLUSHED, 40, 100),
        Set.of(1001L, 1002L, 1003L, 1004L, 1006L, 1007L), 100_000));
    List<Finding> f = w.check();
    assertEquals(List.of(StaleEpochCheck.NAME), checks(f), f.toString());
    assertTrue(f.get(0).message().contains("session 101/11 had been seen EXPIRED"), f.get(0).message());
    assertTrue(f.get(0).message().contains("showed channel " + CH0 + " with 102/12 (TO_WATCH)"), f.get(0).message());
    Verdict v = SegmentsChecker.verdict("segments", 20, f);
    assertFalse(v.valid());
    assertTrue(v.violations().get(0).startsWith("stale-epoch-accepted: REPORT"), v.violations().get(0));
  }

  @Test
  void aZombieCheckpointAcknowledgedAfterItsSessionEndedIsCaught() {
    World w = validRun();
    w.checkpoint(A, 9900, Outcome.OK, "", CH0, 9900);
    assertEquals(List.of(StaleEpochCheck.NAME), checks(w.check()));
  }

  @Test
  void aStoppingSessionWhoseChannelMovedOnIsFenced() {
    World w = validRun();
    // B stops gracefully at 12 s; ch1 is released and goes to C; B then reports on ch1.
    w.seen(B, "STOPPING", 12_000);
    w.channels(12_500, ch(CH1, B, "TO_RELEASE", 2100));
    w.channels(13_000, ch(CH1, C, "TO_WATCH", 2100));
    // A retry of an earlier request is answered as that one was: not judged.
    w.writes.add(new Write("node", B, WriteKind.REPORT, 13_100, 13_110, Outcome.OK, "", true, false,
        List.of(seg(2, CH1, 5, false, 2001L)), List.of()));
    assertEquals(List.of(), w.check());
    w.report(B, 13_200, Outcome.OK, "", seg(2, CH1, 6, false, 2002L));
    w.finalView(2, CH1, SegmentState.GROWING, 6, 2001, 2002);
    List<Finding> f = w.check();
    assertEquals(List.of(StaleEpochCheck.NAME), checks(f), f.toString());
    assertTrue(f.get(0).message().contains("showed channel " + CH1 + " with 103/20"), f.get(0).message());
  }

  @Test
  void aReleasedChannelIsLostForAStoppingSessionEvenBeforeItIsPlacedElsewhere() {
    World w = validRun();
    w.seen(B, "STOPPING", 12_000);
    w.channels(12_500, ch(CH1, B, "TO_RELEASE", 2100));
    w.report(B, 12_600, Outcome.OK, "", seg(2, CH1, 5, false));
    assertEquals(List.of(), w.check(), "TO_RELEASE: B still holds ch1 and must flush it");
    w.channels(13_000, ch(CH1, B, "RELEASE_SUCCESS", 2100));
    w.checkpoint(B, 13_100, Outcome.OK, "", CH1, 13_100);
    List<Finding> f = w.check();
    assertEquals(List.of(StaleEpochCheck.NAME), checks(f), f.toString());
    assertTrue(f.get(0).message().contains("with 102/12 (RELEASE_SUCCESS)"), f.get(0).message());
  }

  @Test
  void anEndedSessionStillHoldsItsChannelUntilItIsPlacedElsewhere() {
    World w = validRun();
    // A was seen EXPIRED at 9.2 s, but the channel duty had not moved ch0 yet: the fence still lets A write.
    w.channels(9210, ch(CH0, A, "WATCH_SUCCESS", 6000));
    w.report(A, 9220, Outcome.OK, "", seg(1, CH0, 35, false, 1004L));
    w.checkpoint(A, 9240, Outcome.OK, "", CH0, 6000);
    // Invoked before the read that showed ch0 at B (9.300 .. 9.305 s) completed.
    w.checkpoint(A, 9302, Outcome.OK, "", CH0, 6000);
    assertEquals(List.of(), w.check());
  }

  @Test
  void aReportThatOverlapsTheEvidenceOrIsARetryIsNotJudged() {
    World w = validRun();
    // Invoked before the session was seen ended (9.2 s): it may have been applied while A still owned ch0.
    w.report(A, 9100, Outcome.OK, "", seg(1, CH0, 35, false, 1004L));
    // A retry of a report whose outcome was unknown: the coordinator may answer it as it answered the first.
    w.writes.add(new Write("node", A, WriteKind.REPORT, 9900, 9910, Outcome.OK, "", true, true,
        List.of(seg(1, CH0, 35, false, 1004L)), List.of()));
    assertEquals(List.of(), w.check());
  }

  @Test
  void aChannelThatMovedAwayFromAnActiveSessionMayComeBack() {
    World w = validRun();
    // C was ACTIVE when ch1 was seen at B; it got ch1 later (B expired), so its report is fine.
    w.channels(14_000, ch(CH1, B, "WATCH_SUCCESS", 2100));
    w.channels(15_000, ch(CH1, C, "TO_WATCH", 2100));
    w.report(C, 15_500, Outcome.OK, "", seg(2, CH1, 5, false));
    assertEquals(List.of(), w.check());
    // STOPPING seen only after the read that showed another owner: no proof the channel was lost for good.
    w.seen(C, "STOPPING", 15_200);
    w.report(C, 15_600, Outcome.OK, "", seg(2, CH1, 5, false));
    assertEquals(List.of(), w.check());
  }

  // ---- (a) allocations ----

  @Test
  void overAllocationIsCaught() {
    World w = validRun();
    w.assign(3000, CH1, 60, new Grant(2, 60, 0, 5000));
    assertEquals(List.of(), w.check(), "5 + 60 rows of max 100");
    w.assign(3100, CH1, 40, new Grant(2, 40, 0, 5100));
    List<Finding> f = w.check();
    assertEquals(List.of(AllocationCheck.OVER), checks(f), f.toString());
    assertTrue(f.get(0).message().contains("add up to 105 rows, over its max_rows 100"), f.get(0).message());
  }

  @Test
  void anAssignmentThatDoesNotCoverItsRequestIsCaught() {
    World w = validRun();
    w.assign(3000, CH1, 10, new Grant(2, 9, 0, 5000));
    assertEquals(List.of(AllocationCheck.MISMATCH), checks(w.check()));
    World x = validRun();
    x.assign(3000, CH1, 10, new Grant(2, 10, 0, 5000), new Grant(2, 1, 1, 5000));
    assertEquals(List.of(AllocationCheck.MISMATCH), checks(x.check()));
  }

  @Test
  void anAssignmentOfASegmentSeenSealedIsCaught() {
    World w = validRun();
    // Segment 1 was seen SEALED by the read completed at 9.705 s.
    w.assign(9800, CH0, 3, new Grant(1, 3, 0, 11_800));
    List<Finding> f = w.check();
    assertEquals(List.of(AllocationCheck.AFTER_SEAL), checks(f), f.toString());
    assertTrue(f.get(0).message().contains("had already shown SEALED"), f.get(0).message());
  }

  @Test
  void anAssignmentOnAnotherChannelIsCaught() {
    World w = validRun();
    w.assign(3000, CH0, 2, new Grant(2, 2, 0, 5000));
    assertEquals(List.of(AllocationCheck.WRONG_CHANNEL), checks(w.check()));
  }

  // ---- (b) binlogs ----

  @Test
  void anAcknowledgedBinlogMissingAtTheEndIsCaught() {
    World w = validRun();
    w.finalView(1, CH0, SegmentState.FLUSHED, 40, 1001, 1002, 1004, 1006);
    List<Finding> f = w.check();
    assertEquals(List.of(BinlogLossCheck.LOST), checks(f), f.toString());
    assertTrue(f.get(0).message().contains("lacks log IDs [1003]"), f.get(0).message());
  }

  @Test
  void binlogsOfAFailedOrDroppedSegmentAreNotLookedFor() {
    World w = validRun();
    // The zombie's refused 1005 is absent: fine. Segment 3 dropped: its binlogs may be gone.
    w.report(B, 2700, Outcome.OK, "", seg(3, CH1, 0, false, 3001L));
    assertEquals(List.of(), w.check());
  }

  @Test
  void aSegmentThatVanishedIsCaughtUnlessItWasSeenDropped() {
    World w = validRun();
    w.finals.put(2L, new Final(2, null, Set.of(), 100_000));
    assertEquals(List.of(BinlogLossCheck.VANISHED), checks(w.check()));
    w.segments(20_000, view(2, CH1, SegmentState.DROPPED, 5));
    assertEquals(List.of(), w.check());
  }

  // ---- (c) rows ----

  @Test
  void aFlushedSegmentWithOtherRowsThanItsFlushReportIsCaught() {
    World w = validRun();
    w.finalView(1, CH0, SegmentState.FLUSHED, 39, 1001, 1002, 1003, 1004, 1006);
    List<Finding> f = w.check();
    assertEquals(List.of(RowConservationCheck.NOT_CONSERVED), checks(f), f.toString());
  }

  @Test
  void twoDifferentAcknowledgedFlushReportsAreCaught() {
    World w = validRun();
    w.report(B, 11_500, Outcome.OK, "", seg(1, CH0, 45, true, 1008L));
    List<Finding> f = w.check();
    assertTrue(checks(f).contains(RowConservationCheck.FLUSHED_TWICE), f.toString());
    assertTrue(checks(f).contains(BinlogLossCheck.LOST), f.toString());
  }

  @Test
  void anAcknowledgedFlushThatDidNotFinishTheSegmentIsCaught() {
    World w = validRun();
    w.finalView(1, CH0, SegmentState.FLUSHING, 40, 1001, 1002, 1003, 1004, 1006);
    assertEquals(List.of(RowConservationCheck.FLUSH_LOST), checks(w.check()));
    World x = validRun();
    x.report(B, 11_000, Outcome.OK, "", seg(2, CH1, 0, true));
    assertEquals(List.of(RowConservationCheck.FLUSH_LOST), checks(x.check()), "0 rows flushed must end finished");
    x.finalView(2, CH1, SegmentState.DROPPED, 0, 2001);
    assertEquals(List.of(), x.check());
  }

  @Test
  void aFlushWhoseAcknowledgementWasLostMayHaveFinishedTheSegment() {
    World w = validRun();
    w.report(B, 11_000, Outcome.UNKNOWN, "UNAVAILABLE", seg(2, CH1, 8, true, 2002L));
    w.report(B, 11_500, Outcome.FAILED, "FAILED_PRECONDITION", seg(2, CH1, 9, true, 2002L, 2003L));
    w.finalView(2, CH1, SegmentState.FLUSHED, 8, 2001, 2002);
    assertEquals(List.of(), w.check());
    w.finalView(2, CH1, SegmentState.FLUSHED, 9, 2001, 2002, 2003);
    assertEquals(List.of(RowConservationCheck.NOT_CONSERVED), checks(w.check()), "a refused report applied nothing");
  }

  @Test
  void rowsNoReportCarriedAreCaught() {
    World w = validRun();
    w.finalView(2, CH1, SegmentState.SEALED, 7, 2001);
    assertEquals(List.of(RowConservationCheck.PHANTOM), checks(w.check()));
    World x = validRun();
    x.finalView(4, CH1, SegmentState.FLUSHED, 3);
    assertEquals(List.of(RowConservationCheck.PHANTOM), checks(x.check()), "flushed by nobody");
  }

  // ---- (d) checkpoints ----

  @Test
  void aCheckpointReadBelowAnEarlierReadIsCaught() {
    World w = validRun();
    w.channels(12_000, ch(CH0, B, "WATCH_SUCCESS", 6000));
    List<Finding> f = w.check();
    assertEquals(List.of(CheckpointOrderCheck.NAME), checks(f), f.toString());
    assertTrue(f.get(0).message().contains("shows checkpoint 6000, below 10500"), f.get(0).message());
  }

  @Test
  void aCheckpointReadBelowAnAcknowledgedSaveIsCaught() {
    World w = validRun();
    w.checkpoint(B, 11_100, Outcome.OK, "", CH1, 11_100);
    w.channels(11_200, ch(CH1, B, "WATCH_SUCCESS", 2100));
    List<Finding> f = w.check();
    assertEquals(List.of(CheckpointOrderCheck.NAME), checks(f), f.toString());
    assertTrue(f.get(0).message().contains("an acknowledged save"), f.get(0).message());
  }

  @Test
  void concurrentOrUnacknowledgedCheckpointsMayReadEitherWay() {
    World w = validRun();
    // A save still in flight when the read began, and one whose outcome is unknown.
    w.checkpoint(B, 11_100, Outcome.OK, "", CH1, 11_100);
    w.channels(11_105, ch(CH1, B, "WATCH_SUCCESS", 2100));
    w.checkpoint(B, 11_300, Outcome.UNKNOWN, "UNAVAILABLE", CH1, 11_300);
    w.channels(11_400, ch(CH1, B, "WATCH_SUCCESS", 11_100));
    // Overlapping reads may disagree.
    w.channels(11_500, ch(CH1, B, "WATCH_SUCCESS", 11_300));
    w.channels(11_502, ch(CH1, B, "WATCH_SUCCESS", 11_100));
    assertEquals(List.of(), w.check());
  }

  // ---- the end ----

  @Test
  void aSegmentNotReadAtTheEndIsAFinding() {
    World w = validRun();
    w.finals.remove(2L);
    w.finalErrors.put(2L, "UNAVAILABLE: quorum unavailable");
    List<Finding> f = w.check();
    assertEquals(List.of(SegmentsChecker.FINAL_READ), checks(f), f.toString());
  }
}
