package io.raftcoord.tools.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.proto.ErrorCode;
import java.util.Arrays;
import java.util.Locale;

/**
 * {@code bench.sh load}: QueryCoord under load, in phases run in a fixed order, each only if
 * selected: load ({@link LoadPhase}) and kill ({@link NodeLossPhase}) on one fresh collection per
 * --runs repetition, then plan ({@link PlanCostPhase}), all on collections filled by one
 * {@link LoadFill} whose data nodes are gone before many ({@link ManyCollectionsPhase}) starts.
 * This class only orders the phases, owns what load and kill share (the collection and its query
 * nodes, dropped after each run) and prints the header and the load-summary of medians.
 */
final class LoadBench {
  private final Bench opts;
  private final CoordClient client;
  private final LoadPlan plan;
  private final String peers;
  private final String tag = "load" + Long.toString(System.currentTimeMillis(), 36);
  private final BenchOutput out;
  private final LoadCalls calls;

  LoadBench(Bench opts, CoordClient client, LoadPlan plan, String peers) {
    this.opts = opts;
    this.client = client;
    this.plan = plan;
    this.peers = peers;
    this.out = new BenchOutput(opts);
    this.calls = new LoadCalls(client, plan.db(), out);
  }

  int run() {
    out.text("# load: phases %s; peers %s; db %s", plan.phases(), peers, plan.db());
    CatalogWorkloads.ensureDatabase(client.catalog(), plan.db());
    if (plan.has(LoadPlan.Phase.LOAD) || plan.has(LoadPlan.Phase.KILL) || plan.has(LoadPlan.Phase.PLAN)) {
      try (LoadFill fill = LoadFill.start(client, plan, tag, opts.err, out)) {
        if (plan.has(LoadPlan.Phase.LOAD) || plan.has(LoadPlan.Phase.KILL)) {
          loadAndKill(fill);
        }
        if (plan.has(LoadPlan.Phase.PLAN)) {
          PlanCostPhase planCost = new PlanCostPhase(opts, out, client, plan, fill, calls, peers, tag);
          for (long n : plan.planSegments()) {
            planCost.run(n);
          }
        }
      }
    }
    if (plan.has(LoadPlan.Phase.MANY)) {
      new ManyCollectionsPhase(out, client, plan, calls, tag).run();
    }
    return 0;
  }

  /**
   * --runs runs of load (and kill). A run that fails with UNAVAILABLE or DEADLINE_EXCEEDED (a leader change) is run
   * again; the fourth such failure, or any other, ends the bench.
   */
  private void loadAndKill(LoadFill fill) {
    long ttlMs = RegisterPhase.settings(client).getTtlMs();
    boolean kill = plan.has(LoadPlan.Phase.KILL);
    double[] loadMs = new double[plan.runs()];
    double[] goneMs = new double[plan.runs()];
    double[] recMs = new double[plan.runs()];
    LoadPhase load = new LoadPhase(out, plan, calls);
    NodeLossPhase nodeLoss = new NodeLossPhase(out, client, plan);
    int failures = 0;
    for (int run = 0; run < plan.runs(); run++) {
      try {
        String name = tag + "_load" + run + "_" + System.nanoTime() % 1000;
        SegmentCollections.Coll c = fill.filled(name, plan.segments(), plan.shards());
        try (LoadNodes nodes = new LoadNodes(client)) {
          nodes.add(plan.nodes());
          ClosedLoop.sleepQuietly(500);
          loadMs[run] = load.run(run, name);
          if (kill) {
            NodeLossPhase.Result k = nodeLoss.run(run, name, nodes, c, ttlMs);
            goneMs[run] = k.goneMs();
            recMs[run] = k.recoveredMs();
          }
        } finally {
          calls.dropQuietly(name);
        }
      } catch (CoordException e) {
        if (++failures > 3 || (e.code() != ErrorCode.UNAVAILABLE && e.code() != ErrorCode.DEADLINE_EXCEEDED)) {
          throw e;
        }
        out.log("load: run %d failed (%s: a leader change?); running it again", run + 1, e.getMessage().split("\n")[0]);
        run--;
      }
    }
    summary(ttlMs, kill, loadMs, goneMs, recMs);
  }

  private void summary(long ttlMs, boolean kill, double[] loadMs, double[] goneMs, double[] recMs) {
    JsonObject s = new JsonObject();
    s.addProperty("workload", "load");
    s.addProperty("phase", "load-summary");
    s.addProperty("runs", plan.runs());
    s.addProperty("medianLoadMs", BenchOutput.round1(Stats.median(loadMs.clone())));
    s.add("loadMs", arr(loadMs));
    String line = String.format(Locale.ROOT, "load summary over %d run(s): LOADED after median %.0f ms %s",
        plan.runs(), Stats.median(loadMs.clone()), Arrays.toString(ms(loadMs)));
    if (kill) {
      s.addProperty("ttlMs", ttlMs);
      s.addProperty("targetMs", ttlMs + 5000);
      s.addProperty("medianExpiredMs", BenchOutput.round1(Stats.median(goneMs.clone())));
      s.addProperty("medianRecoveredMs", BenchOutput.round1(Stats.median(recMs.clone())));
      s.add("recoveredMs", arr(recMs));
      double med = Stats.median(recMs.clone());
      line += String.format(Locale.ROOT, "; kill: node gone from the plan after median %.0f ms %s, fully served again after"
              + " median %.0f ms %s (TTL %d ms, target <= %d ms) %s", Stats.median(goneMs.clone()), Arrays.toString(ms(goneMs)),
          med, Arrays.toString(ms(recMs)), ttlMs, ttlMs + 5000, ScaleBench.verdict(med <= ttlMs + 5000));
    }
    out.emit(s, line);
  }

  private static JsonArray arr(double[] v) {
    JsonArray a = new JsonArray();
    for (double d : v) {
      a.add(BenchOutput.round1(d));
    }
    return a;
  }

  private static long[] ms(double[] v) {
    return Arrays.stream(v).mapToLong(Math::round).toArray();
  }
}
