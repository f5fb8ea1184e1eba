package io.raftcoord.statemachine.pipeline;

import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.store.StoreBatch;

/** Refuses a command its caller may not run (UNAUTHENTICATED or PERMISSION_DENIED), before any domain sees it. */
public final class AuthorizeStage implements CommandApplier {
  private final Authorizer authorizer;
  private final CommandApplier next;

  public AuthorizeStage(Authorizer authorizer, CommandApplier next) {
    this.authorizer = authorizer;
    this.next = next;
  }

  @Override
  public CommandReply apply(ApplyContext ctx, Caller caller, Command command, StoreBatch sb) {
    return authorizer.check(caller, command).map(Refusal::reply)
        .orElseGet(() -> next.apply(ctx, caller, command, sb));
  }
}
