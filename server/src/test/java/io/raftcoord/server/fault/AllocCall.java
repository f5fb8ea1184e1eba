package io.raftcoord.server.fault;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.IdRange;
import io.raftcoord.client.TimestampRange;

/**
 * One allocation call of the TSO/ID workloads, by the name their histories record it under:
 * {@code tso.next}, {@code tso.allocate}, {@code ids.allocate}, or the planted-bug
 * {@code admin.unsafeLocalTimestamp}. What it returned is the range the checkers judge.
 */
public final class AllocCall {
  /** The first value handed out and how many, from {@code first} on. */
  public record Allocated(long first, long count) {}

  private AllocCall() {}

  /** Makes call {@code call} for {@code requested} values; throws what the client throws. */
  public static Allocated perform(CoordClient client, String call, int requested) {
    return switch (call) {
      case "tso.next" -> new Allocated(client.tso().next(), 1);
      case "admin.unsafeLocalTimestamp" -> new Allocated(client.admin().unsafeLocalTimestamp().join(), 1);
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
