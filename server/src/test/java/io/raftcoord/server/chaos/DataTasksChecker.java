package io.raftcoord.server.chaos;

import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.server.chaos.DataTasksHistory.Observation;
import io.raftcoord.server.chaos.DataTasksHistory.Records;
import io.raftcoord.server.chaos.DataTasksHistory.Report;
import io.raftcoord.server.chaos.DataTasksHistory.Seg;
import io.raftcoord.server.chaos.SessionChecker.Finding;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Judges a datacoord history. Each listing is read at one revision, so in it:
 * <ul>
 *   <li>{@code half-swap}: no compaction result is FLUSHED while one of its inputs still is (the
 *       swap happened wholly or not at all);</li>
 *   <li>{@code rows-counted-twice}: the live rows (FLUSHED rows less deletes) never exceed the rows
 *       assigned to the data node by then.</li>
 * </ul>
 * Across workers, {@code accepted-twice}: no task's result is accepted twice. At the end, once
 * settled: {@code rows-lost} (live rows at least what was ingested less what the node lost, at most
 * what was ingested) and
 * {@code index} (every FLUSHED segment with rows indexed, none built twice). Pure.
 */
final class DataTasksChecker {
  static final String HALF_SWAP = "half-swap";
  static final String ROWS_TWICE = "rows-counted-twice";
  static final String ACCEPTED_TWICE = "accepted-twice";
  static final String ROWS_LOST = "rows-lost";
  static final String INDEX = "index";

  private DataTasksChecker() {}

  static long liveRows(List<Seg> segments) {
    long rows = 0;
    for (Seg s : segments) {
      if (s.state() == SegmentState.FLUSHED) {
        rows += s.rows() - s.deletes();
      }
    }
    return rows;
  }

  static List<Finding> check(Records r) {
    List<Finding> out = new ArrayList<>();
    for (Observation o : r.observations()) {
      out.addAll(halfSwaps(o));
      long live = liveRows(o.segments());
      if (live > o.ingestedAfter()) {
        out.add(new Finding(ROWS_TWICE, String.format(Locale.ROOT, "at %.3f s the collection's FLUSHED segments held %d"
            + " live rows, more than the %d rows ever assigned", o.atMs() / 1000, live, o.ingestedAfter()),
            o.atMs(), o.atMs()));
      }
    }
    out.addAll(acceptedTwice(r.reports()));
    DataTasksHistory.Final f = r.end();
    if (f != null && f.settled()) {
      // Rows the node counts lost may still have been applied (a report whose outcome was unknown).
      if (f.liveRows() < f.ingested() - f.lost() || f.liveRows() > f.ingested()) {
        out.add(new Finding(f.liveRows() > f.ingested() ? ROWS_TWICE : ROWS_LOST, "at the end the FLUSHED segments"
            + " hold " + f.liveRows() + " live rows; " + f.ingested() + " were ingested, " + f.lost()
            + " of them counted lost by the node", 0, 0));
      }
      if (f.indexIndexed() != f.indexTotal()) {
        out.add(new Finding(INDEX, "at the end " + f.indexIndexed() + " of " + f.indexTotal() + " rows are indexed", 0, 0));
      }
      f.builds().forEach((seg, n) -> out.add(new Finding(INDEX, "segment " + seg + " was indexed " + n + " times", 0,
          0)));
    }
    return out;
  }

  private static List<Finding> halfSwaps(Observation o) {
    Set<Long> flushed = new HashSet<>();
    for (Seg s : o.segments()) {
      if (s.state() == SegmentState.FLUSHED) {
        flushed.add(s.id());
      }
    }
    List<Finding> out = new ArrayList<>();
    for (Seg s : o.segments()) {
      if (s.state() != SegmentState.FLUSHED) {
        continue;
      }
      for (long in : s.compactionFrom()) {
        if (flushed.contains(in)) {
          out.add(new Finding(HALF_SWAP, String.format(Locale.ROOT, "at %.3f s compaction result %d and its input %d"
              + " were both FLUSHED", o.atMs() / 1000, s.id(), in), o.atMs(), o.atMs()));
        }
      }
    }
    return out;
  }

  private static List<Finding> acceptedTwice(List<Report> reports) {
    Map<Long, Report> first = new HashMap<>();
    List<Finding> out = new ArrayList<>();
    for (Report rep : reports) {
      if (!rep.accepted()) {
        continue;
      }
      Report before = first.putIfAbsent(rep.taskId(), rep);
      if (before != null) {
        out.add(new Finding(ACCEPTED_TWICE, String.format(Locale.ROOT, "task %d (%s): results accepted from worker %d"
                + " epoch %d at %.3f s and from worker %d epoch %d at %.3f s", rep.taskId(), rep.type(),
            before.serverId(), before.epoch(), before.atMs() / 1000, rep.serverId(), rep.epoch(), rep.atMs() / 1000),
            before.atMs(), rep.atMs()));
      }
    }
    return out;
  }

  /** A half swap, a double count or a double acceptance: nothing recorded later undoes them. */
  static boolean violationSeen(Records r) {
    for (Observation o : r.observations()) {
      if (!halfSwaps(o).isEmpty() || liveRows(o.segments()) > o.ingestedAfter()) {
        return true;
      }
    }
    return !acceptedTwice(r.reports()).isEmpty();
  }
}
