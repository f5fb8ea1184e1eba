package io.raftcoord.server.chaos;

import io.raftcoord.server.chaos.KvHistoryOp.Outcome;
import io.raftcoord.server.chaos.KvHistoryOp.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The thread-safe history of the kv workload. Invariants: an op is recorded when it is invoked,
 * before the call is sent, so an op that never returns still appears (as UNKNOWN, never
 * completed) and any value it may have written is known to the checker; ids are dense, in
 * invocation order; an op completes at most once.
 */
public final class KvHistory {
  private final LongSupplier clockNs;
  private final List<KvHistoryOp> ops = new ArrayList<>();

  /** {@code clockNs}: nanoseconds on the run clock. */
  public KvHistory(LongSupplier clockNs) {
    this.clockNs = clockNs;
  }

  /** Records the invocation; returns the op's id for {@link #complete}. */
  public synchronized int invoke(String client, Type type, String key, String value, String replica) {
    int id = ops.size();
    ops.add(new KvHistoryOp(id, client, type, key, value, Outcome.UNKNOWN, clockNs.getAsLong(), KvHistoryOp.PENDING,
        replica, "not completed"));
    return id;
  }

  /** Completes op {@code id}; for a read, {@code value} is the value read ({@code null}: absent). */
  public synchronized void complete(int id, Outcome outcome, String value, String error) {
    long now = clockNs.getAsLong();
    KvHistoryOp op = ops.get(id);
    if (op.completeNs() != KvHistoryOp.PENDING) {
      throw new IllegalStateException("op " + id + " completed twice");
    }
    String v = op.isWrite() ? op.value() : (outcome == Outcome.OK ? value : null);
    ops.set(id, new KvHistoryOp(id, op.client(), op.type(), op.key(), v, outcome, op.invokeNs(), now, op.replica(),
        error == null ? "" : error));
  }

  /** A snapshot, in invocation order; ops still outstanding are UNKNOWN and never completed. */
  public synchronized List<KvHistoryOp> ops() {
    return List.copyOf(ops);
  }

  public synchronized int size() {
    return ops.size();
  }
}
