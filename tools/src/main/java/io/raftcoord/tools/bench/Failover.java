package io.raftcoord.tools.bench;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.raftcoord.client.CoordClient;
import io.raftcoord.tools.cli.Output;
import io.raftcoord.proto.ReplicaStatus;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.io.PrintWriter;

/**
 * Write unavailability after SIGKILL of the leader. C callers keep calling {@code tso().next()}
 * and record the time of every success; this class drives scripts/cluster.sh: for each kill,
 * {@code leader}, {@code kill N}, wait until a new leader serves writes, observe a little longer,
 * {@code restart N}, poll the restarted replica's admin /status until its appliedIndex reaches the
 * leader's commitIndex (catch-up time, from the restart), then steady load before the next kill.
 * At the end the write gap of each kill is the longest interval without a successful call in
 * {@code [kill - 1 s, restart]}.
 *
 * <p>All times come from this JVM's System.nanoTime, so the kill times and the completion
 * timeline share one clock; the script only sends signals and starts processes.
 */
final class Failover {
  private static final long SEC = 1_000_000_000L;

  private final Bench opts;
  private final CoordClient client;
  private final int concurrency;
  private final boolean merge;
  private final String peers;
  private final AdminProbe probe;
  private final ClusterControl cluster;

  /** One kill, in nanoTime. {@code caughtUp}/{@code up} are 0 when it never happened. */
  record Kill(int n, int victim, int newLeader, long kill, long resumed, long restart, long up, long caughtUp,
      long targetIndex) {}

  Failover(Bench opts, CoordClient client, int concurrency, boolean merge, String peers) {
    this.opts = opts;
    this.client = client;
    this.concurrency = concurrency;
    this.merge = merge;
    this.peers = peers;
    this.probe = new AdminProbe(peers, opts.adminPortOffset);
    this.cluster = new ClusterControl(ClusterControl.script(opts.clusterScript), peers, probe);
  }

  int run(long warmupMs) throws IOException {
    Timeline timeline = new Timeline();
    List<Kill> kills = new ArrayList<>();
    long loadStart = System.nanoTime();
    ClosedLoop loop = new ClosedLoop(concurrency, () -> {
      client.tso().next();
      return 1;
    }, timeline).start();
    ClosedLoop.Interval total;
    try {
      log("failover: %d callers of tso().next(), %d kills; warm-up %d s", concurrency, opts.kills, warmupMs / 1000);
      ClosedLoop.sleepQuietly(warmupMs);
      loop.reset();
      for (int k = 1; k <= opts.kills; k++) {
        kills.add(killOnce(k, timeline));
        ClosedLoop.sleepQuietly(Math.round(opts.betweenSeconds * 1000));
      }
      total = loop.sample();
    } finally {
      loop.stopOrFail(Math.round(opts.deadlineSeconds * 1000) + 5_000, "the failover run");
    }
    long[] times = timeline.sorted();
    if (opts.timelineFile != null) {
      writeTimeline(opts.timelineFile, times, loadStart, kills);
    }
    report(kills, times, total);
    return 0;
  }

  private Kill killOnce(int k, Timeline timeline) throws IOException {
    cluster.waitHealthy("kill " + k);
    int victim = cluster.leader("kill " + k);
    long kill = System.nanoTime();
    cluster.run("kill", Integer.toString(victim));
    log("kill %d: n%d (leader) SIGKILLed", k, victim);

    // Writes resumed: a new leader is known and a call completed after we saw it.
    long recoverBy = kill + 60 * SEC;
    int newLeader = 0;
    long leaderSeen = 0;
    long resumed = 0;
    while (System.nanoTime() < recoverBy) {
      if (newLeader == 0) {
        newLeader = probe.leader(victim);
        leaderSeen = System.nanoTime();
      } else if (timeline.lastCompletion() > leaderSeen) {
        resumed = timeline.lastCompletion();
        break;
      }
      ClosedLoop.sleepQuietly(10);
    }
    if (resumed == 0) {
      log("kill %d: writes did not resume within 60 s (new leader %s)", k, newLeader == 0 ? "none" : "n" + newLeader);
    } else {
      log("kill %d: n%d leads, writes resumed ~%d ms after the kill command", k, newLeader, (resumed - kill) / 1_000_000);
    }
    ClosedLoop.sleepQuietly(Math.round(opts.observeSeconds * 1000));

    int leaderNow = probe.leader(victim);
    long target = leaderNow == 0 ? -1 : probe.status(leaderNow).map(ReplicaStatus::getCommitIndex).orElse(-1L);
    long restart = System.nanoTime();
    cluster.run("restart", Integer.toString(victim));
    ClusterControl.Rejoin rejoin = cluster.awaitCatchUp(victim, leaderNow,
        restart + Math.round(opts.catchupTimeoutSeconds * SEC));
    long up = rejoin.up();
    long caughtUp = rejoin.caughtUp();
    if (caughtUp == 0) {
      log("kill %d: n%d did not catch up within %.0f s", k, victim, opts.catchupTimeoutSeconds);
    } else {
      log("kill %d: n%d restarted; admin up after %d ms, caught up after %d ms", k, victim,
          (up - restart) / 1_000_000, (caughtUp - restart) / 1_000_000);
    }
    return new Kill(k, victim, newLeader, kill, resumed, restart, up, caughtUp, target);
  }

  private void report(List<Kill> kills, long[] times, ClosedLoop.Interval total) {
    PrintWriter out = opts.out;
    List<Double> gapMs = new ArrayList<>();
    List<Double> catchupMs = new ArrayList<>();
    if (!opts.json) {
      out.printf(Locale.ROOT, "# failover: %d callers of tso().next() (merge %s), %d kills of the leader; peers %s%n",
          concurrency, Bench.onOff(merge), kills.size(), peers);
      out.printf(Locale.ROOT, "%4s %6s %6s %9s %11s %11s %12s %13s%n", "kill", "victim", "leader", "gap ms",
          "gap starts", "admin up ms", "catch-up ms", "rejoin gap ms");
    }
    for (Kill k : kills) {
      Gaps.Gap g = Gaps.longestGap(times, k.kill() - SEC, k.restart());
      long rejoinEnd = (k.caughtUp() == 0 ? k.restart() + Math.round(opts.catchupTimeoutSeconds * SEC) : k.caughtUp());
      Gaps.Gap rejoin = Gaps.longestGap(times, k.restart(), rejoinEnd);
      double gms = g.length() / 1e6;
      gapMs.add(gms);
      double cms = k.caughtUp() == 0 ? Double.NaN : (k.caughtUp() - k.restart()) / 1e6;
      if (k.caughtUp() != 0) {
        catchupMs.add(cms);
      }
      double upMs = k.up() == 0 ? Double.NaN : (k.up() - k.restart()) / 1e6;
      if (opts.json) {
        JsonObject o = new JsonObject();
        o.addProperty("kill", k.n());
        o.addProperty("victim", "n" + k.victim());
        o.add("newLeader", k.newLeader() == 0 ? JsonNull.INSTANCE : new JsonPrimitive("n" + k.newLeader()));
        o.add("gapMs", Output.number(String.format(Locale.ROOT, "%.1f", gms)));
        o.addProperty("gapExact", g.exact());
        o.add("gapStartAfterKillMs", Output.number(String.format(Locale.ROOT, "%.1f", (g.start() - k.kill()) / 1e6)));
        o.add("adminUpMs", PointResult.jsonNumber(upMs));
        o.add("catchupMs", PointResult.jsonNumber(cms));
        o.add("rejoinGapMs", Output.number(String.format(Locale.ROOT, "%.1f", rejoin.length() / 1e6)));
        out.println(Output.json(o));
      } else {
        out.printf(Locale.ROOT, "%4d %6s %6s %9s %11s %11s %12s %13s%n", k.n(), "n" + k.victim(),
            k.newLeader() == 0 ? "-" : "n" + k.newLeader(), String.format(Locale.ROOT, "%.1f%s", gms, g.exact() ? "" : "+"),
            String.format(Locale.ROOT, "%+.0f ms", (g.start() - k.kill()) / 1e6),
            Double.isNaN(upMs) ? "-" : String.format(Locale.ROOT, "%.0f", upMs),
            Double.isNaN(cms) ? "never" : String.format(Locale.ROOT, "%.0f", cms),
            String.format(Locale.ROOT, "%.1f", rejoin.length() / 1e6));
      }
    }
    double[] gaps = gapMs.stream().mapToDouble(Double::doubleValue).toArray();
    double[] catchups = catchupMs.stream().mapToDouble(Double::doubleValue).toArray();
    double secs = total.nanos() / 1e9;
    if (opts.json) {
      JsonObject o = new JsonObject();
      o.addProperty("summary", true);
      o.addProperty("kills", kills.size());
      o.addProperty("concurrency", concurrency);
      o.add("gapMedianMs", PointResult.jsonNumber(Stats.median(gaps)));
      o.add("gapMaxMs", PointResult.jsonNumber(Stats.max(gaps)));
      o.add("catchupMedianMs", PointResult.jsonNumber(Stats.median(catchups)));
      o.add("catchupMaxMs", PointResult.jsonNumber(Stats.max(catchups)));
      o.addProperty("notCaughtUp", kills.size() - catchups.length);
      o.addProperty("ops", total.ops());
      o.add("opsPerSec", Output.number(Stats.rateJson(total.ops() / secs)));
      o.addProperty("errors", total.errorCount());
      out.println(Output.json(o));
    } else {
      out.printf(Locale.ROOT, "write gap: median %.0f ms, max %.0f ms over %d kills%n", Stats.median(gaps),
          Stats.max(gaps), gaps.length);
      out.printf(Locale.ROOT, "catch-up after restart: median %.0f ms, max %.0f ms%s%n", Stats.median(catchups),
          Stats.max(catchups), catchups.length < kills.size() ? " (" + (kills.size() - catchups.length) + " never caught up)" : "");
      out.printf(Locale.ROOT, "load: %,d calls in %.0f s (%s/s average), %d failed%s%n", total.ops(), secs,
          Stats.rate(total.ops() / secs), total.errorCount(), total.errors().isEmpty() ? "" : " " + total.errors());
      out.println("(gap: longest interval without a successful call in [kill - 1 s, restart]; '+' = open-ended;"
          + " catch-up: from 'cluster.sh restart' until the replica's appliedIndex >= the leader's commitIndex)");
    }
    out.flush();
  }

  private static void writeTimeline(Path file, long[] times, long origin, List<Kill> kills) throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (Kill k : kills) {
        w.write(String.format(Locale.ROOT, "# kill %d n%d at %.3f ms, restart at %.3f ms%n", k.n(), k.victim(),
            (k.kill() - origin) / 1e6, (k.restart() - origin) / 1e6));
      }
      for (long t : times) {
        w.write(String.format(Locale.ROOT, "%.3f%n", (t - origin) / 1e6));
      }
    }
  }

  private void log(String fmt, Object... args) {
    opts.err.println(String.format(Locale.ROOT, fmt, args));
    opts.err.flush();
  }
}
