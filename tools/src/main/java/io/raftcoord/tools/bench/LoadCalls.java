package io.raftcoord.tools.bench;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.internal.Futures;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.querycoord.LoadState;
import io.raftcoord.proto.querycoord.LoadStateReply;
import java.util.List;
import java.util.function.Supplier;

/**
 * The load bench's QueryCoord calls on its collections in one database: a load timed until LOADED
 * and a release-and-drop that never throws (a failed drop is logged and leaves the collection
 * behind). Load and loadState go through {@link #retry}: on this busy machine a leader change
 * during a phase is likely and must not end the run.
 */
final class LoadCalls {
  static final long POLL_MS = 50;
  static final long LOAD_TIMEOUT_MS = 900_000;

  /**
   * One timed load: ms until LOADED, Raft entries committed meanwhile (-1 if unknown) and the
   * percent loaded after 1 s (-1 if LOADED sooner).
   */
  record Loaded(double loadMs, long entries, double percentAt1s) {}

  private final CoordClient client;
  private final String db;
  private final BenchOutput out;

  LoadCalls(CoordClient client, String db, BenchOutput out) {
    this.client = client;
    this.db = db;
    this.out = out;
  }

  /** load(replicas) until LOADED, polling every 50 ms. */
  Loaded timeLoad(String name, int replicas) {
    long commit0 = Bench.maxCommitIndex(client);
    long t0 = System.nanoTime();
    retry(() -> client.queryCoord().load(db, name, replicas, List.of()));
    double pct1s = -1;
    while (true) {
      LoadStateReply r = retry(() -> client.queryCoord().loadState(db, name, false));
      long el = System.nanoTime() - t0;
      if (r.getState() == LoadState.LOADED) {
        double ms = el / 1e6;
        long commit1 = Bench.maxCommitIndex(client);
        return new Loaded(ms, commit0 < 0 || commit1 < 0 ? -1 : commit1 - commit0, pct1s);
      }
      if (pct1s < 0 && el > 1_000_000_000L) {
        pct1s = retry(() -> client.queryCoord().loadState(db, name, true)).getPercent();
      }
      if (r.getState() == LoadState.NOT_LOAD || el > LOAD_TIMEOUT_MS * 1_000_000) {
        throw new IllegalStateException(name + " not LOADED after " + el / 1_000_000 + " ms (state " + r.getState()
            + ", " + client.queryCoord().loadState(db, name, true).getPercent() + "%)");
      }
      ClosedLoop.sleepQuietly(POLL_MS);
    }
  }

  void dropQuietly(String name) {
    try {
      client.queryCoord().release(db, name, List.of());
      Futures.join(client.catalog().dropCollectionAsync(db, name));
    } catch (RuntimeException e) {
      out.log("load: dropping %s failed: %s", name, e.toString());
    }
  }

  /** Calls {@code call}, again on UNAVAILABLE or DEADLINE_EXCEEDED (a leader change on this busy machine), up to 20 times. */
  static <T> T retry(Supplier<T> call) {
    for (int i = 0; ; i++) {
      try {
        return call.get();
      } catch (CoordException e) {
        if (i >= 20 || (e.code() != ErrorCode.UNAVAILABLE && e.code() != ErrorCode.DEADLINE_EXCEEDED)) {
          throw e;
        }
        ClosedLoop.sleepQuietly(200);
      }
    }
  }
}
