package io.raftcoord.statemachine.pipeline;

import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.store.StoreBatch;
import java.util.List;
import java.util.Optional;

/** Refuses a command that would exceed a quota of any domain; the first refusal wins. */
public final class QuotaStage implements CommandApplier {
  private final List<Quota> quotas;
  private final CommandApplier next;

  public QuotaStage(List<Quota> quotas, CommandApplier next) {
    this.quotas = List.copyOf(quotas);
    this.next = next;
  }

  @Override
  public CommandReply apply(ApplyContext ctx, Caller caller, Command command, StoreBatch sb) {
    for (Quota q : quotas) {
      Optional<Refusal> r = q.check(caller, command);
      if (r.isPresent()) {
        return r.get().reply();
      }
    }
    return next.apply(ctx, caller, command, sb);
  }
}
