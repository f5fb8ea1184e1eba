package io.raftcoord.statemachine.ids;

import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandHeader;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.Record;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.apply.ApplyResult;
import io.raftcoord.statemachine.domain.Claims;
import io.raftcoord.statemachine.domain.Domain;
import io.raftcoord.statemachine.store.ColumnFamily;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.store.StoreBatch;
import java.util.List;
import java.util.Set;

/** The global ID allocator as a domain: {@link IdControl} behind the domain seam. */
public final class IdDomain implements Domain {
  private final IdControl ids;

  public IdDomain(IdControl ids) {
    this.ids = ids;
  }

  @Override
  public String name() {
    return "ids";
  }

  @Override
  public Claims claims() {
    return Claims.cases(Set.of(Command.BodyCase.ID_ALLOCATE), Set.of(Record.BodyCase.IDS_ALLOCATED), Set.of());
  }

  @Override
  public List<ColumnFamily> columnFamilies() {
    return List.of(ColumnFamily.IDS);
  }

  @Override
  public void load(CoordStore store) {
    ids.load(store);
  }

  @Override
  public ApplyResult generate(ApplyContext ctx, CommandHeader header, Command command) {
    return ids.allocate(ctx, command.getIdAllocate());
  }

  @Override
  public void replay(ApplyContext ctx, Record record, StoreBatch sb) {
    ids.replay(record.getIdsAllocated(), sb);
  }

  @Override
  public QueryReply.Builder read(Query query) {
    throw new IllegalStateException("the ID allocator claims no query, asked " + query.getBodyCase());
  }
}
