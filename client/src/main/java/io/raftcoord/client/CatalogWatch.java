package io.raftcoord.client;

import io.raftcoord.client.internal.Futures;
import io.raftcoord.client.internal.QueryPipeline;
import io.raftcoord.client.internal.RaftTransport;
import io.raftcoord.proto.ChangeEvent;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.QueryBatch;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.WatchQuery;
import io.raftcoord.proto.WatchReply;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A running watch of the catalog's change feed: long-polls from its next revision and hands
 * each reply's events, in revision order, to a {@link Listener} on the watch's own thread.
 * Invariants: every matching change is delivered exactly once and in order, also across leader
 * changes, reconnects and retries, because the next poll always starts at the revision the
 * last reply said to continue from; a COMPACTED answer ends the watch (the caller re-lists).
 */
public final class CatalogWatch implements AutoCloseable {
  /** Receives a watch's events; called on the watch's thread, one call at a time. */
  public interface Listener {
    /** Events (possibly none) from one poll; {@code nextRevision} is where the watch continues. */
    void onEvents(List<ChangeEvent> events, long nextRevision);

    /** The watch's revision is no longer retained; the watch has ended. */
    default void onCompacted(CoordException e) { }

    /** A poll failed (e.g. no leader for a while); the watch retries from the same revision. */
    default void onError(CoordException e) { }
  }

  /** Pause after a failed poll, so that an unreachable quorum is not polled in a tight loop. */
  static final long RETRY_PAUSE_MS = 200;
  static final int POLL_TIMEOUT_MS = 1000;

  private final RaftTransport transport;
  private final WatchQuery base;
  private final Listener listener;
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "raftcoord-catalog-watch");
    t.setDaemon(true);
    return t;
  });
  private volatile long nextRevision;
  private volatile boolean closed;

  private CatalogWatch(RaftTransport transport, WatchQuery base, Listener listener) {
    this.transport = transport;
    this.base = base;
    this.listener = listener;
    this.nextRevision = base.getFromRevision();
  }

  static CatalogWatch start(RaftTransport transport, WatchQuery filter, Listener listener) {
    CatalogWatch w = new CatalogWatch(transport, filter, listener);
    w.thread.execute(w::poll);
    return w;
  }

  /** The revision the next poll starts from (0 until the first reply when watching "from now"). */
  public long nextRevision() {
    return nextRevision;
  }

  private void poll() {
    if (closed) {
      return;
    }
    WatchQuery q = base.toBuilder().setFromRevision(nextRevision).setTimeoutMs(POLL_TIMEOUT_MS).build();
    byte[] bytes = QueryBatch.newBuilder().addQueries(Query.newBuilder().setWatch(q)).build().toByteArray();
    transport.longPoll(bytes).whenCompleteAsync((reply, err) -> handle(reply, err), thread);
  }

  private void handle(byte[] bytes, Throwable err) {
    if (closed) {
      return;
    }
    QueryReply r;
    try {
      if (err != null) {
        throw Futures.toCoord(err);
      }
      r = QueryPipeline.parse(bytes, 1).get(0);
    } catch (CoordException e) {
      listener.onError(e);
      thread.schedule(this::poll, RETRY_PAUSE_MS, TimeUnit.MILLISECONDS);
      return;
    }
    if (r.getCode() == ErrorCode.COMPACTED) {
      closed = true;
      listener.onCompacted(new CoordException(r.getCode(), r.getMessage()));
      thread.shutdown();
      return;
    }
    if (r.getCode() != ErrorCode.OK) {
      listener.onError(new CoordException(r.getCode(), r.getMessage()));
      thread.schedule(this::poll, RETRY_PAUSE_MS, TimeUnit.MILLISECONDS);
      return;
    }
    WatchReply w = r.getWatch();
    // Only move forward: a reply from a replica that is behind (possible only across a
    // snapshot install) must not make the watch repeat revisions it already delivered.
    long next = Math.max(nextRevision, w.getNextRevision());
    List<ChangeEvent> fresh = w.getEventsList().stream().filter(e -> e.getRevision() >= nextRevision).toList();
    nextRevision = next;
    try {
      listener.onEvents(fresh, next);
    } finally {
      poll();
    }
  }

  public boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    closed = true;
    thread.shutdownNow();
  }
}
