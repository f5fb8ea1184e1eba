package io.raftcoord.tools.bench;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.raftcoord.tools.cli.Output;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Phase 1 of {@code bench.sh sessions}: what N heartbeating nodes cost the quorum. An idle
 * window (no nodes) and then, after the fleet registered and warmed up, a window of equal length
 * with every node heartbeating; each window records Raft entries committed, CPU of the leader,
 * the followers and this JVM, and the session reaper's counters ({@link CostMeter}). Heartbeats
 * are leader-only queries, never log entries, so the loaded window should commit (almost) none.
 */
final class HeartbeatPhase {
  /** What one run measured. */
  record Result(int nodes, long heartbeatMs, boolean coalesce, CostMeter.Window idle, CostMeter.Window load,
      long maxAckAgeMs, long lost, long unexpectedExpiries, DirectNode.Counters counters, long sent, long acked,
      long stale, long failed) {}

  private final Bench opts;
  private final SessionsPlan plan;
  private final CostMeter meter;

  HeartbeatPhase(Bench opts, SessionsPlan plan, CostMeter meter) {
    this.opts = opts;
    this.plan = plan;
    this.meter = meter;
  }

  /** Measures the idle window, starts {@code fleet}, warms up, measures the loaded window. */
  Result run(NodeFleet fleet, SessionEvents events, long deadlineMs) {
    long windowMs = plan.durationMs();
    log("heartbeat: idle window of %d s (no nodes yet)", windowMs / 1000);
    CostMeter.Snapshot i0 = meter.take();
    ClosedLoop.sleepQuietly(windowMs);
    CostMeter.Snapshot i1 = meter.take();
    CostMeter.Window idle = CostMeter.between(i0, i1);

    fleet.start(opts.err, deadlineMs);
    long warm = Math.max(plan.warmupMs(), 2 * plan.heartbeatMs());
    log("heartbeat: warm-up %.1f s, then the %d s window with %d nodes", warm / 1000.0, windowMs / 1000, fleet.size());
    ClosedLoop.sleepQuietly(warm);

    try (AckSampler acks = new AckSampler(fleet)) {
      int ev0 = events.count();
      int lost0 = fleet.losses().size();
      DirectNode.Counters c = fleet.counters();
      long[] c0 = counts(c);
      ClosedLoop.sleepQuietly(100); // let the sampler take its first sample
      acks.reset();
      CostMeter.Snapshot l0 = meter.take();
      ClosedLoop.sleepQuietly(windowMs);
      CostMeter.Snapshot l1 = meter.take();
      long[] c1 = counts(c);
      long unexpected = events.since(ev0).stream().filter(e -> {
        Integer n = fleet.owner(e.serverId());
        return n != null && !fleet.isHalted(n);
      }).count();
      return new Result(fleet.size(), plan.heartbeatMs(), fleet.coalesced(), idle, CostMeter.between(l0, l1),
          acks.max(), fleet.losses().size() - lost0, unexpected, c, c1[0] - c0[0], c1[1] - c0[1], c1[2] - c0[2],
          c1[3] - c0[3]);
    }
  }

  private static long[] counts(DirectNode.Counters c) {
    return c == null ? new long[4]
        : new long[] {c.sent().sum(), c.acked().sum(), c.stale().sum(), c.failed().sum()};
  }

  private static final String ROW = "%-7s %8s %9s %11s %14s %10s %12s %12s %12s";

  void print(Result r) {
    PrintWriter out = opts.out;
    CostMeter.Window idle = r.idle();
    CostMeter.Window load = r.load();
    double secs = load.seconds();
    if (opts.json) {
      JsonObject o = new JsonObject();
      o.addProperty("workload", "sessions");
      o.addProperty("phase", "heartbeat");
      o.addProperty("nodes", r.nodes());
      o.addProperty("heartbeatMs", r.heartbeatMs());
      o.addProperty("coalesce", r.coalesce());
      o.add("seconds", Output.number(String.format(Locale.ROOT, "%.3f", secs)));
      o.addProperty("leader", load.leader() == 0 ? "?" : "n" + load.leader());
      o.addProperty("leaderChanged", idle.leaderChanged() || load.leaderChanged() || idle.leader() != load.leader());
      o.addProperty("entries", load.entries());
      o.addProperty("entriesIdle", idle.entries());
      o.add("leaderCpuPct", PointResult.jsonNumber(load.leaderCpuPct()));
      o.add("leaderCpuIdlePct", PointResult.jsonNumber(idle.leaderCpuPct()));
      o.add("leaderCpuNetPct", PointResult.jsonNumber(load.leaderCpuPct() - idle.leaderCpuPct()));
      o.add("followersCpuPct", PointResult.jsonNumber(load.followersCpuPct()));
      o.add("followersCpuIdlePct", PointResult.jsonNumber(idle.followersCpuPct()));
      o.add("benchCpuPct", PointResult.jsonNumber(load.selfCpuPct()));
      o.add("benchCpuIdlePct", PointResult.jsonNumber(idle.selfCpuPct()));
      o.add("reaperRuns", load.reaper() == null ? JsonNull.INSTANCE : new JsonPrimitive(Math.round(load.reaper().runs())));
      o.add("reaperBusyPct", PointResult.jsonNumber(load.reaperPct()));
      o.add("reaperBusyIdlePct", PointResult.jsonNumber(idle.reaperPct()));
      o.add("reaperCommands",
          load.reaper() == null ? JsonNull.INSTANCE : new JsonPrimitive(Math.round(load.reaper().proposed())));
      o.addProperty("maxAckAgeMs", r.maxAckAgeMs());
      if (r.counters() != null) {
        o.add("heartbeatsPerSec", Output.number(Stats.rateJson(r.sent() / secs)));
        o.addProperty("heartbeatsAcked", r.acked());
        o.addProperty("heartbeatsStale", r.stale());
        o.addProperty("heartbeatsFailed", r.failed());
      }
      o.addProperty("lost", r.lost());
      o.addProperty("unexpectedExpiries", r.unexpectedExpiries());
      out.println(Output.json(o));
      out.flush();
      return;
    }
    out.printf(Locale.ROOT, "# heartbeat: %d nodes every %d ms, coalesce %s; an idle window, then one with the nodes;"
            + " CPU in %% of one core (%d cores here)%n", r.nodes(), r.heartbeatMs(), Bench.onOff(r.coalesce()),
        Runtime.getRuntime().availableProcessors());
    out.println(String.format(Locale.ROOT, ROW, "window", "seconds", "entries", "leader CPU", "followers CPU",
        "bench CPU", "reaper runs", "reaper busy", "reaper cmds"));
    out.println(row("idle", idle));
    out.println(row("nodes", load));
    out.println(String.format(Locale.ROOT, ROW, "net", "", entries(load.entries() < 0 || idle.entries() < 0 ? -1
            : load.entries() - idle.entries()), pct(load.leaderCpuPct() - idle.leaderCpuPct()),
        pct(load.followersCpuPct() - idle.followersCpuPct()), pct(load.selfCpuPct() - idle.selfCpuPct()), "",
        pct(load.reaperPct() - idle.reaperPct()), ""));
    String leader = load.leader() == 0 ? "unknown" : "n" + load.leader();
    boolean changed = idle.leaderChanged() || load.leaderChanged() || idle.leader() != load.leader();
    out.printf(Locale.ROOT, "leader %s%s; entries = the leader's commitIndex delta; net = nodes - idle; reaper busy ="
        + " share of the window its rounds took (planning, and waiting for its commands to commit)%n", leader,
        changed ? " (THE LEADER CHANGED: the CPU and reaper figures do not describe one process)" : "");
    if (r.counters() != null) {
      out.printf(Locale.ROOT, "heartbeats: %s/s sent, each its own query; %,d acked, %,d stale, %,d failed%n",
          Stats.rate(r.sent() / secs), r.acked(), r.stale(), r.failed());
    }
    out.printf(Locale.ROOT, "longest time a node went without an acknowledged heartbeat: %,d ms; lost() %d;"
        + " expiries of running nodes %d%n", r.maxAckAgeMs(), r.lost(), r.unexpectedExpiries());
    out.flush();
  }

  private static String row(String name, CostMeter.Window w) {
    return String.format(Locale.ROOT, ROW, name, String.format(Locale.ROOT, "%.1f", w.seconds()), entries(w.entries()),
        pct(w.leaderCpuPct()), pct(w.followersCpuPct()), pct(w.selfCpuPct()),
        w.reaper() == null ? "-" : String.format(Locale.ROOT, "%.0f", w.reaper().runs()), pct(w.reaperPct()),
        w.reaper() == null ? "-" : String.format(Locale.ROOT, "%.0f", w.reaper().proposed()));
  }

  private static String entries(long e) {
    return e < 0 ? "-" : String.format(Locale.ROOT, "%,d", e);
  }

  static String pct(double p) {
    return Double.isNaN(p) || Double.isInfinite(p) ? "n/a" : String.format(Locale.ROOT, "%.1f%%", p);
  }

  private void log(String fmt, Object... args) {
    opts.err.println(String.format(Locale.ROOT, fmt, args));
    opts.err.flush();
  }
}
