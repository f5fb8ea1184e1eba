package io.raftcoord.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.raftcoord.client.catalog.SchemaJson;
import io.raftcoord.client.catalog.Schemas;
import io.raftcoord.proto.AliasInfo;
import io.raftcoord.proto.CatalogChange;
import io.raftcoord.proto.CatalogLimits;
import io.raftcoord.proto.ChangeEvent;
import io.raftcoord.proto.ChangeKind;
import io.raftcoord.proto.CollectionDescription;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.ConsistencyLevel;
import io.raftcoord.proto.DataType;
import io.raftcoord.proto.DatabaseInfo;
import io.raftcoord.proto.FieldSchema;
import io.raftcoord.proto.KeyValue;
import io.raftcoord.proto.PartitionInfo;
import io.raftcoord.proto.Timestamps;
import java.util.List;
import org.junit.jupiter.api.Test;

class CatalogOutputTest {
  private static final long PHYS = 1_735_689_600_123L; // 2025-01-01T00:00:00.123Z
  private static final long TS = Timestamps.compose(PHYS, 5);

  private static CollectionInfo books() {
    CollectionSchema schema = Schemas.schema()
        .field(Schemas.int64("book_id").primary())
        .field(Schemas.varChar("title", 512).nullable().defaultValue("untitled"))
        .field(Schemas.json("meta"))
        .field(Schemas.array("tags", DataType.VARCHAR, 16).maxLength(64))
        .field(Schemas.floatVector("embedding", 768))
        .enableDynamicField(true).description("books").build();
    CollectionSchema.Builder withIds = schema.toBuilder().clearFields();
    for (int i = 0; i < schema.getFieldsCount(); i++) {
      withIds.addFields(schema.getFields(i).toBuilder().setFieldId(100 + i));
    }
    return CollectionInfo.newBuilder().setId(449).setDbId(447).setDbName("library").setName("books")
        .setSchema(withIds).setShardsNum(1).addVirtualChannels("by-dev-rootcoord-dml_1_449v0")
        .addPhysicalChannels("by-dev-rootcoord-dml_1").setConsistencyLevel(ConsistencyLevel.BOUNDED)
        .addProperties(KeyValue.newBuilder().setKey("mmap.enabled").setValue("true"))
        .setCreatedTimestamp(TS)
        .addPartitions(PartitionInfo.newBuilder().setId(450).setName("_default").setCreatedTimestamp(TS))
        .addPartitions(PartitionInfo.newBuilder().setId(451).setName("p2024").setCreatedTimestamp(TS))
        .build();
  }

  @Test
  void collectionDescribeTextIsASummaryThenFieldAndPartitionTables() {
    CollectionDescription d = CollectionDescription.newBuilder().setCollection(books()).addAliases("novels").build();
    String expected = """
        collection:     books
        id:             449
        database:       library (id 447)
        description:    "books"
        consistency:    Bounded
        shards:         1
        vchannels:      by-dev-rootcoord-dml_1_449v0
        pchannels:      by-dev-rootcoord-dml_1
        dynamic_field:  enabled
        aliases:        novels
        properties:     mmap.enabled=true
        created:        2025-01-01T00:00:00.123Z (ts %d)
        fields (5):
          ID   NAME       TYPE            PARAMS
          100  book_id    Int64           primary
          101  title      VarChar         nullable max_length=512 default="untitled"
          102  meta       JSON
          103  tags       Array<VarChar>  max_capacity=16 max_length=64
          104  embedding  FloatVector     dim=768
        partitions (2):
          ID   NAME      CREATED
          450  _default  2025-01-01T00:00:00.123Z
          451  p2024     2025-01-01T00:00:00.123Z""".formatted(TS);
    assertEquals(expected, CatalogOutput.collectionText(d));
  }

  @Test
  void collectionDescribeJsonIsExactlySchemaJson() {
    CollectionDescription d = CollectionDescription.newBuilder().setCollection(books()).addAliases("novels").build();
    String line = Output.json(CatalogOutput.collectionJson(d));
    assertFalse(line.contains("\n"), line);
    assertEquals(JsonParser.parseString(SchemaJson.toJson(d)), JsonParser.parseString(line));
    // ... so its schema can be fed back to collection create --schema.
    CollectionSchema back = SchemaJson.fromJson(line);
    assertEquals(books().getSchema().getFieldsList().stream().map(f -> f.toBuilder().clearFieldId().build()).toList(),
        back.getFieldsList());
  }

  @Test
  void aCommandsCollectionHasNoAliasesMember() {
    JsonObject o = CatalogOutput.collectionJson(books());
    assertFalse(o.has("aliases"), o.toString());
    assertEquals(449, o.get("collectionID").getAsLong());
    assertEquals("library", o.get("dbName").getAsString());
  }

  @Test
  void fieldParamsShowFlagsAndTypeParams() {
    FieldSchema f = FieldSchema.newBuilder().setName("id").setDataType(DataType.VARCHAR).setIsPrimary(true)
        .setAutoId(true).setMaxLength(64).setDescription("the \"key\"").build();
    assertEquals("primary autoId max_length=64 description=\"the \\\"key\\\"\"", CatalogOutput.fieldParams(f));
    assertEquals("VarChar", CatalogOutput.typeName(f));
    FieldSchema k = FieldSchema.newBuilder().setName("tenant").setDataType(DataType.INT64).setIsPartitionKey(true).build();
    assertEquals("partitionKey", CatalogOutput.fieldParams(k));
  }

  @Test
  void databases() {
    DatabaseInfo d = DatabaseInfo.newBuilder().setId(447).setName("library").setCreatedTimestamp(TS)
        .addProperties(KeyValue.newBuilder().setKey("a").setValue("1"))
        .addProperties(KeyValue.newBuilder().setKey("b").setValue("x y")).build();
    DatabaseInfo def = DatabaseInfo.newBuilder().setId(1).setName("default").build();
    assertEquals("created database name=library id=447", CatalogOutput.databaseCreated(d));
    assertEquals("altered database name=library id=447 properties={a=1, b=x y}", CatalogOutput.databaseAltered(d));
    assertEquals("altered database name=default id=1 properties={}", CatalogOutput.databaseAltered(def));
    assertEquals("""
        database:    library
        id:          447
        created:     2025-01-01T00:00:00.123Z (ts %d)
        properties:  a=1, b=x y""".formatted(TS), CatalogOutput.databaseText(d));
    assertEquals("""
        NAME     ID   CREATED                   PROPERTIES
        default  1    -                         -
        library  447  2025-01-01T00:00:00.123Z  a=1, b=x y""", CatalogOutput.databasesText(List.of(def, d)));
    assertEquals("{\"dbName\":\"library\",\"dbID\":447,\"properties\":[{\"key\":\"a\",\"value\":\"1\"},"
        + "{\"key\":\"b\",\"value\":\"x y\"}],\"createdTimestamp\":" + TS + "}", Output.json(CatalogOutput.databaseJson(d)));
  }

  @Test
  void listsSayWhenEmpty() {
    assertEquals("no collections in database library", CatalogOutput.collectionsText("library", List.of()));
    assertEquals("no aliases in database library", CatalogOutput.aliasesText("library", "", List.of()));
    assertEquals("no aliases of collection books in database library",
        CatalogOutput.aliasesText("library", "books", List.of()));
    assertEquals("[]", Output.json(CatalogOutput.aliasesJson(List.of())));
  }

  @Test
  void aliasesAndPartitions() {
    AliasInfo a = AliasInfo.newBuilder().setName("novels").setDbName("library").setDbId(447).setCollectionId(449)
        .setCollectionName("books").build();
    assertEquals("created alias db=library name=novels collection=books collection_id=449",
        CatalogOutput.aliasChanged("created", a));
    assertEquals("ALIAS   COLLECTION  COLLECTION_ID\nnovels  books       449",
        CatalogOutput.aliasesText("library", "", List.of(a)));
    assertEquals("{\"aliasName\":\"novels\",\"dbName\":\"library\",\"collectionName\":\"books\",\"collectionID\":449}",
        Output.json(CatalogOutput.aliasJson(a)));
    PartitionInfo p = PartitionInfo.newBuilder().setId(451).setName("p2024").setCreatedTimestamp(TS).build();
    assertEquals("created partition db=library collection=books name=p2024 id=451",
        CatalogOutput.partitionCreated("library", "books", p));
    assertEquals("NAME   ID   CREATED\np2024  451  2025-01-01T00:00:00.123Z", CatalogOutput.partitionsText(List.of(p)));
    assertEquals("[{\"partitionName\":\"p2024\",\"partitionID\":451,\"createdTimestamp\":" + TS + "}]",
        Output.json(CatalogOutput.partitionsJson(List.of(p))));
  }

  @Test
  void collectionChanges() {
    CollectionInfo c = books();
    assertEquals("created collection db=library name=books id=449 shards=1 partitions=2 consistency=Bounded",
        CatalogOutput.collectionCreated(c));
    assertEquals("renamed collection id=449 from db=default name=old to db=library name=books",
        CatalogOutput.collectionRenamed(c, "default", "old"));
    assertEquals("altered collection db=library name=books id=449 properties={mmap.enabled=true}",
        CatalogOutput.collectionAltered(c));
  }

  @Test
  void limitsUseTheServersNames() {
    CatalogLimits l = CatalogLimits.newBuilder().setMaxDatabases(64).setMaxCollections(65536)
        .setMaxCollectionsPerDb(65536).setMaxPartitionsPerCollection(2).setMaxFields(64).setMaxVectorFields(4)
        .setMaxShards(16).setWatchRetentionEvents(100000).setWatchRetentionMs(3_600_000L).build();
    String t = CatalogOutput.limitsText(l);
    assertEquals(10, t.lines().count(), t);
    assertTrue(t.lines().anyMatch(s -> s.matches("max_partitions_per_collection +2")), t);
    assertTrue(t.lines().anyMatch(s -> s.matches("watch_retention_ms +3600000")), t);
    assertTrue(t.lines().anyMatch(s -> s.matches("max_text_bytes +65536")), "0 on the wire shows the default: " + t);
    JsonObject o = CatalogOutput.limitsJson(l);
    assertEquals(2, o.get("maxPartitionsPerCollection").getAsInt());
    assertEquals(3_600_000L, o.get("watchRetentionMs").getAsLong());
    assertEquals(65_536, o.get("maxTextBytes").getAsInt());
    assertEquals(10, o.size());
    assertTrue(CatalogOutput.limitsText(l.toBuilder().setMaxTextBytes(100).build()).lines()
        .anyMatch(s -> s.matches("max_text_bytes +100")));
  }

  private static ChangeEvent event(long rev, CatalogChange.Builder c) {
    return ChangeEvent.newBuilder().setRevision(rev).setNowMs(PHYS).setChange(c).build();
  }

  @Test
  void eventLinesNameTheRevisionKindAndObject() {
    CollectionInfo c = books();
    assertEquals("rev=42 COLLECTION_CREATED db=library collection=books id=449 shards=1 partitions=2 "
        + "consistency=Bounded time=2025-01-01T00:00:00.123Z", CatalogOutput.eventText(event(42,
        CatalogChange.newBuilder().setKind(ChangeKind.COLLECTION_CREATED).setCollection(c))));
    assertEquals("rev=43 COLLECTION_RENAMED db=library collection=books id=449 from_db=default from=old "
        + "time=2025-01-01T00:00:00.123Z", CatalogOutput.eventText(event(43, CatalogChange.newBuilder()
        .setKind(ChangeKind.COLLECTION_RENAMED).setCollection(c).setPreviousDbName("default").setPreviousName("old"))));
    assertEquals("rev=44 PARTITION_DROPPED db=library collection=books id=449 partition=p2024 partition_id=451 "
        + "time=2025-01-01T00:00:00.123Z", CatalogOutput.eventText(event(44, CatalogChange.newBuilder()
        .setKind(ChangeKind.PARTITION_DROPPED).setCollection(c)
        .setPartition(PartitionInfo.newBuilder().setId(451).setName("p2024")))));
    assertEquals("rev=45 ALIAS_ALTERED db=library alias=novels collection=books id=449 time=2025-01-01T00:00:00.123Z",
        CatalogOutput.eventText(event(45, CatalogChange.newBuilder().setKind(ChangeKind.ALIAS_ALTERED)
            .setAlias(AliasInfo.newBuilder().setName("novels").setDbName("library").setCollectionName("books")
                .setCollectionId(449)))));
    assertEquals("rev=46 DATABASE_DROPPED db=library id=447 time=2025-01-01T00:00:00.123Z",
        CatalogOutput.eventText(event(46, CatalogChange.newBuilder().setKind(ChangeKind.DATABASE_DROPPED)
            .setDatabase(DatabaseInfo.newBuilder().setId(447).setName("library")))));
    String limits = CatalogOutput.eventText(event(47, CatalogChange.newBuilder().setKind(ChangeKind.LIMITS_CHANGED)
        .setLimits(CatalogLimits.newBuilder().setMaxPartitionsPerCollection(2))));
    assertTrue(limits.startsWith("rev=47 LIMITS_CHANGED max_databases=0 "), limits);
    assertTrue(limits.contains(" max_partitions_per_collection=2 "), limits);
  }

  @Test
  void eventJsonIsOneObjectWithTheChangedObjects() {
    ChangeEvent e = ChangeEvent.newBuilder().setRevision(44).setOrdinal(1).setNowMs(PHYS)
        .setChange(CatalogChange.newBuilder().setKind(ChangeKind.PARTITION_CREATED).setCollection(books())
            .setPartition(PartitionInfo.newBuilder().setId(451).setName("p2024").setCreatedTimestamp(TS))).build();
    String line = Output.json(CatalogOutput.eventJson(e));
    assertFalse(line.contains("\n"), line);
    JsonObject o = JsonParser.parseString(line).getAsJsonObject();
    assertEquals(44, o.get("revision").getAsLong());
    assertEquals(1, o.get("ordinal").getAsInt());
    assertEquals(PHYS, o.get("nowMs").getAsLong());
    assertEquals("PARTITION_CREATED", o.get("kind").getAsString());
    assertEquals("p2024", o.getAsJsonObject("partition").get("partitionName").getAsString());
    assertEquals("books", o.getAsJsonObject("collection").get("collectionName").getAsString());
    assertFalse(o.has("database") || o.has("alias") || o.has("limits") || o.has("previousCollectionName"), line);
  }
}
