package io.raftcoord.server.chaos;

import io.raftcoord.client.CoordClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What workloads, faults and checkers of the nemesis suite see of a run: the three replica
 * processes, the network between them, clients, the fault timeline and the report folder.
 * Replicas are numbered 1..3 and their Raft peer ids are "n1".."n3".
 */
public interface ChaosEnv {
  /** Client-reachable addresses of all replicas ({@code host:port,...}). */
  String peers();

  /** "n1", "n2", "n3". */
  List<String> peerIds();

  /** A new client of the cluster with this per-call deadline; the caller closes it. */
  CoordClient newClient(Duration deadline);

  /** The replica processes (kill -9, SIGSTOP/SIGCONT, restart, status, leader). */
  ChaosCluster cluster();

  /** The network between replicas, if this machine can partition it (root + network namespaces). */
  Optional<ChaosNetwork> network();

  /** Records one nemesis step in the timeline ({@code faults.jsonl}), stamped with the run clock. */
  void event(String fault, String what, Map<String, Object> details);

  /** Milliseconds since the run started (the clock of history and timeline). */
  long nowMs();

  /** The report folder of this run. */
  Path reportDir();

  /** The replicas' election timeout upper bound (faults last several of them). */
  Duration electionTimeout();

  // ---- added for the suite's own workloads; defaults so that test doubles need not implement them ----

  /** {@code System.nanoTime()} at the run's start: {@code nowMs() == (System.nanoTime() - originNanos()) / 1e6}. */
  default long originNanos() {
    return System.nanoTime() - nowMs() * 1_000_000L;
  }

  /**
   * The planted bugs of this run ({@code --planted-bug}), e.g. "tso-local"; empty normally.
   * Replica bugs are on the replicas' command line; the client bug "stale-read" is done by the
   * workload it concerns (kv), since the client library has no test switches.
   */
  default Set<String> plantedBugs() {
    return Set.of();
  }

  /** The run's seed ({@code --seed}), for reproducible choices. */
  default long seed() {
    return 0;
  }

  /**
   * The fault timeline so far, in order: each fault's {@code begin} and {@code end}, and
   * {@code heal}/{@code whole} each time the cluster was whole again (a checker that must know
   * when the quorum was disturbed reads it).
   */
  default List<Timeline.Event> faultEvents() {
    return List.of();
  }
}
