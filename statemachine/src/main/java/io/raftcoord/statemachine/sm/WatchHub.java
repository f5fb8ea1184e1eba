package io.raftcoord.statemachine.sm;

import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.WatchQuery;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Long-polls on the change feed: a watch with nothing to return is parked until an applied
 * entry changes the catalog at or after its revision, or until its timeout passes; then it is
 * answered from the feed like any read. Invariants: a waiter is registered before its first
 * evaluation, so a change applied in between is never missed; the apply thread only enqueues
 * work here, it never evaluates a watch itself.
 */
final class WatchHub implements AutoCloseable {
  /** Longest a watch is held: below the client's per-attempt RPC timeout (2 s). */
  static final int MAX_TIMEOUT_MS = 1000;

  private final Supplier<CoordState> state;
  private final Set<Waiter> waiters = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "raftcoord-watch");
    t.setDaemon(true);
    return t;
  });

  WatchHub(Supplier<CoordState> state) {
    this.state = state;
  }

  private static final class Waiter {
    private volatile WatchQuery query;
    private final CompletableFuture<QueryReply> future = new CompletableFuture<>();

    Waiter(WatchQuery query) {
      this.query = query;
    }
  }

  CompletableFuture<QueryReply> watch(WatchQuery q) {
    CoordState s = state.get();
    if (q.getFromRevision() <= 0 && s != null) {
      // Fix "now" before registering, so a change applied in between is not skipped.
      q = q.toBuilder().setFromRevision(s.appliedIndex() + 1).build();
    }
    Waiter w = new Waiter(q);
    int timeout = Math.min(Math.max(q.getTimeoutMs(), 0), MAX_TIMEOUT_MS);
    if (timeout > 0) {
      waiters.add(w);
    }
    evaluate(w, timeout == 0);
    if (!w.future.isDone()) {
      executor.schedule(() -> evaluate(w, true), timeout, TimeUnit.MILLISECONDS);
    }
    return w.future;
  }

  /** An entry at {@code revision} changed the catalog. */
  void changed(long revision) {
    if (!waiters.isEmpty()) {
      executor.execute(() -> {
        for (Waiter w : waiters) {
          if (w.query.getFromRevision() <= revision) {
            evaluate(w, false);
          }
        }
      });
    }
  }

  private void evaluate(Waiter w, boolean last) {
    if (w.future.isDone()) {
      waiters.remove(w);
      return;
    }
    CoordState s = state.get();
    QueryReply r = s == null
        ? QueryReply.newBuilder().setCode(ErrorCode.UNAVAILABLE).setMessage("replica is restoring a snapshot").build()
        : s.watch(w.query);
    if (last || r.getCode() != ErrorCode.OK || r.getWatch().getEventsCount() > 0) {
      waiters.remove(w);
      w.future.complete(r);
    } else {
      // "From now" becomes a fixed revision, so that changes after this point are not skipped.
      w.query = w.query.toBuilder().setFromRevision(r.getWatch().getNextRevision()).build();
    }
  }

  @Override
  public void close() {
    executor.shutdownNow();
    for (Waiter w : waiters) {
      w.future.complete(QueryReply.newBuilder().setCode(ErrorCode.UNAVAILABLE).setMessage("replica is closing").build());
    }
    waiters.clear();
  }
}
