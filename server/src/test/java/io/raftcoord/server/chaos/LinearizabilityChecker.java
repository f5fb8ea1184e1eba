package io.raftcoord.server.chaos;

import io.raftcoord.server.chaos.LinearizabilityResult.Finding;
import io.raftcoord.server.chaos.LinearizabilityResult.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks a kv history for linearizability, one register (key) at a time — linearizability is
 * compositional, so the history is linearizable iff every key's is. Semantics: OK ops take effect
 * within [invoke, complete]; UNKNOWN writes at any time after invoke, or never; FAIL writes never;
 * reads that did not return OK are ignored; a register is absent until written. Invariants: a key
 * passes only when its search completed; a search over budget yields UNKNOWN, never a pass; each
 * failing key comes with the smallest window that shows it ({@link LinearizabilityMinimizer},
 * rendered by {@link LinearizabilityWindow}).
 */
public final class LinearizabilityChecker {
  /**
   * Search steps allowed per key (about 0.5 s and at most ~180 MB of memo): about one step per op
   * suffices for the histories of a correct system, and proving a violation takes far fewer than
   * this unless some 16+ ops are concurrent.
   */
  public static final long DEFAULT_MAX_STEPS_PER_KEY = 4_000_000;

  private final long maxStepsPerKey;

  public LinearizabilityChecker() {
    this(DEFAULT_MAX_STEPS_PER_KEY);
  }

  public LinearizabilityChecker(long maxStepsPerKey) {
    this.maxStepsPerKey = maxStepsPerKey;
  }

  public LinearizabilityResult check(List<KvHistoryOp> history) {
    Map<String, List<KvHistoryOp>> byKey = new TreeMap<>();
    for (KvHistoryOp op : history) {
      byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
    }
    List<Finding> findings = new ArrayList<>();
    long opsChecked = 0;
    long steps = 0;
    for (Map.Entry<String, List<KvHistoryOp>> e : byKey.entrySet()) {
      LinearizabilityKey key = new LinearizabilityKey(e.getKey(), e.getValue());
      opsChecked += key.informative();
      LinearizabilitySearch.Outcome o = null;
      if (key.problem() == null) {
        o = key.search().run(maxStepsPerKey);
        steps += o.steps();
        if (o.kind() == LinearizabilitySearch.Kind.LINEARIZABLE) {
          continue;
        }
        if (o.kind() == LinearizabilitySearch.Kind.BUDGET_EXCEEDED) {
          findings.add(LinearizabilityWindow.furthestPoint(key, o, Status.UNKNOWN, "unknown (search budget exceeded: "
              + maxStepsPerKey + " steps over " + key.kept().size() + " ops; the furthest point reached had "
              + o.prefix() + " ops linearized)"));
          continue;
        }
      }
      findings.add(violation(key, o));
    }
    return LinearizabilityResult.of(byKey.size(), opsChecked, steps, findings);
  }

  /**
   * The finding for a key shown not linearizable (by a precheck, or by the search's outcome
   * {@code o}): the minimized window, or the read's own window when the first op that cannot be
   * linearized is a read refuted before searching (a value never written, or read before its
   * write was invoked); the search's furthest point if nothing smaller was proven. Each probe of the minimizer gets a few times the steps the whole search took.
   */
  private Finding violation(LinearizabilityKey key, LinearizabilitySearch.Outcome o) {
    long perProbe = Math.min(maxStepsPerKey, Math.max(200_000, 4 * (o == null ? 0 : o.steps())));
    long notBefore = o == null || o.stuck() < 0 ? Long.MIN_VALUE : key.deadline(key.kept().get(o.stuck()));
    LinearizabilityMinimizer.Window w = new LinearizabilityMinimizer(key.key(), key.all(), perProbe).minimize(notBefore);
    if (w != null && key.problem() != null && w.culprits().contains(key.problem().read())) {
      return LinearizabilityWindow.problem(key, key.problem());
    }
    if (w != null) {
      return LinearizabilityWindow.minimized(key, w);
    }
    return key.problem() != null ? LinearizabilityWindow.problem(key, key.problem())
        : LinearizabilityWindow.furthestPoint(key, o, Status.VIOLATION, null);
  }
}
