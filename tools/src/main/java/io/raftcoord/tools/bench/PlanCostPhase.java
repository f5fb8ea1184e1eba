package io.raftcoord.tools.bench;

import com.google.gson.JsonObject;
import io.raftcoord.client.CoordClient;
import io.raftcoord.client.QueryNodeAgent;
import io.raftcoord.proto.querycoord.QueryCoordSettings;
import java.util.List;
import java.util.Locale;

/**
 * The plan phase of {@code bench.sh load}: what planning a rebalance costs the leader. Per
 * --plan-segments N, a collection of N segments is loaded (1 replica) on half of --plan-nodes;
 * an idle window of {@value #IDLE_WINDOW_MS} ms while LOADED is the baseline, then the other half
 * joins and a window of --duration s measures the balance and checker duties ({@link DutyWindow}).
 * Last, a window of {@value #FULL_WINDOW_MS} ms with {@code balance_interval_ms} 0, so that every
 * balance round is a normal round that plans from scratch (none is skipped as already planned):
 * the leader's {@code raftcoord_duty_plan_seconds} over its runs is the planning time of one full
 * balance round. The collection is released and dropped after each point.
 */
final class PlanCostPhase {
  static final long IDLE_WINDOW_MS = 10_000;
  static final long FULL_WINDOW_MS = 10_000;

  private final Bench opts;
  private final BenchOutput out;
  private final CoordClient client;
  private final LoadPlan plan;
  private final LoadFill fill;
  private final LoadCalls calls;
  private final String peers;
  private final String tag;

  PlanCostPhase(Bench opts, BenchOutput out, CoordClient client, LoadPlan plan, LoadFill fill, LoadCalls calls,
      String peers, String tag) {
    this.opts = opts;
    this.out = out;
    this.client = client;
    this.plan = plan;
    this.fill = fill;
    this.calls = calls;
    this.peers = peers;
    this.tag = tag;
  }

  /** One point: a collection of {@code segments} segments, loaded, then rebalanced onto the joining half. */
  void run(long segments) {
    String name = tag + "_plan" + segments;
    fill.filled(name, segments, plan.shards());
    int first = plan.planNodes() / 2;
    int second = plan.planNodes() - first;
    try (LoadNodes nodes = new LoadNodes(client)) {
      nodes.add(first);
      ClosedLoop.sleepQuietly(500);
      LoadCalls.Loaded lr = calls.timeLoad(name, 1);
      out.log("load plan: %,d segments LOADED on %d nodes after %.0f ms (%,d entries)", segments, first, lr.loadMs(),
          lr.entries());
      ClosedLoop.sleepQuietly(2_000);
      LoadProbe probe = new LoadProbe(new AdminProbe(peers, opts.adminPortOffset));
      DutyWindow idle = DutyWindow.measure(probe, IDLE_WINDOW_MS, 0);
      List<QueryNodeAgent> added = nodes.add(second);
      DutyWindow busy = DutyWindow.measure(probe, plan.planWindowMs(), plan.profileSamples());
      long moved = LoadNodes.serving(added);
      QueryCoordSettings before = client.queryCoord().settings();
      client.queryCoord().setSettings(QueryCoordSettings.newBuilder().setBalanceIntervalMs(0).build());
      DutyWindow full;
      try {
        full = DutyWindow.measure(probe, FULL_WINDOW_MS, 0);
      } finally {
        client.queryCoord().setSettings(QueryCoordSettings.newBuilder()
            .setBalanceIntervalMs(before.getBalanceIntervalMs()).build());
      }
      double planMs = full.balance().map(b -> b.runs() > 0 ? b.planSeconds() * 1000 / b.runs() : Double.NaN)
          .orElse(Double.NaN);
      JsonObject o = new JsonObject();
      o.addProperty("workload", "load");
      o.addProperty("phase", "plan");
      o.addProperty("segments", segments);
      o.addProperty("shards", plan.shards());
      o.addProperty("nodesBefore", first);
      o.addProperty("nodesAfter", plan.planNodes());
      o.addProperty("loadMs", BenchOutput.round1(lr.loadMs()));
      o.addProperty("loadEntries", lr.entries());
      o.add("idle", idle.json());
      o.add("rebalance", busy.json());
      o.addProperty("segmentsOnNewNodes", moved);
      o.add("fullRounds", full.json());
      o.addProperty("balancePlanMsPerFullRound", BenchOutput.round1(planMs));
      String prof = busy.profile().isEmpty() ? "" : "\n  profile of the leader-duties thread (" + plan.profileSamples()
          + " jcmd Thread.print samples):" + busy.profileText();
      out.emit(o, String.format(Locale.ROOT, "plan: %,d segments (%d shards, 1 replica) LOADED on %d nodes after %.0f ms (%,d"
              + " entries); idle LOADED window %s\n  then %d more nodes joined; window %s; %,d segments on the new nodes"
              + " at the end\n  every balance round a full one (balance_interval_ms 0), window %s; planning %.1f ms per"
              + " balance round (raftcoord_duty_plan_seconds / runs)%s", segments, plan.shards(), first, lr.loadMs(),
          lr.entries(), idle.text(), second, busy.text(), moved, full.text(), planMs, prof));
    } finally {
      calls.dropQuietly(name);
    }
  }
}
