package io.raftcoord.statemachine.catalog;

import static io.raftcoord.statemachine.sm.Batches.alterAlias;
import static io.raftcoord.statemachine.sm.Batches.alterCollection;
import static io.raftcoord.statemachine.sm.Batches.alterDatabase;
import static io.raftcoord.statemachine.sm.Batches.applyNext;
import static io.raftcoord.statemachine.sm.Batches.batch;
import static io.raftcoord.statemachine.sm.Batches.catalogOk;
import static io.raftcoord.statemachine.sm.Batches.createAlias;
import static io.raftcoord.statemachine.sm.Batches.createCollection;
import static io.raftcoord.statemachine.sm.Batches.createDatabase;
import static io.raftcoord.statemachine.sm.Batches.createPartition;
import static io.raftcoord.statemachine.sm.Batches.dropAlias;
import static io.raftcoord.statemachine.sm.Batches.dropCollection;
import static io.raftcoord.statemachine.sm.Batches.dropDatabase;
import static io.raftcoord.statemachine.sm.Batches.dropPartition;
import static io.raftcoord.statemachine.sm.Batches.field;
import static io.raftcoord.statemachine.sm.Batches.keyed;
import static io.raftcoord.statemachine.sm.Batches.kv;
import static io.raftcoord.statemachine.sm.Batches.only;
import static io.raftcoord.statemachine.sm.Batches.ref;
import static io.raftcoord.statemachine.sm.Batches.renameCollection;
import static io.raftcoord.statemachine.sm.Batches.setLimits;
import static io.raftcoord.statemachine.sm.Batches.simpleSchema;
import static io.raftcoord.statemachine.sm.Batches.tso;
import static io.raftcoord.statemachine.sm.Batches.tsoOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.AliasInfo;
import io.raftcoord.proto.BatchReply;
import io.raftcoord.proto.CatalogChange;
import io.raftcoord.proto.CatalogLimits;
import io.raftcoord.proto.ChangeKind;
import io.raftcoord.proto.CollectionBrief;
import io.raftcoord.proto.CollectionDescription;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.CollectionRef;
import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ConsistencyLevel;
import io.raftcoord.proto.CreateCollectionRequest;
import io.raftcoord.proto.DataType;
import io.raftcoord.proto.DatabaseInfo;
import io.raftcoord.proto.DefaultValue;
import io.raftcoord.proto.DescribeAliasQuery;
import io.raftcoord.proto.DescribeCollectionQuery;
import io.raftcoord.proto.DescribeDatabaseQuery;
import io.raftcoord.proto.DescribePartitionQuery;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.FieldSchema;
import io.raftcoord.proto.GetCatalogLimitsQuery;
import io.raftcoord.proto.KeyValue;
import io.raftcoord.proto.ListAliasesQuery;
import io.raftcoord.proto.ListCollectionsQuery;
import io.raftcoord.proto.ListDatabasesQuery;
import io.raftcoord.proto.ListPartitionsQuery;
import io.raftcoord.proto.PartitionInfo;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.Timestamps;
import io.raftcoord.statemachine.idempotency.IdempotencyLog;
import io.raftcoord.statemachine.sm.Batches;
import io.raftcoord.statemachine.sm.CoordState;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.store.StoreDump;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RootCoord's DDL through the deterministic core: each command applied as (part of) a log entry
 * to a {@link CoordState} over a temporary store, then observed with catalog reads.
 */
class CatalogControlTest {
  private static final long T0 = 1_700_000_000_000L;

  @TempDir
  Path dir;
  private CoordState state;
  /** The leader stamp of the next entry; every entry advances it by 10 ms. */
  private long time = T0;

  @BeforeEach
  void open() {
    state = new CoordState(CoordStore.open(dir.resolve("main")), IdempotencyLog.Retention.DEFAULT);
  }

  @AfterEach
  void close() {
    if (state != null) {
      state.close();
    }
  }

  private void reopen() {
    state.close();
    state = new CoordState(CoordStore.open(dir.resolve("main")), IdempotencyLog.Retention.DEFAULT);
  }

  // ---- helpers ----

  private BatchReply run(Command... commands) {
    time += 10;
    return applyNext(state, batch(time, commands));
  }

  private CommandReply one(Command c) {
    return only(run(c));
  }

  private CatalogChange ok(Command c) {
    return catalogOk(one(c));
  }

  /** The id the next catalog object gets: the allocator's next id, but never the default database's id. */
  private long nextCatalogId() {
    return Math.max(state.ids().nextId(), Catalog.DEFAULT_DB_ID + 1);
  }

  private static CommandReply assertRefused(CommandReply r, ErrorCode code, String... messageParts) {
    assertEquals(code, r.getCode(), () -> "reply " + r);
    assertEquals(CommandReply.BodyCase.BODY_NOT_SET, r.getBodyCase(), () -> "a refusal has no body: " + r);
    for (String part : messageParts) {
      assertTrue(r.getMessage().contains(part), () -> "message '" + r.getMessage() + "' contains '" + part + "'");
    }
    return r;
  }

  private CommandReply refused(Command c, ErrorCode code, String... messageParts) {
    return assertRefused(one(c), code, messageParts);
  }

  private QueryReply read(Query q) {
    return Batches.read(state, q);
  }

  private QueryReply readOk(Query q) {
    QueryReply r = read(q);
    assertEquals(ErrorCode.OK, r.getCode(), () -> "reply to " + q + ": " + r);
    assertEquals(state.appliedIndex(), r.getRevision(), "a read carries the applied index");
    return r;
  }

  private void readFails(Query q, ErrorCode code, String messagePart) {
    QueryReply r = read(q);
    assertEquals(code, r.getCode(), () -> "reply to " + q + ": " + r);
    assertTrue(r.getMessage().contains(messagePart), () -> "message '" + r.getMessage() + "' contains '" + messagePart + "'");
  }

  private static Query listDatabasesQ() {
    return Query.newBuilder().setListDatabases(ListDatabasesQuery.getDefaultInstance()).build();
  }

  private static Query describeDatabaseQ(String name) {
    return Query.newBuilder().setDescribeDatabase(DescribeDatabaseQuery.newBuilder().setName(name)).build();
  }

  private static Query listCollectionsQ(String db) {
    return Query.newBuilder().setListCollections(ListCollectionsQuery.newBuilder().setDb(db)).build();
  }

  private static Query describeCollectionQ(CollectionRef ref) {
    return Query.newBuilder().setDescribeCollection(DescribeCollectionQuery.newBuilder().setCollection(ref)).build();
  }

  private static Query listPartitionsQ(CollectionRef ref) {
    return Query.newBuilder().setListPartitions(ListPartitionsQuery.newBuilder().setCollection(ref)).build();
  }

  private static Query describePartitionQ(CollectionRef ref, String name) {
    return Query.newBuilder().setDescribePartition(DescribePartitionQuery.newBuilder().setCollection(ref).setName(name))
        .build();
  }

  private static Query listAliasesQ(String db, String collection) {
    return Query.newBuilder().setListAliases(ListAliasesQuery.newBuilder().setDb(db).setCollection(collection)).build();
  }

  private static Query describeAliasQ(String db, String alias) {
    return Query.newBuilder().setDescribeAlias(DescribeAliasQuery.newBuilder().setDb(db).setAlias(alias)).build();
  }

  private static Query limitsQ() {
    return Query.newBuilder().setGetCatalogLimits(GetCatalogLimitsQuery.getDefaultInstance()).build();
  }

  private List<String> databaseNames() {
    return readOk(listDatabasesQ()).getDatabases().getDatabasesList().stream().map(DatabaseInfo::getName).toList();
  }

  private List<String> collectionNames(String db) {
    return readOk(listCollectionsQ(db)).getCollections().getCollectionsList().stream()
        .map(CollectionBrief::getName).toList();
  }

  private CollectionDescription describe(String db, String name) {
    return readOk(describeCollectionQ(ref(db, name))).getCollection();
  }

  private List<String> partitionNames(String db, String collection) {
    return readOk(listPartitionsQ(ref(db, collection))).getPartitions().getPartitionsList().stream()
        .map(PartitionInfo::getName).toList();
  }

  private List<String> aliasNames(String db, String collection) {
    return readOk(listAliasesQ(db, collection)).getAliases().getAliasesList().stream().map(AliasInfo::getName).toList();
  }

  private static List<String> keys(List<KeyValue> kvs) {
    return kvs.stream().map(kv -> kv.getKey() + "=" + kv.getValue()).toList();
  }

  /** Everything that the catalog keeps, plus the allocators: must not move on a refused command. */
  private List<String> durableState() {
    StoreDump d = state.dump(true);
    return d.entries().stream().filter(e -> !e.startsWith("meta ")).toList();
  }

  private static CreateCollectionRequest.Builder create(String db, String name, CollectionSchema schema) {
    return CreateCollectionRequest.newBuilder().setDb(db).setName(name).setSchema(schema);
  }

  private static CollectionSchema partitionKeySchema() {
    return simpleSchema().toBuilder()
        .addFields(field("tenant", DataType.VARCHAR).setMaxLength(64).setIsPartitionKey(true)).build();
  }

  private static CollectionSchema schema(FieldSchema.Builder... fields) {
    CollectionSchema.Builder b = CollectionSchema.newBuilder();
    for (FieldSchema.Builder f : fields) {
      b.addFields(f);
    }
    return b.build();
  }

  private static FieldSchema.Builder pk() {
    return field("id", DataType.INT64).setIsPrimary(true);
  }

  private static FieldSchema.Builder vec(String name) {
    return field(name, DataType.FLOAT_VECTOR).setDim(8);
  }

  // ---- databases ----

  @Test
  void defaultDatabaseExistsAndCannotBeDropped() {
    assertEquals(List.of("default"), databaseNames());
    DatabaseInfo d = readOk(describeDatabaseQ("default")).getDatabase();
    assertEquals(Catalog.DEFAULT_DB_ID, d.getId());
    assertEquals(d, readOk(describeDatabaseQ("")).getDatabase(), "an empty name means the default database");
    assertEquals(List.of(), collectionNames(""));

    refused(dropDatabase("default"), ErrorCode.FAILED_PRECONDITION, "default database cannot be dropped");
    assertEquals(List.of("default"), databaseNames());
    refused(createDatabase("default"), ErrorCode.ALREADY_EXISTS, "\"default\" already exists");
  }

  @Test
  void dropDatabaseWithAnEmptyNameMeansTheDefaultDatabase() {
    // An empty database name means "default" everywhere else (alter, describe, every db field);
    // drop must not answer that the default database does not exist.
    CommandReply r = one(dropDatabase(""));
    assertRefused(r, ErrorCode.FAILED_PRECONDITION, "default database cannot be dropped");
    assertEquals(List.of("default"), databaseNames());
  }

  @Test
  void firstDatabaseOnAFreshStoreDoesNotReplaceTheDefaultDatabase() {
    try (CoordState fresh = new CoordState(CoordStore.open(dir.resolve("fresh")), IdempotencyLog.Retention.DEFAULT)) {
      CatalogChange c = catalogOk(only(applyNext(fresh, batch(T0, createDatabase("db1")))));
      assertNotEquals(Catalog.DEFAULT_DB_ID, c.getDatabase().getId(),
          "the allocator's first id collides with the default database's id");
      QueryReply dbs = Batches.read(fresh, listDatabasesQ());
      assertEquals(List.of("db1", "default"),
          dbs.getDatabases().getDatabasesList().stream().map(DatabaseInfo::getName).toList());
      QueryReply d = Batches.read(fresh, describeDatabaseQ("default"));
      assertEquals(ErrorCode.OK, d.getCode(), d::toString);
      assertEquals(Catalog.DEFAULT_DB_ID, d.getDatabase().getId());
      assertEquals(Catalog.DEFAULT_DB_ID + 1, c.getDatabase().getId(), "the next id after the reserved one");

      // The two stay apart: a collection made in the default database is not in db1.
      CollectionInfo coll = catalogOk(only(applyNext(fresh, batch(T0 + 1, createCollection("", "c")))))
          .getCollection();
      assertEquals(Catalog.DEFAULT_DB_ID, coll.getDbId());
      assertEquals(1, Batches.read(fresh, listCollectionsQ("")).getCollections().getCollectionsCount());
      assertEquals(0, Batches.read(fresh, listCollectionsQ("db1")).getCollections().getCollectionsCount());
    }
  }

  @Test
  void createListDescribeAlterAndDropDatabase() {
    long nextId = nextCatalogId();
    CatalogChange c = ok(createDatabase("sales", kv("b", "2"), kv("a", "1")));
    assertEquals(ChangeKind.DATABASE_CREATED, c.getKind());
    DatabaseInfo db = c.getDatabase();
    assertEquals("sales", db.getName());
    assertEquals(nextId, db.getId(), "the id comes from the allocator");
    assertEquals(nextId + 1, state.ids().nextId());
    assertEquals(List.of("a=1", "b=2"), keys(db.getPropertiesList()), "properties sorted by key");
    assertEquals(state.tso().lastTimestamp(), db.getCreatedTimestamp(), "created_timestamp from the TSO");
    assertEquals(time, Timestamps.physicalMs(db.getCreatedTimestamp()));

    assertEquals(List.of("default", "sales"), databaseNames());
    assertEquals(db, readOk(describeDatabaseQ("sales")).getDatabase());
    refused(createDatabase("sales"), ErrorCode.ALREADY_EXISTS, "database \"sales\" already exists");

    CatalogChange altered = ok(alterDatabase("sales", List.of(kv("c", "3"), kv("b", "20")), List.of("a", "missing")));
    assertEquals(ChangeKind.DATABASE_ALTERED, altered.getKind());
    assertEquals(List.of("b=20", "c=3"), keys(altered.getDatabase().getPropertiesList()));
    assertEquals(db.getId(), altered.getDatabase().getId());
    assertEquals(db.getCreatedTimestamp(), altered.getDatabase().getCreatedTimestamp());
    assertEquals(altered.getDatabase(), readOk(describeDatabaseQ("sales")).getDatabase());

    // The default database can be altered too (by its name or the empty name).
    ok(alterDatabase("", List.of(kv("owner", "ops")), List.of()));
    assertEquals(List.of("owner=ops"), keys(readOk(describeDatabaseQ("default")).getDatabase().getPropertiesList()));

    CatalogChange dropped = ok(dropDatabase("sales"));
    assertEquals(ChangeKind.DATABASE_DROPPED, dropped.getKind());
    assertEquals(altered.getDatabase(), dropped.getDatabase(), "a dropped database as it was");
    readFails(describeDatabaseQ("sales"), ErrorCode.NOT_FOUND, "database \"sales\" not found");
    readFails(listCollectionsQ("sales"), ErrorCode.NOT_FOUND, "database \"sales\" not found");
    assertEquals(List.of("default"), databaseNames());

    refused(dropDatabase("sales"), ErrorCode.NOT_FOUND, "database \"sales\" not found");
    refused(alterDatabase("sales", List.of(kv("x", "y")), List.of()), ErrorCode.NOT_FOUND, "database \"sales\" not found");

    // Re-created under the same name it is a new database.
    DatabaseInfo again = ok(createDatabase("sales")).getDatabase();
    assertTrue(again.getId() > db.getId());
    assertEquals(List.of(), again.getPropertiesList());
  }

  @Test
  void databasePropertiesAreChecked() {
    refused(createDatabase("d", kv("", "x")), ErrorCode.INVALID_ARGUMENT, "property key must not be empty");
    List<KeyValue> many = IntStream.range(0, CatalogControl.MAX_PROPERTIES + 1).mapToObj(i -> kv("k" + i, "v")).toList();
    refused(createDatabase("d", many.toArray(KeyValue[]::new)), ErrorCode.INVALID_ARGUMENT, "at most 64 properties");
    ok(createDatabase("d", many.subList(0, 64).toArray(KeyValue[]::new)));
    refused(alterDatabase("d", List.of(kv("extra", "1")), List.of()), ErrorCode.INVALID_ARGUMENT,
        "database \"d\" would have 65 properties, at most 64");
    ok(alterDatabase("d", List.of(kv("extra", "1")), List.of("k0")));
    assertEquals(64, readOk(describeDatabaseQ("d")).getDatabase().getPropertiesCount());
  }

  @Test
  void dropDatabaseIsRefusedWhileItHoldsCollections() {
    ok(createDatabase("sales"));
    ok(createCollection("sales", "orders"));
    ok(createCollection("sales", "customers"));
    refused(dropDatabase("sales"), ErrorCode.FAILED_PRECONDITION, "database \"sales\"", "2 collections",
        "\"customers\"");
    assertEquals(List.of("default", "sales"), databaseNames());

    ok(dropCollection("sales", "customers"));
    refused(dropDatabase("sales"), ErrorCode.FAILED_PRECONDITION, "database \"sales\"", "1 collection", "\"orders\"");
    // Moving the last one out empties it as well.
    ok(renameCollection("sales", "orders", "default", "orders"));
    ok(dropDatabase("sales"));
    assertEquals(List.of("default"), databaseNames());
    assertEquals(List.of("orders"), collectionNames(""));
  }

  // ---- collections ----

  @Test
  void createCollectionAllocatesIdsChannelsPartitionsAndATimestamp() {
    long before = tsoOk(one(tso(1))).getFirst();
    long id = nextCatalogId();
    CatalogChange c = ok(createCollection(create("", "books", simpleSchema()).setShardsNum(3)
        .addProperties(kv("ttl", "60")).build()));
    assertEquals(ChangeKind.COLLECTION_CREATED, c.getKind());
    CollectionInfo info = c.getCollection();
    assertEquals(id, info.getId());
    assertEquals(id + 2, state.ids().nextId(), "one id for the collection, one per partition");
    assertEquals(Catalog.DEFAULT_DB_ID, info.getDbId());
    assertEquals("default", info.getDbName());
    assertEquals("books", info.getName());
    assertEquals(3, info.getShardsNum());
    assertEquals(ConsistencyLevel.BOUNDED, info.getConsistencyLevel(), "the default level is stored explicitly");
    assertEquals(List.of("ttl=60"), keys(info.getPropertiesList()));
    assertEquals(0, info.getNumPartitions());

    assertTrue(info.getCreatedTimestamp() > before, "created after a timestamp allocated before it");
    assertEquals(state.tso().lastTimestamp(), info.getCreatedTimestamp());

    assertEquals(List.of(100L, 101L), info.getSchema().getFieldsList().stream().map(FieldSchema::getFieldId).toList());
    assertEquals(simpleSchema().getFields(1).getDim(), info.getSchema().getFields(1).getDim());

    List<String> vchannels = new ArrayList<>();
    List<String> pchannels = new ArrayList<>();
    for (int s = 0; s < 3; s++) {
      String p = "by-dev-rootcoord-dml_" + ((id + s) % 16);
      pchannels.add(p);
      vchannels.add(p + "_" + id + "v" + s);
    }
    assertEquals(vchannels, info.getVirtualChannelsList());
    assertEquals(pchannels, info.getPhysicalChannelsList());

    assertEquals(1, info.getPartitionsCount());
    PartitionInfo p = info.getPartitions(0);
    assertEquals("_default", p.getName());
    assertEquals(id + 1, p.getId());
    assertEquals(info.getCreatedTimestamp(), p.getCreatedTimestamp());

    assertEquals(info, describe("", "books").getCollection(), "the reply is the collection as stored");

    // In the same entry as an earlier timestamp allocation: still strictly later.
    BatchReply both = run(tso(5), createCollection("", "more"));
    long first = tsoOk(both.getReplies(0)).getFirst();
    assertTrue(catalogOk(both.getReplies(1)).getCollection().getCreatedTimestamp() > first + 4);
  }

  @Test
  void shardsAndConsistencyAreChecked() {
    assertEquals(1, ok(createCollection("", "one")).getCollection().getShardsNum(), "0 means 1");
    refused(createCollection(create("", "neg", simpleSchema()).setShardsNum(-2).build()), ErrorCode.INVALID_ARGUMENT,
        "shards_num must be positive, got -2");
    CollectionInfo strong = ok(createCollection(create("", "strong", simpleSchema())
        .setConsistencyLevel(ConsistencyLevel.STRONG).build())).getCollection();
    assertEquals(ConsistencyLevel.STRONG, strong.getConsistencyLevel());
    refused(createCollection(create("", "np", simpleSchema()).setNumPartitions(4).build()), ErrorCode.INVALID_ARGUMENT,
        "num_partitions is only for collections with a partition key");
  }

  @Test
  void partitionKeyCollectionGetsSixteenPartitionsByDefault() {
    long id = nextCatalogId();
    CollectionInfo c = ok(createCollection("", "tenants", partitionKeySchema())).getCollection();
    assertEquals(16, c.getNumPartitions());
    assertEquals(IntStream.range(0, 16).mapToObj(i -> "_default_" + i).toList(),
        c.getPartitionsList().stream().map(PartitionInfo::getName).toList());
    assertEquals(LongStream.range(id + 1, id + 17).boxed().toList(), c.getPartitionsList().stream().map(PartitionInfo::getId).toList());
    assertEquals(id + 17, state.ids().nextId());
    assertTrue(c.getPartitionsList().stream().allMatch(p -> p.getCreatedTimestamp() == c.getCreatedTimestamp()));
    assertEquals(partitionNames("", "tenants"), c.getPartitionsList().stream().map(PartitionInfo::getName).toList());

    CollectionInfo four = ok(createCollection(create("", "four", partitionKeySchema()).setNumPartitions(4).build()))
        .getCollection();
    assertEquals(4, four.getNumPartitions());
    assertEquals(List.of("_default_0", "_default_1", "_default_2", "_default_3"), partitionNames("", "four"));
    refused(createCollection(create("", "neg", partitionKeySchema()).setNumPartitions(-1).build()),
        ErrorCode.INVALID_ARGUMENT, "num_partitions must be positive");
  }

  @Test
  void describeByNameAliasAndIdAndListCollections() {
    ok(createDatabase("db2"));
    CollectionInfo b = ok(createCollection("", "b")).getCollection();
    CollectionInfo a = ok(createCollection("", "a")).getCollection();
    CollectionInfo other = ok(createCollection("db2", "b")).getCollection();
    ok(createAlias("", "zeta", "b"));
    ok(createAlias("", "alpha", "b"));

    CollectionDescription byName = describe("", "b");
    assertEquals(b, byName.getCollection());
    assertEquals(List.of("alpha", "zeta"), byName.getAliasesList(), "aliases sorted");
    assertEquals(byName, describe("default", "zeta"));
    assertEquals(byName, readOk(describeCollectionQ(ref(b.getId()))).getCollection());
    assertEquals(other, describe("db2", "b").getCollection(), "names are per database");
    assertEquals(other, readOk(describeCollectionQ(ref(other.getId()))).getCollection().getCollection());

    List<CollectionBrief> list = readOk(listCollectionsQ("")).getCollections().getCollectionsList();
    assertEquals(List.of("a", "b"), list.stream().map(CollectionBrief::getName).toList(), "sorted by name, no aliases");
    assertEquals(List.of(a.getId(), b.getId()), list.stream().map(CollectionBrief::getId).toList());
    assertEquals(a.getCreatedTimestamp(), list.get(0).getCreatedTimestamp());
    assertEquals(List.of("b"), collectionNames("db2"));

    readFails(describeCollectionQ(ref("", "nope")), ErrorCode.NOT_FOUND, "collection \"nope\" not found in database \"default\"");
    readFails(describeCollectionQ(ref("db2", "zeta")), ErrorCode.NOT_FOUND, "collection \"zeta\" not found");
    readFails(describeCollectionQ(ref("nodb", "b")), ErrorCode.NOT_FOUND, "database \"nodb\" not found");
    readFails(describeCollectionQ(ref(987_654)), ErrorCode.NOT_FOUND, "collection with id 987654 not found");
    readFails(describeCollectionQ(ref("", "")), ErrorCode.INVALID_ARGUMENT, "collection name (or id) is required");
  }

  @Test
  void createCollectionIsRefusedForDuplicatesAndMissingDatabases() {
    ok(createCollection("", "c"));
    refused(createCollection("", "c"), ErrorCode.ALREADY_EXISTS, "collection \"c\" already exists in database \"default\"");
    refused(createCollection("nodb", "c"), ErrorCode.NOT_FOUND, "database \"nodb\" not found");
    ok(createDatabase("d2"));
    ok(createCollection("d2", "c"));
    assertEquals(List.of("c"), collectionNames("d2"));
  }

  @Test
  void renameWithinAndAcrossDatabases() {
    ok(createDatabase("archive"));
    CollectionInfo c = ok(createCollection("", "logs")).getCollection();
    ok(createCollection("", "taken"));
    ok(createCollection("archive", "taken"));

    CatalogChange r = ok(renameCollection("", "logs", "", "events"));
    assertEquals(ChangeKind.COLLECTION_RENAMED, r.getKind());
    assertEquals("default", r.getPreviousDbName());
    assertEquals("logs", r.getPreviousName());
    assertEquals("events", r.getCollection().getName());
    assertEquals(c.getId(), r.getCollection().getId());
    assertEquals(c.getVirtualChannelsList(), r.getCollection().getVirtualChannelsList(), "channels stay");
    assertEquals(List.of("events", "taken"), collectionNames(""));

    refused(renameCollection("", "events", "", "taken"), ErrorCode.ALREADY_EXISTS, "collection \"taken\" already exists");
    refused(renameCollection("", "events", "", "events"), ErrorCode.ALREADY_EXISTS, "already exists");
    refused(renameCollection("", "events", "archive", "taken"), ErrorCode.ALREADY_EXISTS,
        "collection \"taken\" already exists in database \"archive\"");
    refused(renameCollection("", "events", "nodb", "x"), ErrorCode.NOT_FOUND, "database \"nodb\" not found");
    refused(renameCollection("", "logs", "", "x"), ErrorCode.NOT_FOUND, "collection \"logs\" not found");
    refused(renameCollection("", "events", "", "9lives"), ErrorCode.INVALID_ARGUMENT,
        "the first character of a collection name must be an underscore or a letter");

    CatalogChange moved = ok(renameCollection("default", "events", "archive", "old_events"));
    assertEquals("default", moved.getPreviousDbName());
    assertEquals("events", moved.getPreviousName());
    CollectionInfo now = moved.getCollection();
    assertEquals("archive", now.getDbName());
    assertEquals(readOk(describeDatabaseQ("archive")).getDatabase().getId(), now.getDbId());
    assertEquals(List.of("taken"), collectionNames(""));
    assertEquals(List.of("old_events", "taken"), collectionNames("archive"));
    assertEquals(now, readOk(describeCollectionQ(ref(c.getId()))).getCollection().getCollection());
    readFails(describeCollectionQ(ref("", "events")), ErrorCode.NOT_FOUND, "collection \"events\" not found");

    // The old name is free again.
    ok(createCollection("", "events"));
  }

  @Test
  void renameThroughAnAliasOrAcrossDatabasesWithAliasesIsRefused() {
    ok(createDatabase("other"));
    ok(createCollection("", "c"));
    ok(createAlias("", "al", "c"));
    refused(renameCollection("", "al", "", "x"), ErrorCode.INVALID_ARGUMENT, "\"al\" is an alias of collection \"c\"");
    refused(renameCollection("", "c", "", "al"), ErrorCode.ALREADY_EXISTS, "\"al\" is already an alias");
    refused(renameCollection("", "c", "other", "c"), ErrorCode.FAILED_PRECONDITION, "has aliases \"al\"",
        "database \"other\"");
    // Within the database the aliases follow the collection.
    ok(renameCollection("", "c", "", "c2"));
    assertEquals("c2", readOk(describeAliasQ("", "al")).getAlias().getCollectionName());
    assertEquals(List.of("al"), describe("", "c2").getAliasesList());
  }

  @Test
  void alterCollectionProperties() {
    CollectionInfo c = ok(createCollection(create("", "c", simpleSchema()).addProperties(kv("a", "1")).build()))
        .getCollection();
    ok(createAlias("", "al", "c"));
    CatalogChange altered = ok(alterCollection("", "c", List.of(kv("z", "26"), kv("b", "2")), List.of("a")));
    assertEquals(ChangeKind.COLLECTION_ALTERED, altered.getKind());
    assertEquals(List.of("b=2", "z=26"), keys(altered.getCollection().getPropertiesList()));
    assertEquals(c.toBuilder().clearProperties().addAllProperties(altered.getCollection().getPropertiesList()).build(),
        altered.getCollection(), "only the properties change");
    // through the alias
    ok(alterCollection("", "al", List.of(kv("b", "3")), List.of("z")));
    assertEquals(List.of("b=3"), keys(describe("", "c").getCollection().getPropertiesList()));

    refused(alterCollection("", "nope", List.of(), List.of()), ErrorCode.NOT_FOUND, "collection \"nope\" not found");
    refused(alterCollection("nodb", "c", List.of(), List.of()), ErrorCode.NOT_FOUND, "database \"nodb\" not found");
    refused(alterCollection("", "c", List.of(kv("", "v")), List.of()), ErrorCode.INVALID_ARGUMENT, "must not be empty");
  }

  @Test
  void dropCollectionRemovesItAndFreesTheName() {
    CollectionInfo c = ok(createCollection("", "c")).getCollection();
    ok(createCollection("", "keep"));
    ok(createPartition("", "c", "p1"));
    CatalogChange d = ok(dropCollection("", "c"));
    assertEquals(ChangeKind.COLLECTION_DROPPED, d.getKind());
    assertEquals(c.getId(), d.getCollection().getId());
    assertEquals(List.of("_default", "p1"),
        d.getCollection().getPartitionsList().stream().map(PartitionInfo::getName).toList(), "as it was");
    assertEquals(List.of("keep"), collectionNames(""));
    readFails(describeCollectionQ(ref(c.getId())), ErrorCode.NOT_FOUND, "not found");
    refused(dropCollection("", "c"), ErrorCode.NOT_FOUND, "collection \"c\" not found in database \"default\"");
    refused(dropCollection("nodb", "keep"), ErrorCode.NOT_FOUND, "database \"nodb\" not found");
    // The name can be used again, and gets a new id.
    assertTrue(ok(createCollection("", "c")).getCollection().getId() > c.getId());
  }

  // ---- partitions ----

  @Test
  void createListDescribeAndDropPartitions() {
    CollectionInfo c = ok(createCollection("", "c")).getCollection();
    long id = nextCatalogId();
    CatalogChange p = ok(createPartition("", "c", "p2024"));
    assertEquals(ChangeKind.PARTITION_CREATED, p.getKind());
    assertEquals("p2024", p.getPartition().getName());
    assertEquals(id, p.getPartition().getId());
    assertEquals(state.tso().lastTimestamp(), p.getPartition().getCreatedTimestamp());
    assertTrue(p.getPartition().getCreatedTimestamp() > c.getCreatedTimestamp());
    assertEquals(List.of("_default", "p2024"),
        p.getCollection().getPartitionsList().stream().map(PartitionInfo::getName).toList(),
        "the change carries the collection after it");
    ok(createPartition("", "c", "a_first"));
    assertEquals(List.of("_default", "p2024", "a_first"), partitionNames("", "c"), "in creation order");
    assertEquals(p.getPartition(), readOk(describePartitionQ(ref("", "c"), "p2024")).getPartition());
    assertEquals(p.getPartition(), readOk(describePartitionQ(ref(c.getId()), "p2024")).getPartition());

    refused(createPartition("", "c", "p2024"), ErrorCode.ALREADY_EXISTS, "partition \"p2024\" already exists in collection \"c\"");
    refused(createPartition("", "c", "_default"), ErrorCode.ALREADY_EXISTS, "partition \"_default\" already exists");
    refused(createPartition("", "nope", "p"), ErrorCode.NOT_FOUND, "collection \"nope\" not found");
    refused(createPartition("nodb", "c", "p"), ErrorCode.NOT_FOUND, "database \"nodb\" not found");

    CatalogChange d = ok(dropPartition("", "c", "p2024"));
    assertEquals(ChangeKind.PARTITION_DROPPED, d.getKind());
    assertEquals(p.getPartition(), d.getPartition());
    assertEquals(List.of("_default", "a_first"), partitionNames("", "c"));
    readFails(describePartitionQ(ref("", "c"), "p2024"), ErrorCode.NOT_FOUND, "partition \"p2024\" not found in collection \"c\"");
    refused(dropPartition("", "c", "p2024"), ErrorCode.NOT_FOUND, "partition \"p2024\" not found in collection \"c\"");
    refused(dropPartition("", "c", "_default"), ErrorCode.INVALID_ARGUMENT, "_default partition cannot be dropped");
    assertEquals(List.of("_default", "a_first"), partitionNames("", "c"));
  }

  @Test
  void partitionKeyCollectionsRefuseManualPartitions() {
    ok(createCollection(create("", "pk", partitionKeySchema()).setNumPartitions(2).build()));
    refused(createPartition("", "pk", "p"), ErrorCode.FAILED_PRECONDITION, "has a partition key");
    refused(dropPartition("", "pk", "_default_1"), ErrorCode.FAILED_PRECONDITION, "has a partition key");
    assertEquals(List.of("_default_0", "_default_1"), partitionNames("", "pk"));
  }

  // ---- aliases ----

  @Test
  void createDescribeListAlterAndDropAliases() {
    ok(createDatabase("d2"));
    CollectionInfo c1 = ok(createCollection("", "c1")).getCollection();
    CollectionInfo c2 = ok(createCollection("", "c2")).getCollection();
    ok(createCollection("d2", "c1"));

    CatalogChange a = ok(createAlias("", "prod", "c1"));
    assertEquals(ChangeKind.ALIAS_CREATED, a.getKind());
    AliasInfo expected = AliasInfo.newBuilder().setName("prod").setDbId(Catalog.DEFAULT_DB_ID).setDbName("default")
        .setCollectionId(c1.getId()).setCollectionName("c1").build();
    assertEquals(expected, a.getAlias());
    assertEquals(expected, readOk(describeAliasQ("", "prod")).getAlias());
    ok(createAlias("", "canary", "c1"));
    ok(createAlias("", "blue", "c2"));
    ok(createAlias("d2", "prod", "c1")); // aliases are per database

    assertEquals(List.of("blue", "canary", "prod"), aliasNames("", ""));
    assertEquals(List.of("canary", "prod"), aliasNames("", "c1"));
    assertEquals(List.of("canary", "prod"), aliasNames("", "prod"), "the collection argument may be an alias");
    assertEquals(List.of("prod"), aliasNames("d2", ""));
    readFails(listAliasesQ("", "nope"), ErrorCode.NOT_FOUND, "collection \"nope\" not found");
    readFails(listAliasesQ("nodb", ""), ErrorCode.NOT_FOUND, "database \"nodb\" not found");

    CatalogChange altered = ok(alterAlias("", "prod", "c2"));
    assertEquals(ChangeKind.ALIAS_ALTERED, altered.getKind());
    assertEquals(c2.getId(), altered.getAlias().getCollectionId());
    assertEquals("c2", altered.getAlias().getCollectionName());
    assertEquals(c2, describe("", "prod").getCollection());
    assertEquals(List.of("blue", "prod"), describe("", "c2").getAliasesList());
    assertEquals(List.of("canary"), describe("", "c1").getAliasesList());

    CatalogChange dropped = ok(dropAlias("", "prod"));
    assertEquals(ChangeKind.ALIAS_DROPPED, dropped.getKind());
    assertEquals("prod", dropped.getAlias().getName());
    assertEquals(c2.getId(), dropped.getAlias().getCollectionId());
    readFails(describeAliasQ("", "prod"), ErrorCode.NOT_FOUND, "alias \"prod\" not found in database \"default\"");
    readFails(describeCollectionQ(ref("", "prod")), ErrorCode.NOT_FOUND, "collection \"prod\" not found");
    assertEquals(List.of("blue", "canary"), aliasNames("", ""));
    assertEquals(List.of("prod"), aliasNames("d2", ""), "the other database's alias is untouched");

    refused(dropAlias("", "prod"), ErrorCode.NOT_FOUND, "alias \"prod\" not found in database \"default\"");
    refused(alterAlias("", "prod", "c1"), ErrorCode.NOT_FOUND, "alias \"prod\" not found");
    refused(dropAlias("nodb", "x"), ErrorCode.NOT_FOUND, "database \"nodb\" not found");
    refused(alterAlias("nodb", "x", "c1"), ErrorCode.NOT_FOUND, "database \"nodb\" not found");
    refused(createAlias("nodb", "x", "c1"), ErrorCode.NOT_FOUND, "database \"nodb\" not found");
  }

  @Test
  void aliasesAndCollectionsShareOneNamespace() {
    ok(createCollection("", "c1"));
    ok(createCollection("", "c2"));
    ok(createAlias("", "al", "c1"));
    refused(createAlias("", "c2", "c1"), ErrorCode.ALREADY_EXISTS, "collection \"c2\" already exists");
    refused(createAlias("", "al", "c2"), ErrorCode.ALREADY_EXISTS, "\"al\" is already an alias in database \"default\"");
    refused(createCollection("", "al"), ErrorCode.ALREADY_EXISTS, "\"al\" is already an alias");
    refused(createAlias("", "al2", "al"), ErrorCode.INVALID_ARGUMENT, "\"al\" is an alias of collection \"c1\"");
    refused(alterAlias("", "al", "al"), ErrorCode.INVALID_ARGUMENT, "is an alias");
    refused(createAlias("", "al2", "nope"), ErrorCode.NOT_FOUND, "collection \"nope\" not found");
    refused(alterAlias("", "al", "nope"), ErrorCode.NOT_FOUND, "collection \"nope\" not found");
    assertEquals(List.of("al"), aliasNames("", ""));
  }

  @Test
  void aliasesResolveWhereverACollectionIsAccepted() {
    CollectionInfo c = ok(createCollection("", "c")).getCollection();
    ok(createAlias("", "al", "c"));
    CatalogChange p = ok(createPartition("", "al", "p1"));
    assertEquals(c.getId(), p.getCollection().getId());
    assertEquals(List.of("_default", "p1"), partitionNames("", "al"));
    assertEquals("p1", readOk(describePartitionQ(ref("", "al"), "p1")).getPartition().getName());
    ok(alterCollection("", "al", List.of(kv("k", "v")), List.of()));
    ok(dropPartition("", "al", "p1"));
    assertEquals(List.of("_default"), partitionNames("", "c"));
    assertEquals(List.of("k=v"), keys(describe("", "al").getCollection().getPropertiesList()));
    // Drop and rename take the collection's own name (as Milvus refuses DDL through an alias).
    refused(dropCollection("", "al"), ErrorCode.INVALID_ARGUMENT, "\"al\" is an alias of collection \"c\"");
    assertEquals(List.of("c"), collectionNames(""));
  }

  @Test
  void dropCollectionWithAliasesIsRefused() {
    ok(createCollection("", "c"));
    ok(createAlias("", "b_alias", "c"));
    ok(createAlias("", "a_alias", "c"));
    refused(dropCollection("", "c"), ErrorCode.FAILED_PRECONDITION, "collection \"c\" still has aliases \"a_alias\", \"b_alias\"");
    ok(dropAlias("", "a_alias"));
    refused(dropCollection("", "c"), ErrorCode.FAILED_PRECONDITION, "\"b_alias\"");
    ok(dropAlias("", "b_alias"));
    ok(dropCollection("", "c"));
    assertEquals(List.of(), collectionNames(""));
  }

  // ---- limits ----

  @Test
  void defaultLimits() {
    CatalogLimits l = readOk(limitsQ()).getLimits();
    assertEquals(64, l.getMaxDatabases());
    assertEquals(65_536, l.getMaxCollections());
    assertEquals(65_536, l.getMaxCollectionsPerDb());
    assertEquals(1_024, l.getMaxPartitionsPerCollection());
    assertEquals(64, l.getMaxFields());
    assertEquals(4, l.getMaxVectorFields());
    assertEquals(16, l.getMaxShards());
    assertEquals(100_000, l.getWatchRetentionEvents());
    assertEquals(3_600_000L, l.getWatchRetentionMs());
  }

  @Test
  void defaultMaxDatabases() {
    BatchReply r = run(IntStream.range(1, 64).mapToObj(i -> createDatabase("db" + i)).toArray(Command[]::new));
    r.getRepliesList().forEach(Batches::catalogOk);
    assertEquals(64, databaseNames().size(), "63 plus the default database");
    refused(createDatabase("one_more"), ErrorCode.QUOTA_EXCEEDED, "max_databases is 64", "64 databases exist");
    ok(dropDatabase("db1"));
    ok(createDatabase("one_more"));
  }

  @Test
  void defaultMaxCollectionsAndThenMaxCollectionsPerDb() {
    int total = 65_536;
    int perEntry = 4_096;
    for (int start = 0; start < total; start += perEntry) {
      int from = start;
      BatchReply r = run(IntStream.range(from, from + perEntry).mapToObj(i -> createCollection("", "c" + i))
          .toArray(Command[]::new));
      for (CommandReply reply : r.getRepliesList()) {
        assertEquals(ErrorCode.OK, reply.getCode(), reply::getMessage);
      }
    }
    assertEquals(total, state.catalog().collectionCount());
    ok(createDatabase("d2"));
    refused(createCollection("d2", "x"), ErrorCode.QUOTA_EXCEEDED, "max_collections is 65536", "65536 collections exist");
    ok(setLimits(CatalogLimits.newBuilder().setMaxCollections(70_000).build()));
    refused(createCollection("", "x"), ErrorCode.QUOTA_EXCEEDED, "database \"default\" holds 65536 collections",
        "max_collections_per_db is 65536");
    ok(createCollection("d2", "x"));
    refused(renameCollection("d2", "x", "default", "x"), ErrorCode.QUOTA_EXCEEDED, "max_collections_per_db is 65536");
  }

  @Test
  void defaultMaxPartitionsPerCollection() {
    ok(createCollection("", "c"));
    BatchReply r = run(IntStream.range(1, 1024).mapToObj(i -> createPartition("", "c", "p" + i)).toArray(Command[]::new));
    r.getRepliesList().forEach(Batches::catalogOk);
    assertEquals(1024, partitionNames("", "c").size());
    refused(createPartition("", "c", "p_more"), ErrorCode.QUOTA_EXCEEDED, "max_partitions_per_collection is 1024",
        "has 1024 partitions");
    // The partition key's partitions count against the same limit.
    refused(createCollection(create("", "pk", partitionKeySchema()).setNumPartitions(1025).build()),
        ErrorCode.QUOTA_EXCEEDED, "num_partitions 1025", "max_partitions_per_collection=1024");
    assertEquals(1024, ok(createCollection(create("", "pk", partitionKeySchema()).setNumPartitions(1024).build()))
        .getCollection().getPartitionsCount());
  }

  @Test
  void defaultMaxFieldsVectorFieldsAndShards() {
    CollectionSchema.Builder s64 = simpleSchema().toBuilder();
    for (int i = 2; i < 64; i++) {
      s64.addFields(field("f" + i, DataType.INT32));
    }
    CollectionInfo wide = ok(createCollection("", "wide", s64.build())).getCollection();
    assertEquals(163L, wide.getSchema().getFields(63).getFieldId());
    s64.addFields(field("f64", DataType.INT32));
    refused(createCollection("", "wider", s64.build()), ErrorCode.QUOTA_EXCEEDED, "65 fields", "max_fields=64");

    CollectionSchema four = schema(pk(), vec("v1"), vec("v2"), vec("v3"),
        field("v4", DataType.BINARY_VECTOR).setDim(16));
    ok(createCollection("", "four", four));
    refused(createCollection("", "five", four.toBuilder().addFields(field("v5", DataType.SPARSE_FLOAT_VECTOR)).build()),
        ErrorCode.QUOTA_EXCEEDED, "5 vector fields", "max_vector_fields=4");

    ok(createCollection(create("", "s16", simpleSchema()).setShardsNum(16).build()));
    refused(createCollection(create("", "s17", simpleSchema()).setShardsNum(17).build()), ErrorCode.QUOTA_EXCEEDED,
        "shards_num 17", "max_shards=16");
  }

  @Test
  void setCatalogLimitsChangesThemAndKeepsZeroFields() {
    CatalogChange c = ok(setLimits(CatalogLimits.newBuilder().setMaxDatabases(2).setMaxCollectionsPerDb(1)
        .setMaxShards(2).setMaxFields(3).setMaxVectorFields(1).setMaxPartitionsPerCollection(2).build()));
    assertEquals(ChangeKind.LIMITS_CHANGED, c.getKind());
    CatalogLimits l = c.getLimits();
    assertEquals(l, readOk(limitsQ()).getLimits());
    assertEquals(2, l.getMaxDatabases());
    assertEquals(65_536, l.getMaxCollections(), "a zero field keeps its value");
    assertEquals(100_000, l.getWatchRetentionEvents());

    ok(createDatabase("d1"));
    refused(createDatabase("d2"), ErrorCode.QUOTA_EXCEEDED, "max_databases is 2");
    ok(createCollection(create("", "c", simpleSchema()).setShardsNum(2).build()));
    refused(createCollection("", "c2"), ErrorCode.QUOTA_EXCEEDED, "max_collections_per_db is 1");
    refused(createCollection(create("d1", "c3", simpleSchema()).setShardsNum(3).build()), ErrorCode.QUOTA_EXCEEDED,
        "max_shards=2");
    refused(createCollection("d1", "c3", simpleSchema().toBuilder().addFields(field("a", DataType.BOOL))
        .addFields(field("b", DataType.BOOL)).build()), ErrorCode.QUOTA_EXCEEDED, "max_fields=3");
    refused(createCollection("d1", "c3", simpleSchema().toBuilder().addFields(vec("v2")).build()),
        ErrorCode.QUOTA_EXCEEDED, "max_vector_fields=1");
    ok(createPartition("", "c", "p"));
    refused(createPartition("", "c", "q"), ErrorCode.QUOTA_EXCEEDED, "max_partitions_per_collection is 2");

    // Lowering a limit below what exists is allowed; it only stops growth.
    ok(setLimits(CatalogLimits.newBuilder().setMaxDatabases(1).setMaxCollections(1).build()));
    assertEquals(List.of("d1", "default"), databaseNames());
    refused(createCollection("d1", "c4"), ErrorCode.QUOTA_EXCEEDED, "max_collections is 1");
  }

  @Test
  void negativeOrTooSmallLimitsAreRefusedAndChangeNothing() {
    CatalogLimits before = readOk(limitsQ()).getLimits();
    refused(setLimits(CatalogLimits.newBuilder().setMaxDatabases(10).setMaxShards(-1).build()),
        ErrorCode.INVALID_ARGUMENT, "max_shards", "-1");
    refused(setLimits(CatalogLimits.newBuilder().setWatchRetentionEvents(-5).build()), ErrorCode.INVALID_ARGUMENT,
        "watch_retention_events", "-5");
    refused(setLimits(CatalogLimits.newBuilder().setWatchRetentionMs(-1).build()), ErrorCode.INVALID_ARGUMENT,
        "watch_retention_ms");
    refused(setLimits(CatalogLimits.newBuilder().setWatchRetentionMs(999).build()), ErrorCode.INVALID_ARGUMENT,
        "watch_retention_ms must be at least 1000, got 999");
    assertEquals(before, readOk(limitsQ()).getLimits());
  }

  // ---- validation ----

  private static final List<String> BAD_NAMES = List.of("", "1abc", "a-b", "a b", "über", "x".repeat(256), "$meta");

  private static String expectedNameMessage(String kind, String name) {
    if (name.isEmpty()) {
      return kind + " name should not be empty";
    }
    if (name.length() > 255) {
      return "the length of a " + kind + " name must be at most 255 characters, got " + name.length();
    }
    char first = name.charAt(0);
    if (!(first == '_' || (first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z'))) {
      return "the first character of a " + kind + " name must be an underscore or a letter: \"" + name + "\"";
    }
    return kind + " name can only contain numbers, letters and underscores: \"" + name + "\"";
  }

  @Test
  void badNamesAreRefusedPerKindWithMilvusMessages() {
    ok(createCollection("", "c"));
    for (String bad : BAD_NAMES) {
      refused(createDatabase(bad), ErrorCode.INVALID_ARGUMENT, expectedNameMessage("database", bad));
      refused(createCollection("", bad), ErrorCode.INVALID_ARGUMENT, expectedNameMessage("collection", bad));
      refused(renameCollection("", "c", "", bad), ErrorCode.INVALID_ARGUMENT, expectedNameMessage("collection", bad));
      refused(createPartition("", "c", bad), ErrorCode.INVALID_ARGUMENT, expectedNameMessage("partition", bad));
      refused(createAlias("", bad, "c"), ErrorCode.INVALID_ARGUMENT, expectedNameMessage("alias", bad));
      refused(createCollection("", "d", schema(pk(), vec("v"), field(bad, DataType.BOOL))), ErrorCode.INVALID_ARGUMENT,
          "collection \"d\": " + expectedNameMessage("field", bad));
    }
    // Valid edge cases of the same rule.
    for (String good : List.of("_", "_x1", "A_b_9", "z".repeat(255))) {
      ok(createDatabase(good));
      ok(createCollection(good, good, schema(pk(), vec("v"), field(good, DataType.BOOL))));
      ok(createPartition(good, good, good));
      ok(createAlias(good, "al", good));
    }
  }

  private void schemaRefused(CollectionSchema s, ErrorCode code, String... parts) {
    String[] all = new String[parts.length + 1];
    all[0] = "collection \"bad\": ";
    System.arraycopy(parts, 0, all, 1, parts.length);
    refused(createCollection("", "bad", s), code, all);
  }

  @Test
  void schemaValidation() {
    schemaRefused(CollectionSchema.getDefaultInstance(), ErrorCode.INVALID_ARGUMENT, "the schema has no fields");
    schemaRefused(schema(pk(), vec("v"), field("v", DataType.BOOL)), ErrorCode.INVALID_ARGUMENT, "duplicate field name \"v\"");
    schemaRefused(schema(pk(), vec("v"), field("id2", DataType.VARCHAR).setMaxLength(8).setIsPrimary(true)),
        ErrorCode.INVALID_ARGUMENT, "exactly one primary key field, got 2");
    schemaRefused(schema(field("id", DataType.INT64), vec("v")), ErrorCode.INVALID_ARGUMENT,
        "exactly one primary key field, got 0");
    schemaRefused(schema(field("id", DataType.FLOAT).setIsPrimary(true), vec("v")), ErrorCode.INVALID_ARGUMENT,
        "field \"id\": a primary key must be Int64 or VarChar");
    schemaRefused(schema(pk().setNullable(true), vec("v")), ErrorCode.INVALID_ARGUMENT, "primary key cannot be nullable");
    schemaRefused(schema(pk(), field("v", DataType.FLOAT_VECTOR)), ErrorCode.INVALID_ARGUMENT,
        "field \"v\": dim must be between 1 and 32768, got 0");
    schemaRefused(schema(pk(), field("v", DataType.FLOAT_VECTOR).setDim(32_769)), ErrorCode.INVALID_ARGUMENT,
        "dim must be between 1 and 32768, got 32769");
    schemaRefused(schema(pk(), field("b", DataType.BINARY_VECTOR).setDim(12)), ErrorCode.INVALID_ARGUMENT,
        "field \"b\": the dim of a BinaryVector must be a multiple of 8, got 12");
    schemaRefused(schema(pk(), vec("v"), field("s", DataType.SPARSE_FLOAT_VECTOR).setDim(4)), ErrorCode.INVALID_ARGUMENT,
        "a SparseFloatVector has no dim");
    schemaRefused(schema(pk(), vec("v"), field("n", DataType.INT64).setDim(4)), ErrorCode.INVALID_ARGUMENT,
        "dim is only for dense vector fields");
    schemaRefused(schema(pk(), vec("v"), field("s", DataType.VARCHAR)), ErrorCode.INVALID_ARGUMENT,
        "field \"s\": max_length must be between 1 and 65535, got 0");
    schemaRefused(schema(field("id", DataType.VARCHAR).setIsPrimary(true), vec("v")), ErrorCode.INVALID_ARGUMENT,
        "field \"id\": max_length must be between 1 and 65535");
    schemaRefused(schema(pk(), vec("v"), field("s", DataType.VARCHAR).setMaxLength(65_536)), ErrorCode.INVALID_ARGUMENT,
        "max_length must be between 1 and 65535, got 65536");
    schemaRefused(schema(pk(), vec("v"), field("n", DataType.INT32).setAutoId(true)), ErrorCode.INVALID_ARGUMENT,
        "field \"n\": auto_id is only allowed on the primary key");
    schemaRefused(schema(pk(), vec("v").setNullable(true)), ErrorCode.INVALID_ARGUMENT,
        "field \"v\": a vector field cannot be nullable");
    schemaRefused(schema(pk(), vec("v").setDefaultValue(DefaultValue.newBuilder().setFloatValue(1))),
        ErrorCode.INVALID_ARGUMENT, "a vector field cannot have a default value");
    schemaRefused(schema(pk(), field("n", DataType.INT64)), ErrorCode.INVALID_ARGUMENT, "at least one vector field");
    schemaRefused(schema(pk(), vec("v"), field("t", DataType.DATA_TYPE_NONE)), ErrorCode.INVALID_ARGUMENT,
        "field \"t\": data type is missing");
    schemaRefused(schema(pk(), vec("v"), field("a", DataType.VARCHAR).setMaxLength(8).setIsPartitionKey(true),
        field("b", DataType.INT64).setIsPartitionKey(true)), ErrorCode.INVALID_ARGUMENT, "at most one partition key");
    schemaRefused(schema(pk(), vec("v"), field("f", DataType.FLOAT).setIsPartitionKey(true)), ErrorCode.INVALID_ARGUMENT,
        "a partition key must be Int64 or VarChar");
    schemaRefused(schema(pk().setIsPartitionKey(true), vec("v")), ErrorCode.INVALID_ARGUMENT,
        "a primary key cannot be the partition key");

    // Default values must fit the field's type.
    schemaRefused(schema(pk(), vec("v"), field("n", DataType.INT64).setDefaultValue(DefaultValue.newBuilder()
        .setStringValue("7"))), ErrorCode.INVALID_ARGUMENT, "field \"n\": the default value \"7\" does not fit the Int64 field");
    schemaRefused(schema(pk(), vec("v"), field("n", DataType.INT8).setDefaultValue(DefaultValue.newBuilder()
        .setLongValue(300))), ErrorCode.INVALID_ARGUMENT, "the default value 300 does not fit the Int8 field");
    schemaRefused(schema(pk(), vec("v"), field("f", DataType.FLOAT).setDefaultValue(DefaultValue.newBuilder()
        .setDoubleValue(1.5))), ErrorCode.INVALID_ARGUMENT, "does not fit the Float field");
    schemaRefused(schema(pk(), vec("v"), field("b", DataType.BOOL).setDefaultValue(DefaultValue.newBuilder()
        .setLongValue(1))), ErrorCode.INVALID_ARGUMENT, "does not fit the Bool field");
    schemaRefused(schema(pk(), vec("v"), field("s", DataType.VARCHAR).setMaxLength(3).setDefaultValue(DefaultValue
        .newBuilder().setStringValue("four"))), ErrorCode.INVALID_ARGUMENT, "default value is 4 characters, over max_length 3");
    schemaRefused(schema(pk(), vec("v"), field("j", DataType.JSON).setDefaultValue(DefaultValue.newBuilder()
        .setStringValue("{}"))), ErrorCode.INVALID_ARGUMENT, "a field of type JSON cannot have a default value");
    schemaRefused(schema(pk().setDefaultValue(DefaultValue.newBuilder().setLongValue(1)), vec("v")),
        ErrorCode.INVALID_ARGUMENT, "a primary key cannot have a default value");

    // Arrays: scalar (non-JSON) element types, a capacity, and max_length for VarChar elements.
    for (DataType bad : List.of(DataType.JSON, DataType.ARRAY, DataType.FLOAT_VECTOR, DataType.DATA_TYPE_NONE)) {
      schemaRefused(schema(pk(), vec("v"), field("a", DataType.ARRAY).setElementType(bad).setMaxCapacity(4)),
          ErrorCode.INVALID_ARGUMENT, "field \"a\": an Array's element type must be", "got " + io.raftcoord.proto.DataTypeNames.of(bad));
    }
    schemaRefused(schema(pk(), vec("v"), field("a", DataType.ARRAY).setElementType(DataType.INT64)),
        ErrorCode.INVALID_ARGUMENT, "max_capacity must be between 1 and 4096, got 0");
    schemaRefused(schema(pk(), vec("v"), field("a", DataType.ARRAY).setElementType(DataType.VARCHAR).setMaxCapacity(2)),
        ErrorCode.INVALID_ARGUMENT, "max_length must be between 1 and 65535");
    schemaRefused(schema(pk(), vec("v"), field("n", DataType.INT64).setElementType(DataType.INT64)),
        ErrorCode.INVALID_ARGUMENT, "element type and max_capacity are only for Array fields");

    // > 4 vector fields and > 64 fields are quota errors.
    schemaRefused(schema(pk(), vec("v1"), vec("v2"), vec("v3"), vec("v4"), vec("v5")), ErrorCode.QUOTA_EXCEEDED,
        "max_vector_fields=4");
    CollectionSchema.Builder wide = CollectionSchema.newBuilder();
    IntStream.range(0, 65).forEach(i -> wide.addFields(field("f" + i, DataType.INT64)));
    schemaRefused(wide.build(), ErrorCode.QUOTA_EXCEEDED, "the schema has 65 fields, over the limit max_fields=64");

    assertEquals(List.of(), collectionNames(""), "nothing was created");

    // Everything that is allowed, together.
    CollectionSchema rich = schema(
        field("pk", DataType.VARCHAR).setMaxLength(36).setIsPrimary(true).setAutoId(true),
        field("fv", DataType.FLOAT_VECTOR).setDim(32_768),
        field("bv", DataType.BINARY_VECTOR).setDim(64),
        field("hv", DataType.FLOAT16_VECTOR).setDim(3),
        field("sv", DataType.SPARSE_FLOAT_VECTOR),
        field("flag", DataType.BOOL).setDefaultValue(DefaultValue.newBuilder().setBoolValue(true)),
        field("small", DataType.INT8).setDefaultValue(DefaultValue.newBuilder().setLongValue(-128)),
        field("ratio", DataType.DOUBLE).setNullable(true).setDefaultValue(DefaultValue.newBuilder().setDoubleValue(0.5)),
        field("name", DataType.VARCHAR).setMaxLength(3).setDefaultValue(DefaultValue.newBuilder().setStringValue("abc")),
        field("tags", DataType.ARRAY).setElementType(DataType.VARCHAR).setMaxLength(16).setMaxCapacity(4096),
        field("nums", DataType.ARRAY).setElementType(DataType.BOOL).setMaxCapacity(1),
        field("meta", DataType.JSON).setNullable(true),
        field("tenant", DataType.INT64).setIsPartitionKey(true));
    CollectionInfo c = ok(createCollection(create("", "rich", rich).build())).getCollection();
    assertEquals(rich.getFieldsCount(), c.getSchema().getFieldsCount());
    for (int i = 0; i < rich.getFieldsCount(); i++) {
      assertEquals(rich.getFields(i).toBuilder().setFieldId(100 + i).build(), c.getSchema().getFields(i));
    }
  }

  // ---- batches and atomicity ----

  @Test
  void aFailingCommandInABatchDoesNotAffectItsNeighbours() {
    long id = nextCatalogId();
    BatchReply r = run(
        createDatabase("d1"),
        createDatabase("d1"),
        createCollection("d1", "c", schema(pk(), field("v", DataType.FLOAT_VECTOR))),
        createCollection("d1", "c"),
        createPartition("d1", "c", "_default"),
        createPartition("d1", "c", "p"),
        dropDatabase("d1"),
        createAlias("d1", "a", "c"));
    assertEquals(8, r.getRepliesCount());
    assertEquals(id, catalogOk(r.getReplies(0)).getDatabase().getId());
    assertRefused(r.getReplies(1), ErrorCode.ALREADY_EXISTS, "database \"d1\" already exists");
    assertRefused(r.getReplies(2), ErrorCode.INVALID_ARGUMENT, "dim must be between");
    CollectionInfo c = catalogOk(r.getReplies(3)).getCollection();
    assertEquals(id + 1, c.getId(), "the refused create consumed no id");
    assertEquals(id + 2, c.getPartitions(0).getId());
    assertRefused(r.getReplies(4), ErrorCode.ALREADY_EXISTS, "partition \"_default\" already exists");
    assertEquals(id + 3, catalogOk(r.getReplies(5)).getPartition().getId());
    assertRefused(r.getReplies(6), ErrorCode.FAILED_PRECONDITION, "database \"d1\" still holds 1 collection");
    assertEquals(c.getId(), catalogOk(r.getReplies(7)).getAlias().getCollectionId(), "sees the collection created before it");

    // Timestamps of the successful creates strictly increase within the entry.
    long db = catalogOk(r.getReplies(0)).getDatabase().getCreatedTimestamp();
    long p = catalogOk(r.getReplies(5)).getPartition().getCreatedTimestamp();
    assertTrue(db < c.getCreatedTimestamp() && c.getCreatedTimestamp() < p);
    assertEquals(Timestamps.compose(time, 2), p, "three timestamps taken in this entry, none by the refused commands");

    assertEquals(List.of("d1", "default"), databaseNames());
    assertEquals(List.of("c"), collectionNames("d1"));
    assertEquals(List.of("_default", "p"), partitionNames("d1", "c"));
    assertEquals(List.of("a"), aliasNames("d1", ""));
  }

  @Test
  void aRefusedCommandLeavesNoTrace() {
    ok(createDatabase("d1"));
    ok(createCollection("d1", "c"));
    ok(createAlias("d1", "al", "c"));
    ok(createCollection(create("d1", "pk", partitionKeySchema()).setNumPartitions(2).build()));
    ok(setLimits(CatalogLimits.newBuilder().setMaxDatabases(2).build()));
    List<String> before = durableState();
    long nextId = state.ids().nextId();
    long lastTs = state.tso().lastTimestamp();
    long changes = state.changes().retained();

    List<Command> refusals = List.of(
        createDatabase("d2"), // quota
        createDatabase("d1"),
        createDatabase("bad-name"),
        dropDatabase("d1"),
        dropDatabase("nope"),
        alterDatabase("d1", List.of(kv("", "x")), List.of()),
        createCollection(create("d1", "c2", simpleSchema()).addProperties(kv("", "v")).build()), // the last check
        createCollection(create("d1", "c2", partitionKeySchema()).setNumPartitions(5_000).build()),
        createCollection("d1", "al"),
        createCollection("d1", "c2", schema(pk(), vec("v"), vec("v"))),
        dropCollection("d1", "c"),
        dropCollection("d1", "al"),
        renameCollection("d1", "c", "default", "c"),
        renameCollection("d1", "c", "d1", "pk"),
        alterCollection("d1", "c", List.of(kv("", "1")), List.of()),
        createPartition("d1", "c", "_default"),
        createPartition("d1", "pk", "p"),
        createPartition("d1", "c", "1p"),
        dropPartition("d1", "c", "_default"),
        dropPartition("d1", "c", "nope"),
        createAlias("d1", "al", "c"),
        createAlias("d1", "al2", "al"),
        dropAlias("d1", "nope"),
        alterAlias("d1", "al", "nope"),
        setLimits(CatalogLimits.newBuilder().setMaxShards(-3).build()));
    BatchReply r = run(refusals.toArray(Command[]::new));
    for (int i = 0; i < refusals.size(); i++) {
      CommandReply reply = r.getReplies(i);
      assertNotEquals(ErrorCode.OK, reply.getCode(), "command " + i + " is refused: " + refusals.get(i));
      assertFalse(reply.hasCatalog(), "a refusal carries no object");
    }
    assertEquals(nextId, state.ids().nextId(), "no id consumed");
    assertEquals(lastTs, state.tso().lastTimestamp(), "no timestamp consumed");
    assertEquals(changes, state.changes().retained(), "no change event");
    assertEquals(before, durableState(), "catalog, allocators and change feed unchanged");
  }

  @Test
  void aKeyedCreateRetriedGetsTheFirstReplyAndCreatesNothingMore() {
    CommandReply first = one(keyed("create-c", createCollection("", "c")));
    CatalogChange created = catalogOk(first);
    long nextId = state.ids().nextId();
    CommandReply retry = one(keyed("create-c", createCollection("", "c")));
    assertEquals(first, retry);
    assertEquals(nextId, state.ids().nextId());
    assertEquals(List.of("c"), collectionNames(""));
    assertEquals(created.getCollection(), describe("", "c").getCollection());
  }

  @Test
  void theCatalogSurvivesCloseAndReopen() {
    ok(createDatabase("d1", kv("a", "1")));
    ok(alterDatabase("default", List.of(kv("owner", "me")), List.of()));
    ok(createCollection("d1", "c"));
    ok(createCollection(create("", "pk", partitionKeySchema()).setNumPartitions(3).build()));
    ok(createPartition("d1", "c", "p"));
    ok(createAlias("d1", "al", "c"));
    ok(renameCollection("d1", "c", "", "c_renamed"));
    ok(setLimits(CatalogLimits.newBuilder().setMaxDatabases(5).build()));
    ok(createDatabase("gone"));
    ok(dropDatabase("gone"));

    Function<CoordState, List<QueryReply>> readAll = s -> List.of(
        Batches.read(s, listDatabasesQ()), Batches.read(s, listCollectionsQ("")), Batches.read(s, listCollectionsQ("d1")),
        Batches.read(s, describeCollectionQ(ref("d1", "c_renamed"))), Batches.read(s, describeCollectionQ(ref("", "pk"))),
        Batches.read(s, listAliasesQ("d1", "")), Batches.read(s, limitsQ()), Batches.read(s, describeDatabaseQ("")));
    List<QueryReply> before = readAll.apply(state);
    String digest = state.dump(false).digest();
    reopen();
    assertEquals(before, readAll.apply(state));
    assertEquals(digest, state.dump(false).digest());
    assertEquals(List.of("al"), aliasNames("d1", "c_renamed"));
    assertEquals(5, readOk(limitsQ()).getLimits().getMaxDatabases());
    // and it goes on from there
    refused(createDatabase("d1"), ErrorCode.ALREADY_EXISTS, "already exists");
    long next = state.ids().nextId();
    assertEquals(next, ok(createDatabase("d2")).getDatabase().getId());
  }
}
