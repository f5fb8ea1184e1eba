package io.raftcoord.server.chaos;

import io.raftcoord.server.chaos.SegmentRecords.Assign;
import io.raftcoord.server.chaos.SegmentRecords.ChannelRead;
import io.raftcoord.server.chaos.SegmentRecords.ChannelView;
import io.raftcoord.server.chaos.SegmentRecords.Final;
import io.raftcoord.server.chaos.SegmentRecords.Outcome;
import io.raftcoord.server.chaos.SegmentRecords.Ref;
import io.raftcoord.server.chaos.SegmentRecords.SegmentRead;
import io.raftcoord.server.chaos.SegmentRecords.SegmentView;
import io.raftcoord.server.chaos.SegmentRecords.SessionSeen;
import io.raftcoord.server.chaos.SegmentRecords.Write;
import io.raftcoord.server.chaos.SegmentRecords.WriteKind;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the segments workload did and saw: every DataCoord call with its invoke and complete time
 * (ms on the run clock) and outcome, every read with what it showed, the sessions it saw retire,
 * and the final state of the segments. Every record is also one line of {@code history.jsonl}
 * (reads are summarized: what they showed is in the records the checker judges). Thread-safe.
 */
final class SegmentHistory {
  private final HistoryLines lines;
  private final List<Assign> assigns = new ArrayList<>();
  private final List<Write> writes = new ArrayList<>();
  private final List<ChannelRead> channelReads = new ArrayList<>();
  private final List<SegmentRead> segmentReads = new ArrayList<>();
  private final List<SessionSeen> sessions = new ArrayList<>();
  private final Set<String> sessionStates = new HashSet<>();
  private final Map<Long, Final> finals = new TreeMap<>();
  private final Map<Long, String> finalErrors = new TreeMap<>();
  private final Set<Long> segmentIds = new TreeSet<>();
  private final Map<Outcome, Integer> assignOutcomes = new EnumMap<>(Outcome.class);
  private final Map<String, Integer> writeOutcomes = new TreeMap<>();
  private int zombieWrites;
  private int zombieStale;
  private int zombieOk;
  private long calls;

  SegmentHistory(long originNanos) {
    this.lines = new HistoryLines("segments", "invokeMs", originNanos);
  }

  double nowMs() {
    return lines.nowMs();
  }

  synchronized void setup(String what, Object... kv) {
    lines.setup(what, kv);
  }

  synchronized void assign(Assign a) {
    assigns.add(a);
    calls++;
    assignOutcomes.merge(a.outcome(), 1, Integer::sum);
    a.grants().forEach(g -> segmentIds.add(g.segmentId()));
    lines.add("assign", a.invokeMs(), "actor", a.actor(), "completeMs", HistoryLines.round(a.completeMs()),
        "outcome", a.outcome().name(), "code", a.code(), "requests", a.requests().stream().map(r -> r.channel() + ":" + r.rows()).toList(),
        "grants", a.grants().stream().map(g -> g.segmentId() + ":" + g.rows() + "@" + g.request()).toList());
  }

  synchronized void write(Write w) {
    writes.add(w);
    calls++;
    w.segments().forEach(s -> segmentIds.add(s.segmentId()));
    writeOutcomes.merge(w.kind() + " " + (w.outcome() == Outcome.FAILED ? w.code() : w.outcome().name()), 1,
        Integer::sum);
    if (w.zombie()) {
      zombieWrites++;
      if (w.outcome() == Outcome.OK) {
        zombieOk++;
      } else if (w.code().equals("STALE_EPOCH")) {
        zombieStale++;
      }
    }
    lines.add(w.kind() == WriteKind.REPORT ? "report" : "checkpoint", w.invokeMs(), "actor", w.actor(), "node",
        w.node().toString(), "completeMs", HistoryLines.round(w.completeMs()), "outcome", w.outcome().name(),
        "code", w.code(), "retry", w.retry(), "zombie", w.zombie(),
        "segments", w.segments().stream().map(s -> Map.of("id", s.segmentId(), "channel", s.channel(), "rows",
            s.numRows(), "flushed", s.flushed(), "logIds", s.logIds())).toList(),
        "checkpoints", w.checkpoints().stream().map(c -> c.channel() + "@" + c.timestamp()).toList());
  }

  synchronized void channelRead(ChannelRead r) {
    channelReads.add(r);
    calls++;
    lines.add("channels", r.invokeMs(), "actor", r.actor(), "completeMs", HistoryLines.round(r.completeMs()),
        "channels", r.channels().stream().map(v -> v.name() + "=" + v.owner() + " " + v.state() + " cp " + v.checkpointTs())
            .toList());
  }

  synchronized void segmentRead(SegmentRead r) {
    segmentReads.add(r);
    calls++;
    r.segments().forEach(s -> segmentIds.add(s.id()));
    lines.add("segments", r.invokeMs(), "actor", r.actor(), "completeMs", HistoryLines.round(r.completeMs()),
        "segments", r.segments().stream().map(v -> v.id() + " " + v.state() + " " + v.numRows() + "/" + v.maxRows()).toList());
  }

  /** A session seen in a state; only the first sighting of each (session, state) is kept. */
  synchronized void session(Ref ref, String state, double atMs, String how) {
    if (sessionStates.add(ref + " " + state)) {
      sessions.add(new SessionSeen(ref, state, atMs, how));
      lines.add("session", atMs, "node", ref.toString(), "state", state, "how", how);
    }
  }

  /** Any other call (watch answers, flush, flush state, registrations), for the history file only. */
  synchronized void op(String type, String actor, double invokeMs, double completeMs, Outcome outcome, String code,
                       Object... kv) {
    calls++;
    Object[] all = new Object[kv.length + 8];
    all[0] = "actor";
    all[1] = actor;
    all[2] = "completeMs";
    all[3] = HistoryLines.round(completeMs);
    all[4] = "outcome";
    all[5] = outcome.name();
    all[6] = "code";
    all[7] = code;
    System.arraycopy(kv, 0, all, 8, kv.length);
    lines.add(type, invokeMs, all);
  }

  synchronized void finalSegment(Final f) {
    finals.put(f.segmentId(), f);
    finalErrors.remove(f.segmentId());
    SegmentView v = f.view();
    lines.add("final", f.atMs(), "segment", f.segmentId(), "state", v == null ? "NOT_FOUND" : v.state().name(), "rows",
        v == null ? 0 : v.numRows(), "maxRows", v == null ? 0 : v.maxRows(), "channel", v == null ? "" : v.channel(),
        "logIds", f.logIds().size());
  }

  synchronized void finalError(long segmentId, String error) {
    finalErrors.put(segmentId, error);
    lines.add("final-failed", nowMs(), "segment", segmentId, "error", error);
  }

  /** Every segment the history names. */
  synchronized Set<Long> segmentIds() {
    return new TreeSet<>(segmentIds);
  }

  synchronized SegmentRecords records() {
    return new SegmentRecords(assigns, writes, channelReads, segmentReads, sessions, finals, finalErrors);
  }

  /** The latest view of each channel by the reads so far. */
  synchronized Map<String, ChannelView> lastChannels() {
    Map<String, ChannelView> out = new TreeMap<>();
    for (ChannelRead r : channelReads) {
      r.channels().forEach(v -> out.put(v.name(), v));
    }
    return out;
  }

  synchronized List<String> lines() {
    return lines.copy();
  }

  synchronized long size() {
    return calls;
  }

  synchronized String summary() {
    return String.format(java.util.Locale.ROOT, "assigns %s; writes %s; zombie writes %d (%d STALE_EPOCH, %d OK); "
            + "%d channel reads, %d segment reads, %d segments, %d sessions seen retiring", assignOutcomes,
        writeOutcomes, zombieWrites, zombieStale, zombieOk, channelReads.size(), segmentReads.size(), segmentIds.size(),
        sessions.stream().map(SessionSeen::ref).distinct().count());
  }
}
