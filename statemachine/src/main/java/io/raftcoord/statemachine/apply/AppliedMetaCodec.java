package io.raftcoord.statemachine.apply;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.proto.AppliedMeta;
import io.raftcoord.statemachine.store.Bytes;
import io.raftcoord.statemachine.store.StoreException;

/** Where the applied term/index and the apply clock live in the META column family. */
public final class AppliedMetaCodec {
  public static final byte[] KEY = Bytes.utf8("applied");

  private AppliedMetaCodec() {}

  public static AppliedMeta parse(byte[] v) {
    try {
      return AppliedMeta.parseFrom(v);
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException("corrupt applied meta", e);
    }
  }

  public static long index(byte[] v) {
    return parse(v).getIndex();
  }
}
