package io.raftcoord.client.internal;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.client.CoordException;
import io.raftcoord.proto.BatchReply;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandBatch;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.EntryLimits;
import io.raftcoord.proto.ErrorCode;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Packs the commands waiting in this process into {@link CommandBatch}es, one Raft entry each.
 * Invariants: at most {@code maxInFlight} batches are outstanding; a batch is sent the moment a
 * slot is free (never on a timer), taking everything queued up to {@code maxBatch} commands and
 * {@link EntryLimits#MAX_BATCH_BYTES} serialized; a command that cannot fit a batch on its own
 * is refused with INVALID_ARGUMENT before it is sent; each
 * command's future completes with its own reply, so one refused command never fails its
 * neighbours. Every batch carries a fresh idempotency key (this instance's id + sequence).
 */
public final class CommandPipeline {
  private final RaftTransport transport;
  private final String authToken;
  private final String keyPrefix = UUID.randomUUID().toString();
  private final AtomicLong sequence = new AtomicLong();
  private final LongAdder batchesSent = new LongAdder();
  private final LongAdder commandsSent = new LongAdder();
  private final int envelopeBytes;
  private final Batcher<Command, CommandReply> batcher;

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
    this.transport = transport;
    this.authToken = authToken == null ? "" : authToken;
    // The envelope with the longest key this instance will ever send: sizes are upper bounds.
    this.envelopeBytes = CommandBatch.newBuilder().setAuthToken(this.authToken)
        .setIdempotencyKey(keyPrefix + "/" + Long.MAX_VALUE).build().getSerializedSize();
    this.batcher = new Batcher<>(maxInFlight, maxBatch, EntryLimits.MAX_BATCH_BYTES - envelopeBytes,
        CommandPipeline::bytesInBatch, deadline == null ? 0 : deadline.toMillis(), this::send);
  }

  public CompletableFuture<CommandReply> submit(Command command) {
    long alone = envelopeBytes + bytesInBatch(command);
    if (alone > EntryLimits.MAX_BATCH_BYTES) {
      return CompletableFuture.failedFuture(new CoordException(ErrorCode.INVALID_ARGUMENT,
          EntryLimits.tooLarge("the " + describe(command) + " command", alone)));
    }
    return batcher.submit(command);
  }

  /** What {@code command} adds to a serialized {@link CommandBatch}: its field tag, length and body. */
  static long bytesInBatch(Command command) {
    return CodedOutputStream.computeMessageSize(CommandBatch.COMMANDS_FIELD_NUMBER, command);
  }

  private static String describe(Command command) {
    return command.getBodyCase().name().toLowerCase(java.util.Locale.ROOT);
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

  private CompletableFuture<?> send(List<Batcher.Pending<Command, CommandReply>> batch) {
    CommandBatch.Builder b = CommandBatch.newBuilder().setAuthToken(authToken)
        .setIdempotencyKey(keyPrefix + "/" + sequence.incrementAndGet());
    batch.forEach(p -> b.addCommands(p.item()));
    batchesSent.increment();
    commandsSent.add(batch.size());
    return transport.write(b.build().toByteArray()).whenComplete((bytes, err) -> complete(batch, bytes, err));
  }

  private static void complete(List<Batcher.Pending<Command, CommandReply>> batch, byte[] bytes, Throwable err) {
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
