package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.QueryCoordWorkload.DB;
import static io.raftcoord.server.chaos.QueryCoordWorkload.MAIN;
import static io.raftcoord.server.chaos.QueryCoordWorkload.MAIN_REPLICAS;
import static io.raftcoord.server.chaos.QueryCoordWorkload.SETUP;
import static io.raftcoord.server.chaos.QueryCoordWorkload.SIDE;
import static io.raftcoord.server.chaos.QueryCoordWorkload.SIDE_REPLICAS;

import io.raftcoord.client.CoordClient;
import io.raftcoord.proto.querycoord.LoadState;
import io.raftcoord.server.chaos.QueryCoordRecords.Op;
import io.raftcoord.server.chaos.QueryCoordRecords.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * The querycoord workload's load and release calls: {@link QueryCoordWorkload#MAIN} and
 * {@link QueryCoordWorkload#SIDE} are loaded at setup, then SIDE is released and loaded again
 * every few seconds. Every call is one {@link Op} in the history with its outcome. SIDE counts as
 * loaded until a release of it is acknowledged or its outcome unknown, and as released until a
 * load of it is likewise, so a refused call is tried again the next round rather than flipped.
 */
final class QueryCoordLoader {
  private final QueryCoordHistory history;
  private final CoordClient ops;
  private final CoordClient admin;
  private final BooleanSupplier running;
  private volatile boolean sideLoaded;

  /** {@code ops}: the client of the calls; {@code admin}: the one that waits for them to take effect. */
  QueryCoordLoader(QueryCoordHistory history, CoordClient ops, CoordClient admin, BooleanSupplier running) {
    this.history = history;
    this.ops = ops;
    this.admin = admin;
    this.running = running;
  }

  /** Loads both collections (each retried until acknowledged), then waits, bounded, for them to be LOADED. */
  void loadAtSetup() {
    loadAtSetup(MAIN, MAIN_REPLICAS);
    loadAtSetup(SIDE, SIDE_REPLICAS);
    sideLoaded = true;
    BoundedWait.until("querycoord", () -> loaded(admin, MAIN) && loaded(admin, SIDE), Duration.ofSeconds(60),
        "the setup loads to reach LOADED");
  }

  private void loadAtSetup(String collection, int replicas) {
    long deadline = System.nanoTime() + SETUP.toNanos();
    while (load(collection, replicas) != Outcome.OK) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("querycoord: could not load " + collection + " within " + SETUP);
      }
      Steps.sleep(500);
    }
  }

  /** Every 3-6 s while running: release SIDE if it is loaded, else load it. */
  void loop(Random rnd) {
    while (WorkloadThreads.pause(running, 3000 + rnd.nextInt(3001))) {
      if (sideLoaded) {
        Outcome o = release(SIDE);
        sideLoaded = o == Outcome.REFUSED;
      } else {
        sideLoaded = load(SIDE, SIDE_REPLICAS) != Outcome.REFUSED;
      }
    }
  }

  private Outcome load(String collection, int replicas) {
    double inv = history.nowMs();
    try {
      ops.queryCoord().load(DB, collection, replicas, List.of());
      history.op(new Op("load", collection, replicas, inv, history.nowMs(), Outcome.OK, ""));
      return Outcome.OK;
    } catch (RuntimeException e) {
      Outcome o = outcome(e);
      history.op(new Op("load", collection, replicas, inv, history.nowMs(), o, CallErrors.code(e)));
      return o;
    }
  }

  private Outcome release(String collection) {
    double inv = history.nowMs();
    try {
      ops.queryCoord().release(DB, collection, List.of());
      history.op(new Op("release", collection, 0, inv, history.nowMs(), Outcome.OK, ""));
      return Outcome.OK;
    } catch (RuntimeException e) {
      Outcome o = outcome(e);
      history.op(new Op("release", collection, 0, inv, history.nowMs(), o, CallErrors.code(e)));
      return o;
    }
  }

  private static Outcome outcome(RuntimeException e) {
    return CallErrors.outcomeUnknown(e) ? Outcome.UNKNOWN : Outcome.REFUSED;
  }

  /** Whether {@code collection}'s load state reads LOADED (throws on a fault). */
  static boolean loaded(CoordClient client, String collection) {
    return client.queryCoord().loadState(DB, collection, false).getState() == LoadState.LOADED;
  }
}
