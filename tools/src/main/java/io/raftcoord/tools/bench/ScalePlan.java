package io.raftcoord.tools.bench;

import io.raftcoord.tools.cli.CliSupport;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What {@code bench.sh segments-scale} runs, validated: the fill (segments, binlogs each, the listed
 * collection's share, collections, channels and data nodes, commands in flight), the list timing,
 * the restarts and where the replicas keep their data.
 */
record ScalePlan(long segments, int binlogs, int listSegments, int listRuns, int pageSize, int nodes,
    int collections, int shards, int inFlight, int requestsPerAssign, boolean restartFollower, boolean restartCluster, Path dataDir,
    String db, long catchupTimeoutMs) {
  static final int DEFAULT_NODES = 8;
  static final int DEFAULT_COLLECTIONS = 100;
  static final int DEFAULT_SHARDS = 2;
  /** The size the first list is timed at. */
  static final long SMALL_TOTAL = 10_000;

  static ScalePlan of(Bench b) {
    if (b.segments < 2 || b.segments > 100_000_000L) {
      throw new CliSupport.UsageException("--segments must be 2..100000000, got " + b.segments);
    }
    if (b.listCollectionSegments < 1 || b.listCollectionSegments >= b.segments) {
      throw new CliSupport.UsageException("--list-collection-segments must be 1..--segments - 1 (" + (b.segments - 1)
          + "), got " + b.listCollectionSegments);
    }
    if (b.binlogs < 1 || b.binlogs > 1000) {
      throw new CliSupport.UsageException("--binlogs must be 1..1000, got " + b.binlogs);
    }
    if (b.listRuns < 1 || b.listRuns > 101) {
      throw new CliSupport.UsageException("--list-runs must be 1..101, got " + b.listRuns);
    }
    if (b.pageSize < 1 || b.pageSize > 100_000) {
      throw new CliSupport.UsageException("--page-size must be 1..100000 (the server's most), got " + b.pageSize);
    }
    int nodes = b.nodes == null ? DEFAULT_NODES : b.nodes;
    if (nodes < 1 || nodes > 1000) {
      throw new CliSupport.UsageException("--nodes must be 1..1000, got " + nodes);
    }
    int collections = b.collections == null ? DEFAULT_COLLECTIONS : b.collections;
    if (collections < 1 || collections > 10_000) {
      throw new CliSupport.UsageException("--collections must be 1..10000, got " + collections);
    }
    int shards = b.shards == null ? DEFAULT_SHARDS : b.shards;
    if (shards < 1 || shards > SegmentsPlan.MAX_SHARDS) {
      throw new CliSupport.UsageException("--shards must be 1.." + SegmentsPlan.MAX_SHARDS + ", got " + shards);
    }
    if (b.inFlight < 1 || b.inFlight > 64) {
      throw new CliSupport.UsageException("--in-flight must be 1..64, got " + b.inFlight);
    }
    if (b.requestsPerAssign < 1 || b.requestsPerAssign > SegmentFill.MAX_REQUESTS_PER_ASSIGN) {
      throw new CliSupport.UsageException("--requests-per-assign must be 1.." + SegmentFill.MAX_REQUESTS_PER_ASSIGN
          + " (the server's most), got " + b.requestsPerAssign);
    }
    boolean follower = false;
    boolean cluster = false;
    String spec = b.restarts == null ? "" : b.restarts.strip().toLowerCase(Locale.ROOT);
    if (!spec.equals("none")) {
      for (String part : spec.split(",", -1)) {
        switch (part.strip()) {
          case "follower" -> follower = true;
          case "cluster" -> cluster = true;
          default -> throw new CliSupport.UsageException("--restarts: unknown '" + part.strip()
              + "'; expected follower, cluster, both (follower,cluster) or none");
        }
      }
    }
    Path dataDir = b.dataDir != null ? b.dataDir
        : Path.of(System.getenv().getOrDefault("RAFTCOORD_DATA", "data"));
    long catchup = Stats.seconds("--catchup-timeout", b.catchupTimeoutSeconds, false);
    return new ScalePlan(b.segments, b.binlogs, b.listCollectionSegments, b.listRuns, b.pageSize, nodes, collections,
        shards, b.inFlight, b.requestsPerAssign, follower, cluster, dataDir, b.db, catchup);
  }

  boolean restartsAny() {
    return restartFollower || restartCluster;
  }

  /** Segments of the fill collections (all but the listed collection's). */
  long fillSegments() {
    return segments - listSegments;
  }
}
