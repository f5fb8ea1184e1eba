package io.raftcoord.client;

import io.raftcoord.client.internal.CommandPipeline;
import io.raftcoord.client.internal.Futures;
import io.raftcoord.client.internal.TsoMerger;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.TsoAllocateReply;
import io.raftcoord.proto.TsoAllocateRequest;
import java.util.concurrent.CompletableFuture;

/**
 * Timestamps from the quorum's oracle. Every timestamp returned is unique and larger than any
 * returned by a call that completed before this one started (across leader changes).
 */
public final class TsoClient {
  private final CommandPipeline pipeline;
  private final TsoMerger merger;

  TsoClient(CommandPipeline pipeline, TsoMerger merger) {
    this.pipeline = pipeline;
    this.merger = merger;
  }

  /** One timestamp; concurrent callers share one request when merging is on. */
  public CompletableFuture<Long> nextAsync() {
    if (merger != null) {
      return merger.next();
    }
    return allocateAsync(1).thenApply(TimestampRange::first);
  }

  public long next() {
    return Futures.join(nextAsync());
  }

  /** {@code count} consecutive timestamps (1..262144) in one committed entry. */
  public CompletableFuture<TimestampRange> allocateAsync(int count) {
    return allocateAsync(count, "");
  }

  /** As {@link #allocateAsync(int)}; a retry with the same key returns the same range. */
  public CompletableFuture<TimestampRange> allocateAsync(int count, String idempotencyKey) {
    Command cmd = Command.newBuilder().setIdempotencyKey(idempotencyKey)
        .setTsoAllocate(TsoAllocateRequest.newBuilder().setCount(count)).build();
    return pipeline.submitChecked(cmd).thenApply(r -> {
      TsoAllocateReply t = r.getTsoAllocate();
      return new TimestampRange(t.getFirst(), t.getCount());
    });
  }

  public TimestampRange allocate(int count) {
    return Futures.join(allocateAsync(count));
  }

  public TimestampRange allocate(int count, String idempotencyKey) {
    return Futures.join(allocateAsync(count, idempotencyKey));
  }
}
