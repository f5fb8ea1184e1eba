package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.QueryCoordWorkload.DB;
import static io.raftcoord.server.chaos.QueryCoordWorkload.MAIN;

import io.raftcoord.client.CoordClient;
import io.raftcoord.proto.datacoord.DataCoordReply;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * Flushes {@link QueryCoordWorkload#MAIN} every few seconds while its data node ingests, so that
 * new flushed segments keep joining its next target and QueryCoord keeps moving targets under the
 * faults. A flush is fire-and-forget: it is recorded as a setup line (with its segments, or the
 * error), and nothing waits for it to complete.
 */
final class QueryCoordFlusher {
  private final QueryCoordHistory history;
  private final CoordClient admin;
  private final BooleanSupplier running;
  private volatile long flushes;

  QueryCoordFlusher(QueryCoordHistory history, CoordClient admin, BooleanSupplier running) {
    this.history = history;
    this.admin = admin;
    this.running = running;
  }

  /** Acknowledged flushes so far. */
  long flushes() {
    return flushes;
  }

  /** Every 2-4 s while running: a flush of MAIN. */
  void loop(Random rnd) {
    while (WorkloadThreads.pause(running, 2000 + rnd.nextInt(2001))) {
      double inv = history.nowMs();
      try {
        DataCoordReply r = admin.dataCoord().flush(DB, MAIN);
        flushes++;
        history.setup("flush", "invokeMs", HistoryLines.round(inv), "segments", r.getSegmentIdsList());
      } catch (RuntimeException e) {
        history.setup("flush", "invokeMs", HistoryLines.round(inv), "error", CallErrors.code(e));
      }
    }
  }
}
