package io.raftcoord.tools.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.proto.datacoord.DataCoordSettings;
import io.raftcoord.proto.datatasks.DataTasksSettings;
import io.raftcoord.proto.datatasks.IndexDescription;
import io.raftcoord.proto.datatasks.TaskType;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bench.sh tasks}: DataCoord's task scheduling at scale. The quorum is filled with
 * --segments FLUSHED segments ({@link TasksFill}) while --nodes simulated workers
 * ({@link TaskFleet}) report their slots; then, in order: {@code plan} (every planner due every
 * second, nothing to plan: per-round planning times, {@link PlanRounds}), {@code complete} (an
 * index on every big collection and mix compactions of the small segments: completions per second
 * and completion latency, with the planning times meanwhile), {@code expiry} (workers halted
 * mid-task: when all their tasks are back in the queue, {@link TaskExpiry}) and {@code indexed}
 * (once every build is done, the planning times with the index planner walking every segment).
 * DataCoord's and the tasks' settings are changed for the run and put back afterwards.
 */
final class TasksBench {
  private static final Logger LOG = LoggerFactory.getLogger(TasksBench.class);
  static final List<String> DUTIES = List.of("datatasks-scheduler", "datatasks-compaction", "datatasks-index",
      "datatasks-gc");
  static final String INDEX = "vec_idx";

  private final Bench opts;
  private final CoordClient client;
  private final TasksPlan plan;
  private final String peers;
  private final BenchOutput out;
  private final String tag = "tasks" + Long.toString(System.currentTimeMillis(), 36);

  TasksBench(Bench opts, CoordClient client, TasksPlan plan, String peers) {
    this.opts = opts;
    this.client = client;
    this.plan = plan;
    this.peers = peers;
    this.out = new BenchOutput(opts);
  }

  int run() {
    DataCoordSettings dcBefore = client.dataCoord().settings();
    DataTasksSettings dtBefore = client.dataTasks().settings();
    Thread restoreOnExit = new Thread(() -> restore(dcBefore, dtBefore), "bench-restore-settings");
    Runtime.getRuntime().addShutdownHook(restoreOnExit);
    DataCoordSettings.Builder dc = DataCoordSettings.newBuilder().setMaxSegmentBytes(plan.maxSegmentBytes());
    long want = plan.segments() * 2 + 100_000;
    if (dcBefore.getMaxSegments() < want) {
      dc.setMaxSegments(want);
    }
    client.dataCoord().setSettings(dc.build());
    // Until the plan phase: no compaction candidates (nothing is small at 0.1 %), no index planned.
    client.dataTasks().setSettings(DataTasksSettings.newBuilder().setSmallProportionPermille(1)
        .setMixIntervalMs(1000).setL0IntervalMs(1000).setGcIntervalMs(1000).setMaxTasksPerRound(plan.tasksPerRound())
        .build());
    out.log("tasks: for the run, max_segment_bytes %,d (%,d rows per big segment), mix/L0/GC planned every second,"
        + " max_tasks_per_round %,d", plan.maxSegmentBytes(), plan.bigRows(), plan.tasksPerRound());
    try (TaskFleet fleet = TaskFleet.start(client, plan.workers(), plan.slots(), tag)) {
      out.log("tasks: %d workers (%s sessions, %d slots each) started", fleet.size(),
          io.raftcoord.client.TaskWorkerAgent.ROLE, plan.slots());
      try (TasksFill fill = TasksFill.create(client, plan, tag, opts.err, out)) {
        double fillSeconds = fill.fill(opts.err);
        header(fillSeconds);
        try (PlanRounds rounds = new PlanRounds(new AdminProbe(peers, opts.adminPortOffset), DUTIES)) {
          phases(fill, fleet, rounds);
        }
      }
    } finally {
      restore(dcBefore, dtBefore);
      try {
        Runtime.getRuntime().removeShutdownHook(restoreOnExit);
      } catch (IllegalStateException e) {
        // shutting down already
      }
    }
    return 0;
  }

  private void header(double fillSeconds) {
    out.text("# tasks: %,d FLUSHED segments (%,d small) in %d+1 collections x %d shards, filled in %.0f s; %d workers x"
            + " %d slots (TaskWorkerAgents on one client, instant work, 100 ms poll); %.0f s windows; peers %s",
        plan.segments(), plan.smallSegments(), plan.collections(), plan.shards(), fillSeconds, plan.workers(),
        plan.slots(), plan.windowMs() / 1000.0, peers);
  }

  private void phases(TasksFill fill, TaskFleet fleet, PlanRounds rounds) {
    int compactable = client.dataTasks().settings().getCompactableProportionPermille();
    if (plan.has(TasksPlan.Phase.PLAN)) {
      try (ReplanForcer forcer = new ReplanForcer(client, compactable)) {
        ClosedLoop.sleepQuietly(3_000); // every duty past its first, leader-start round
        rounds.reset();
        ClosedLoop.sleepQuietly(plan.windowMs());
        emitRounds("plan", "every planner walks every segment each second, nothing to plan", rounds.window());
      }
    }
    client.dataTasks().setSettings(DataTasksSettings.newBuilder().setSmallProportionPermille(500)
        .setMaxSegmentsPerPlan(2).setMinSegmentsToMerge(2).setDropToleranceMs(0).build());
    for (SegmentCollections.Coll c : fill.big()) {
      client.dataTasks().createIndex(plan.db(), c.name(), "vec", INDEX, "HNSW",
          Map.of("metric_type", "L2", "M", "16", "efConstruction", "200"));
    }
    out.log("tasks: an HNSW index created on each of the %d big collections; mix compactions of 2 small segments on",
        fill.big().size());
    if (plan.has(TasksPlan.Phase.COMPLETE)) {
      ClosedLoop.sleepQuietly(5_000);
      fleet.sample();
      rounds.reset();
      ClosedLoop.sleepQuietly(plan.windowMs());
      TaskFleet.Interval iv = fleet.sample();
      List<PlanRounds.Duty> w = rounds.window();
      emitCompletions(iv, w);
    }
    if (plan.has(TasksPlan.Phase.EXPIRY)) {
      long ttl = RegisterPhase.settings(client).getTtlMs();
      List<TaskExpiry.Returned> r = new TaskExpiry(client).run(fleet, plan.halt(), ttl + 15_000);
      emitExpiry(ttl, r);
    }
    if (plan.has(TasksPlan.Phase.INDEXED)) {
      double s = awaitIndexed(fill);
      try (ReplanForcer forcer = new ReplanForcer(client, compactable)) {
        ClosedLoop.sleepQuietly(3_000);
        rounds.reset();
        ClosedLoop.sleepQuietly(plan.windowMs());
        emitRounds("indexed", String.format(Locale.ROOT, "every build finished %.0f s after the index was created;"
            + " every planner walks every segment each second", s), rounds.window());
      }
    }
  }

  /** Waits until every big collection's index is Finished; returns the seconds waited. */
  private double awaitIndexed(TasksFill fill) {
    long t0 = System.nanoTime();
    long last = t0;
    while (true) {
      long indexed = 0;
      long total = 0;
      long pending = 0;
      try {
        for (SegmentCollections.Coll c : fill.big()) {
          for (IndexDescription d : client.dataTasks().describeIndexes(plan.db(), c.name(), INDEX).getIndexesList()) {
            indexed += d.getIndexedRows();
            total += d.getTotalRows();
            pending += d.getPendingTasks();
          }
        }
      } catch (CoordException e) {
        if (!e.outcomeUnknown()) {
          throw e;
        }
        out.log("tasks: an index progress read got no answer (%s); asking again in 2 s", e.getMessage());
        ClosedLoop.sleepQuietly(2_000);
        continue;
      }
      double s = (System.nanoTime() - t0) / 1e9;
      if (indexed == total) {
        return s;
      }
      if (s * 1000 > plan.drainTimeoutMs()) {
        throw new IllegalStateException(String.format(Locale.ROOT, "the indexes were not built within %.0f s: %,d of"
            + " %,d rows indexed, %,d tasks pending", s, indexed, total, pending));
      }
      if (System.nanoTime() - last > 10_000_000_000L) {
        last = System.nanoTime();
        out.log("tasks: %,d of %,d rows indexed (%.1f %%), %,d build tasks open", indexed, total, 100.0 * indexed / total,
            pending);
      }
      ClosedLoop.sleepQuietly(2_000);
    }
  }

  private void emitRounds(String phase, String what, List<PlanRounds.Duty> w) {
    JsonObject o = new JsonObject();
    o.addProperty("workload", "tasks");
    o.addProperty("phase", phase);
    o.add("planning", PlanRounds.json(w));
    out.emit(o, String.format(Locale.ROOT, "%s (%s): the leader's planning per round over %.0f s%n%s", phase, what,
        plan.windowMs() / 1000.0, PlanRounds.text(w)));
  }

  private void emitCompletions(TaskFleet.Interval iv, List<PlanRounds.Duty> w) {
    double s = iv.nanos() / 1e9;
    Histogram h = iv.latencyUs();
    boolean empty = h.getTotalCount() == 0;
    JsonObject o = new JsonObject();
    o.addProperty("workload", "tasks");
    o.addProperty("phase", "complete");
    o.addProperty("seconds", BenchOutput.round1(s));
    o.addProperty("completionsPerSecond", BenchOutput.round1(iv.total() / s));
    JsonObject types = new JsonObject();
    StringBuilder t = new StringBuilder();
    for (Map.Entry<TaskType, Long> e : iv.completed().entrySet()) {
      if (e.getValue() > 0) {
        types.addProperty(e.getKey().name(), e.getValue());
        t.append(String.format(Locale.ROOT, " %s %,d (%,.0f/s)", e.getKey().name(), e.getValue(), e.getValue() / s));
      }
    }
    o.add("completed", types);
    o.addProperty("refused", iv.refused());
    o.addProperty("p50Ms", empty ? null : h.getValueAtPercentile(50) / 1000.0);
    o.addProperty("p99Ms", empty ? null : h.getValueAtPercentile(99) / 1000.0);
    o.addProperty("maxMs", empty ? null : h.getMaxValue() / 1000.0);
    o.add("planning", PlanRounds.json(w));
    out.emit(o, String.format(Locale.ROOT, "complete: %,.0f task completions/s over %.0f s (%s ), %d refused;"
            + " completion command p50 %s ms, p99 %s ms, max %s ms%n  planning meanwhile:%n%s", iv.total() / s, s,
        t.toString(), iv.refused(), empty ? "-" : Stats.ms(h.getValueAtPercentile(50)),
        empty ? "-" : Stats.ms(h.getValueAtPercentile(99)), empty ? "-" : Stats.ms(h.getMaxValue()), PlanRounds.text(w)));
  }

  private void emitExpiry(long ttlMs, List<TaskExpiry.Returned> r) {
    double[] times = r.stream().filter(x -> x.returnedMs() >= 0).mapToDouble(TaskExpiry.Returned::returnedMs).toArray();
    long missing = r.stream().filter(x -> x.returnedMs() < 0).count();
    JsonObject o = new JsonObject();
    o.addProperty("workload", "tasks");
    o.addProperty("phase", "expiry");
    o.addProperty("ttlMs", ttlMs);
    JsonArray a = new JsonArray();
    StringBuilder t = new StringBuilder();
    for (TaskExpiry.Returned x : r) {
      JsonObject j = new JsonObject();
      j.addProperty("serverId", x.serverId());
      j.addProperty("heldAtHalt", x.heldAtHalt());
      j.addProperty("maxHeld", x.maxHeld());
      j.addProperty("ackAgeMs", x.ackAgeMs());
      j.addProperty("returnedMs", x.returnedMs() < 0 ? null : x.returnedMs());
      j.addProperty("confirmedMs", x.confirmedMs() < 0 ? null : x.confirmedMs());
      a.add(j);
      t.append(String.format(Locale.ROOT, "%n  worker %d: %d tasks EXECUTING at the halt (at most %d after), all back in the queue %s",
          x.serverId(), x.heldAtHalt(), x.maxHeld(), x.returnedMs() < 0 ? "NEVER within the wait"
              : String.format(Locale.ROOT, "%.2f s after the halt (the entry that expired it; a poll saw none left at"
                  + " %.2f s)", x.returnedMs() / 1000.0, x.confirmedMs() / 1000.0)));
    }
    o.add("workers", a);
    o.addProperty("medianMs", BenchOutput.round1(Stats.median(times)));
    o.addProperty("maxMs", BenchOutput.round1(Stats.max(times)));
    o.addProperty("missing", missing);
    out.emit(o, String.format(Locale.ROOT, "expiry: %d workers halted mid-task; their tasks back in the queue a median"
            + " %.2f s, at most %.2f s after the halt (TTL %.1f s; target TTL + 1 s)%s", r.size(),
        Stats.median(times) / 1000, Stats.max(times) / 1000, ttlMs / 1000.0, t));
  }

  /** Puts the settings back; a change whose outcome is unknown (a busy quorum) is sent again, twice at most. */
  private void restore(DataCoordSettings dc, DataTasksSettings dt) {
    DataCoordSettings.Builder b = DataCoordSettings.newBuilder().setMaxSegmentBytes(dc.getMaxSegmentBytes());
    if (!plan.keep()) {
      b.setMaxSegments(dc.getMaxSegments());
    }
    for (int attempt = 1; ; attempt++) {
      try {
        client.dataTasks().setSettings(dt);
        client.dataCoord().setSettings(b.build());
        out.log("tasks: DataCoord and task settings put back");
        return;
      } catch (RuntimeException e) {
        if (!(e instanceof CoordException ce && ce.outcomeUnknown()) || attempt == 3) {
          LOG.warn("could not put the settings back ({}); set them again with coordctl datatasks settings and"
              + " DataCoordClient.setSettings", e.toString());
          return;
        }
      }
    }
  }
}
