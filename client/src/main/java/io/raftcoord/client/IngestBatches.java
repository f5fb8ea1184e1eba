package io.raftcoord.client;

import io.raftcoord.proto.datacoord.DataCoordReply;
import io.raftcoord.proto.datacoord.SegmentAssignment;
import io.raftcoord.proto.datacoord.SegmentRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A data node's ingest batches: per batch the rows owed at the set rate, spread over its WATCHED
 * channels of the target collection, one TSO timestamp and one {@code assign}, the assigned rows
 * buffered by segment. Thread-safe (under the shared state's lock).
 *
 * <p>Invariants: rows are buffered only on a channel that is still WATCHED in the batch's
 * generation; every assigned row is counted ingested and, in the same critical section, either
 * buffered or lost; the timestamp is taken before the assign, so a sync's checkpoint taken after
 * the batch is above every row of it.
 */
final class IngestBatches {
  private final DataNodeState state;
  private final Object lock;
  private final CoordClient client;
  private final DataCoordClient dataCoord;
  /** Null: the node does not ingest. */
  private final IngestTarget target;
  private final IngestRate rate;

  IngestBatches(DataNodeState state, CoordClient client, DataCoordClient dataCoord, IngestTarget target,
                double rowsPerSecond) {
    this.state = state;
    this.lock = state.lock;
    this.client = client;
    this.dataCoord = dataCoord;
    this.target = target;
    this.rate = new IngestRate(rowsPerSecond);
  }

  boolean ingestingLocked() {
    return target != null && rate.rowsPerSecond() > 0;
  }

  void rowsPerSecondLocked(double rows) {
    rate.set(rows);
  }

  /** Writes the rows owed now; completes once they are buffered (or counted lost). */
  CompletableFuture<Void> batch(long gen) {
    List<SegmentRequest> requests = new ArrayList<>();
    synchronized (lock) {
      if (gen != state.generation || target == null) {
        return CompletableFuture.completedFuture(null);
      }
      List<DataChannel> open = new ArrayList<>();
      for (DataChannel c : state.channels.values()) {
        if (c.state == DataChannel.State.WATCHED && c.collectionId == target.collectionId()) {
          open.add(c);
        }
      }
      long rows = rate.take(System.nanoTime(), !open.isEmpty());
      if (rows == 0) {
        return CompletableFuture.completedFuture(null);
      }
      long[] split = IngestRate.split(rows, open.size());
      for (int i = 0; i < split.length; i++) {
        if (split[i] > 0) {
          requests.add(SegmentRequest.newBuilder().setCollectionId(target.collectionId())
              .setPartitionId(target.partitionId()).setChannel(open.get(i).name).setRows(split[i]).build());
        }
      }
    }
    return client.tso().nextAsync().thenCompose(ts -> dataCoord.assignAsync(requests)
        .thenAccept(reply -> assigned(gen, ts, requests, reply)));
  }

  private void assigned(long gen, long ts, List<SegmentRequest> requests, DataCoordReply reply) {
    synchronized (lock) {
      DataNodeCounters counters = state.counters;
      counters.allocations++;
      for (SegmentAssignment a : reply.getAssignmentsList()) {
        if (a.getRows() <= 0) {
          continue;
        }
        counters.rowsIngested += a.getRows();
        DataChannel c = gen == state.generation ? state.channels.get(requests.get(a.getRequest()).getChannel()) : null;
        if (c == null || c.state != DataChannel.State.WATCHED) {
          // The channel went while the batch was assigned: its rows have nowhere to go.
          counters.rowsLost += a.getRows();
        } else {
          c.buffer.add(a.getSegmentId(), a.getRows(), ts);
        }
      }
    }
  }
}
