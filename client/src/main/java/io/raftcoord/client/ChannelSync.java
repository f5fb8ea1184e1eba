package io.raftcoord.client;

import io.raftcoord.client.internal.Futures;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.datacoord.DataCoordReply;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A data node's sync: per syncing channel one {@link ChannelReport} (binlogs of the buffered
 * rows, flushed=true for every segment listed FLUSHING, the channel checkpoint), sent and its
 * reply accounted for; then RELEASE_SUCCESS for the channels it drained. Thread-safe (under the
 * shared state's lock).
 *
 * <p>Invariants: a report is built once and, after an unknown outcome, sent again identically
 * before anything new of its channel is reported; no report names a segment the coordinator does
 * not list as active on the channel (its rows are counted lost instead, since the report would be
 * refused whole); an acknowledged report's rows move from buffered to reported, a refused one's
 * to lost, in one critical section; a completion of an older generation changes no channel.
 */
final class ChannelSync {
  private static final Logger LOG = LoggerFactory.getLogger(DataNodeAgent.class);

  private final DataNodeState state;
  private final Object lock;
  private final CoordClient client;
  private final DataCoordClient dataCoord;
  /** Null: the node does not ingest (its reports are checkpoints and flushes only). */
  private final IngestTarget target;
  private final ChannelWatcher watcher;

  ChannelSync(DataNodeState state, CoordClient client, DataCoordClient dataCoord, IngestTarget target,
              ChannelWatcher watcher) {
    this.state = state;
    this.lock = state.lock;
    this.client = client;
    this.dataCoord = dataCoord;
    this.target = target;
    this.watcher = watcher;
  }

  /** Reports every syncing channel, then releases the drained ones. */
  CompletableFuture<Void> sync(long gen, Session sess) {
    synchronized (lock) {
      if (gen != state.generation || state.channels.values().stream().noneMatch(DataChannel::syncs)) {
        return CompletableFuture.completedFuture(null);
      }
    }
    return SyncView.take(client, dataCoord, sess.getServerId()).thenCompose(view -> report(gen, sess, view));
  }

  private CompletableFuture<Void> report(long gen, Session sess, SyncView view) {
    int idsNeeded = 0;
    synchronized (lock) {
      if (gen != state.generation) {
        return CompletableFuture.completedFuture(null);
      }
      for (DataChannel c : state.channels.values()) {
        if (c.syncs() && c.unacknowledged == null) {
          dropInactiveLocked(c, view.on(c.name));
          idsNeeded += logIdsFor(c);
        }
      }
    }
    CompletableFuture<IdRange> ids = idsNeeded == 0 ? CompletableFuture.completedFuture(new IdRange(0, 0))
        : client.ids().allocateAsync(idsNeeded);
    return ids.thenCompose(range -> send(gen, sess, view, range))
        .thenCompose(v -> watcher.releaseDrained(gen, sess));
  }

  private int logIdsFor(DataChannel c) {
    return target == null ? 0 : c.buffer.segmentIds().size() * target.fields().size();
  }

  /**
   * Drops the buffered rows of segments the coordinator does not list as active on one of this
   * node's channels: a report naming them would be refused whole (FAILED_PRECONDITION for a
   * flushed or dropped segment, STALE_EPOCH for another node's channel).
   */
  private void dropInactiveLocked(DataChannel c, Map<Long, Segment> listed) {
    for (Long id : List.copyOf(c.buffer.segmentIds())) {
      if (!listed.containsKey(id)) {
        long rows = c.buffer.drop(id);
        state.counters.rowsLost += rows;
        LOG.warn("data node {}: segment {} on {} is not among this node's active segments any more (flushed, "
            + "dropped, or the channel is someone else's now); {} buffered row(s) lost", state.serverId(), id,
            c.name, rows);
      }
    }
  }

  private CompletableFuture<Void> send(long gen, Session sess, SyncView view, IdRange ids) {
    List<ChannelReport> reports = new ArrayList<>();
    synchronized (lock) {
      if (gen != state.generation) {
        return CompletableFuture.completedFuture(null);
      }
      SessionRef ref = SessionClient.ref(sess);
      long[] next = {ids.start()};
      for (DataChannel c : state.channels.values()) {
        if (!c.syncs()) {
          continue;
        }
        if (c.unacknowledged == null) {
          dropInactiveLocked(c, view.on(c.name));
          if (next[0] + logIdsFor(c) > ids.end()) {
            continue;  // Not enough ids (cannot happen: nothing is buffered between plan and send); next sync.
          }
          c.unacknowledged = ChannelReport.build(ref, c.name, c.buffer.take(), view.on(c.name), target,
              () -> next[0]++, view.checkpointTs());
        }
        reports.add(c.unacknowledged);
      }
    }
    CompletableFuture<?>[] sends = reports.stream().map(r -> {
      CompletableFuture<DataCoordReply> call = r.checkpointOnly()
          ? dataCoord.saveCheckpointsAsync(r.message().getNode(), r.message().getCheckpointsList())
          : dataCoord.saveBinlogPathsAsync(r.message());
      return call.handle((reply, err) -> {
        acknowledged(gen, r, err);
        return null;
      });
    }).toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(sends);
  }

  private void acknowledged(long gen, ChannelReport r, Throwable err) {
    synchronized (lock) {
      DataNodeCounters counters = state.counters;
      DataChannel c = gen == state.generation ? state.channels.get(r.channel()) : null;
      if (c == null || c.unacknowledged != r) {
        // The channel was dropped (session lost, closed) while the report was on its way, and its
        // rows counted as lost; if it was applied after all, they are reported instead.
        if (err == null) {
          counters.rowsLost -= r.takenRows();
          countAcknowledgedLocked(r);
        }
        return;
      }
      if (err == null) {
        c.unacknowledged = null;
        countAcknowledgedLocked(r);
        return;
      }
      CoordException e = Futures.toCoord(err);
      counters.error(e.code());
      if (e.code() == ErrorCode.STALE_EPOCH) {
        state.fenceLocked(c, "report got STALE_EPOCH");
        state.channels.remove(c.name);
        state.checkReleasedLocked();
      } else if (e.outcomeUnknown()) {
        LOG.debug("data node {}: report of {} has an unknown outcome, sending it again next sync: {}",
            state.serverId(), c.name, e.toString());
      } else {
        counters.rowsLost += r.takenRows();
        c.unacknowledged = null;
        LOG.warn("data node {}: report of {} refused ({}); {} row(s) lost", state.serverId(), c.name, e.toString(),
            r.takenRows());
      }
    }
  }

  private void countAcknowledgedLocked(ChannelReport r) {
    DataNodeCounters counters = state.counters;
    counters.rowsReported += r.takenRows();
    counters.rowsFlushed += r.flushedRows();
    counters.segmentsFlushed += r.flushedSegments();
    counters.checkpoints++;
    if (!r.checkpointOnly()) {
      counters.reports++;
    }
  }
}
