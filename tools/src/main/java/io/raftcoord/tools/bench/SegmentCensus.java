package io.raftcoord.tools.bench;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.internal.Futures;
import io.raftcoord.proto.datacoord.CollectionSelector;
import io.raftcoord.proto.datacoord.ListSegments;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentState;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CompletableFuture;

/** Segments by state of some collections, counted from paged lists (every state, DROPPED included). */
final class SegmentCensus {
  static final List<SegmentState> STATES = List.of(SegmentState.GROWING, SegmentState.SEALED, SegmentState.FLUSHING,
      SegmentState.FLUSHED, SegmentState.DROPPED, SegmentState.IMPORTING);
  private static final int PAGE = 10_000;

  private SegmentCensus() {}

  /** Counts by state of the collections' segments; up to 16 collections are listed at once. */
  static Map<SegmentState, Long> count(CoordClient client, List<Long> collectionIds) {
    Map<SegmentState, Long> out = new EnumMap<>(SegmentState.class);
    STATES.forEach(s -> out.put(s, 0L));
    for (int i = 0; i < collectionIds.size(); i += 16) {
      List<CompletableFuture<Map<SegmentState, Long>>> part = new ArrayList<>();
      for (long id : collectionIds.subList(i, Math.min(collectionIds.size(), i + 16))) {
        part.add(countFrom(client, id, 0, new EnumMap<>(SegmentState.class)));
      }
      part.forEach(f -> Futures.join(f).forEach((k, v) -> out.merge(k, v, Long::sum)));
    }
    return out;
  }

  /** Adds the collection's segments after {@code afterId} to {@code acc}, page by page. */
  private static CompletableFuture<Map<SegmentState, Long>> countFrom(CoordClient client, long collectionId, long afterId,
      Map<SegmentState, Long> acc) {
    return client.dataCoord().segmentsAsync(ListSegments.newBuilder()
        .setCollection(CollectionSelector.newBuilder().setId(collectionId)).addAllStates(STATES).setAfterId(afterId)
        .setLimit(PAGE).build()).thenCompose(page -> {
          long after = afterId;
          for (Segment s : page.getSegmentsList()) {
            acc.merge(s.getState(), 1L, Long::sum);
            after = s.getId();
          }
          return !page.getMore() || page.getSegmentsCount() == 0 ? CompletableFuture.completedFuture(acc)
              : countFrom(client, collectionId, after, acc);
        });
  }

  static long total(Map<SegmentState, Long> counts) {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  /** Segments finished: FLUSHED or DROPPED. */
  static long done(Map<SegmentState, Long> counts) {
    return counts.getOrDefault(SegmentState.FLUSHED, 0L) + counts.getOrDefault(SegmentState.DROPPED, 0L);
  }

  static String text(Map<SegmentState, Long> counts) {
    StringJoiner j = new StringJoiner(", ");
    counts.forEach((k, v) -> j.add(k.name() + " " + String.format(java.util.Locale.ROOT, "%,d", v)));
    return j.toString();
  }
}
