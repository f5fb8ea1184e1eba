package io.raftcoord.statemachine.domain;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * What lives as long as the replica process, across the state swaps of a snapshot install: a
 * monotonic clock for leader-local soft state (never read by apply), the planted bugs, and each
 * domain's leader-local soft state.
 */
public final class DomainEnv {
  private final String replicaId;
  private final LongSupplier clockMs;
  private final Set<PlantedBug> plantedBugs;
  private final Map<String, Object> leaderLocal = new ConcurrentHashMap<>();

  public DomainEnv(String replicaId, LongSupplier clockMs, Set<PlantedBug> plantedBugs) {
    this.replicaId = replicaId;
    this.clockMs = clockMs;
    this.plantedBugs = Set.copyOf(plantedBugs);
  }

  /** The Raft peer id of this replica (what reads that describe the replica report). */
  public String replicaId() {
    return replicaId;
  }

  /** A monotonic clock in ms, for soft state only. */
  public long clockMs() {
    return clockMs.getAsLong();
  }

  public LongSupplier clock() {
    return clockMs;
  }

  public boolean planted(PlantedBug bug) {
    return plantedBugs.contains(bug);
  }

  public Set<PlantedBug> plantedBugs() {
    return plantedBugs;
  }

  /** The leader-local soft state of one domain, made on first use and kept across state swaps. */
  @SuppressWarnings("unchecked")
  public <T> T leaderLocal(String domain, Class<T> type, Supplier<T> make) {
    return type.cast(leaderLocal.computeIfAbsent(domain, d -> make.get()));
  }

  /**
   * Without a clock (it reads 0): for a state opened without a server, whose leader-local soft
   * state nobody reads.
   */
  public static DomainEnv unclocked(String replicaId, Set<PlantedBug> bugs) {
    return new DomainEnv(replicaId, () -> 0L, bugs);
  }
}
