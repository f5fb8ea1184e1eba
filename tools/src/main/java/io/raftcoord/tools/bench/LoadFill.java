package io.raftcoord.tools.bench;

import io.raftcoord.client.CoordClient;
import io.raftcoord.proto.datacoord.DataCoordSettings;
import java.io.PrintWriter;
import java.util.List;
import java.util.Set;

/**
 * Fills the collections of the load, kill and plan phases with FLUSHED segments through the API,
 * as segments-scale does ({@link SegmentFill}). Up to 4 data nodes watch the channels from
 * {@link #start} until {@link #close}; max_segments is raised once, at the start, to fit every
 * collection the run will fill, and left so.
 */
final class LoadFill implements AutoCloseable {
  private final CoordClient client;
  private final LoadPlan plan;
  private final PrintWriter err;
  private final BenchOutput out;
  private final DataNodeSessions dataNodes;
  private final LogIds logIds;
  private final long maxRows;

  private LoadFill(CoordClient client, LoadPlan plan, PrintWriter err, BenchOutput out, DataNodeSessions dataNodes,
      LogIds logIds, long maxRows) {
    this.client = client;
    this.plan = plan;
    this.err = err;
    this.out = out;
    this.dataNodes = dataNodes;
    this.logIds = logIds;
    this.maxRows = maxRows;
  }

  static LoadFill start(CoordClient client, LoadPlan plan, String tag, PrintWriter err, BenchOutput out) {
    DataCoordSettings s = client.dataCoord().settings();
    long maxRows = SegmentsBench.maxRows(s);
    long need = Math.max(plan.segments() * plan.runs(), plan.planSegments().stream().mapToLong(Long::longValue).max()
        .orElse(0));
    long want = need * 2 + 100_000;
    if (s.getMaxSegments() < want) {
      client.dataCoord().setSettings(DataCoordSettings.newBuilder().setMaxSegments(want).build());
      out.log("load: max_segments %,d -> %,d (left so)", s.getMaxSegments(), want);
    }
    DataNodeSessions dataNodes = DataNodeSessions.start(client, Math.max(1, Math.min(plan.shards(), 4)), tag, err);
    try {
      ClosedLoop.sleepQuietly(DataNodeSessions.SETTLE_MS);
      return new LoadFill(client, plan, err, out, dataNodes, new LogIds(client, 1 << 22), maxRows);
    } catch (RuntimeException | Error e) {
      dataNodes.close();
      throw e;
    }
  }

  /** A new collection of {@code shards} channels filled with {@code n} FLUSHED segments. */
  SegmentCollections.Coll filled(String name, long n, int shards) {
    SegmentCollections.Coll c = SegmentCollections.create(client, plan.db(), List.of(name), shards, err).get(0);
    try (ChannelOwners owners = new ChannelOwners(client, dataNodes, Set.copyOf(c.channels()), x -> { }, 300);
         TsClock clock = new TsClock(client, 200)) {
      if (owners.awaitAll(120_000) < c.channels().size()) {
        throw new IllegalStateException("the data nodes did not watch every channel of " + name + " within 120 s");
      }
      SegmentFill fill = new SegmentFill(client, owners, logIds, clock, plan.binlogs(), plan.inFlight(),
          plan.requestsPerAssign(), err);
      double s = fill.fill(c, n, maxRows, name);
      out.log("load: %s filled with %,d FLUSHED segments in %.1f s (%,.0f/s)", name, n, s, n / s);
    }
    return c;
  }

  @Override
  public void close() {
    dataNodes.close();
  }
}
