package io.raftcoord.statemachine.catalog;

import io.raftcoord.proto.CatalogLimits;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandHeader;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.Record;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.apply.ApplyResult;
import io.raftcoord.statemachine.domain.Claims;
import io.raftcoord.statemachine.domain.Domain;
import io.raftcoord.statemachine.domain.FeedEvent;
import io.raftcoord.statemachine.ids.IdControl;
import io.raftcoord.statemachine.store.ColumnFamily;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.store.StoreBatch;
import io.raftcoord.statemachine.tso.TsoControl;
import io.raftcoord.statemachine.version.VersionControl;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** RootCoord's catalog as a domain: {@link CatalogControl} generates, {@link Catalog} replays, {@link CatalogReads} answers. */
public final class CatalogDomain implements Domain {
  static final Set<Command.BodyCase> COMMANDS = EnumSet.of(Command.BodyCase.CREATE_DATABASE,
      Command.BodyCase.DROP_DATABASE, Command.BodyCase.ALTER_DATABASE, Command.BodyCase.CREATE_COLLECTION,
      Command.BodyCase.DROP_COLLECTION, Command.BodyCase.RENAME_COLLECTION, Command.BodyCase.ALTER_COLLECTION,
      Command.BodyCase.CREATE_PARTITION, Command.BodyCase.DROP_PARTITION, Command.BodyCase.CREATE_ALIAS,
      Command.BodyCase.DROP_ALIAS, Command.BodyCase.ALTER_ALIAS, Command.BodyCase.SET_CATALOG_LIMITS);
  static final Set<Query.BodyCase> QUERIES = EnumSet.of(Query.BodyCase.LIST_DATABASES,
      Query.BodyCase.DESCRIBE_DATABASE, Query.BodyCase.LIST_COLLECTIONS, Query.BodyCase.DESCRIBE_COLLECTION,
      Query.BodyCase.LIST_PARTITIONS, Query.BodyCase.DESCRIBE_PARTITION, Query.BodyCase.LIST_ALIASES,
      Query.BodyCase.DESCRIBE_ALIAS, Query.BodyCase.GET_CATALOG_LIMITS);

  private final Catalog catalog = new Catalog();
  private final CatalogControl control;
  private final CatalogReads reads = new CatalogReads(catalog);

  public CatalogDomain(IdControl ids, TsoControl tso, VersionControl versions) {
    this.control = new CatalogControl(catalog, ids, tso, versions);
  }

  @Override
  public String name() {
    return "catalog";
  }

  @Override
  public Claims claims() {
    return Claims.cases(COMMANDS, Set.of(Record.BodyCase.CATALOG), QUERIES);
  }

  @Override
  public List<ColumnFamily> columnFamilies() {
    return List.of(ColumnFamily.CATALOG);
  }

  @Override
  public void load(CoordStore store) {
    catalog.load(store);
  }

  @Override
  public ApplyResult generate(ApplyContext ctx, CommandHeader header, Command cmd) {
    return switch (cmd.getBodyCase()) {
      case CREATE_DATABASE -> control.createDatabase(ctx, cmd.getCreateDatabase());
      case DROP_DATABASE -> control.dropDatabase(ctx, cmd.getDropDatabase());
      case ALTER_DATABASE -> control.alterDatabase(ctx, cmd.getAlterDatabase());
      case CREATE_COLLECTION -> control.createCollection(ctx, cmd.getCreateCollection());
      case DROP_COLLECTION -> control.dropCollection(ctx, cmd.getDropCollection());
      case RENAME_COLLECTION -> control.renameCollection(ctx, cmd.getRenameCollection());
      case ALTER_COLLECTION -> control.alterCollection(ctx, cmd.getAlterCollection());
      case CREATE_PARTITION -> control.createPartition(ctx, cmd.getCreatePartition());
      case DROP_PARTITION -> control.dropPartition(ctx, cmd.getDropPartition());
      case CREATE_ALIAS -> control.createAlias(ctx, cmd.getCreateAlias());
      case DROP_ALIAS -> control.dropAlias(ctx, cmd.getDropAlias());
      case ALTER_ALIAS -> control.alterAlias(ctx, cmd.getAlterAlias());
      case SET_CATALOG_LIMITS -> control.setLimits(ctx, cmd.getSetCatalogLimits());
      default -> throw new IllegalStateException("catalog asked to generate " + cmd.getBodyCase());
    };
  }

  @Override
  public void replay(ApplyContext ctx, Record record, StoreBatch sb) {
    catalog.replay(record.getCatalog(), sb);
  }

  @Override
  public QueryReply.Builder read(Query query) {
    return reads.answer(query).orElseThrow(() -> new IllegalStateException("catalog asked to read " + query.getBodyCase()));
  }

  @Override
  public Optional<FeedEvent> event(Record record) {
    return Optional.of(new FeedEvent(name(), record.getCatalog().getKind().name(), record.getCatalog()));
  }

  /** The replicated limits, also the change feed's retention. */
  public CatalogLimits limits() {
    return catalog.limits();
  }

  public Catalog catalog() {
    return catalog;
  }
}
