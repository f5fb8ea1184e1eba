package io.raftcoord.server.chaos;

import io.raftcoord.server.chaos.KvHistoryOp.Outcome;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Shrinks a non-linearizable register history to the smallest window that proves it, by two
 * binary searches over probes (each probe is a full check of a sub-history):
 * <ol>
 *   <li>the first op that cannot be linearized: the earliest time T such that the history as
 *   known at T (ops invoked after T left out; writes still running at T turned UNKNOWN, reads
 *   still running left out) is already not linearizable — the culprits are the ops returning at T;
 *   <li>the latest start S such that the ops invoked in [S, T] alone are not linearizable,
 *   whatever the register held at S: the writes invoked before S that may have taken effect after
 *   it are carried in as optional (in the window by their deadline, or never), reads invoked
 *   before S are left out, and every initial value that a read of the window could observe is
 *   tried.
 * </ol>
 * Invariants: a window is reported only after a probe showed it not linearizable, so a window
 * is a self-contained proof, even where probes are not monotone; a probe over budget counts as
 * linearizable (unproven), which can only make the window larger.
 */
final class LinearizabilityMinimizer {
  /** The window [from, to] ({@code from == Long.MIN_VALUE}: from the start, register absent). */
  record Window(List<KvHistoryOp> culprits, long from, long to, List<KvHistoryOp> ops, Set<Integer> carriedIn,
                int probes) {}

  /** An initial value no op reads or writes. */
  private static final String OTHER = "\u0000other";
  private static final int MAX_INITIAL_VALUES = 16;

  private final String key;
  private final List<KvHistoryOp> history;
  private final long maxSteps;
  private int probes;

  LinearizabilityMinimizer(String key, List<KvHistoryOp> history, long maxStepsPerProbe) {
    this.key = key;
    this.history = history;
    this.maxSteps = maxStepsPerProbe;
  }

  /**
   * The window, or null if not even the whole history could be shown non-linearizable by a probe.
   * {@code notBeforeNs}: a time before which the history is known linearizable (the search's
   * furthest point), where the search for T starts; both searches gallop from the cheap end
   * (short prefixes for T, short windows for S) and then bisect.
   */
  Window minimize(long notBeforeNs) {
    List<Long> ts = new ArrayList<>(new TreeSet<>(history.stream().filter(op -> op.outcome() == Outcome.OK)
        .map(KvHistoryOp::completeNs).toList()));
    int last = ts.size() - 1;
    if (last < 0 || !fails(ts.get(last), Long.MIN_VALUE)) {
      return null;
    }
    int lo = -1;
    while (lo + 1 < last && ts.get(lo + 1) < notBeforeNs) {
      lo++;
    }
    int hi = last;
    for (int step = 1; lo + step < last; step *= 2) {
      if (fails(ts.get(lo + step), Long.MIN_VALUE)) {
        hi = lo + step;
        break;
      }
      lo += step;
    }
    while (hi - lo > 1) {
      int mid = (lo + hi) >>> 1;
      if (fails(ts.get(mid), Long.MIN_VALUE)) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    long t = ts.get(hi);
    List<KvHistoryOp> culprits = history.stream().filter(op -> op.outcome() == Outcome.OK && op.completeNs() == t)
        .toList();
    long latestStart = culprits.stream().mapToLong(KvHistoryOp::invokeNs).min().orElse(t);
    List<Long> ss = new ArrayList<>(new TreeSet<>(history.stream().map(KvHistoryOp::invokeNs)
        .filter(x -> x <= latestStart).toList()));
    int good = -1;
    int bad = ss.size();
    for (int step = 1; bad - step > good; step *= 2) {
      if (fails(t, ss.get(bad - step))) {
        good = bad - step;
        break;
      }
      bad -= step;
    }
    while (bad - good > 1) {
      int mid = (good + bad) >>> 1;
      if (fails(t, ss.get(mid))) {
        good = mid;
      } else {
        bad = mid;
      }
    }
    long s = good < 0 ? Long.MIN_VALUE : ss.get(good);
    Set<Integer> carried = new HashSet<>();
    List<KvHistoryOp> ops = window(t, s, carried);
    return new Window(culprits, s, t, ops, carried, probes);
  }

  /** Whether the window [s, t] is shown not linearizable for every initial value it could observe. */
  private boolean fails(long t, long s) {
    probes++;
    Set<Integer> carriedIn = new HashSet<>();
    List<KvHistoryOp> ops = window(t, s, carriedIn);
    if (s == Long.MIN_VALUE) {
      return failsFrom(ops, carriedIn, null);
    }
    Set<String> initials = initialValues(ops, carriedIn);
    if (initials.size() > MAX_INITIAL_VALUES) {
      return false;
    }
    for (String initial : initials) {
      if (!failsFrom(ops, carriedIn, initial)) {
        return false;
      }
    }
    return true;
  }

  private boolean failsFrom(List<KvHistoryOp> ops, Set<Integer> carriedIn, String initial) {
    LinearizabilityKey k = new LinearizabilityKey(key, ops, initial, carriedIn);
    return k.problem() != null || k.search().run(maxSteps).kind() == LinearizabilitySearch.Kind.VIOLATION;
  }

  /**
   * The initial values that matter: absent, a value nobody reads, and the values of reads invoked
   * before the first write invoked in the window had to take effect (later reads cannot see the
   * initial value any more, unless the window writes it again, and then they are explained
   * either way; writes carried in may have happened before the window, so they do not count).
   */
  private static Set<String> initialValues(List<KvHistoryOp> ops, Set<Integer> carriedIn) {
    long firstDue = Long.MAX_VALUE;
    for (KvHistoryOp op : ops) {
      if (op.isWrite() && op.outcome() == Outcome.OK && !carriedIn.contains(op.id())) {
        firstDue = Math.min(firstDue, op.completeNs());
      }
    }
    Set<String> out = new LinkedHashSet<>();
    out.add(null);
    out.add(OTHER);
    for (KvHistoryOp op : ops) {
      if (!op.isWrite() && op.outcome() == Outcome.OK && op.invokeNs() <= firstDue) {
        out.add(op.value());
      }
    }
    return out;
  }

  /**
   * The sub-history of [s, t]: ops invoked after t are out; reads must be invoked at or after s
   * and returned OK by t; writes invoked at or after s are kept (UNKNOWN if not returned OK by
   * t); writes invoked before s are out if they returned OK before s (their effect is in the
   * initial value) and otherwise carried in as optional (they may have taken effect in the window).
   */
  private List<KvHistoryOp> window(long t, long s, Set<Integer> carriedIn) {
    List<KvHistoryOp> out = new ArrayList<>();
    for (KvHistoryOp op : history) {
      if (op.invokeNs() > t || op.outcome() == Outcome.FAIL) {
        continue;
      }
      boolean returnedOk = op.outcome() == Outcome.OK && op.completeNs() <= t;
      if (!op.isWrite()) {
        if (returnedOk && op.invokeNs() >= s) {
          out.add(op);
        }
      } else if (op.invokeNs() >= s) {
        out.add(returnedOk ? op : unknown(op));
      } else if (!(op.outcome() == Outcome.OK && op.completeNs() < s)) {
        out.add(returnedOk ? op : unknown(op));
        carriedIn.add(op.id());
      }
    }
    return out;
  }

  private static KvHistoryOp unknown(KvHistoryOp op) {
    return op.outcome() == Outcome.UNKNOWN && op.completeNs() == KvHistoryOp.PENDING ? op
        : new KvHistoryOp(op.id(), op.client(), op.type(), op.key(), op.value(), Outcome.UNKNOWN, op.invokeNs(),
            KvHistoryOp.PENDING, op.replica(), op.error());
  }
}
