package io.raftcoord.statemachine.pipeline;

import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Record;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.apply.ApplyResult;
import io.raftcoord.statemachine.domain.Domain;
import io.raftcoord.statemachine.domain.DomainRegistry;
import io.raftcoord.statemachine.store.StoreBatch;
import io.raftcoord.statemachine.version.UnsupportedApplyException;
import io.raftcoord.statemachine.version.VersionControl;
import java.util.List;

/**
 * The last stage: the command's domain generates records and a reply; each record is replayed by
 * the domain that claims it and then shown to the listeners. A command no domain of this binary
 * claims stops the replica ({@link UnsupportedApplyException}) rather than answer differently
 * from replicas that know it.
 */
public final class DispatchStage implements CommandApplier {
  private final DomainRegistry domains;
  private final VersionControl versions;
  private final List<RecordListener> listeners;

  public DispatchStage(DomainRegistry domains, VersionControl versions, List<RecordListener> listeners) {
    this.domains = domains;
    this.versions = versions;
    this.listeners = List.copyOf(listeners);
  }

  @Override
  public CommandReply apply(ApplyContext ctx, Caller caller, Command command, StoreBatch sb) {
    if (command.getBodyCase() == Command.BodyCase.BODY_NOT_SET && command.getUnknownFields().asMap().isEmpty()) {
      return new Refusal(ErrorCode.INVALID_ARGUMENT, "command has no body").reply();
    }
    Domain domain = domains.forCommand(command).orElseThrow(() -> new UnsupportedApplyException("log entry "
        + ctx.index() + " holds a command this binary does not know (" + describe(command) + "); it supports apply versions "
        + versions.supported() + "; restart this replica with a newer binary"));
    ApplyResult result = domain.generate(ctx, caller.header(), command);
    replay(ctx, domain, result.records(), sb);
    return result.reply();
  }

  /** Replays {@code records} in order, each followed at once by what other domains add after it. */
  private void replay(ApplyContext ctx, Domain from, List<Record> records, StoreBatch sb) {
    for (Record r : records) {
      Domain owner = domains.forRecord(r).orElseThrow(() -> new IllegalStateException(
          "domain " + from.name() + " generated a record no domain replays: " + r.getBodyCase()
              + (r.getBodyCase() == Record.BodyCase.DOMAIN ? " " + r.getDomain().getTypeUrl() : "")));
      owner.replay(ctx, r, sb);
      for (RecordListener l : listeners) {
        l.replayed(ctx, owner, r, sb);
      }
      for (Domain d : domains.all()) {
        if (d != owner) {
          List<Record> more = d.follow(ctx, r);
          if (!more.isEmpty()) {
            replay(ctx, d, more, sb);
          }
        }
      }
    }
  }

  /** Names what this binary does not know about a command, for the log line. */
  public static String describe(Command command) {
    return command.getBodyCase() == Command.BodyCase.DOMAIN
        ? "type " + command.getDomain().getTypeUrl()
        : "fields " + command.getUnknownFields().asMap().keySet();
  }
}
