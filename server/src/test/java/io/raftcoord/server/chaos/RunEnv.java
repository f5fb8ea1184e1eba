package io.raftcoord.server.chaos;

import io.raftcoord.client.CoordClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The {@link ChaosEnv} of a {@link ChaosRun}. */
final class RunEnv implements ChaosEnv {
  /** The upper bound of the replicas' election timeout ({@code RatisTuning}: 150-300 ms). */
  static final Duration ELECTION_TIMEOUT = Duration.ofMillis(300);
  /** The planted bug of the clients, done by the kv workload itself ({@link StaleReads}). */
  static final String CLIENT_BUG = "stale-read";

  private final long originNanos;
  private final ChaosReplicas cluster;
  private final NetnsNetwork network;
  private final Timeline timeline;
  private final Path reportDir;
  private final Set<String> plantedBugs;
  private final long seed;

  RunEnv(long originNanos, ChaosReplicas cluster, NetnsNetwork network, Timeline timeline, Path reportDir,
         Set<String> plantedBugs, long seed) {
    this.originNanos = originNanos;
    this.cluster = cluster;
    this.network = network;
    this.timeline = timeline;
    this.reportDir = reportDir;
    this.plantedBugs = Set.copyOf(plantedBugs);
    this.seed = seed;
  }

  @Override
  public String peers() {
    return cluster.peers();
  }

  @Override
  public List<String> peerIds() {
    return List.of("n1", "n2", "n3");
  }

  @Override
  public CoordClient newClient(Duration deadline) {
    return CoordClient.builder().peers(peers()).deadline(deadline).build();
  }

  @Override
  public ChaosReplicas cluster() {
    return cluster;
  }

  @Override
  public Optional<ChaosNetwork> network() {
    return Optional.ofNullable(network);
  }

  Optional<NetnsNetwork> netns() {
    return Optional.ofNullable(network);
  }

  @Override
  public void event(String fault, String what, Map<String, Object> details) {
    timeline.add(nowMsExact(), fault, what, details);
  }

  double nowMsExact() {
    return (System.nanoTime() - originNanos) / 1e6;
  }

  @Override
  public long nowMs() {
    return (System.nanoTime() - originNanos) / 1_000_000;
  }

  @Override
  public Path reportDir() {
    return reportDir;
  }

  @Override
  public Duration electionTimeout() {
    return ELECTION_TIMEOUT;
  }

  @Override
  public long originNanos() {
    return originNanos;
  }

  @Override
  public Set<String> plantedBugs() {
    return plantedBugs;
  }

  @Override
  public long seed() {
    return seed;
  }

  Timeline timeline() {
    return timeline;
  }

  @Override
  public List<Timeline.Event> faultEvents() {
    return timeline.events();
  }
}
