package io.raftcoord.tools.bench;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.IdRange;
import io.raftcoord.client.internal.Futures;
import java.util.concurrent.CompletableFuture;

/**
 * Binlog log ids for the segment benchmarks, taken from the ID allocator in big blocks (one
 * command per block, the next block fetched ahead while a quarter of the current one is left),
 * never one per operation. Thread-safe.
 */
final class LogIds {
  private final CoordClient client;
  private final int block;
  private long next;
  private long end;
  private CompletableFuture<IdRange> ahead;

  LogIds(CoordClient client, int block) {
    if (block < 1 || block > 16_777_216) {
      throw new IllegalArgumentException("block must be 1..16777216, got " + block);
    }
    this.client = client;
    this.block = block;
  }

  /** The first of {@code n} consecutive fresh ids. */
  synchronized long take(int n) {
    if (n > block) {
      IdRange r = client.ids().allocate(n);
      return r.start();
    }
    if (end - next < n) {
      IdRange r = ahead != null ? Futures.join(ahead) : client.ids().allocate(block);
      ahead = null;
      next = r.start();
      end = r.end();
    }
    long first = next;
    next += n;
    if (ahead == null && end - next < block / 4) {
      ahead = client.ids().allocateAsync(block);
    }
    return first;
  }
}
