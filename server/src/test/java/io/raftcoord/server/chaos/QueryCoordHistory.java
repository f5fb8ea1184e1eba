package io.raftcoord.server.chaos;

import io.raftcoord.server.chaos.QueryCoordRecords.CopySample;
import io.raftcoord.server.chaos.QueryCoordRecords.FinalLoad;
import io.raftcoord.server.chaos.QueryCoordRecords.NodeEvent;
import io.raftcoord.server.chaos.QueryCoordRecords.Obs;
import io.raftcoord.server.chaos.QueryCoordRecords.Op;
import io.raftcoord.server.chaos.QueryCoordRecords.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the querycoord workload did and saw: load and release calls with their outcomes, the
 * periodic observations of the collections, the query nodes' lifecycle and the end-phase reads.
 * Every record is also one line of {@code history.jsonl}. Thread-safe.
 */
final class QueryCoordHistory {
  private final HistoryLines lines;
  private final long ttlMs;
  private final List<Op> ops = new ArrayList<>();
  private final List<Obs> observations = new ArrayList<>();
  private final List<NodeEvent> events = new ArrayList<>();
  private final List<CopySample> copies = new ArrayList<>();
  private final List<FinalLoad> finals = new ArrayList<>();
  private final List<String> finalErrors = new ArrayList<>();
  private final Map<String, Integer> opOutcomes = new TreeMap<>();
  private final Map<String, Integer> obsKinds = new TreeMap<>();
  private int obsFailed;
  private int unservedSeen;
  private long calls;

  QueryCoordHistory(long originNanos, long ttlMs) {
    this.lines = new HistoryLines("querycoord", "invokeMs", originNanos);
    this.ttlMs = ttlMs;
  }

  double nowMs() {
    return lines.nowMs();
  }

  synchronized void setup(String what, Object... kv) {
    lines.setup(what, kv);
  }

  synchronized void op(Op o) {
    ops.add(o);
    calls++;
    opOutcomes.merge(o.type() + " " + (o.outcome() == Outcome.REFUSED ? o.code() : o.outcome().name()), 1,
        Integer::sum);
    lines.add(o.type(), o.invokeMs(), "collection", o.collection(), "replicas", o.replicas(), "completeMs",
        HistoryLines.round(o.completeMs()), "outcome", o.outcome().name(), "code", o.code());
  }

  synchronized void observed(Obs o) {
    observations.add(o);
    calls++;
    obsKinds.merge(o.kind().name(), 1, Integer::sum);
    unservedSeen += o.unserved().isEmpty() ? 0 : 1;
    lines.add("observe", o.invokeMs(), "collection", o.collection(), "completeMs", HistoryLines.round(o.completeMs()),
        "kind", o.kind().name(), "version", o.version(), "replicas", o.replicaIds(), "nodes", new TreeSet<>(o.nodes()),
        "alive", new TreeSet<>(o.alive()), "segments", o.segments().size(), "unserved", new TreeSet<>(o.unserved()));
  }

  /** An observation that failed (a fault, or the collection released between its reads): the file only. */
  synchronized void observeFailed(String collection, double invokeMs, String what, String code) {
    calls++;
    obsFailed++;
    lines.add("observe-failed", invokeMs, "collection", collection, "completeMs", HistoryLines.round(nowMs()), "read",
        what, "code", code);
  }

  synchronized void event(NodeEvent e) {
    events.add(e);
    lines.add("node", e.atMs(), "what", e.what(), "agent", e.agent(), "serverId", e.serverId());
  }

  synchronized void copies(CopySample s) {
    copies.add(s);
    calls++;
    lines.add("copies", s.atMs(), "collection", s.collection(), "doubled", new TreeMap<>(s.doubled()));
  }

  synchronized void finalLoad(FinalLoad f) {
    finals.add(f);
    calls++;
    lines.add("final", f.atMs(), "collection", f.collection(), "state", f.state());
  }

  synchronized void finalError(String what) {
    finalErrors.add(what);
    lines.add("final-failed", nowMs(), "error", what);
  }

  synchronized QueryCoordRecords records() {
    return new QueryCoordRecords(ops, observations, events, copies, finals, finalErrors, ttlMs);
  }

  synchronized List<String> lines() {
    return lines.copy();
  }

  synchronized long size() {
    return calls;
  }

  synchronized String summary() {
    Map<String, Integer> kinds = new TreeMap<>();
    events.forEach(e -> kinds.merge(e.what(), 1, Integer::sum));
    return String.format(java.util.Locale.ROOT, "ops %s; observations %s (%d failed, %d showing unserved "
        + "segments); node events %s", opOutcomes, obsKinds, obsFailed, unservedSeen, kinds);
  }
}
