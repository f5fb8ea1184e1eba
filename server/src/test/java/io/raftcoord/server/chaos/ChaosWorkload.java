package io.raftcoord.server.chaos;

import java.util.List;

/**
 * A workload plug-in of the nemesis suite: drives operations against the cluster while faults
 * are injected, records its own history, and checks it once the cluster is healed. Invariants:
 * an operation whose outcome is unknown (timeout, unavailable) is recorded as such, never as a
 * failure; {@link #stop()} returns only when no operation is outstanding.
 */
public interface ChaosWorkload {
  /** The name used on the command line ({@code --workloads tso,ids,ddl,kv}). */
  String name();

  /** Starts the workload's client threads. */
  void start(ChaosEnv env) throws Exception;

  /** Stops issuing operations and waits (bounded) for outstanding ones. */
  void stop() throws Exception;

  /** The history as JSON lines (one object per operation, with at least "workload" and "type"). */
  List<String> historyLines();

  /** Checks the history against the healed cluster; may read from it. */
  List<Verdict> check(ChaosEnv env) throws Exception;

  /**
   * Whether the history so far already shows a violation that nothing recorded later can undo,
   * so that a run expecting one (a planted bug) may stop early. Cheap; called while the load runs.
   */
  default boolean violationSeen(ChaosEnv env) {
    return false;
  }
}
