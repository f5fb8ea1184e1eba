package io.raftcoord.server.chaos;

import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the datacoord workload saw: segment listings of its collection (each one read at one
 * revision) with the rows the data node had been assigned by then, what each worker session worked
 * on and how its reports were answered, and the final figures. Thread-safe; the records are what
 * {@link DataTasksChecker} judges, the lines go to {@code history.jsonl}.
 */
final class DataTasksHistory {
  /** A segment as the checker needs it. */
  record Seg(long id, SegmentState state, long rows, long deletes, List<Long> compactionFrom, boolean compacted) {
    static Seg of(Segment s) {
      return new Seg(s.getId(), s.getState(), s.getNumRows(), s.getDeltalogEntries(), s.getCompactionFromList(),
          s.getCompacted());
    }
  }

  /** One listing; {@code ingestedAfter}: rows assigned to the data node, read after the listing. */
  record Observation(double atMs, List<Seg> segments, long ingestedAfter) {}

  record Report(double atMs, long serverId, long epoch, long taskId, String type, boolean accepted, String refusal) {}

  /**
   * @param builds completed index builds per segment (only segments with more than one are listed)
   * @param indexTotal rows of the FLUSHED L1 segments; {@code indexIndexed} of those indexed
   */
  record Final(long liveRows, long ingested, long lost, long indexTotal, long indexIndexed, Map<Long, Integer> builds,
               long openTasks, boolean settled) {}

  record Records(List<Observation> observations, List<Report> reports, Final end) {}

  private final HistoryLines lines;
  private final List<Observation> observations = new ArrayList<>();
  private final List<Report> reports = new ArrayList<>();
  private Final end;

  DataTasksHistory(long originNanos) {
    this.lines = new HistoryLines("datacoord", "atMs", originNanos);
  }

  double nowMs() {
    return lines.nowMs();
  }

  synchronized void setup(String what, Object... kv) {
    lines.setup(what, kv);
  }

  synchronized void observed(Observation o) {
    observations.add(o);
    long live = DataTasksChecker.liveRows(o.segments());
    lines.add("observe", o.atMs(), "segments", o.segments().size(), "liveRows", live, "ingestedAfter", o.ingestedAfter());
  }

  synchronized void working(long serverId, long epoch, long taskId, String type) {
    lines.add("work", nowMs(), "serverId", serverId, "epoch", epoch, "task", taskId, "taskType", type);
  }

  synchronized void reported(Report r) {
    reports.add(r);
    lines.add("report", r.atMs(), "serverId", r.serverId(), "epoch", r.epoch(), "task", r.taskId(), "taskType", r.type(),
        "accepted", r.accepted(), "refusal", r.refusal());
  }

  synchronized void event(String what, Object... kv) {
    lines.add(what, nowMs(), kv);
  }

  synchronized void end(Final f) {
    end = f;
    lines.add("final", nowMs(), "liveRows", f.liveRows(), "ingested", f.ingested(), "lost", f.lost(), "indexTotal",
        f.indexTotal(), "indexIndexed", f.indexIndexed(), "doubleBuilds", f.builds().size(), "openTasks", f.openTasks(),
        "settled", f.settled());
  }

  synchronized Records records() {
    return new Records(List.copyOf(observations), List.copyOf(reports), end);
  }

  synchronized List<String> lines() {
    return lines.copy();
  }

  synchronized int size() {
    return lines.size();
  }
}
