package io.raftcoord.tools.bench;

import com.google.gson.JsonObject;
import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.QueryNodeAgent;
import io.raftcoord.proto.ReplicaStatus;
import io.raftcoord.proto.querycoord.SearchPlan;
import java.util.Locale;

/**
 * The kill phase of {@code bench.sh load}: on the loaded collection of the load phase, the query
 * node serving the most is halted (no heartbeats, as if crashed), and the search plan is polled
 * every 100 ms until the node is gone from it and it is complete again ({@link PlanCheck}), for
 * at most TTL + 120 s. Target: complete again within the session TTL + 5 s. Leader elections
 * meanwhile are counted, since each restarts the TTL grace.
 */
final class NodeLossPhase {
  /** ms until the node left the search plan and until all was served again; NaN if it never happened. */
  record Result(double goneMs, double recoveredMs) {}

  private final BenchOutput out;
  private final CoordClient client;
  private final LoadPlan plan;

  NodeLossPhase(BenchOutput out, CoordClient client, LoadPlan plan) {
    this.out = out;
    this.client = client;
    this.plan = plan;
  }

  /** Halts the node of {@code nodes} serving the most and watches {@code name}'s plan; prints run {@code run} (0-based). */
  Result run(int run, String name, LoadNodes nodes, SegmentCollections.Coll c, long ttlMs) {
    QueryNodeAgent victim = nodes.all().stream().max((a, b) -> Integer.compare(a.serving().size(), b.serving().size()))
        .orElseThrow();
    long victimId = LoadNodes.id(victim);
    int served = victim.serving().size();
    int delegating = victim.delegating().size();
    long term0 = maxTerm();
    long t0 = System.nanoTime();
    victim.halt();
    double gone = Double.NaN;
    double recovered = Double.NaN;
    String lastState = "";
    long limit = (ttlMs + 120_000) * 1_000_000;
    while (System.nanoTime() - t0 < limit) {
      try {
        SearchPlan p = client.queryCoord().searchPlan(plan.db(), name);
        PlanCheck k = PlanCheck.check(p, c.channels().size(), plan.replicas(), plan.segments(), victimId);
        double el = (System.nanoTime() - t0) / 1e6;
        lastState = k.toString();
        if (!k.victimSeen() && Double.isNaN(gone)) {
          gone = el;
        }
        if (!k.victimSeen() && k.complete()) {
          recovered = el;
          break;
        }
      } catch (CoordException e) {
        lastState = e.getMessage();
      }
      ClosedLoop.sleepQuietly(100);
    }
    long terms = maxTerm() - term0;
    JsonObject o = new JsonObject();
    o.addProperty("workload", "load");
    o.addProperty("phase", "kill");
    o.addProperty("leaderTermsDuring", terms);
    o.addProperty("run", run + 1);
    o.addProperty("node", victimId);
    o.addProperty("nodeSegments", served);
    o.addProperty("nodeChannels", delegating);
    o.addProperty("ttlMs", ttlMs);
    o.addProperty("goneFromPlanMs", BenchOutput.round1(gone));
    o.addProperty("recoveredMs", BenchOutput.round1(recovered));
    o.addProperty("targetMs", ttlMs + 5000);
    out.emit(o, String.format(Locale.ROOT, "kill run %d: node %d (%,d segments, %d delegators) halted; gone from the search plan"
            + " after %s ms, every segment and channel served in all %d replicas again after %s ms (TTL %d ms, target <= %d"
            + " ms) %s; %d leader election(s) meanwhile (each restarts the TTL grace)%s", run + 1, victimId, served, delegating, fmt(gone), plan.replicas(), fmt(recovered), ttlMs,
        ttlMs + 5000, ScaleBench.verdict(recovered <= ttlMs + 5000), terms, Double.isNaN(recovered) ? "; last: " + lastState : ""));
    return new Result(gone, recovered);
  }

  private long maxTerm() {
    try {
      return client.admin().status().stream().filter(x -> x.getError().isEmpty())
          .mapToLong(ReplicaStatus::getTerm).max().orElse(-1);
    } catch (RuntimeException e) {
      return -1;
    }
  }

  private static String fmt(double ms) {
    return Double.isNaN(ms) ? "never" : String.format(Locale.ROOT, "%.0f", ms);
  }
}
