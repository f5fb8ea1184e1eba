package io.raftcoord.statemachine.pipeline;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.idempotency.IdempotencyLog;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.store.StoreBatch;
import io.raftcoord.statemachine.store.StoreException;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Idempotency: a command whose key was seen gets its first reply back and is not applied again;
 * otherwise the reply of the rest of the pipeline is remembered under the key. Command keys live
 * under "c:", apart from the batch keys under "b:".
 */
public final class DedupeStage implements CommandApplier {
  private final IdempotencyLog log;
  private final Supplier<CoordStore> store;
  private final CommandApplier next;

  public DedupeStage(IdempotencyLog log, Supplier<CoordStore> store, CommandApplier next) {
    this.log = log;
    this.store = store;
    this.next = next;
  }

  @Override
  public CommandReply apply(ApplyContext ctx, Caller caller, Command command, StoreBatch sb) {
    String key = command.getIdempotencyKey().isEmpty() ? "" : "c:" + command.getIdempotencyKey();
    if (!key.isEmpty()) {
      Optional<byte[]> seen = log.lookup(store.get(), key);
      if (seen.isPresent()) {
        try {
          return CommandReply.parseFrom(seen.get());
        } catch (InvalidProtocolBufferException e) {
          throw new StoreException("corrupt remembered reply for " + key, e);
        }
      }
    }
    CommandReply reply = next.apply(ctx, caller, command, sb);
    if (!key.isEmpty()) {
      log.remember(sb, key, reply.toByteArray(), ctx.nowMs(), ctx.index());
    }
    return reply;
  }
}
