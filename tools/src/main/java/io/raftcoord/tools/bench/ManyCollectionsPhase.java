package io.raftcoord.tools.bench;

import com.google.gson.JsonObject;
import io.raftcoord.client.CoordClient;
import io.raftcoord.client.catalog.Schemas;
import io.raftcoord.client.internal.Futures;
import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.CreateCollectionRequest;
import io.raftcoord.proto.querycoord.LoadState;
import io.raftcoord.proto.querycoord.LoadStateReply;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * The many phase of {@code bench.sh load}: per --collection-steps C, C collections of --partitions
 * partitions (partition key, 1 shard, no segments) are created, then loaded (1 replica) with
 * --concurrency loads in flight on --many-nodes query nodes, and LOADED is polled until all are
 * (at most {@link LoadCalls#LOAD_TIMEOUT_MS}). Reported: the time until all are LOADED, the
 * per-collection created -> loaded times on the leader's clock and the load call latencies (first
 * and last tenth, to show whether loads slow down as collections accumulate). Every point's
 * collections are released and dropped afterwards, so the points do not add up.
 */
final class ManyCollectionsPhase {
  static final CollectionSchema SCHEMA = Schemas.schema()
      .field(Schemas.int64("id").primary())
      .field(Schemas.int64("tenant").partitionKey())
      .field(Schemas.floatVector("vec", 128))
      .build();

  private final BenchOutput out;
  private final CoordClient client;
  private final LoadPlan plan;
  private final LoadCalls calls;
  private final String tag;

  ManyCollectionsPhase(BenchOutput out, CoordClient client, LoadPlan plan, LoadCalls calls, String tag) {
    this.out = out;
    this.client = client;
    this.plan = plan;
    this.calls = calls;
    this.tag = tag;
  }

  /** Every step of --collection-steps on one set of --many-nodes nodes. */
  void run() {
    CatalogWorkloads.ensureCapacity(client.catalog(), plan.collectionSteps().stream().mapToInt(Integer::intValue).max()
        .orElse(0) + 1000);
    try (LoadNodes nodes = new LoadNodes(client)) {
      nodes.add(plan.manyNodes());
      ClosedLoop.sleepQuietly(500);
      for (int c : plan.collectionSteps()) {
        point(c);
      }
    }
  }

  private void point(int count) {
    String prefix = tag + "_m" + count + "_";
    List<String> names = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      names.add(prefix + i);
    }
    double createS = createAll(names);
    out.log("load many: created %,d collections x %d partitions in %.1f s", count, plan.partitions(), createS);
    ExecutorService pool = Executors.newFixedThreadPool(plan.loadConcurrency());
    try {
      long commit0 = Bench.maxCommitIndex(client);
      long t0 = System.nanoTime();
      double[] lat = loadAll(pool, names);
      double issuedMs = (System.nanoTime() - t0) / 1e6;
      out.log("load many: %,d loads issued in %.1f s; waiting for LOADED", count, issuedMs / 1000);
      Map<String, long[]> done = new ConcurrentHashMap<>();
      List<String> pending = new ArrayList<>(names);
      awaitLoaded(pool, pending, done, t0, count);
      double allMs = (System.nanoTime() - t0) / 1e6;
      long commit1 = Bench.maxCommitIndex(client);
      long minCreated = done.values().stream().mapToLong(v -> v[0]).min().orElse(0);
      long maxLoaded = done.values().stream().mapToLong(v -> v[1]).max().orElse(0);
      double[] perColl = done.values().stream().mapToDouble(v -> v[1] - v[0]).sorted().toArray();
      double[] sorted = lat.clone();
      Arrays.sort(sorted);
      int tenth = Math.max(1, count / 10);
      double firstTenth = Arrays.stream(lat, 0, tenth).average().orElse(0);
      double lastTenth = Arrays.stream(lat, count - tenth, count).average().orElse(0);
      JsonObject o = new JsonObject();
      o.addProperty("workload", "load");
      o.addProperty("phase", "many");
      o.addProperty("collections", count);
      o.addProperty("partitions", plan.partitions());
      o.addProperty("nodes", plan.manyNodes());
      o.addProperty("concurrency", plan.loadConcurrency());
      o.addProperty("createSeconds", BenchOutput.round1(createS));
      o.addProperty("issuedMs", BenchOutput.round1(issuedMs));
      o.addProperty("allLoadedMs", pending.isEmpty() ? BenchOutput.round1(allMs) : null);
      o.addProperty("loaded", done.size());
      o.addProperty("serverSpanMs", maxLoaded - minCreated);
      o.addProperty("perCollectionLoadedMsP50", BenchOutput.round1(pct(perColl, 50)));
      o.addProperty("perCollectionLoadedMsMax", BenchOutput.round1(pct(perColl, 100)));
      o.addProperty("loadCallMsP50", BenchOutput.round1(pct(sorted, 50)));
      o.addProperty("loadCallMsP99", BenchOutput.round1(pct(sorted, 99)));
      o.addProperty("loadCallMsMax", BenchOutput.round1(pct(sorted, 100)));
      o.addProperty("loadCallMsFirstTenth", BenchOutput.round1(firstTenth));
      o.addProperty("loadCallMsLastTenth", BenchOutput.round1(lastTenth));
      o.addProperty("entries", commit0 < 0 || commit1 < 0 ? -1 : commit1 - commit0);
      out.emit(o, String.format(Locale.ROOT, "many: %,d collections x %d partitions (1 shard, no segments), %d nodes, 1 replica,"
              + " %d loads in flight: created in %.1f s; loads issued in %.1f s, all LOADED after %s ms (%,d of %,d; server"
              + " span first created -> last loaded %,d ms); per collection created -> LOADED p50 %.0f ms, max %.0f ms;"
              + " load call p50 %.1f ms, p99 %.1f ms, max %.1f ms (first tenth %.1f ms, last tenth %.1f ms); %,d entries",
          count, plan.partitions(), plan.manyNodes(), plan.loadConcurrency(), createS, issuedMs / 1000,
          pending.isEmpty() ? String.format(Locale.ROOT, "%.0f", allMs) : "never (timed out)", done.size(), count,
          maxLoaded - minCreated, pct(perColl, 50), pct(perColl, 100), pct(sorted, 50), pct(sorted, 99),
          pct(sorted, 100), firstTenth, lastTenth, commit0 < 0 || commit1 < 0 ? -1 : commit1 - commit0));
      dropAll(pool, names);
    } finally {
      pool.shutdownNow();
    }
  }

  /** Creates {@code names}, 64 creates in flight; returns the seconds it took. */
  private double createAll(List<String> names) {
    long c0 = System.nanoTime();
    Semaphore slots = new Semaphore(64);
    List<CompletableFuture<?>> creates = new ArrayList<>();
    for (String n : names) {
      slots.acquireUninterruptibly();
      creates.add(client.catalog().createCollectionAsync(CreateCollectionRequest.newBuilder().setDb(plan.db()).setName(n)
          .setSchema(SCHEMA).setShardsNum(1).setNumPartitions(plan.partitions()).build())
          .whenComplete((r, e) -> slots.release()));
    }
    creates.forEach(Futures::join);
    return (System.nanoTime() - c0) / 1e9;
  }

  /** Calls load (1 replica) on each of {@code names} from {@code pool}; returns each call's latency in ms. */
  private double[] loadAll(ExecutorService pool, List<String> names) {
    double[] lat = new double[names.size()];
    List<Future<?>> fs = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      int k = i;
      fs.add(pool.submit(() -> {
        long s = System.nanoTime();
        LoadCalls.retry(() -> client.queryCoord().load(plan.db(), names.get(k), 1, List.of()));
        lat[k] = (System.nanoTime() - s) / 1e6;
      }));
    }
    for (Future<?> f : fs) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted");
      } catch (ExecutionException e) {
        throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
      }
    }
    return lat;
  }

  /**
   * Sweeps loadState over {@code pending} every 200 ms until none is left or the load timeout
   * (from {@code t0}) passed; a LOADED one moves to {@code done} as {created ms, loaded ms, nanoTime seen}.
   */
  private void awaitLoaded(ExecutorService pool, List<String> pending, Map<String, long[]> done, long t0, int count) {
    long lastLog = System.nanoTime();
    while (!pending.isEmpty() && System.nanoTime() - t0 < LoadCalls.LOAD_TIMEOUT_MS * 1_000_000) {
      List<Future<?>> sweep = new ArrayList<>();
      for (String n : pending) {
        sweep.add(pool.submit(() -> {
          LoadStateReply r = client.queryCoord().loadState(plan.db(), n, false);
          if (r.getState() == LoadState.LOADED) {
            done.put(n, new long[] {r.getLoad().getCreatedMs(), r.getLoad().getLoadedMs(), System.nanoTime()});
          }
        }));
      }
      for (Future<?> f : sweep) {
        try {
          f.get();
        } catch (Exception e) {
          // polled again next sweep
        }
      }
      pending.removeIf(done::containsKey);
      if (System.nanoTime() - lastLog > 10_000_000_000L) {
        lastLog = System.nanoTime();
        out.log("load many: %,d of %,d LOADED after %.0f s", done.size(), count, (lastLog - t0) / 1e9);
      }
      if (!pending.isEmpty()) {
        ClosedLoop.sleepQuietly(200);
      }
    }
  }

  private void dropAll(ExecutorService pool, List<String> names) {
    long r0 = System.nanoTime();
    List<Future<?>> rel = new ArrayList<>();
    for (String n : names) {
      rel.add(pool.submit(() -> calls.dropQuietly(n)));
    }
    for (Future<?> f : rel) {
      try {
        f.get();
      } catch (Exception e) {
        // logged by dropQuietly
      }
    }
    out.log("load many: released and dropped %,d collections in %.1f s", names.size(), (System.nanoTime() - r0) / 1e9);
  }

  /** The {@code p}th percentile of {@code sorted} (nearest rank); NaN when empty. */
  static double pct(double[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}
