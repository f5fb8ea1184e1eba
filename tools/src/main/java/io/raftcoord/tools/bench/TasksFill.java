package io.raftcoord.tools.bench;

import io.raftcoord.client.CoordClient;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The collections of {@code bench.sh tasks}, filled through the API as segments-scale fills
 * ({@link SegmentFill}): {@code collections} collections sharing the big segments (max rows
 * each: no compaction candidates) and one more holding the small ones (1/16 of max rows: mix
 * candidates). Four data nodes watch every channel from {@link #create} to {@link #close}, so
 * that channels keep their owners and checkpoints through the run.
 */
final class TasksFill implements AutoCloseable {
  private final CoordClient client;
  private final TasksPlan plan;
  private final BenchOutput out;
  private final DataNodeSessions dataNodes;
  private final ChannelOwners owners;
  private final List<SegmentCollections.Coll> big;
  private final SegmentCollections.Coll small;

  private TasksFill(CoordClient client, TasksPlan plan, BenchOutput out, DataNodeSessions dataNodes,
      ChannelOwners owners, List<SegmentCollections.Coll> big, SegmentCollections.Coll small) {
    this.client = client;
    this.plan = plan;
    this.out = out;
    this.dataNodes = dataNodes;
    this.owners = owners;
    this.big = big;
    this.small = small;
  }

  static TasksFill create(CoordClient client, TasksPlan plan, String tag, PrintWriter err, BenchOutput out) {
    DataNodeSessions nodes = DataNodeSessions.start(client, 4, tag, err);
    List<SegmentCollections.Coll> colls = List.of();
    ChannelOwners owners = null;
    try {
      ClosedLoop.sleepQuietly(DataNodeSessions.SETTLE_MS);
      List<String> names = new ArrayList<>();
      for (int i = 0; i < plan.collections(); i++) {
        names.add(tag + "_" + i);
      }
      if (plan.smallSegments() > 0) {
        names.add(tag + "_small");
      }
      colls = SegmentCollections.create(client, plan.db(), names, plan.shards(), err);
      Set<String> channels = new HashSet<>();
      colls.forEach(c -> channels.addAll(c.channels()));
      owners = new ChannelOwners(client, nodes, channels, x -> { }, 300);
      if (owners.awaitAll(120_000) < channels.size()) {
        throw new IllegalStateException("the data nodes did not watch every channel of the bench collections within"
            + " 120 s (is the datacoord-channels duty running on the leader?)");
      }
      List<SegmentCollections.Coll> bigs = colls.subList(0, plan.collections());
      SegmentCollections.Coll smallColl = plan.smallSegments() > 0 ? colls.get(plan.collections()) : null;
      return new TasksFill(client, plan, out, nodes, owners, List.copyOf(bigs), smallColl);
    } catch (RuntimeException | Error e) {
      if (owners != null) {
        owners.close();
      }
      if (!plan.keep() && !colls.isEmpty()) {
        SegmentCollections.drop(client, plan.db(), colls, err);
      }
      nodes.close();
      throw e;
    }
  }

  /** Fills every collection; returns the seconds it took. */
  double fill(PrintWriter err) {
    long t0 = System.nanoTime();
    try (TsClock clock = new TsClock(client, 200)) {
      SegmentFill fill = new SegmentFill(client, owners, new LogIds(client, 1 << 22), clock, plan.binlogs(),
          plan.inFlight(), plan.requestsPerAssign(), err);
      long bigTotal = plan.segments() - plan.smallSegments();
      for (int i = 0; i < big.size(); i++) {
        long n = bigTotal / big.size() + (i < bigTotal % big.size() ? 1 : 0);
        if (n > 0) {
          fill.fill(big.get(i), n, plan.bigRows(), big.get(i).name());
        }
      }
      if (small != null) {
        fill.fill(small, plan.smallSegments(), plan.smallRows(), small.name());
      }
    }
    double s = (System.nanoTime() - t0) / 1e9;
    out.log("tasks: %,d FLUSHED segments (%,d of %,d rows, %,d of %,d rows) in %.1f s (%,.0f/s)", plan.segments(),
        plan.segments() - plan.smallSegments(), plan.bigRows(), plan.smallSegments(), plan.smallRows(), s,
        plan.segments() / s);
    return s;
  }

  List<SegmentCollections.Coll> big() {
    return big;
  }

  /** The small segments' collection, or null with --small-segments 0. */
  SegmentCollections.Coll small() {
    return small;
  }

  @Override
  public void close() {
    owners.close();
    dataNodes.close();
    if (!plan.keep()) {
      List<SegmentCollections.Coll> all = new ArrayList<>(big);
      if (small != null) {
        all.add(small);
      }
      SegmentCollections.drop(client, plan.db(), all, out.err());
    }
  }
}
