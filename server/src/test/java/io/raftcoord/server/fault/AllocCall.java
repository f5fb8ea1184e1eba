package io.raftcoord.server.fault;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.IdRange;
import io.raftcoord.client.TimestampRange;

/**
 * One allocation call of the TSO/ID workloads, by the name their histories record it under:
 * {@code tso.next}, {@code tso.allocate}, {@code ids.allocate}, or the planted-bug
 * {@value #UNSAFE_LOCAL} (the leader's admin endpoint {@code /test/unsafe-tso}, see
 * {@link UnsafeTso}). What it returned is the range the checkers judge.
 */
public final class AllocCall {
  /** The history name of a timestamp served from the leader's memory (planted bug tso-local). */
  public static final String UNSAFE_LOCAL = "admin.unsafeLocalTimestamp";

  /** The first value handed out and how many, from {@code first} on. */
  public record Allocated(long first, long count) {}

  private AllocCall() {}

  /** Makes call {@code call} for {@code requested} values; throws what the client throws. */
  public static Allocated perform(CoordClient client, String call, int requested) {
    return perform(client, null, call, requested);
  }

  /**
   * The same, with {@code unsafe} serving {@value #UNSAFE_LOCAL} (null when the run has no such
   * planted bug: that call is then refused).
   */
  public static Allocated perform(CoordClient client, UnsafeTso unsafe, String call, int requested) {
    return switch (call) {
      case "tso.next" -> new Allocated(client.tso().next(), 1);
      case UNSAFE_LOCAL -> {
        if (unsafe == null) {
          throw new IllegalStateException(UNSAFE_LOCAL + " needs replicas started with --planted-bug tso-local");
        }
        yield new Allocated(unsafe.next(), 1);
      }
      case "tso.allocate" -> {
        TimestampRange r = client.tso().allocate(requested);
        yield new Allocated(r.first(), r.count());
      }
      case "ids.allocate" -> {
        IdRange r = client.ids().allocate(requested);
        yield new Allocated(r.start(), r.count());
      }
      default -> throw new IllegalArgumentException("unknown allocation call " + call);
    };
  }
}
