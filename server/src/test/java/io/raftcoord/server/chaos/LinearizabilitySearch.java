package io.raftcoord.server.chaos;

import java.util.Arrays;

/**
 * Wing–Gong–Lowe search for ONE register (the algorithm of Lowe's "Testing for linearizability",
 * Knossos' wgl and porcupine): call/return entries sorted by time in a doubly linked list; the
 * search repeatedly linearizes a call that is allowed in the current state (removing the call and
 * its return from the list), and backtracks when it reaches a return whose op is not linearized
 * yet (that op had to take effect before it returned). Memoization: a (set of linearized ops,
 * register value) pair already explored is never explored again ({@link LinearizabilityMemo}), so the search is
 * bounded by the number of distinct such pairs, which for histories with bounded concurrency is
 * about ops × 2^concurrency in the worst case; each step costs O(1) (plus the scan of the calls
 * pending before the first return).
 *
 * <p>Two sound reductions for values written at most once ("one-shot": once overwritten, the
 * register never holds them again; the initial absent value is one-shot when no write writes
 * absent): (1) no write is linearized while a read of the current one-shot value is still to be
 * linearized (that read could never succeed afterwards), which cuts dead branches at their root;
 * (2) a read allowed now may as well be linearized now (every valid continuation can be reordered
 * to start with it), so when such a read's subtree fails, its parent fails too and the search
 * backtracks past it without trying alternatives. Together they make valid histories close to
 * linear and bound violation proofs by the concurrency among writes.
 *
 * <p>Invariants: ops are indexed in invocation order; op i takes effect between invoke[i] and
 * complete[i] inclusive (two ops touching at an instant are concurrent), or, if optional, may
 * also never take effect; value 0 is the initial value; a read succeeds iff it returns the
 * current value. The search never reports success on a budget overrun.
 */
final class LinearizabilitySearch {
  enum Kind { LINEARIZABLE, VIOLATION, BUDGET_EXCEEDED }

  /**
   * The result. For a violation (and a budget overrun): the furthest point in time the search
   * reached — every branch died at or before the return of op {@code stuck}, which one branch
   * reached with {@code prefix} ops linearized ({@code linearizedSet}, the last ones in
   * {@code lastLinearized}), the register holding {@code state}, and the {@code frontier} ops
   * (calls pending before that return) in no order that linearizes {@code stuck} in time. The
   * history known just before that return is linearizable (that branch shows it); reduction (1)
   * looks ahead at reads to come, so the first op that cannot be linearized may be later
   * ({@link LinearizabilityMinimizer} finds it).
   */
  record Outcome(Kind kind, long steps, int prefix, int stuck, int state, int[] frontier, int[] lastLinearized,
                 long[] linearizedSet) {
    boolean linearized(int op) {
      return (linearizedSet[op >>> 6] & (1L << op)) != 0;
    }

    Outcome as(Kind k, long totalSteps) {
      return new Outcome(k, totalSteps, prefix, stuck, state, frontier, lastLinearized, linearizedSet);
    }
  }

  private static final int LAST = 4;

  private final int n;
  private final boolean[] write;
  private final int[] value;
  private final boolean[] oneShot;
  private final boolean[] optional;
  private final int[] reads;
  private final int[] callEntry;
  private final int[] returnEntry;
  private final int[] entryOp;
  private final boolean[] entryIsCall;
  private final int[] next;
  private final int[] prev;
  private final int head;
  private boolean reductions = true;

  /**
   * Ops in invocation order; {@code complete} may be {@link Long#MAX_VALUE} (never returned);
   * values are 0 (the initial value) to {@code values - 1}. An {@code optional} op may also never
   * take effect (when its return is reached unlinearized, the search skips it, as a choice).
   */
  LinearizabilitySearch(long[] invoke, long[] complete, boolean[] write, int[] value, int values, boolean[] optional) {
    this.n = invoke.length;
    this.write = write;
    this.value = value;
    this.optional = optional;
    int[] writers = new int[values];
    reads = new int[values];
    for (int op = 0; op < n; op++) {
      if (write[op]) {
        writers[value[op]]++;
      } else {
        reads[value[op]]++;
      }
    }
    oneShot = new boolean[values];
    for (int v = 0; v < values; v++) {
      oneShot[v] = writers[v] <= (v == 0 ? 0 : 1);
    }
    int entries = 2 * n;
    // sort key: time, then calls before returns (so ops touching at one instant overlap), then op
    Integer[] order = new Integer[entries];
    for (int e = 0; e < entries; e++) {
      order[e] = e;
    }
    Arrays.sort(order, (a, b) -> {
      long ta = a < n ? invoke[a] : complete[a - n];
      long tb = b < n ? invoke[b] : complete[b - n];
      if (ta != tb) {
        return Long.compare(ta, tb);
      }
      boolean ca = a < n;
      boolean cb = b < n;
      if (ca != cb) {
        return ca ? -1 : 1;
      }
      return Integer.compare(a, b);
    });
    callEntry = new int[n];
    returnEntry = new int[n];
    entryOp = new int[entries];
    entryIsCall = new boolean[entries];
    next = new int[entries + 1];
    prev = new int[entries + 1];
    head = entries;
    for (int pos = 0; pos < entries; pos++) {
      int raw = order[pos];
      boolean call = raw < n;
      int op = call ? raw : raw - n;
      entryOp[pos] = op;
      entryIsCall[pos] = call;
      if (call) {
        callEntry[op] = pos;
      } else {
        returnEntry[op] = pos;
      }
      next[pos] = pos + 1 < entries ? pos + 1 : -1;
      prev[pos] = pos == 0 ? head : pos - 1;
    }
    next[head] = entries > 0 ? 0 : -1;
    prev[head] = -1;
    for (int op = 0; op < n; op++) {
      if (invoke[op] > complete[op]) {
        throw new IllegalArgumentException("op " + op + " completes before it is invoked");
      }
    }
  }

  /** Turns the two reductions off (plain WGL with memoization), for tests that compare. */
  LinearizabilitySearch withoutReductions() {
    reductions = false;
    return this;
  }

  Outcome run(long maxSteps) {
    long[] linearized = new long[(n + 63) / 64];
    int[] stackOp = new int[n];
    int[] stackState = new int[n];
    boolean[] stackSkip = new boolean[n];
    int[] readsLeft = reads.clone();
    int depth = 0;
    int state = 0;
    LinearizabilityMemo cache = new LinearizabilityMemo(n);
    long h1 = 0;
    long h2 = 0;
    long steps = 0;
    Outcome deepest = null;
    int furthest = -1;
    int entry = next[head];
    while (next[head] != -1) {
      if (++steps > maxSteps) {
        return deepest == null ? new Outcome(Kind.BUDGET_EXCEEDED, steps, 0, -1, 0, new int[0], new int[0],
            linearized.clone()) : deepest.as(Kind.BUDGET_EXCEEDED, steps);
      }
      if (entryIsCall[entry]) {
        int op = entryOp[entry];
        boolean allowed = write[op] ? !(reductions && oneShot[state] && readsLeft[state] > 0) : value[op] == state;
        int newState = write[op] ? value[op] : state;
        if (allowed) {
          if (cache.add(h1 ^ cache.z1[op], h2 ^ cache.z2[op], newState)) {
            linearized[op >>> 6] |= 1L << op;
            h1 ^= cache.z1[op];
            h2 ^= cache.z2[op];
            stackOp[depth] = op;
            stackState[depth] = state;
            stackSkip[depth] = false;
            depth++;
            state = newState;
            if (!write[op]) {
              readsLeft[value[op]]--;
            }
            lift(op);
            entry = next[head];
            continue;
          }
        }
        entry = next[entry];
      } else {
        int due = entryOp[entry];
        if (optional[due]) {
          if (cache.add(h1 ^ cache.z1[due], h2 ^ cache.z2[due], state)) {
            linearized[due >>> 6] |= 1L << due;
            h1 ^= cache.z1[due];
            h2 ^= cache.z2[due];
            stackOp[depth] = due;
            stackState[depth] = state;
            stackSkip[depth] = true;
            depth++;
            lift(due);
            entry = next[head];
            continue;
          }
        }
        if (entry > furthest) {
          furthest = entry;
          deepest = snapshot(steps, depth, entryOp[entry], state, entry, stackOp, linearized);
        }
        int op;
        boolean skipped;
        do {
          if (depth == 0) {
            return deepest.as(Kind.VIOLATION, steps);
          }
          depth--;
          op = stackOp[depth];
          state = stackState[depth];
          skipped = stackSkip[depth];
          linearized[op >>> 6] &= ~(1L << op);
          h1 ^= cache.z1[op];
          h2 ^= cache.z2[op];
          if (!write[op] && !skipped) {
            readsLeft[value[op]]++;
          }
          unlift(op);
        } while (skipped || (reductions && !write[op] && oneShot[value[op]]));
        entry = next[callEntry[op]];
      }
    }
    return new Outcome(Kind.LINEARIZABLE, steps, n, -1, state, new int[0], new int[0], linearized);
  }

  private Outcome snapshot(long steps, int depth, int stuck, int state, int stuckEntry, int[] stackOp,
                           long[] linearized) {
    int count = 0;
    for (int e = next[head]; e != stuckEntry; e = next[e]) {
      count++;
    }
    int[] frontier = new int[count];
    int i = 0;
    for (int e = next[head]; e != stuckEntry; e = next[e]) {
      frontier[i++] = entryOp[e];
    }
    int last = Math.min(LAST, depth);
    int[] lastOps = Arrays.copyOfRange(stackOp, depth - last, depth);
    return new Outcome(Kind.VIOLATION, steps, depth, stuck, state, frontier, lastOps, linearized.clone());
  }

  private void lift(int op) {
    remove(callEntry[op]);
    remove(returnEntry[op]);
  }

  private void unlift(int op) {
    restore(returnEntry[op]);
    restore(callEntry[op]);
  }

  private void remove(int e) {
    next[prev[e]] = next[e];
    if (next[e] != -1) {
      prev[next[e]] = prev[e];
    }
  }

  private void restore(int e) {
    next[prev[e]] = e;
    if (next[e] != -1) {
      prev[next[e]] = e;
    }
  }
}
