package io.raftcoord.statemachine.datatasks;

import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.proto.datatasks.PlanGc;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.LongFunction;
import java.util.function.LongPredicate;
import java.util.function.ToLongFunction;

/**
 * Milvus's metadata GC, per collection: a DROPPED segment is collected once it was dropped at
 * least {@code dropToleranceMs} ago, no open task holds it, every segment its rows went to (a
 * compaction's results) is indexed or itself dropped, and its checkpoint is at or below its
 * channel's (so a restarted data node never replays from it). One plan per channel, at most
 * {@code maxPerPlan} segments. Pure; segments in id order.
 */
final class GcPlanner {
  private GcPlanner() {}

  /**
   * @param segments the collection's segments, ascending by id
   * @param held whether an open task holds a segment
   * @param indexed whether a segment has every index of its collection built (true if none)
   * @param checkpointTs a channel's checkpoint timestamp ({@link Long#MAX_VALUE} for a channel
   *     that is gone with its collection)
   */
  static List<PlanGc> plan(long collectionId, Iterable<Segment> segments, long nowMs, long dropToleranceMs,
                           LongPredicate held, LongPredicate indexed, ToLongFunction<String> checkpointTs,
                           int maxPerPlan, int maxSegments) {
    Map<Long, Segment> byId = new HashMap<>();
    NavigableMap<Long, Segment> dropped = new TreeMap<>();
    Map<Long, List<Long>> resultsOf = new HashMap<>();
    for (Segment s : segments) {
      byId.put(s.getId(), s);
      if (s.getState() == SegmentState.DROPPED) {
        dropped.put(s.getId(), s);
      }
      for (long from : s.getCompactionFromList()) {
        resultsOf.computeIfAbsent(from, x -> new ArrayList<>()).add(s.getId());
      }
    }
    return plan(collectionId, dropped, id -> resultsOf.getOrDefault(id, List.of()), byId::get, nowMs, dropToleranceMs,
        held, indexed, checkpointTs, maxPerPlan, maxSegments);
  }

  /**
   * As above from the collection's DROPPED segments by id, the results each was compacted into and a
   * lookup of any segment: what it reads is the dropped segments, never the whole collection.
   */
  static List<PlanGc> plan(long collectionId, NavigableMap<Long, Segment> dropped, LongFunction<List<Long>> resultsOf,
                           LongFunction<Segment> segment, long nowMs, long dropToleranceMs, LongPredicate held,
                           LongPredicate indexed, ToLongFunction<String> checkpointTs, int maxPerPlan, int maxSegments) {
    Map<String, PlanGc.Builder> byChannel = new TreeMap<>();
    int taken = 0;
    for (Segment s : dropped.values()) {
      if (taken >= maxSegments) {
        break;
      }
      if (s.getState() != SegmentState.DROPPED || s.getDroppedMs() + dropToleranceMs > nowMs || held.test(s.getId())) {
        continue;
      }
      boolean resultsReady = true;
      for (long r : resultsOf.apply(s.getId())) {
        Segment result = segment.apply(r);
        if (result != null && result.getState() != SegmentState.DROPPED && !indexed.test(r)) {
          resultsReady = false;
        }
      }
      if (!resultsReady || s.hasDmlPosition() && s.getDmlPosition().getTimestamp() > checkpointTs.applyAsLong(s.getChannel())) {
        continue;
      }
      PlanGc.Builder p = byChannel.computeIfAbsent(s.getChannel(), c -> PlanGc.newBuilder().setCollectionId(collectionId)
          .setChannel(c));
      if (p.getSegmentsCount() < maxPerPlan) {
        p.addSegments(s.getId());
        taken++;
      }
    }
    return byChannel.values().stream().map(PlanGc.Builder::build).toList();
  }
}
