package io.raftcoord.client;

import io.raftcoord.client.internal.CommandPipeline;
import io.raftcoord.client.internal.Futures;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.IdAllocateReply;
import io.raftcoord.proto.IdAllocateRequest;
import java.util.concurrent.CompletableFuture;

/** Globally unique IDs: every range returned is disjoint from every other. */
public final class IdClient {
  private final CommandPipeline pipeline;

  IdClient(CommandPipeline pipeline) {
    this.pipeline = pipeline;
  }

  /** The range {@code [start, start+count)}, count 1..16,777,216. */
  public CompletableFuture<IdRange> allocateAsync(int count) {
    return allocateAsync(count, "");
  }

  /** As {@link #allocateAsync(int)}; a retry with the same key returns the same range. */
  public CompletableFuture<IdRange> allocateAsync(int count, String idempotencyKey) {
    Command cmd = Command.newBuilder().setIdempotencyKey(idempotencyKey)
        .setIdAllocate(IdAllocateRequest.newBuilder().setCount(count)).build();
    return pipeline.submitChecked(cmd).thenApply(r -> {
      IdAllocateReply a = r.getIdAllocate();
      return new IdRange(a.getStart(), a.getCount());
    });
  }

  public IdRange allocate(int count) {
    return Futures.join(allocateAsync(count));
  }

  public IdRange allocate(int count, String idempotencyKey) {
    return Futures.join(allocateAsync(count, idempotencyKey));
  }
}
