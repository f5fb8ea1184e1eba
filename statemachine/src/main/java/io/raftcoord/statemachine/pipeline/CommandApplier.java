package io.raftcoord.statemachine.pipeline;

import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.store.StoreBatch;

/**
 * One stage of applying a command, wrapping the next (etcd's applier wrappers are the model):
 * dedupe → authorize → quota → dispatch. A stage either answers itself (a remembered reply, a
 * refusal) or passes the command on; every stage is deterministic.
 */
@FunctionalInterface
public interface CommandApplier {
  CommandReply apply(ApplyContext ctx, Caller caller, Command command, StoreBatch sb);
}
