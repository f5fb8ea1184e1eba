package io.raftcoord.server.chaos;

import java.util.Optional;
import java.util.Random;

/**
 * A fault plug-in of the nemesis suite. {@link #inject} performs one fault AND its healing (it
 * returns with the cluster whole again: every replica running, connected, clocks restored),
 * logging each step to the timeline. Invariants: a fault never leaves the cluster without a
 * path back to a healthy majority; a fault that the machine cannot do says why in
 * {@link #unavailableReason} and is skipped.
 */
public interface Fault {
  /** The name used on the command line ({@code --faults kill,pause,partition,clock,disk,snapshot,crash-majority,crash-all}). */
  String name();

  /** Why this fault cannot run here (e.g. no network namespaces), or empty if it can. */
  default Optional<String> unavailableReason(ChaosEnv env) {
    return Optional.empty();
  }

  void inject(ChaosEnv env, Random random) throws Exception;
}
