package io.raftcoord.tools.sim;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.DataNodeAgent;
import io.raftcoord.client.DataNodeStats;
import io.raftcoord.client.NodeAgent;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Data nodes (datanode, streamingnode): one {@link DataNodeAgent} per node, which watches and
 * releases the channels DataCoord gives it, flushes what it seals, saves checkpoints and, with
 * {@code --ingest}, writes rows (R/N per node). A summary line of rows ingested, reported and
 * flushed every 3 s; at the end the nodes stop ingesting, report what they buffered, then stop
 * gracefully and deregister.
 */
final class DataNodeFleet {
  private final SimNodes opts;
  private final CoordClient client;
  private final PrintWriter out;
  private final AtomicLong lost = new AtomicLong();
  private final String db;
  private final String collection;
  /** The totals at the last summary line, and when: only the main thread prints summaries. */
  private DataNodeStats before = DataNodeStats.zero();
  private long beforeNanos;

  DataNodeFleet(SimNodes opts, CoordClient client, PrintWriter out) {
    this.opts = opts;
    this.client = client;
    this.out = out;
    String ingest = opts.ingest;
    int dot = ingest == null ? -1 : ingest.indexOf('.');
    this.db = dot > 0 ? ingest.substring(0, dot) : "";
    this.collection = dot > 0 ? ingest.substring(dot + 1) : ingest;
  }

  int run() throws InterruptedException {
    NodeAgent.Listener listener = SessionFleet.printer(out, opts.quiet, lost);
    String running = "simnodes: " + opts.count + " " + opts.role + " node(s) running; heartbeat every "
        + opts.heartbeatMs + " ms, sync every " + opts.syncMs + " ms"
        + (opts.ingest == null ? "" : ", ingesting " + opts.rowsPerS + " rows/s in total into " + opts.ingest)
        + opts.untilText();
    Fleet<DataNodeAgent> fleet = new Fleet<>(out, opts.count, opts.durationS, opts.printMs(3_000), true);
    beforeNanos = System.nanoTime();
    return fleet.run(n -> start(n, listener), "starting a data node failed", running, this::summary, this::close);
  }

  private DataNodeAgent start(int n, NodeAgent.Listener listener) {
    DataNodeAgent.Builder b = DataNodeAgent.builder(client, opts.address(n)).role(opts.role).version("sim")
        .capacity(opts.capacity).heartbeatInterval(Duration.ofMillis(opts.heartbeatMs)).listener(listener)
        .syncInterval(Duration.ofMillis(opts.syncMs)).batchInterval(Duration.ofMillis(opts.batchMs));
    opts.labels.forEach(b::label);
    if (collection != null) {
      b.ingest(db, collection).partition(opts.partition).rowsPerSecond(opts.rowsPerS / opts.count);
    }
    return b.start();
  }

  private String summary(List<DataNodeAgent> agents) {
    DataNodeStats now = total(agents);
    long nowNanos = System.nanoTime();
    String line = summary(agents.size(), now, before, (nowNanos - beforeNanos) / 1e9, lost.get());
    before = now;
    beforeNanos = nowNanos;
    return line;
  }

  private static DataNodeStats total(List<DataNodeAgent> agents) {
    DataNodeStats t = DataNodeStats.zero();
    for (DataNodeAgent a : agents) {
      t = t.plus(a.stats());
    }
    return t;
  }

  static String summary(int nodes, DataNodeStats now, DataNodeStats before, double seconds, long sessionsLost) {
    double s = Math.max(seconds, 1e-3);
    return String.format(Locale.ROOT, "simnodes: %d node(s), %d channel(s); rows ingested %d (%.0f/s), "
            + "reported %d, flushed %d (%.0f/s, %d segment(s)), buffered %d, lost %d; %d session(s) lost; errors %s",
        nodes, now.channels(), now.rowsIngested(), (now.rowsIngested() - before.rowsIngested()) / s,
        now.rowsReported(), now.rowsFlushed(), (now.rowsFlushed() - before.rowsFlushed()) / s, now.segmentsFlushed(),
        now.rowsBuffered(), now.rowsLost(), sessionsLost, now.errors().isEmpty() ? "none" : new TreeMap<>(
            now.errors()));
  }

  /**
   * Stops ingesting, reports what is buffered (waiting at most 10 s), then stops every node
   * gracefully and deregisters it. Does not wait for channels to move: every node stops at once,
   * so there is no node left to take them.
   */
  private void close(List<DataNodeAgent> agents) {
    CompletableFuture<?>[] idle = agents.stream().map(DataNodeAgent::stopIngest).toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(idle).get(10, TimeUnit.SECONDS);
      CompletableFuture.allOf(agents.stream().map(DataNodeAgent::syncNow).toArray(CompletableFuture[]::new))
          .get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      out.println("simnodes: not every node reported its buffered rows before stopping (" + e + ")");
    }
    DataNodeStats t = DataNodeStats.zero();
    for (DataNodeAgent a : agents) {
      try {
        a.stopGracefully();
      } catch (CoordException e) {
        // Already gone: close() below deregisters what is left.
      }
      a.close();
      t = t.plus(a.stats());
    }
    out.println("simnodes: " + agents.size() + " node(s) stopped and deregistered; rows ingested " + t.rowsIngested()
        + ", reported " + t.rowsReported() + ", flushed " + t.rowsFlushed() + ", lost " + t.rowsLost());
  }
}
