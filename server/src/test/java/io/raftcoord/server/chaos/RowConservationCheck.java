package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.SessionChecker.s;

import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.server.chaos.SegmentRecords.Final;
import io.raftcoord.server.chaos.SegmentRecords.Outcome;
import io.raftcoord.server.chaos.SegmentRecords.SegReport;
import io.raftcoord.server.chaos.SegmentRecords.Write;
import io.raftcoord.server.chaos.SegmentRecords.WriteKind;
import io.raftcoord.server.chaos.SessionChecker.Finding;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Rows are conserved from the node's reports to the segment's record. Against the final describe
 * of each segment:
 * <ul>
 *   <li>{@value #NOT_CONSERVED}: a FLUSHED segment's num_rows is that of the flushed=true report
 *       that finished it: every acknowledged one (there may be identical retries) has it, and
 *       with none acknowledged, one whose outcome is unknown must have it;</li>
 *   <li>{@value #FLUSHED_TWICE}: two acknowledged flushed=true reports of one segment disagree
 *       (a different report on a FLUSHED segment must be refused);</li>
 *   <li>{@value #FLUSH_LOST}: an acknowledged flushed=true report left the segment FLUSHED
 *       (or DROPPED, if it reported 0 rows and the segment had none): it does not end up in
 *       another state;</li>
 *   <li>{@value #PHANTOM}: any other segment's num_rows (when not 0) is that of some report that
 *       may have applied; a FLUSHED one without any flushed=true report was finished by nobody.</li>
 * </ul>
 * The workload drops no collection or partition, so nothing else moves a segment to DROPPED.
 */
final class RowConservationCheck {
  static final String NOT_CONSERVED = "rows-not-conserved";
  static final String FLUSHED_TWICE = "flushed-twice";
  static final String FLUSH_LOST = "flush-lost";
  static final String PHANTOM = "rows-without-report";

  private RowConservationCheck() {}

  /** The segment's reports that may have applied, acknowledged first. */
  private record Seen(List<Write> ackFlushed, List<SegReport> ackFlushedReports, List<SegReport> mayFlushed,
                      List<SegReport> mayAny) {}

  static List<Finding> check(SegmentRecords r) {
    Map<Long, Seen> by = new HashMap<>();
    for (Write w : r.writes()) {
      if (w.kind() != WriteKind.REPORT || w.outcome() == Outcome.FAILED) {
        continue;
      }
      for (SegReport sr : w.segments()) {
        Seen s = by.computeIfAbsent(sr.segmentId(), x -> new Seen(new ArrayList<>(), new ArrayList<>(),
            new ArrayList<>(), new ArrayList<>()));
        s.mayAny().add(sr);
        if (sr.flushed()) {
          s.mayFlushed().add(sr);
          if (w.outcome() == Outcome.OK) {
            s.ackFlushed().add(w);
            s.ackFlushedReports().add(sr);
          }
        }
      }
    }
    List<Finding> out = new ArrayList<>();
    for (Final f : r.finals().values()) {
      if (f.view() == null) {
        continue; // BinlogLossCheck judges a vanished segment
      }
      long id = f.segmentId();
      long rows = f.view().numRows();
      SegmentState state = f.view().state();
      Seen s = by.get(id);
      if (s != null && !s.ackFlushedReports().isEmpty()) {
        TreeSet<Long> acked = new TreeSet<>();
        s.ackFlushedReports().forEach(x -> acked.add(x.numRows()));
        Write first = s.ackFlushed().get(0);
        if (acked.size() > 1) {
          out.add(new Finding(FLUSHED_TWICE, String.format(Locale.ROOT, "segment %d: acknowledged flushed=true reports "
              + "with different row counts %s (the first: %s)", id, acked, first.describe()), first.invokeMs(), f.atMs()));
        }
        long reported = s.ackFlushedReports().get(0).numRows();
        // Rows never move back: a flush reporting 0 rows drops the segment only if it had none.
        boolean finished = state == SegmentState.FLUSHED || reported == 0 && state == SegmentState.DROPPED;
        if (!finished) {
          out.add(new Finding(FLUSH_LOST, String.format(Locale.ROOT, "segment %d is %s at the end (%.3f s), not %s, "
              + "after an acknowledged flushed=true report of %d rows: %s", id, state, s(f.atMs()),
              reported == 0 ? "FLUSHED or DROPPED" : "FLUSHED", reported, first.describe()), first.invokeMs(), f.atMs()));
        } else if (state == SegmentState.FLUSHED && !acked.contains(rows)) {
          out.add(new Finding(NOT_CONSERVED, String.format(Locale.ROOT, "segment %d is FLUSHED with %d rows, but the "
              + "acknowledged flushed=true report that finished it reported %s: %s", id, rows, acked,
              first.describe()), first.invokeMs(), f.atMs()));
        }
        continue;
      }
      if (state == SegmentState.FLUSHED) {
        List<Long> candidates = s == null ? List.of() : s.mayFlushed().stream().map(SegReport::numRows).toList();
        if (!candidates.contains(rows)) {
          out.add(new Finding(candidates.isEmpty() ? PHANTOM : NOT_CONSERVED, String.format(Locale.ROOT,
              "segment %d is FLUSHED with %d rows at the end (%.3f s), but %s", id, rows, s(f.atMs()),
              candidates.isEmpty() ? "no flushed=true report of it was ever sent"
                  : "the flushed=true reports that may have finished it (outcome unknown) reported " + candidates),
              f.atMs(), f.atMs()));
        }
        continue;
      }
      if (state != SegmentState.DROPPED && rows != 0) {
        boolean explained = s != null && s.mayAny().stream().anyMatch(x -> x.numRows() == rows);
        if (!explained) {
          out.add(new Finding(PHANTOM, String.format(Locale.ROOT, "segment %d is %s with %d rows at the end (%.3f s), "
                  + "a count no report that may have applied carried (%s)", id, state, rows, s(f.atMs()),
              s == null ? "none did" : "they carried " + new TreeSet<>(s.mayAny().stream().map(SegReport::numRows).toList())),
              f.atMs(), f.atMs()));
        }
      }
    }
    return out;
  }

  /** Flushed segments at the end, their rows, and the rows of the flushed=true reports that finished them. */
  static String totals(SegmentRecords r) {
    Map<Long, Long> flushedReport = new HashMap<>();
    for (Write w : r.writes()) {
      if (w.kind() == WriteKind.REPORT && w.outcome() == Outcome.OK) {
        w.segments().stream().filter(SegReport::flushed).forEach(sr -> flushedReport.put(sr.segmentId(), sr.numRows()));
      }
    }
    long segments = 0;
    long rows = 0;
    long reported = 0;
    for (Final f : r.finals().values()) {
      if (f.view() != null && f.view().state() == SegmentState.FLUSHED) {
        segments++;
        rows += f.view().numRows();
        reported += flushedReport.getOrDefault(f.segmentId(), 0L);
      }
    }
    return String.format(Locale.ROOT, "%d segments FLUSHED with %d rows (acknowledged flushed reports: %d rows)",
        segments, rows, reported);
  }
}
