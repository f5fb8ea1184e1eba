package io.raftcoord.client;

import io.raftcoord.proto.Timestamps;

/** The timestamps {@code first, first+1, ..., first+count-1}: one physical millisecond. */
public record TimestampRange(long first, int count) {
  public long last() {
    return first + count - 1;
  }

  public long physicalMs() {
    return Timestamps.physicalMs(first);
  }
}
