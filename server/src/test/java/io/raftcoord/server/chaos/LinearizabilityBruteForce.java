package io.raftcoord.server.chaos;

import io.raftcoord.server.chaos.KvHistoryOp.Outcome;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The definition of register linearizability, by exhaustive search, for tiny one-key histories
 * (an oracle for the checker's tests). Invariants: OK ops must all be placed, except optional
 * ones; UNKNOWN writes may be placed anywhere after their invocation or left out; optional OK
 * writes may be placed by their completion or left out; FAIL writes and reads that did not
 * return OK are left out; no op is placed after an op invoked after its completion (UNKNOWN ops
 * never complete); the register starts with {@code initial}.
 */
final class LinearizabilityBruteForce {
  private LinearizabilityBruteForce() {}

  static boolean linearizable(List<KvHistoryOp> history) {
    return linearizable(history, null, Set.of());
  }

  static boolean linearizable(List<KvHistoryOp> history, String initial, Set<Integer> optional) {
    List<KvHistoryOp> ops = history.stream().filter(KvHistoryOp::informative).toList();
    if (ops.size() > 20) {
      throw new IllegalArgumentException("too many ops for brute force: " + ops.size());
    }
    boolean[] required = new boolean[ops.size()];
    for (int i = 0; i < ops.size(); i++) {
      required[i] = ops.get(i).outcome() == Outcome.OK && !optional.contains(ops.get(i).id());
    }
    return place(ops, required, 0, initial);
  }

  private static boolean place(List<KvHistoryOp> ops, boolean[] required, int placed, String register) {
    boolean done = true;
    for (int i = 0; i < ops.size(); i++) {
      done &= (placed & (1 << i)) != 0 || !required[i];
    }
    if (done) {
      return true;
    }
    for (int x = 0; x < ops.size(); x++) {
      if ((placed & (1 << x)) != 0 || !mayGoNext(ops, required, placed, x)) {
        continue;
      }
      KvHistoryOp op = ops.get(x);
      if (op.isWrite()) {
        if (place(ops, required, placed | (1 << x), op.value())) {
          return true;
        }
      } else if (Objects.equals(op.value(), register) && place(ops, required, placed | (1 << x), register)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether x may go next: no required op that returned before x was invoked is left, and no op
   * already placed was invoked after x returned.
   */
  private static boolean mayGoNext(List<KvHistoryOp> ops, boolean[] required, int placed, int x) {
    KvHistoryOp op = ops.get(x);
    long end = op.outcome() == Outcome.OK ? op.completeNs() : Long.MAX_VALUE;
    for (int y = 0; y < ops.size(); y++) {
      KvHistoryOp o = ops.get(y);
      boolean isPlaced = (placed & (1 << y)) != 0;
      if (!isPlaced && y != x && required[y] && o.completeNs() < op.invokeNs()) {
        return false;
      }
      if (isPlaced && end < o.invokeNs()) {
        return false;
      }
    }
    return true;
  }
}
