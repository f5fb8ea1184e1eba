package io.raftcoord.statemachine.version;

import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandHeader;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.Record;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.apply.ApplyResult;
import io.raftcoord.statemachine.domain.Claims;
import io.raftcoord.statemachine.domain.Domain;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.store.StoreBatch;
import java.util.Set;

/**
 * Versioned apply as a domain: the committed apply version and each replica's reported range
 * ({@link VersionControl}). Its state lives in the META column family, which the core owns; it
 * is loaded by the core before any domain, because a store at an unsupported version must not
 * be loaded at all.
 */
public final class VersionDomain implements Domain {
  private final VersionControl versions;
  private final String replicaId;

  public VersionDomain(VersionControl versions, String replicaId) {
    this.versions = versions;
    this.replicaId = replicaId;
  }

  @Override
  public String name() {
    return "version";
  }

  @Override
  public Claims claims() {
    return Claims.cases(Set.of(Command.BodyCase.REPORT_VERSIONS, Command.BodyCase.UPGRADE),
        Set.of(Record.BodyCase.APPLY_VERSION_RAISED, Record.BodyCase.REPLICA_VERSIONS_REPORTED),
        Set.of(Query.BodyCase.VERSION));
  }

  @Override
  public void load(CoordStore store) {
    // Loaded by the core first (see the class comment).
  }

  @Override
  public ApplyResult generate(ApplyContext ctx, CommandHeader header, Command command) {
    return switch (command.getBodyCase()) {
      case REPORT_VERSIONS -> versions.report(ctx, command.getReportVersions());
      case UPGRADE -> versions.upgrade(ctx, header, command.getUpgrade());
      default -> throw new IllegalStateException("version domain asked to generate " + command.getBodyCase());
    };
  }

  @Override
  public void replay(ApplyContext ctx, Record record, StoreBatch sb) {
    switch (record.getBodyCase()) {
      case APPLY_VERSION_RAISED -> versions.replay(record.getApplyVersionRaised(), sb);
      case REPLICA_VERSIONS_REPORTED -> versions.replay(record.getReplicaVersionsReported(), sb);
      default -> throw new IllegalStateException("version domain asked to replay " + record.getBodyCase());
    }
  }

  @Override
  public QueryReply.Builder read(Query query) {
    return QueryReply.newBuilder().setVersion(versions.read(replicaId));
  }
}
