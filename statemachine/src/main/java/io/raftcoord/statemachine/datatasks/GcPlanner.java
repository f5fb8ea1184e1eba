package io.raftcoord.statemachine.datatasks;

import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.proto.datatasks.PlanGc;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.LongFunction;
import java.util.function.LongPredicate;
import java.util.function.ToLongFunction;

/**
 * Milvus's metadata GC, per collection: a DROPPED segment is collected once it was dropped at
 * least {@code dropToleranceMs} ago, no open task holds it, every segment its rows went to (a
 * compaction's results) is indexed or itself dropped, and its checkpoint is at or below its
 * channel's (so a restarted data node never replays from it). One plan per channel, at most
 * {@code maxPerPlan} segments, and at most {@code maxSegments} in all. Pure; segments in id order.
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
    SortedMap<String, NavigableMap<Long, Segment>> dropped = new TreeMap<>();
    Map<Long, List<Long>> resultsOf = new HashMap<>();
    for (Segment s : segments) {
      byId.put(s.getId(), s);
      if (s.getState() == SegmentState.DROPPED) {
        dropped.computeIfAbsent(s.getChannel(), c -> new TreeMap<>()).put(s.getId(), s);
      }
      for (long from : s.getCompactionFromList()) {
        resultsOf.computeIfAbsent(from, x -> new ArrayList<>()).add(s.getId());
      }
    }
    return plan(collectionId, dropped, id -> resultsOf.getOrDefault(id, List.of()), byId::get, nowMs, dropToleranceMs,
        held, indexed, checkpointTs, maxPerPlan, maxSegments);
  }

  /**
   * As above from the collection's DROPPED segments by channel, then id, the results each was
   * compacted into and a lookup of any segment: what it reads is the dropped segments, never the
   * whole collection, and of a channel only until its plan is full (the channels are merged in id
   * order, and a full one leaves the merge).
   */
  static List<PlanGc> plan(long collectionId, SortedMap<String, NavigableMap<Long, Segment>> droppedByChannel,
                           LongFunction<List<Long>> resultsOf, LongFunction<Segment> segment, long nowMs,
                           long dropToleranceMs, LongPredicate held, LongPredicate indexed,
                           ToLongFunction<String> checkpointTs, int maxPerPlan, int maxSegments) {
    Map<String, PlanGc.Builder> byChannel = new TreeMap<>();
    PriorityQueue<Cursor> merge = new PriorityQueue<>(Comparator.comparingLong((Cursor c) -> c.head.getId()));
    droppedByChannel.forEach((channel, segments) -> Cursor.first(channel, segments).ifPresent(merge::add));
    int taken = 0;
    while (taken < maxSegments && !merge.isEmpty()) {
      Cursor c = merge.poll();
      Segment s = c.head;
      if (collectable(s, resultsOf, segment, nowMs, dropToleranceMs, held, indexed, checkpointTs)) {
        PlanGc.Builder p = byChannel.computeIfAbsent(c.channel, ch -> PlanGc.newBuilder().setCollectionId(collectionId)
            .setChannel(ch));
        p.addSegments(s.getId());
        taken++;
        if (p.getSegmentsCount() >= maxPerPlan) {
          continue; // the channel's plan is full: the rest of it waits for the next round
        }
      }
      if (c.advance()) {
        merge.add(c);
      }
    }
    return byChannel.values().stream().map(PlanGc.Builder::build).toList();
  }

  private static boolean collectable(Segment s, LongFunction<List<Long>> resultsOf, LongFunction<Segment> segment,
                                     long nowMs, long dropToleranceMs, LongPredicate held, LongPredicate indexed,
                                     ToLongFunction<String> checkpointTs) {
    if (s.getState() != SegmentState.DROPPED || s.getDroppedMs() + dropToleranceMs > nowMs || held.test(s.getId())) {
      return false;
    }
    for (long r : resultsOf.apply(s.getId())) {
      Segment result = segment.apply(r);
      if (result != null && result.getState() != SegmentState.DROPPED && !indexed.test(r)) {
        return false;
      }
    }
    return !s.hasDmlPosition() || s.getDmlPosition().getTimestamp() <= checkpointTs.applyAsLong(s.getChannel());
  }

  /** One channel's place in the merge: its segments in id order and the one at the head. */
  private static final class Cursor {
    final String channel;
    final Iterator<Segment> rest;
    Segment head;

    private Cursor(String channel, Iterator<Segment> rest, Segment head) {
      this.channel = channel;
      this.rest = rest;
      this.head = head;
    }

    static Optional<Cursor> first(String channel, NavigableMap<Long, Segment> segments) {
      Iterator<Segment> it = segments.values().iterator();
      return it.hasNext() ? Optional.of(new Cursor(channel, it, it.next())) : Optional.empty();
    }

    boolean advance() {
      if (!rest.hasNext()) {
        return false;
      }
      head = rest.next();
      return true;
    }
  }
}
