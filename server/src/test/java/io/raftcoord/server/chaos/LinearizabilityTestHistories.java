package io.raftcoord.server.chaos;

import io.raftcoord.server.chaos.KvHistoryOp.Outcome;
import io.raftcoord.server.chaos.KvHistoryOp.Type;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random register histories for the checker's tests. Invariants: {@link #history} comes from a
 * simulated atomic register (each op takes effect at one point of its interval; an UNKNOWN
 * write at any point after its invocation, possibly after the client gave up, or never), so it
 * is always linearizable; {@link #staleRead} changes one read so that it cannot be linearized
 * (by construction, see there); {@link #arbitrary} is unconstrained. Written values are unique.
 */
final class LinearizabilityTestHistories {
  private static final long NEVER = -1;

  private LinearizabilityTestHistories() {}

  /** A mutated history and the id of the read that was changed. */
  record Mutation(List<KvHistoryOp> history, int readId) {}

  static List<KvHistoryOp> history(Random rnd, String key, int n, int processes, double unknownRate) {
    return history(rnd, key, n, processes, unknownRate, 0);
  }

  /** {@code n} ops of {@code processes} sequential clients; ids from {@code firstId}; times in µs steps. */
  static List<KvHistoryOp> history(Random rnd, String key, int n, int processes, double unknownRate, int firstId) {
    long[] clock = new long[processes];
    for (int p = 0; p < processes; p++) {
      clock[p] = rnd.nextInt(50);
    }
    List<KvHistoryOp> ops = new ArrayList<>();
    long[] point = new long[n];
    for (int i = 0; i < n; i++) {
      int p = 0;
      for (int q = 1; q < processes; q++) {
        p = clock[q] < clock[p] ? q : p;
      }
      long inv = clock[p] + rnd.nextInt(30);
      long dur = 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 400 : 60);
      long comp = inv + dur;
      clock[p] = comp;
      boolean write = rnd.nextBoolean();
      point[i] = inv + (long) (rnd.nextDouble() * dur);
      Outcome outcome = Outcome.OK;
      double x = rnd.nextDouble();
      if (write && x < unknownRate) {
        outcome = Outcome.UNKNOWN;
        point[i] = rnd.nextBoolean() ? inv + (long) (rnd.nextDouble() * dur * 6) : NEVER;
      } else if (write && x < unknownRate + 0.03) {
        outcome = Outcome.FAIL;
        point[i] = NEVER;
      } else if (!write && rnd.nextInt(10) == 0) {
        outcome = rnd.nextBoolean() ? Outcome.UNKNOWN : Outcome.FAIL;
        point[i] = NEVER;
      }
      int id = firstId + i;
      ops.add(new KvHistoryOp(id, "c" + p, write ? Type.WRITE : Type.READ, key, write ? "c" + p + "-" + id : null,
          outcome, inv * 1000, comp * 1000, "n" + (1 + rnd.nextInt(3)), ""));
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (point[i] != NEVER) {
        order.add(i);
      }
    }
    order.sort(Comparator.comparingLong((Integer i) -> point[i]).thenComparingInt(i -> i));
    String register = null;
    for (int i : order) {
      KvHistoryOp op = ops.get(i);
      if (op.isWrite()) {
        register = op.value();
      } else {
        ops.set(i, withValue(op, register));
      }
    }
    return ops;
  }

  /**
   * Changes one OK read R of value v, written by an OK write W that returned before R was
   * invoked, to an older value u whose OK write returned before W was invoked (or to absent):
   * W separates u from R in every linearization, so the result is never linearizable.
   */
  static Mutation staleRead(Random rnd, List<KvHistoryOp> ops) {
    Map<String, KvHistoryOp> writeOf = new HashMap<>();
    List<KvHistoryOp> okWrites = new ArrayList<>();
    for (KvHistoryOp op : ops) {
      if (op.isWrite()) {
        writeOf.put(op.value(), op);
        if (op.outcome() == Outcome.OK) {
          okWrites.add(op);
        }
      }
    }
    List<KvHistoryOp> candidates = new ArrayList<>();
    for (KvHistoryOp op : ops) {
      KvHistoryOp w = op.isWrite() || op.value() == null ? null : writeOf.get(op.value());
      if (op.outcome() == Outcome.OK && w != null && w.outcome() == Outcome.OK && w.completeNs() < op.invokeNs()) {
        candidates.add(op);
      }
    }
    if (candidates.isEmpty()) {
      return null;
    }
    KvHistoryOp read = candidates.get(rnd.nextInt(candidates.size()));
    KvHistoryOp w = writeOf.get(read.value());
    List<KvHistoryOp> older = okWrites.stream().filter(u -> u.completeNs() < w.invokeNs()).toList();
    String stale = older.isEmpty() ? null : older.get(rnd.nextInt(older.size())).value();
    List<KvHistoryOp> out = new ArrayList<>(ops);
    out.set(out.indexOf(read), withValue(read, stale));
    return new Mutation(out, read.id());
  }

  /** {@code n} unconstrained ops on one key: random intervals, outcomes and read values. */
  static List<KvHistoryOp> arbitrary(Random rnd, String key, int n) {
    List<String> written = new ArrayList<>();
    List<KvHistoryOp> ops = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      boolean write = rnd.nextInt(5) < 2;
      long inv = rnd.nextInt(20);
      long comp = inv + rnd.nextInt(7);
      Outcome o = write ? pick(rnd, 70, 20) : pick(rnd, 92, 4);
      String v = null;
      if (write) {
        v = "v" + i;
        written.add(v);
      }
      ops.add(new KvHistoryOp(i, "c" + i, write ? Type.WRITE : Type.READ, key, v, o, inv, comp, "n1", ""));
    }
    for (int i = 0; i < n; i++) {
      KvHistoryOp op = ops.get(i);
      if (!op.isWrite() && op.outcome() == Outcome.OK) {
        int c = rnd.nextInt(written.size() + 2);
        String v = c < written.size() ? written.get(c) : c == written.size() ? null : "never";
        ops.set(i, withValue(op, v));
      }
    }
    Collections.shuffle(ops, rnd);
    return ops;
  }

  private static Outcome pick(Random rnd, int okPct, int unknownPct) {
    int x = rnd.nextInt(100);
    return x < okPct ? Outcome.OK : x < okPct + unknownPct ? Outcome.UNKNOWN : Outcome.FAIL;
  }

  private static KvHistoryOp withValue(KvHistoryOp op, String v) {
    return new KvHistoryOp(op.id(), op.client(), op.type(), op.key(), v, op.outcome(), op.invokeNs(), op.completeNs(),
        op.replica(), op.error());
  }
}
