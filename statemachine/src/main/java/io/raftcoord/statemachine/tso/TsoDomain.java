package io.raftcoord.statemachine.tso;

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

/** The timestamp oracle as a domain: {@link TsoControl} behind the domain seam. */
public final class TsoDomain implements Domain {
  private final TsoControl tso;

  public TsoDomain(TsoControl tso) {
    this.tso = tso;
  }

  @Override
  public String name() {
    return "tso";
  }

  @Override
  public Claims claims() {
    return Claims.cases(Set.of(Command.BodyCase.TSO_ALLOCATE), Set.of(Record.BodyCase.TSO_ADVANCED), Set.of());
  }

  @Override
  public List<ColumnFamily> columnFamilies() {
    return List.of(ColumnFamily.TSO);
  }

  @Override
  public void load(CoordStore store) {
    tso.load(store);
  }

  @Override
  public ApplyResult generate(ApplyContext ctx, CommandHeader header, Command command) {
    return tso.allocate(ctx, command.getTsoAllocate());
  }

  @Override
  public void replay(ApplyContext ctx, Record record, StoreBatch sb) {
    tso.replay(record.getTsoAdvanced(), sb);
  }

  @Override
  public QueryReply.Builder read(Query query) {
    throw new IllegalStateException("the TSO claims no query, asked " + query.getBodyCase());
  }
}
