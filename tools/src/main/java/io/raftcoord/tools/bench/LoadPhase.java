package io.raftcoord.tools.bench;

import com.google.gson.JsonObject;
import java.util.Locale;

/**
 * The load phase of {@code bench.sh load}: the time from load(--replicas) to LOADED of a collection
 * of --segments FLUSHED segments on --nodes instant query nodes, and the Raft entries committed
 * meanwhile. The caller fills the collection and starts the nodes, and keeps both past the phase:
 * the kill phase goes on with the loaded collection on the same nodes.
 */
final class LoadPhase {
  private final BenchOutput out;
  private final LoadPlan plan;
  private final LoadCalls calls;

  LoadPhase(BenchOutput out, LoadPlan plan, LoadCalls calls) {
    this.out = out;
    this.plan = plan;
    this.calls = calls;
  }

  /** Loads {@code name} with --replicas until LOADED and prints run {@code run} (0-based); returns ms until LOADED. */
  double run(int run, String name) {
    LoadCalls.Loaded lr = calls.timeLoad(name, plan.replicas());
    JsonObject o = new JsonObject();
    o.addProperty("workload", "load");
    o.addProperty("phase", "load");
    o.addProperty("run", run + 1);
    o.addProperty("segments", plan.segments());
    o.addProperty("shards", plan.shards());
    o.addProperty("nodes", plan.nodes());
    o.addProperty("replicas", plan.replicas());
    o.addProperty("loadMs", BenchOutput.round1(lr.loadMs()));
    o.addProperty("entries", lr.entries());
    o.addProperty("percentAfter1s", lr.percentAt1s());
    out.emit(o, String.format(Locale.ROOT, "load run %d: %,d segments (%d shards), %d nodes, %d replicas: LOADED after %.0f ms;"
            + " %,d Raft entries committed meanwhile; %s%% loaded after 1 s", run + 1, plan.segments(), plan.shards(),
        plan.nodes(), plan.replicas(), lr.loadMs(), lr.entries(), lr.percentAt1s() < 0 ? "100" : (long) lr.percentAt1s()));
    return lr.loadMs();
  }
}
