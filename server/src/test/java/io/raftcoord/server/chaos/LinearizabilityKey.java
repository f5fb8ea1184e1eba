package io.raftcoord.server.chaos;

import io.raftcoord.server.chaos.KvHistoryOp.Outcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One register's history prepared for {@link LinearizabilitySearch}. Invariants: FAIL writes and
 * reads that did not return OK are left out (they constrain nothing); an UNKNOWN write may take
 * effect at any time after its invocation, so it never completes, except that an UNKNOWN write
 * whose value nobody read is left out (assuming it never happened changes no read) and a write
 * whose value is unique (and not the initial value) must take effect before the first read of
 * that value returns (its deadline is tightened to that return, which excludes no valid
 * linearization). Kept ops are sorted by invocation. The register starts with {@code initial}
 * ({@code null}: absent); optional writes (a window's writes that may have taken effect before
 * it) are treated as UNKNOWN ones, except that they keep their deadline. {@link #problem} is set, and the search must not run, when a read can
 * be refuted without searching (a value never written, or read before its write was invoked).
 */
final class LinearizabilityKey {
  /** A read refuted without a search, with the ops that show it. */
  record Problem(KvHistoryOp read, String summary, List<KvHistoryOp> related) {}

  private final String key;
  private final String initial;
  private final Set<Integer> optional;
  private final List<KvHistoryOp> all;
  private final List<KvHistoryOp> kept = new ArrayList<>();
  private final Map<Integer, Long> deadline = new HashMap<>();
  private final List<String> values = new ArrayList<>();
  private final Map<String, List<KvHistoryOp>> writesOf = new HashMap<>();
  private final Map<String, KvHistoryOp> failedWriteOf = new HashMap<>();
  private long informative;
  private int[] valueIds = new int[0];
  private Problem problem;

  LinearizabilityKey(String key, List<KvHistoryOp> ops) {
    this(key, ops, null, Set.of());
  }

  /** With {@code optional} the ids of writes that may also never take effect (else by their deadline). */
  LinearizabilityKey(String key, List<KvHistoryOp> ops, String initial, Set<Integer> optional) {
    this.key = key;
    this.initial = initial;
    this.optional = optional;
    this.all = ops.stream().sorted(Comparator.comparingLong(KvHistoryOp::invokeNs).thenComparingInt(KvHistoryOp::id))
        .toList();
    values.add(initial);
    Map<String, Long> firstReadReturn = new HashMap<>();
    for (KvHistoryOp op : all) {
      if (op.isWrite() && op.informative()) {
        writesOf.computeIfAbsent(op.value(), v -> new ArrayList<>()).add(op);
      } else if (op.isWrite() && op.outcome() == Outcome.FAIL) {
        failedWriteOf.put(op.value(), op);
      } else if (op.informative()) {
        firstReadReturn.merge(op.value(), op.completeNs(), Math::min);
      }
    }
    for (KvHistoryOp op : all) {
      if (!op.informative()) {
        continue;
      }
      informative++;
      if (op.isWrite()) {
        keepWrite(op, firstReadReturn.get(op.value()));
      } else {
        checkRead(op);
        kept.add(op);
        deadline.put(op.id(), op.completeNs());
      }
    }
  }

  private void keepWrite(KvHistoryOp w, Long firstRead) {
    boolean unknown = w.outcome() == Outcome.UNKNOWN;
    if ((unknown || optional.contains(w.id())) && firstRead == null) {
      return;
    }
    long end = unknown ? Long.MAX_VALUE : w.completeNs();
    if (firstRead != null && writesOf.get(w.value()).size() == 1 && !Objects.equals(w.value(), initial)) {
      end = Math.max(w.invokeNs(), Math.min(end, firstRead));
    }
    kept.add(w);
    deadline.put(w.id(), end);
  }

  private void checkRead(KvHistoryOp r) {
    if (problem != null || Objects.equals(r.value(), initial)) {
      return;
    }
    List<KvHistoryOp> ws = writesOf.get(r.value());
    if (ws == null) {
      KvHistoryOp failed = failedWriteOf.get(r.value());
      problem = new Problem(r, "read #" + r.id() + " returned " + quoted(r.value()) + ", a value never written"
          + (failed == null ? "" : " (its write #" + failed.id() + " failed with a definite error)"),
          failed == null ? List.of() : List.of(failed));
    } else if (ws.stream().allMatch(w -> w.invokeNs() > r.completeNs())) {
      problem = new Problem(r, "read #" + r.id() + " returned " + quoted(r.value()) + " at "
          + KvHistoryOp.ms(r.completeNs()) + ", before its write #" + ws.get(0).id() + " was invoked at "
          + KvHistoryOp.ms(ws.get(0).invokeNs()), ws);
    }
  }

  String key() {
    return key;
  }

  /** Every op of the key, in invocation order (for windows). */
  List<KvHistoryOp> all() {
    return all;
  }

  /** The ops given to the search, in invocation order (search op i is kept().get(i)). */
  List<KvHistoryOp> kept() {
    return kept;
  }

  /** OK ops and writes that may have happened. */
  long informative() {
    return informative;
  }

  Problem problem() {
    return problem;
  }

  /** When the op must have taken effect by ({@link Long#MAX_VALUE}: never forced); null if not kept. */
  Long deadline(KvHistoryOp op) {
    return deadline.get(op.id());
  }

  /** The search over the kept ops, values interned (0 = the initial value). */
  LinearizabilitySearch search() {
    Map<String, Integer> ids = new HashMap<>();
    ids.put(initial, 0);
    int n = kept.size();
    long[] invoke = new long[n];
    long[] complete = new long[n];
    boolean[] write = new boolean[n];
    boolean[] skippable = new boolean[n];
    int[] value = new int[n];
    for (int i = 0; i < n; i++) {
      KvHistoryOp op = kept.get(i);
      invoke[i] = op.invokeNs();
      complete[i] = deadline.get(op.id());
      write[i] = op.isWrite();
      skippable[i] = optional.contains(op.id());
      value[i] = ids.computeIfAbsent(op.value(), v -> {
        values.add(v);
        return values.size() - 1;
      });
    }
    valueIds = value;
    return new LinearizabilitySearch(invoke, complete, write, value, values.size(), skippable);
  }

  /** The interned value of kept op i (after {@link #search}). */
  int valueId(int i) {
    return valueIds[i];
  }

  /** The value of an interned id, quoted, or {@code <absent>}. */
  String valueName(int id) {
    return id < values.size() ? quoted(values.get(id)) : "?";
  }

  /** The writes that could have produced {@code value} (empty for none or absent). */
  List<KvHistoryOp> writesOf(String value) {
    return value == null ? List.of() : writesOf.getOrDefault(value, List.of());
  }

  static String quoted(String value) {
    return value == null ? "<absent>" : '"' + value + '"';
  }
}
