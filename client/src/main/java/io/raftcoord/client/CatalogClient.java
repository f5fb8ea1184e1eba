package io.raftcoord.client;

import io.raftcoord.client.internal.CommandPipeline;
import io.raftcoord.client.internal.Futures;
import io.raftcoord.client.internal.QueryPipeline;
import io.raftcoord.client.internal.RaftTransport;
import io.raftcoord.proto.AliasInfo;
import io.raftcoord.proto.AlterAliasRequest;
import io.raftcoord.proto.AlterCollectionRequest;
import io.raftcoord.proto.AlterDatabaseRequest;
import io.raftcoord.proto.CatalogChange;
import io.raftcoord.proto.CatalogLimits;
import io.raftcoord.proto.CollectionBrief;
import io.raftcoord.proto.CollectionDescription;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.CollectionRef;
import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CreateAliasRequest;
import io.raftcoord.proto.CreateCollectionRequest;
import io.raftcoord.proto.CreateDatabaseRequest;
import io.raftcoord.proto.CreatePartitionRequest;
import io.raftcoord.proto.DatabaseInfo;
import io.raftcoord.proto.DescribeAliasQuery;
import io.raftcoord.proto.DescribeCollectionQuery;
import io.raftcoord.proto.DescribeDatabaseQuery;
import io.raftcoord.proto.DescribePartitionQuery;
import io.raftcoord.proto.DropAliasRequest;
import io.raftcoord.proto.DropCollectionRequest;
import io.raftcoord.proto.DropDatabaseRequest;
import io.raftcoord.proto.DropPartitionRequest;
import io.raftcoord.proto.GetCatalogLimitsQuery;
import io.raftcoord.proto.KeyValue;
import io.raftcoord.proto.ListAliasesQuery;
import io.raftcoord.proto.ListCollectionsQuery;
import io.raftcoord.proto.ListDatabasesQuery;
import io.raftcoord.proto.ListPartitionsQuery;
import io.raftcoord.proto.PartitionInfo;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryBatch;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.RenameCollectionRequest;
import io.raftcoord.proto.SetCatalogLimitsRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * RootCoord's catalog: databases, collections, partitions, aliases and limits. Every change is
 * one command in one Raft entry (it happens entirely or not at all); every read is
 * linearizable (ReadIndex), batched with the other reads waiting in this process. An empty
 * database name means {@code default}; wherever a collection name is read, an alias works too.
 * Failures are {@link CoordException}s whose message names the object, limit or value.
 */
public final class CatalogClient {
  private final CommandPipeline commands;
  private final Function<Query, CompletableFuture<QueryReply>> reads;
  private final RaftTransport transport;

  CatalogClient(CommandPipeline commands, QueryPipeline queries, RaftTransport transport) {
    this(commands, queries::submit, transport);
  }

  private CatalogClient(CommandPipeline commands, Function<Query, CompletableFuture<QueryReply>> reads,
                        RaftTransport transport) {
    this.commands = commands;
    this.reads = reads;
    this.transport = transport;
  }

  /** The same catalog with every read served by replica {@code peerId} (a follower reads through ReadIndex). */
  public CatalogClient at(String peerId) {
    return new CatalogClient(commands, q -> transport.readFrom(QueryBatch.newBuilder().addQueries(q).build().toByteArray(),
        peerId).thenApply(b -> QueryPipeline.parse(b, 1).get(0)), transport);
  }

  // ---- databases ----

  public CompletableFuture<DatabaseInfo> createDatabaseAsync(String name, Map<String, String> properties) {
    return change(Command.newBuilder().setCreateDatabase(CreateDatabaseRequest.newBuilder().setName(name)
        .addAllProperties(kvs(properties)))).thenApply(CatalogChange::getDatabase);
  }

  public DatabaseInfo createDatabase(String name) {
    return Futures.join(createDatabaseAsync(name, Map.of()));
  }

  public CompletableFuture<DatabaseInfo> dropDatabaseAsync(String name) {
    return change(Command.newBuilder().setDropDatabase(DropDatabaseRequest.newBuilder().setName(name)))
        .thenApply(CatalogChange::getDatabase);
  }

  public DatabaseInfo dropDatabase(String name) {
    return Futures.join(dropDatabaseAsync(name));
  }

  public CompletableFuture<DatabaseInfo> alterDatabaseAsync(String name, Map<String, String> set, List<String> deleteKeys) {
    return change(Command.newBuilder().setAlterDatabase(AlterDatabaseRequest.newBuilder().setName(name)
        .addAllSet(kvs(set)).addAllDeleteKeys(deleteKeys))).thenApply(CatalogChange::getDatabase);
  }

  public DatabaseInfo alterDatabase(String name, Map<String, String> set, List<String> deleteKeys) {
    return Futures.join(alterDatabaseAsync(name, set, deleteKeys));
  }

  public CompletableFuture<List<DatabaseInfo>> listDatabasesAsync() {
    return read(Query.newBuilder().setListDatabases(ListDatabasesQuery.getDefaultInstance()))
        .thenApply(r -> r.getDatabases().getDatabasesList());
  }

  public List<DatabaseInfo> listDatabases() {
    return Futures.join(listDatabasesAsync());
  }

  public CompletableFuture<DatabaseInfo> describeDatabaseAsync(String name) {
    return read(Query.newBuilder().setDescribeDatabase(DescribeDatabaseQuery.newBuilder().setName(name)))
        .thenApply(QueryReply::getDatabase);
  }

  public DatabaseInfo describeDatabase(String name) {
    return Futures.join(describeDatabaseAsync(name));
  }

  // ---- collections ----

  /** Creates a collection; the request's unset fields take Milvus's defaults. */
  public CompletableFuture<CollectionInfo> createCollectionAsync(CreateCollectionRequest request) {
    return change(Command.newBuilder().setCreateCollection(request)).thenApply(CatalogChange::getCollection);
  }

  /** As {@link #createCollectionAsync}, with an idempotency key: a retry with the same key gets the first reply. */
  public CompletableFuture<CollectionInfo> createCollectionAsync(CreateCollectionRequest request, String idempotencyKey) {
    return change(Command.newBuilder().setIdempotencyKey(idempotencyKey).setCreateCollection(request))
        .thenApply(CatalogChange::getCollection);
  }

  public CollectionInfo createCollection(CreateCollectionRequest request) {
    return Futures.join(createCollectionAsync(request));
  }

  public CollectionInfo createCollection(String db, String name, CollectionSchema schema) {
    return createCollection(CreateCollectionRequest.newBuilder().setDb(db).setName(name).setSchema(schema).build());
  }

  public CompletableFuture<CollectionInfo> dropCollectionAsync(String db, String name) {
    return change(Command.newBuilder().setDropCollection(DropCollectionRequest.newBuilder().setDb(db).setName(name)))
        .thenApply(CatalogChange::getCollection);
  }

  public CompletableFuture<CollectionInfo> dropCollectionAsync(String db, String name, String idempotencyKey) {
    return change(Command.newBuilder().setIdempotencyKey(idempotencyKey)
        .setDropCollection(DropCollectionRequest.newBuilder().setDb(db).setName(name))).thenApply(CatalogChange::getCollection);
  }

  public CollectionInfo dropCollection(String db, String name) {
    return Futures.join(dropCollectionAsync(db, name));
  }

  /** Renames a collection; {@code newDb} empty keeps its database. */
  public CompletableFuture<CollectionInfo> renameCollectionAsync(String db, String name, String newDb, String newName) {
    return change(Command.newBuilder().setRenameCollection(RenameCollectionRequest.newBuilder().setDb(db)
        .setName(name).setNewDb(newDb).setNewName(newName))).thenApply(CatalogChange::getCollection);
  }

  public CollectionInfo renameCollection(String db, String name, String newDb, String newName) {
    return Futures.join(renameCollectionAsync(db, name, newDb, newName));
  }

  public CompletableFuture<CollectionInfo> alterCollectionAsync(String db, String name, Map<String, String> set,
                                                                List<String> deleteKeys) {
    return change(Command.newBuilder().setAlterCollection(AlterCollectionRequest.newBuilder().setDb(db).setName(name)
        .addAllSet(kvs(set)).addAllDeleteKeys(deleteKeys))).thenApply(CatalogChange::getCollection);
  }

  public CollectionInfo alterCollection(String db, String name, Map<String, String> set, List<String> deleteKeys) {
    return Futures.join(alterCollectionAsync(db, name, set, deleteKeys));
  }

  public CompletableFuture<List<CollectionBrief>> listCollectionsAsync(String db) {
    return read(Query.newBuilder().setListCollections(ListCollectionsQuery.newBuilder().setDb(db)))
        .thenApply(r -> r.getCollections().getCollectionsList());
  }

  public List<CollectionBrief> listCollections(String db) {
    return Futures.join(listCollectionsAsync(db));
  }

  /** The collection called {@code nameOrAlias} in {@code db}, with its partitions and aliases. */
  public CompletableFuture<CollectionDescription> describeCollectionAsync(String db, String nameOrAlias) {
    return describeAt(CollectionRef.newBuilder().setDb(db).setName(nameOrAlias).build())
        .thenApply(QueryReply::getCollection);
  }

  public CollectionDescription describeCollection(String db, String nameOrAlias) {
    return Futures.join(describeCollectionAsync(db, nameOrAlias));
  }

  public CollectionDescription describeCollection(long id) {
    return Futures.join(describeAt(CollectionRef.newBuilder().setId(id).build()).thenApply(QueryReply::getCollection));
  }

  /** The raw reply, with the revision it reflects (for the metadata cache). */
  CompletableFuture<QueryReply> describeAt(CollectionRef ref) {
    return read(Query.newBuilder().setDescribeCollection(DescribeCollectionQuery.newBuilder().setCollection(ref)));
  }

  // ---- partitions ----

  public CompletableFuture<PartitionInfo> createPartitionAsync(String db, String collection, String name) {
    return change(Command.newBuilder().setCreatePartition(CreatePartitionRequest.newBuilder().setDb(db)
        .setCollection(collection).setName(name))).thenApply(CatalogChange::getPartition);
  }

  public PartitionInfo createPartition(String db, String collection, String name) {
    return Futures.join(createPartitionAsync(db, collection, name));
  }

  public CompletableFuture<PartitionInfo> dropPartitionAsync(String db, String collection, String name) {
    return change(Command.newBuilder().setDropPartition(DropPartitionRequest.newBuilder().setDb(db)
        .setCollection(collection).setName(name))).thenApply(CatalogChange::getPartition);
  }

  public PartitionInfo dropPartition(String db, String collection, String name) {
    return Futures.join(dropPartitionAsync(db, collection, name));
  }

  public List<PartitionInfo> listPartitions(String db, String collection) {
    return Futures.join(read(Query.newBuilder().setListPartitions(ListPartitionsQuery.newBuilder()
        .setCollection(CollectionRef.newBuilder().setDb(db).setName(collection))))
        .thenApply(r -> r.getPartitions().getPartitionsList()));
  }

  public PartitionInfo describePartition(String db, String collection, String name) {
    return Futures.join(read(Query.newBuilder().setDescribePartition(DescribePartitionQuery.newBuilder()
        .setCollection(CollectionRef.newBuilder().setDb(db).setName(collection)).setName(name)))
        .thenApply(QueryReply::getPartition));
  }

  // ---- aliases ----

  public AliasInfo createAlias(String db, String alias, String collection) {
    return Futures.join(change(Command.newBuilder().setCreateAlias(CreateAliasRequest.newBuilder().setDb(db)
        .setAlias(alias).setCollection(collection))).thenApply(CatalogChange::getAlias));
  }

  public AliasInfo dropAlias(String db, String alias) {
    return Futures.join(change(Command.newBuilder().setDropAlias(DropAliasRequest.newBuilder().setDb(db).setAlias(alias)))
        .thenApply(CatalogChange::getAlias));
  }

  /** Repoints {@code alias} to {@code collection}. */
  public AliasInfo alterAlias(String db, String alias, String collection) {
    return Futures.join(change(Command.newBuilder().setAlterAlias(AlterAliasRequest.newBuilder().setDb(db)
        .setAlias(alias).setCollection(collection))).thenApply(CatalogChange::getAlias));
  }

  /** Aliases of {@code db}; with a collection, only that collection's. */
  public List<AliasInfo> listAliases(String db, String collection) {
    return Futures.join(read(Query.newBuilder().setListAliases(ListAliasesQuery.newBuilder().setDb(db)
        .setCollection(collection))).thenApply(r -> r.getAliases().getAliasesList()));
  }

  public AliasInfo describeAlias(String db, String alias) {
    return Futures.join(read(Query.newBuilder().setDescribeAlias(DescribeAliasQuery.newBuilder().setDb(db)
        .setAlias(alias))).thenApply(QueryReply::getAlias));
  }

  // ---- limits ----

  public CatalogLimits limits() {
    return Futures.join(read(Query.newBuilder().setGetCatalogLimits(GetCatalogLimitsQuery.getDefaultInstance()))
        .thenApply(QueryReply::getLimits));
  }

  /** Changes the limits whose fields are non-zero in {@code change}; returns all limits after it. */
  public CatalogLimits setLimits(CatalogLimits change) {
    return Futures.join(change(Command.newBuilder().setSetCatalogLimits(SetCatalogLimitsRequest.newBuilder()
        .setLimits(change))).thenApply(CatalogChange::getLimits));
  }

  /**
   * The catalog's current revision (a linearizable read): after a COMPACTED watch, read it,
   * list again, then watch from it + 1 — nothing is missed (changes between the two reads may
   * be seen twice).
   */
  public long revision() {
    return Futures.join(read(Query.newBuilder().setGetCatalogLimits(GetCatalogLimitsQuery.getDefaultInstance()))
        .thenApply(QueryReply::getRevision));
  }

  // ---- plumbing ----

  private CompletableFuture<CatalogChange> change(Command.Builder cmd) {
    return commands.submitChecked(cmd.build()).thenApply(r -> r.getCatalog());
  }

  private CompletableFuture<QueryReply> read(Query.Builder q) {
    return reads.apply(q.build()).thenApply(QueryPipeline::checked);
  }

  private static List<KeyValue> kvs(Map<String, String> m) {
    return m.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .map(e -> KeyValue.newBuilder().setKey(e.getKey()).setValue(e.getValue()).build()).toList();
  }
}
