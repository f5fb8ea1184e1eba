package io.raftcoord.statemachine.idempotency;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.proto.RememberedReply;
import io.raftcoord.statemachine.store.Bytes;
import io.raftcoord.statemachine.store.ColumnFamily;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.store.StoreBatch;
import io.raftcoord.statemachine.store.StoreException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Remembers the first reply given to each idempotency key, durably and identically on every
 * replica, so that a retried command (after a timeout, a leader change, a restart or from a new
 * client instance) gets that reply back instead of running twice.
 *
 * <p>Retention is bounded by count and by age of the apply clock ({@link Retention}); entries
 * leave in the order they were added, at most {@link #PRUNE_PER_ENTRY} per applied entry so
 * that pruning never makes one apply slow. Layout in {@link ColumnFamily#IDEMPOTENCY}:
 * {@code k<key>} → {@link RememberedReply}; {@code s<seq>} → {@code <nowMs><key>}.
 * Counters {@code first}/{@code next} sequence live in the same family.
 */
public final class IdempotencyLog {
  public static final int PRUNE_PER_ENTRY = 64;
  private static final byte[] FIRST_KEY = Bytes.utf8("#first");
  private static final byte[] NEXT_KEY = Bytes.utf8("#next");

  /** How long replies are remembered: the older limit wins. */
  public record Retention(long maxEntries, long maxAgeMs) {
    public static final Retention DEFAULT = new Retention(100_000, 10 * 60_000L);
  }

  private final Retention retention;
  private long first;
  private long next;
  /** Keys remembered by the entry being applied, not yet in the store. */
  private final Map<String, byte[]> pending = new HashMap<>();

  public IdempotencyLog(Retention retention) {
    this.retention = retention;
  }

  public void load(CoordStore store) {
    byte[] f = store.get(ColumnFamily.IDEMPOTENCY, FIRST_KEY);
    byte[] n = store.get(ColumnFamily.IDEMPOTENCY, NEXT_KEY);
    first = f == null ? 0 : Bytes.toLong(f);
    next = n == null ? 0 : Bytes.toLong(n);
    pending.clear();
  }

  /** The reply remembered for {@code key}, if it is still retained. */
  public Optional<byte[]> lookup(CoordStore store, String key) {
    byte[] p = pending.get(key);
    if (p != null) {
      return Optional.of(p);
    }
    byte[] v = store.get(ColumnFamily.IDEMPOTENCY, entryKey(key));
    if (v == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(RememberedReply.parseFrom(v).getReply().toByteArray());
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException("corrupt idempotency entry for " + key, e);
    }
  }

  public void remember(StoreBatch batch, String key, byte[] reply, long nowMs, long index) {
    RememberedReply r = RememberedReply.newBuilder().setReply(com.google.protobuf.ByteString.copyFrom(reply))
        .setNowMs(nowMs).setIndex(index).setKey(key).build();
    batch.put(ColumnFamily.IDEMPOTENCY, entryKey(key), r.toByteArray());
    byte[] k = Bytes.utf8(key);
    batch.put(ColumnFamily.IDEMPOTENCY, seqKey(next),
        ByteBuffer.allocate(Long.BYTES + k.length).putLong(nowMs).put(k).array());
    next++;
    batch.put(ColumnFamily.IDEMPOTENCY, NEXT_KEY, Bytes.ofLong(next));
    pending.put(key, reply);
  }

  /** Drops entries past retention; call once per entry, after its commands. */
  public void prune(CoordStore store, StoreBatch batch, long nowMs) {
    long start = first;
    for (int i = 0; i < PRUNE_PER_ENTRY && first < next; i++) {
      byte[] v = store.get(ColumnFamily.IDEMPOTENCY, seqKey(first));
      if (v == null) {
        // Added by this same entry (still in the batch): nothing older is left.
        break;
      }
      ByteBuffer buf = ByteBuffer.wrap(v);
      long addedMs = buf.getLong();
      boolean tooMany = next - first > retention.maxEntries();
      boolean tooOld = addedMs < nowMs - retention.maxAgeMs();
      if (!tooMany && !tooOld) {
        break;
      }
      byte[] key = new byte[buf.remaining()];
      buf.get(key);
      batch.delete(ColumnFamily.IDEMPOTENCY, Bytes.concat(new byte[] {'k'}, key));
      batch.delete(ColumnFamily.IDEMPOTENCY, seqKey(first));
      first++;
    }
    if (first != start) {
      batch.put(ColumnFamily.IDEMPOTENCY, FIRST_KEY, Bytes.ofLong(first));
    }
  }

  /** Call after the entry's batch was written (or abandoned). */
  public void entryDone() {
    pending.clear();
  }

  public long retained() {
    return next - first;
  }

  private static byte[] entryKey(String key) {
    return Bytes.concat(new byte[] {'k'}, Bytes.utf8(key));
  }

  private static byte[] seqKey(long seq) {
    return Bytes.concat(new byte[] {'s'}, Bytes.ofLong(seq));
  }
}
