package io.raftcoord.statemachine.tso;

import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Record;
import io.raftcoord.proto.Timestamps;
import io.raftcoord.proto.TsoAdvanced;
import io.raftcoord.proto.TsoAllocateReply;
import io.raftcoord.proto.TsoAllocateRequest;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.apply.ApplyResult;
import io.raftcoord.statemachine.store.Bytes;
import io.raftcoord.statemachine.store.ColumnFamily;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.store.StoreBatch;
import io.raftcoord.statemachine.store.StoreException;
import java.util.List;

/**
 * The timestamp oracle. Invariant: every allocation starts strictly above the last timestamp
 * ever handed out, whatever the leader's clock says: physical = max(apply clock, last physical),
 * and the logical counter carries into the physical part when it would overflow. One allocation
 * never spans two physical milliseconds, so its timestamps are consecutive longs.
 */
public final class TsoControl {
  /** Most timestamps one request may take: all logical values of one millisecond. */
  public static final int MAX_COUNT = (int) Timestamps.LOGICAL_PER_MS;
  private static final byte[] LAST_KEY = Bytes.utf8("last");

  /** Physical ms beyond which timestamps would overflow a signed long (year ~10889). */
  public static final long MAX_PHYSICAL_MS = Long.MAX_VALUE >> Timestamps.LOGICAL_BITS;

  /** The last timestamp handed out as one value, so readers never see a torn pair; -1 before the first. */
  private volatile long last = -1;

  public void load(CoordStore store) {
    byte[] v = store.get(ColumnFamily.TSO, LAST_KEY);
    if (v == null) {
      last = -1;
    } else {
      TsoAdvanced rec = parse(v);
      last = Timestamps.compose(rec.getPhysicalMs(), rec.getLogical());
    }
  }

  public ApplyResult allocate(ApplyContext ctx, TsoAllocateRequest req) {
    return allocate(ctx, req, List.of());
  }

  /**
   * Allocates after {@code earlier}, the records the same command generated before this call and
   * that are not replayed yet: a command that allocates twice gets increasing timestamps.
   */
  public ApplyResult allocate(ApplyContext ctx, TsoAllocateRequest req, List<Record> earlier) {
    long previous = lastAfter(earlier);
    long count = Integer.toUnsignedLong(req.getCount());
    if (count < 1 || count > MAX_COUNT) {
      return ApplyResult.error(ErrorCode.INVALID_ARGUMENT,
          "tso allocate: count must be between 1 and " + MAX_COUNT + ", got " + count);
    }
    long lastPhysical = previous < 0 ? -1 : Timestamps.physicalMs(previous);
    long physical = Math.max(ctx.nowMs(), lastPhysical);
    long start = physical == lastPhysical ? Timestamps.logical(previous) + 1 : 0;
    if (start + count > Timestamps.LOGICAL_PER_MS) {
      physical = physical + 1;
      start = 0;
    }
    if (physical >= MAX_PHYSICAL_MS) {
      return ApplyResult.error(ErrorCode.FAILED_PRECONDITION,
          "tso allocate: physical time " + physical + " ms is past the end of the timestamp space");
    }
    long end = start + count - 1;
    Record rec = Record.newBuilder()
        .setTsoAdvanced(TsoAdvanced.newBuilder().setPhysicalMs(physical).setLogical(end)).build();
    CommandReply reply = CommandReply.newBuilder().setTsoAllocate(
        TsoAllocateReply.newBuilder().setFirst(Timestamps.compose(physical, start)).setCount((int) count)).build();
    return ApplyResult.ok(List.of(rec), reply);
  }

  public void replay(TsoAdvanced rec, StoreBatch batch) {
    last = Timestamps.compose(rec.getPhysicalMs(), rec.getLogical());
    batch.put(ColumnFamily.TSO, LAST_KEY, rec.toByteArray());
  }

  private long lastAfter(List<Record> earlier) {
    for (int i = earlier.size() - 1; i >= 0; i--) {
      if (earlier.get(i).getBodyCase() == Record.BodyCase.TSO_ADVANCED) {
        TsoAdvanced t = earlier.get(i).getTsoAdvanced();
        return Timestamps.compose(t.getPhysicalMs(), t.getLogical());
      }
    }
    return last;
  }

  /** The last timestamp handed out, or -1 if none. */
  public long lastTimestamp() {
    return last;
  }

  private static TsoAdvanced parse(byte[] v) {
    try {
      return TsoAdvanced.parseFrom(v);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new StoreException("corrupt tso state", e);
    }
  }
}
