package io.raftcoord.statemachine.ids;

import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.IdAllocateReply;
import io.raftcoord.proto.IdAllocateRequest;
import io.raftcoord.proto.IdsAllocated;
import io.raftcoord.proto.Record;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.apply.ApplyResult;
import io.raftcoord.statemachine.store.Bytes;
import io.raftcoord.statemachine.store.ColumnFamily;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.store.StoreBatch;
import java.util.List;

/**
 * The global ID allocator. Invariant: {@code nextId} only grows, so ranges handed out are
 * disjoint. IDs start at 1 (0 means "unset" in Milvus messages).
 */
public final class IdControl {
  /** Largest range one request may take. */
  public static final int MAX_COUNT = 1 << 24;
  private static final byte[] NEXT_KEY = Bytes.utf8("next");

  private volatile long nextId = 1;
  /** False only under the planted bug IDS_MEMORY_ONLY (tests of the fault checkers). */
  private final boolean durable;

  public IdControl() {
    this(true);
  }

  public IdControl(boolean durable) {
    this.durable = durable;
  }

  public void load(CoordStore store) {
    byte[] v = store.get(ColumnFamily.IDS, NEXT_KEY);
    nextId = v == null ? 1 : Bytes.toLong(v);
  }

  public ApplyResult allocate(ApplyContext ctx, IdAllocateRequest req) {
    return allocate(ctx, req, List.of());
  }

  /**
   * Allocates after {@code earlier}, the records the same command generated before this call and
   * that are not replayed yet: a command that allocates twice gets two disjoint ranges.
   */
  public ApplyResult allocate(ApplyContext ctx, IdAllocateRequest req, List<Record> earlier) {
    long count = Integer.toUnsignedLong(req.getCount());
    if (count < 1 || count > MAX_COUNT) {
      return ApplyResult.error(ErrorCode.INVALID_ARGUMENT,
          "id allocate: count must be between 1 and " + MAX_COUNT + ", got " + count);
    }
    long start = nextIdAfter(earlier);
    if (start > Long.MAX_VALUE - count) {
      return ApplyResult.error(ErrorCode.QUOTA_EXCEEDED, "id allocate: the 63-bit ID space is exhausted");
    }
    Record rec = Record.newBuilder().setIdsAllocated(IdsAllocated.newBuilder().setNextId(start + count)).build();
    CommandReply reply = CommandReply.newBuilder()
        .setIdAllocate(IdAllocateReply.newBuilder().setStart(start).setCount((int) count)).build();
    return ApplyResult.ok(List.of(rec), reply);
  }

  public void replay(IdsAllocated rec, StoreBatch batch) {
    nextId = rec.getNextId();
    if (durable) {
      batch.put(ColumnFamily.IDS, NEXT_KEY, Bytes.ofLong(rec.getNextId()));
    }
  }

  public long nextId() {
    return nextId;
  }

  /** The next ID once {@code earlier} (records not replayed yet) are. */
  public long nextIdAfter(List<Record> earlier) {
    for (int i = earlier.size() - 1; i >= 0; i--) {
      if (earlier.get(i).getBodyCase() == Record.BodyCase.IDS_ALLOCATED) {
        return earlier.get(i).getIdsAllocated().getNextId();
      }
    }
    return nextId;
  }
}
