package io.raftcoord.tools.bench;

import com.google.gson.JsonObject;
import io.raftcoord.client.CoordClient;
import io.raftcoord.proto.datacoord.DataCoordSettings;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.tools.cli.Output;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bench.sh segments}: a closed loop of mixed segment operations ({@link SegmentOps}) against
 * N simulated data nodes that watch every channel of the bench's own collections and run the
 * lifecycle ({@link SegmentLifecycle}). For the run max_segment_bytes is shrunk so that segments
 * seal and flush within the window; afterwards it is put back, the nodes deregister and the
 * collections are dropped (unless --keep).
 */
final class SegmentsBench {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentsBench.class);

  private final Bench opts;
  private final CoordClient client;
  private final SegmentsPlan plan;
  private final long deadlineMs;
  private final String tag = "seg" + Long.toString(System.currentTimeMillis(), 36);

  SegmentsBench(Bench opts, CoordClient client, SegmentsPlan plan, long deadlineMs) {
    this.opts = opts;
    this.client = client;
    this.plan = plan;
    this.deadlineMs = deadlineMs;
  }

  int run() {
    DataCoordSettings before = client.dataCoord().settings();
    Thread restoreOnExit = new Thread(() -> restore(before), "bench-restore-datacoord-settings");
    Runtime.getRuntime().addShutdownHook(restoreOnExit);
    DataCoordSettings during = client.dataCoord().setSettings(DataCoordSettings.newBuilder()
        .setMaxSegmentBytes(plan.maxSegmentBytes()).build());
    log("segments: for the run, max_segment_bytes %,d -> %,d (max rows %,d at %d bytes per row, sealed from ~%,d rows)",
        before.getMaxSegmentBytes(), during.getMaxSegmentBytes(), maxRows(during), SegmentCollections.ROW_BYTES,
        Math.round(maxRows(during) * during.getSealProportionPermille() / 1000.0));
    List<SegmentCollections.Coll> colls = List.of();
    DataNodeSessions nodes = null;
    try {
      List<String> names = new ArrayList<>();
      for (int i = 0; i < plan.collections(); i++) {
        names.add(tag + "_" + i);
      }
      // The nodes first, so that the channel duty spreads the new channels over all of them.
      nodes = DataNodeSessions.start(client, plan.nodes(), tag, opts.err);
      ClosedLoop.sleepQuietly(DataNodeSessions.SETTLE_MS);
      colls = SegmentCollections.create(client, plan.db(), names, plan.shards(), opts.err);
      runWith(colls, nodes);
    } finally {
      restore(before);
      try {
        Runtime.getRuntime().removeShutdownHook(restoreOnExit);
      } catch (IllegalStateException e) {
        // shutting down already
      }
      if (nodes != null) {
        log("segments: deregistering the data nodes");
        nodes.close();
      }
      if (!plan.keep() && !colls.isEmpty()) {
        SegmentCollections.drop(client, plan.db(), colls, opts.err);
      }
    }
    return 0;
  }

  static long maxRows(DataCoordSettings s) {
    return Math.max(1, s.getMaxSegmentBytes() / SegmentCollections.ROW_BYTES);
  }

  private void runWith(List<SegmentCollections.Coll> colls, DataNodeSessions nodes) {
    SegmentBook book = new SegmentBook(colls);
    Set<String> channels = new HashSet<>();
    colls.forEach(c -> channels.addAll(c.channels()));
    List<Long> ids = colls.stream().map(SegmentCollections.Coll::id).toList();
    try (ChannelOwners owners = new ChannelOwners(client, nodes, channels, name -> release(book, name), 500);
         TsClock clock = new TsClock(client, 100)) {
      int ready = owners.awaitAll(60_000);
      long owning = owners.owning();
      log("segments: %d of %d channels watched, by %d of %d data nodes", ready, channels.size(), owning, nodes.size());
      if (ready == 0) {
        throw new IllegalStateException("no channel of the bench collections was assigned to the data nodes within 60 s"
            + " (is the datacoord-channels duty running on the leader?)");
      }
      LogIds logIds = new LogIds(client, 1 << 20);
      try (SegmentLifecycle lifecycle = new SegmentLifecycle(client, book, owners, logIds, clock, 1000);
           FlushTracker flushes = new FlushTracker(client, 250)) {
        KindStats<SegmentOps.Kind> stats = new KindStats<>(SegmentOps.Kind.class);
        SegmentOps ops = new SegmentOps(client, plan.db(), book, owners, logIds, clock, plan.rowsPerAssign(), plan.mix(),
            stats, flushes::track);
        printHeader(colls.size(), channels.size());
        if (plan.warmupMs() > 0) {
          warmUp(ops, stats, book);
        }
        for (int c : plan.concurrency()) {
          point(c, ops, stats, lifecycle, flushes, ids, book);
        }
        Map<SegmentState, Long> end = SegmentCensus.count(client, ids);
        if (opts.json) {
          JsonObject o = new JsonObject();
          o.addProperty("workload", "segments");
          o.addProperty("phase", "end");
          o.add("segmentsByState", SegmentsOutput.statesJson(end));
          opts.out.println(Output.json(o));
        } else {
          opts.out.println("# segments of the bench collections at the end: " + SegmentCensus.text(end));
        }
        opts.out.flush();
      }
    }
  }

  private void release(SegmentBook book, String channel) {
    SegmentBook.Channel ch = book.channel(channel);
    if (ch == null) {
      return;
    }
    ch.begin();
    try {
      long lost = ch.forgetAll();
      LOG.info("channel {} released; {} rows never reported", channel, lost);
    } finally {
      ch.end();
    }
  }

  private void printHeader(int collections, int channels) {
    if (opts.json) {
      return;
    }
    opts.out.printf(Locale.ROOT, "# segments: %d data nodes (NodeAgents on one client), %d collections x %d shards = %d"
            + " channels; mix %s; %d rows per assign; max_segment_bytes %,d during the run; peers %s%n", plan.nodes(),
        collections, plan.shards(), channels, plan.mixText(), plan.rowsPerAssign(), plan.maxSegmentBytes(), opts.peers());
    opts.out.printf(Locale.ROOT, "# %.0f s warm-up at C=%d, then per point %.0f s settle + %.0f s measured; figures of"
            + " the closed loop's calls only (the nodes' flushed reports and checkpoints run beside it)%n",
        plan.warmupMs() / 1000.0, maxConcurrency(), plan.settleMs() / 1000.0, plan.durationMs() / 1000.0);
    opts.out.flush();
  }

  private int maxConcurrency() {
    return plan.concurrency().stream().max(Integer::compare).orElseThrow();
  }

  private void warmUp(SegmentOps ops, KindStats<SegmentOps.Kind> stats, SegmentBook book) {
    int c = maxConcurrency();
    log("segments: warm-up %d s at C=%d", plan.warmupMs() / 1000, c);
    ClosedLoop loop = new ClosedLoop(c, ops, null).start();
    try {
      long end = System.nanoTime() + plan.warmupMs() * 1_000_000;
      long elapsedMs = 0;
      while (System.nanoTime() < end) {
        long step = Math.min(10_000, (end - System.nanoTime()) / 1_000_000);
        ClosedLoop.sleepQuietly(Math.max(1, step));
        elapsedMs += step;
        ClosedLoop.Interval iv = loop.sample();
        stats.sample();
        log("warm-up %3d s: %s ops/s, p99 %s ms%s; %,d segments tracked", Math.round(elapsedMs / 1000.0),
            Stats.rate(Stats.ratio(iv.ops(), iv.nanos() / 1e9)), Stats.ms(iv.latencyUs().getValueAtPercentile(99)),
            iv.errorCount() > 0 ? ", errors " + iv.errors() : "", book.tracked());
      }
    } finally {
      loop.stopOrFail(deadlineMs + 5_000, "the warm-up");
    }
  }

  private void point(int c, SegmentOps ops, KindStats<SegmentOps.Kind> stats, SegmentLifecycle lifecycle,
      FlushTracker flushes, List<Long> ids, SegmentBook book) {
    ClosedLoop loop = new ClosedLoop(c, ops, null).start();
    try {
      ClosedLoop.sleepQuietly(plan.settleMs());
      long term0 = leaderTerm();
      Map<SegmentState, Long> census0 = SegmentCensus.count(client, ids);
      long s0 = System.nanoTime();
      long commit0 = Bench.maxCommitIndex(client);
      long m0 = (s0 + System.nanoTime()) / 2;
      long cmd0 = client.commandsSent();
      long b0 = client.batchesSent();
      loop.reset();
      stats.sample();
      lifecycle.sample();
      flushes.sample();
      ClosedLoop.sleepQuietly(plan.durationMs());
      ClosedLoop.Interval iv = loop.sample();
      Map<SegmentOps.Kind, KindStats.Interval> kinds = stats.sample();
      SegmentLifecycle.Counts nodeCounts = lifecycle.sample();
      FlushTracker.Counts flushCounts = flushes.sample();
      long cmd1 = client.commandsSent();
      long b1 = client.batchesSent();
      long s1 = System.nanoTime();
      long commit1 = Bench.maxCommitIndex(client);
      long m1 = (s1 + System.nanoTime()) / 2;
      Map<SegmentState, Long> census1 = SegmentCensus.count(client, ids);
      long term1 = leaderTerm();
      if (term0 < 0 || term1 != term0) {
        log("segments: the leader changed during the point at C=%d (term %d -> %d): its latencies include an election",
            c, term0, term1);
      }
      long entries = commit0 < 0 || commit1 < 0 ? -1 : commit1 - commit0;
      var h = iv.latencyUs();
      boolean empty = h.getTotalCount() == 0;
      PointResult r = new PointResult("segments", c, Stats.parseOnOff("--batching", opts.batching), false, 1,
          iv.nanos(), iv.ops(), iv.items(), empty ? 0 : h.getValueAtPercentile(50), empty ? 0 : h.getValueAtPercentile(99),
          empty ? 0 : h.getValueAtPercentile(99.9), empty ? 0 : h.getMaxValue(), empty ? 0 : h.getMean(), entries,
          m1 - m0, cmd1 - cmd0, b1 - b0, iv.errors());
      SegmentsOutput.Lifecycle life = new SegmentsOutput.Lifecycle(
          SegmentCensus.total(census1) - SegmentCensus.total(census0),
          SegmentCensus.done(census1) - SegmentCensus.done(census0), nodeCounts, flushCounts, iv.nanos() / 1e9,
          book.pendingRows());
      print(r, kinds, life, census1);
    } finally {
      loop.stopOrFail(deadlineMs + 5_000, "the point at C=" + c);
    }
  }

  private void print(PointResult r, Map<SegmentOps.Kind, KindStats.Interval> kinds, SegmentsOutput.Lifecycle life,
      Map<SegmentState, Long> census) {
    double seconds = r.seconds();
    if (opts.json) {
      JsonObject o = r.toJsonObject();
      JsonObject k = new JsonObject();
      kinds.forEach((kind, iv) -> k.add(kind.label(), SegmentsOutput.kindJson(iv, seconds)));
      o.add("kinds", k);
      o.add("lifecycle", SegmentsOutput.lifecycleJson(life));
      o.add("segmentsByState", SegmentsOutput.statesJson(census));
      opts.out.println(Output.json(o));
    } else {
      opts.out.println(String.format(Locale.ROOT, Bench.ROW, (Object[]) PointResult.header("segops")));
      opts.out.println(String.format(Locale.ROOT, Bench.ROW, (Object[]) r.row()));
      SegmentsOutput.kindLines(kinds, seconds).forEach(opts.out::println);
      opts.out.println(SegmentsOutput.lifecycleText(life));
      opts.out.println("  segments of the bench collections after the point: " + SegmentCensus.text(census));
    }
    opts.out.flush();
  }

  /** The current leader's term from the admin /status, or -1. */
  private long leaderTerm() {
    AdminProbe probe = new AdminProbe(opts.peers(), opts.adminPortOffset);
    int l = probe.leader(0);
    return l == 0 ? -1 : probe.status(l).map(s -> s.getTerm()).orElse(-1L);
  }

  private void restore(DataCoordSettings before) {
    try {
      client.dataCoord().setSettings(DataCoordSettings.newBuilder().setMaxSegmentBytes(before.getMaxSegmentBytes()).build());
      log("segments: max_segment_bytes back to %,d", before.getMaxSegmentBytes());
    } catch (RuntimeException e) {
      LOG.warn("could not put max_segment_bytes back to {}: {}; set it again with DataCoordClient.setSettings",
          before.getMaxSegmentBytes(), e.toString());
    }
  }

  private void log(String fmt, Object... args) {
    opts.err.println(String.format(Locale.ROOT, fmt, args));
    opts.err.flush();
  }
}
