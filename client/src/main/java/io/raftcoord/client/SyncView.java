package io.raftcoord.client;

import io.raftcoord.proto.datacoord.ListSegments;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentList;
import io.raftcoord.proto.datacoord.SegmentState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * What a data node's sync starts from: its active (GROWING, SEALED, FLUSHING) segments by
 * channel as the coordinator lists them, and the sync's checkpoint timestamp.
 *
 * <p>Invariant: the checkpoint timestamp is taken when the sync starts, after every buffered batch
 * got its own (one step at a time), so every row received below it is buffered by then and goes
 * into this sync's reports.
 */
record SyncView(Map<String, Map<Long, Segment>> byChannel, long checkpointTs) {
  private static final List<SegmentState> ACTIVE = List.of(SegmentState.GROWING, SegmentState.SEALED,
      SegmentState.FLUSHING);

  /** The active segments of {@code channel} by id (empty if none). */
  Map<Long, Segment> on(String channel) {
    return byChannel.getOrDefault(channel, Map.of());
  }

  /** Lists the active segments of node {@code nodeId} and takes the checkpoint timestamp. */
  static CompletableFuture<SyncView> take(CoordClient client, DataCoordClient dataCoord, long nodeId) {
    CompletableFuture<Map<String, Map<Long, Segment>>> listed = listActive(dataCoord, nodeId, 0, new HashMap<>());
    CompletableFuture<Long> ts = client.tso().nextAsync();
    return listed.thenCombine(ts, SyncView::new);
  }

  /** The node's active segments by channel (paged). */
  private static CompletableFuture<Map<String, Map<Long, Segment>>> listActive(
      DataCoordClient dataCoord, long nodeId, long afterId, Map<String, Map<Long, Segment>> into) {
    return dataCoord.segmentsAsync(ListSegments.newBuilder().setNodeId(nodeId).addAllStates(ACTIVE)
        .setAfterId(afterId).build()).thenCompose((SegmentList page) -> {
          long last = afterId;
          for (Segment s : page.getSegmentsList()) {
            into.computeIfAbsent(s.getChannel(), k -> new TreeMap<>()).put(s.getId(), s);
            last = Math.max(last, s.getId());
          }
          if (page.getMore() && page.getSegmentsCount() > 0) {
            return listActive(dataCoord, nodeId, last, into);
          }
          return CompletableFuture.completedFuture(into);
        });
  }
}
