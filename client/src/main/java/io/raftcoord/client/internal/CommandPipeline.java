package io.raftcoord.client.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.client.CoordException;
import io.raftcoord.proto.BatchReply;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandBatch;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Packs the commands waiting in this process into {@link CommandBatch}es, one Raft entry each.
 * Invariants: at most {@code maxInFlight} batches are outstanding; a batch is sent the moment a
 * slot is free (never on a timer), taking everything queued up to {@code maxBatch}; each
 * command's future completes with its own reply, so one refused command never fails its
 * neighbours. Every batch carries a fresh idempotency key (this instance's id + sequence).
 */
public final class CommandPipeline {
  private record Pending(Command command, CompletableFuture<CommandReply> future) {}

  private final RaftTransport transport;
  private final int maxInFlight;
  private final int maxBatch;
  private final String authToken;
  private final String keyPrefix = UUID.randomUUID().toString();
  private final AtomicLong sequence = new AtomicLong();
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private int inFlight;
  private final LongAdder batchesSent = new LongAdder();
  private final LongAdder commandsSent = new LongAdder();
  private final long deadlineMs;

  public CommandPipeline(RaftTransport transport, int maxInFlight, int maxBatch, String authToken) {
    this(transport, maxInFlight, maxBatch, authToken, null);
  }

  /**
   * With a deadline, a command fails with DEADLINE_EXCEEDED once it has waited that long in
   * total, queueing behind an in-flight batch included (the transport's own deadline only
   * starts when the batch is sent).
   */
  public CommandPipeline(RaftTransport transport, int maxInFlight, int maxBatch, String authToken,
                         java.time.Duration deadline) {
    if (maxInFlight < 1 || maxBatch < 1) {
      throw new IllegalArgumentException("maxInFlight and maxBatch must be positive");
    }
    this.transport = transport;
    this.maxInFlight = maxInFlight;
    this.maxBatch = maxBatch;
    this.authToken = authToken == null ? "" : authToken;
    this.deadlineMs = deadline == null ? 0 : deadline.toMillis();
  }

  public CompletableFuture<CommandReply> submit(Command command) {
    CompletableFuture<CommandReply> f = new CompletableFuture<>();
    if (deadlineMs > 0) {
      f.orTimeout(deadlineMs, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
    Pending p = new Pending(command, f);
    List<Pending> toSend = null;
    synchronized (this) {
      queue.add(p);
      if (inFlight < maxInFlight) {
        inFlight++;
        toSend = drain();
      }
    }
    if (toSend != null) {
      send(toSend);
    }
    return p.future();
  }

  /** Completes with the reply if it is OK, else fails with the reply's CoordException. */
  public CompletableFuture<CommandReply> submitChecked(Command command) {
    return submit(command).thenApply(r -> {
      if (r.getCode() != ErrorCode.OK) {
        throw new CoordException(r.getCode(), r.getMessage());
      }
      return r;
    });
  }

  private List<Pending> drain() {
    int n = Math.min(maxBatch, queue.size());
    List<Pending> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(queue.poll());
    }
    return out;
  }

  private void send(List<Pending> batch) {
    CommandBatch.Builder b = CommandBatch.newBuilder().setAuthToken(authToken)
        .setIdempotencyKey(keyPrefix + "/" + sequence.incrementAndGet());
    for (Pending p : batch) {
      b.addCommands(p.command());
    }
    batchesSent.increment();
    commandsSent.add(batch.size());
    transport.write(b.build().toByteArray()).whenComplete((bytes, err) -> {
      try {
        complete(batch, bytes, err);
      } finally {
        List<Pending> next;
        synchronized (this) {
          if (queue.isEmpty()) {
            inFlight--;
            next = null;
          } else {
            next = drain();
          }
        }
        if (next != null) {
          send(next);
        }
      }
    });
  }

  private static void complete(List<Pending> batch, byte[] bytes, Throwable err) {
    if (err != null) {
      CoordException ce = Futures.toCoord(err);
      batch.forEach(p -> p.future().completeExceptionally(ce));
      return;
    }
    BatchReply reply;
    try {
      reply = BatchReply.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      CoordException ce = new CoordException(ErrorCode.INTERNAL, "unreadable reply from server: " + e.getMessage());
      batch.forEach(p -> p.future().completeExceptionally(ce));
      return;
    }
    if (reply.getCode() != ErrorCode.OK) {
      CoordException ce = new CoordException(reply.getCode(), reply.getMessage());
      batch.forEach(p -> p.future().completeExceptionally(ce));
      return;
    }
    if (reply.getRepliesCount() != batch.size()) {
      CoordException ce = new CoordException(ErrorCode.INTERNAL,
          "server answered " + reply.getRepliesCount() + " replies to " + batch.size() + " commands");
      batch.forEach(p -> p.future().completeExceptionally(ce));
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      batch.get(i).future().complete(reply.getReplies(i));
    }
  }

  public long batchesSent() {
    return batchesSent.sum();
  }

  public long commandsSent() {
    return commandsSent.sum();
  }
}
