package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.SessionChecker.s;

import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.server.chaos.SegmentRecords.Final;
import io.raftcoord.server.chaos.SegmentRecords.Outcome;
import io.raftcoord.server.chaos.SegmentRecords.SegReport;
import io.raftcoord.server.chaos.SegmentRecords.SegmentRead;
import io.raftcoord.server.chaos.SegmentRecords.SegmentView;
import io.raftcoord.server.chaos.SegmentRecords.Write;
import io.raftcoord.server.chaos.SegmentRecords.WriteKind;
import io.raftcoord.server.chaos.SessionChecker.Finding;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * No acknowledged binlog report is lost: after healing, every log ID of every acknowledged
 * report is among the segment's binlogs (describe), unless the segment ended DROPPED (its
 * binlogs are garbage then). A segment that describe no longer finds counts as dropped only if
 * some read saw it DROPPED; otherwise it vanished with acknowledged data ({@value #VANISHED}).
 * Segments whose final describe failed are not judged here ({@link SegmentsChecker} says so).
 */
final class BinlogLossCheck {
  static final String LOST = "binlog-lost";
  static final String VANISHED = "segment-vanished";

  private BinlogLossCheck() {}

  static List<Finding> check(SegmentRecords r) {
    Set<Long> seenDropped = new HashSet<>();
    for (SegmentRead read : r.segmentReads()) {
      for (SegmentView v : read.segments()) {
        if (v.state() == SegmentState.DROPPED) {
          seenDropped.add(v.id());
        }
      }
    }
    List<Finding> out = new ArrayList<>();
    Set<Long> vanishedReported = new HashSet<>();
    for (Write w : r.writes()) {
      if (w.kind() != WriteKind.REPORT || w.outcome() != Outcome.OK) {
        continue;
      }
      for (SegReport sr : w.segments()) {
        Final f = r.finals().get(sr.segmentId());
        if (f == null || sr.logIds().isEmpty()) {
          continue; // not read at the end (finalErrors) or nothing to look for
        }
        if (f.view() == null) {
          if (!seenDropped.contains(sr.segmentId()) && vanishedReported.add(sr.segmentId())) {
            out.add(new Finding(VANISHED, String.format(Locale.ROOT, "segment %d is not found at the end (%.3f s) "
                + "although %s was acknowledged and no read ever saw it DROPPED", sr.segmentId(), s(f.atMs()),
                w.describe()), w.invokeMs(), f.atMs()));
          }
          continue;
        }
        if (f.view().state() == SegmentState.DROPPED) {
          continue;
        }
        List<Long> missing = sr.logIds().stream().filter(id -> !f.logIds().contains(id)).toList();
        if (!missing.isEmpty()) {
          out.add(new Finding(LOST, String.format(Locale.ROOT, "segment %d (%s at the end, %d rows) lacks log IDs %s "
                  + "of an acknowledged report: %s", sr.segmentId(), f.view().state(), f.view().numRows(), missing,
              w.describe()), w.invokeMs(), f.atMs()));
        }
      }
    }
    return out;
  }
}
