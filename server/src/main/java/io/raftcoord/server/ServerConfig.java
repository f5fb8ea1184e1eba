package io.raftcoord.server;

import io.raftcoord.proto.ClusterLayout;
import io.raftcoord.statemachine.domain.PlantedBug;
import java.nio.file.Path;
import io.raftcoord.statemachine.version.ApplyVersions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One replica's configuration. {@code ratisOverrides} are raw {@code raft.*} keys from the
 * properties file, applied after the tuned defaults of {@link RatisTuning}.
 *
 * @param index 1-based position of this replica in {@code peers}
 * @param adminPort admin HTTP port; 0 picks a free one, negative disables it
 */
public record ServerConfig(int index, List<ClusterLayout.Peer> peers, Path dataDir, int adminPort,
                           long snapshotThreshold, long segmentSizeBytes, Set<PlantedBug> plantedBugs,
                           boolean testClockControl, Map<String, String> ratisOverrides,
                           ApplyVersions applyVersions) {
  public static final long DEFAULT_SNAPSHOT_THRESHOLD = 20_000;
  public static final long DEFAULT_SEGMENT_SIZE = 8L << 20;

  public ServerConfig {
    if (index < 1 || index > peers.size()) {
      throw new IllegalArgumentException("id: must be between 1 and " + peers.size() + " (the number of peers), got " + index);
    }
    if (snapshotThreshold < 1) {
      throw new IllegalArgumentException("snapshot.threshold: must be positive, got " + snapshotThreshold);
    }
    peers = List.copyOf(peers);
    plantedBugs = Set.copyOf(plantedBugs);
    ratisOverrides = new TreeMap<>(ratisOverrides);
  }

  public ClusterLayout.Peer self() {
    return peers.get(index - 1);
  }

  public Path raftDir() {
    return dataDir.resolve("raft");
  }

  public Path dbDir() {
    return dataDir.resolve("db");
  }

  public static ServerConfig defaults(int index, List<ClusterLayout.Peer> peers, Path dataDir) {
    return new ServerConfig(index, peers, dataDir, -1, DEFAULT_SNAPSHOT_THRESHOLD, DEFAULT_SEGMENT_SIZE,
        Set.of(), false, Map.of(), ApplyVersions.THIS_BINARY);
  }

  public ServerConfig withSnapshot(long threshold, long segmentSize) {
    return new ServerConfig(index, peers, dataDir, adminPort, threshold, segmentSize, plantedBugs,
        testClockControl, ratisOverrides, applyVersions);
  }

  /** Tests only: a binary that supports other apply versions than this one. */
  public ServerConfig withApplyVersions(ApplyVersions versions) {
    return new ServerConfig(index, peers, dataDir, adminPort, snapshotThreshold, segmentSizeBytes, plantedBugs,
        testClockControl, ratisOverrides, versions);
  }
}
