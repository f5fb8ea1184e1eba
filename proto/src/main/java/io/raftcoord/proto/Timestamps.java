package io.raftcoord.proto;

/**
 * The hybrid timestamp layout shared with Milvus and PD: {@code physical_ms << 18 | logical}.
 * Ordering timestamps as longs orders them by physical time first, then logical counter.
 */
public final class Timestamps {
  public static final int LOGICAL_BITS = 18;
  /** Logical values per millisecond: 262,144. */
  public static final long LOGICAL_PER_MS = 1L << LOGICAL_BITS;
  private static final long LOGICAL_MASK = LOGICAL_PER_MS - 1;

  private Timestamps() {}

  public static long compose(long physicalMs, long logical) {
    if (logical < 0 || logical > LOGICAL_MASK) {
      throw new IllegalArgumentException("logical part out of range [0, " + LOGICAL_MASK + "]: " + logical);
    }
    return (physicalMs << LOGICAL_BITS) | logical;
  }

  public static long physicalMs(long ts) {
    return ts >>> LOGICAL_BITS;
  }

  public static long logical(long ts) {
    return ts & LOGICAL_MASK;
  }

  public static String describe(long ts) {
    return ts + " (physical " + java.time.Instant.ofEpochMilli(physicalMs(ts)) + ", logical " + logical(ts) + ")";
  }
}
