package io.raftcoord.statemachine.sm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftcoord.proto.BatchReply;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandBatch;
import io.raftcoord.proto.CommandHeader;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.IdAllocateReply;
import io.raftcoord.proto.IdAllocateRequest;
import io.raftcoord.proto.TsoAllocateReply;
import io.raftcoord.proto.TsoAllocateRequest;
import java.util.List;

/** Test helper: builds stamped command batches and feeds them to a {@link CoordState} as log entries. */
public final class Batches {
  /** The term used for every entry fed by {@link #applyNext}. */
  public static final long TERM = 1;

  private Batches() {}

  public static Command tso(int count) {
    return Command.newBuilder().setTsoAllocate(TsoAllocateRequest.newBuilder().setCount(count)).build();
  }

  public static Command ids(int count) {
    return Command.newBuilder().setIdAllocate(IdAllocateRequest.newBuilder().setCount(count)).build();
  }

  /** A command whose body is not set (as sent by a client that knows a newer body type). */
  public static Command noBody() {
    return Command.getDefaultInstance();
  }

  public static Command keyed(String idempotencyKey, Command cmd) {
    return cmd.toBuilder().setIdempotencyKey(idempotencyKey).build();
  }

  /** A batch stamped by the leader with {@code leaderTimeMs}. */
  public static CommandBatch batch(long leaderTimeMs, Command... commands) {
    return CommandBatch.newBuilder()
        .setHeader(CommandHeader.newBuilder().setLeaderTimeMs(leaderTimeMs).setTerm(TERM).setLeaderId("n1"))
        .addAllCommands(List.of(commands)).build();
  }

  /** A stamped batch carrying a batch-level idempotency key. */
  public static CommandBatch keyedBatch(String idempotencyKey, long leaderTimeMs, Command... commands) {
    return batch(leaderTimeMs, commands).toBuilder().setIdempotencyKey(idempotencyKey).build();
  }

  /** Applies {@code batch} as the entry right after the state's applied index; it must be applied. */
  public static BatchReply applyNext(CoordState state, CommandBatch batch) {
    return applyNext(state, batch.toByteArray());
  }

  public static BatchReply applyNext(CoordState state, byte[] data) {
    long index = state.appliedIndex() + 1;
    BatchReply reply = state.apply(TERM, index, data)
        .orElseThrow(() -> new AssertionError("entry " + index + " was not applied"));
    assertEquals(index, state.appliedIndex(), "applied index after entry " + index);
    return reply;
  }

  /** The single reply of a one-command batch. */
  public static CommandReply only(BatchReply reply) {
    assertEquals(1, reply.getRepliesCount(), () -> "replies of " + reply);
    return reply.getReplies(0);
  }

  /** Asserts the reply is OK with a TSO body and returns that body. */
  public static TsoAllocateReply tsoOk(CommandReply reply) {
    assertEquals(ErrorCode.OK, reply.getCode(), () -> "reply " + reply);
    assertEquals(CommandReply.BodyCase.TSO_ALLOCATE, reply.getBodyCase(), () -> "reply " + reply);
    return reply.getTsoAllocate();
  }

  /** Asserts the reply is OK with an ID body and returns that body. */
  public static IdAllocateReply idsOk(CommandReply reply) {
    assertEquals(ErrorCode.OK, reply.getCode(), () -> "reply " + reply);
    assertEquals(CommandReply.BodyCase.ID_ALLOCATE, reply.getBodyCase(), () -> "reply " + reply);
    return reply.getIdAllocate();
  }
}
