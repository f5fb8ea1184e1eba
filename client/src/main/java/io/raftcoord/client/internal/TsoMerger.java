package io.raftcoord.client.internal;

import io.raftcoord.client.CoordException;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.TsoAllocateReply;
import io.raftcoord.proto.TsoAllocateRequest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Merges concurrent {@code next()} callers into one {@code allocate(n)}, as PD's client does.
 * Every caller in a merged request overlapped with it, so handing them the n consecutive
 * timestamps in arrival order keeps real-time order. At most {@code maxInFlight} merged
 * requests are outstanding; callers arriving meanwhile wait for the next one.
 */
public final class TsoMerger {
  /** All logical values of one millisecond: the server's per-request cap. */
  private static final int MAX_MERGE = 1 << 18;

  private final CommandPipeline pipeline;
  private final int maxInFlight;
  private final ArrayDeque<CompletableFuture<Long>> waiting = new ArrayDeque<>();
  private int inFlight;

  public TsoMerger(CommandPipeline pipeline, int maxInFlight) {
    this.pipeline = pipeline;
    this.maxInFlight = maxInFlight;
  }

  public CompletableFuture<Long> next() {
    CompletableFuture<Long> f = new CompletableFuture<>();
    List<CompletableFuture<Long>> take = null;
    synchronized (this) {
      waiting.add(f);
      if (inFlight < maxInFlight) {
        inFlight++;
        take = drain();
      }
    }
    if (take != null) {
      fire(take);
    }
    return f;
  }

  private List<CompletableFuture<Long>> drain() {
    int n = Math.min(MAX_MERGE, waiting.size());
    List<CompletableFuture<Long>> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(waiting.poll());
    }
    return out;
  }

  private void fire(List<CompletableFuture<Long>> callers) {
    Command cmd = Command.newBuilder()
        .setTsoAllocate(TsoAllocateRequest.newBuilder().setCount(callers.size())).build();
    pipeline.submitChecked(cmd).whenComplete((reply, err) -> {
      if (err != null) {
        CoordException ce = Futures.toCoord(err);
        callers.forEach(c -> c.completeExceptionally(ce));
      } else {
        TsoAllocateReply r = reply.getTsoAllocate();
        for (int i = 0; i < callers.size(); i++) {
          callers.get(i).complete(r.getFirst() + i);
        }
      }
      List<CompletableFuture<Long>> next;
      synchronized (this) {
        if (waiting.isEmpty()) {
          inFlight--;
          next = null;
        } else {
          next = drain();
        }
      }
      if (next != null) {
        fire(next);
      }
    });
  }
}
