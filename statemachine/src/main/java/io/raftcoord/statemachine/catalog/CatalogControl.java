package io.raftcoord.statemachine.catalog;

import io.raftcoord.proto.AliasInfo;
import io.raftcoord.proto.AlterAliasRequest;
import io.raftcoord.proto.AlterCollectionRequest;
import io.raftcoord.proto.AlterDatabaseRequest;
import io.raftcoord.proto.CatalogChange;
import io.raftcoord.proto.CatalogLimits;
import io.raftcoord.proto.ChangeKind;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ConsistencyLevel;
import io.raftcoord.proto.CreateAliasRequest;
import io.raftcoord.proto.CreateCollectionRequest;
import io.raftcoord.proto.CreateDatabaseRequest;
import io.raftcoord.proto.CreatePartitionRequest;
import io.raftcoord.proto.DatabaseInfo;
import io.raftcoord.proto.DropAliasRequest;
import io.raftcoord.proto.DropCollectionRequest;
import io.raftcoord.proto.DropDatabaseRequest;
import io.raftcoord.proto.DropPartitionRequest;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.IdAllocateRequest;
import io.raftcoord.proto.FieldSchema;
import io.raftcoord.proto.KeyValue;
import io.raftcoord.proto.PartitionInfo;
import io.raftcoord.proto.Record;
import io.raftcoord.proto.RenameCollectionRequest;
import io.raftcoord.proto.SetCatalogLimitsRequest;
import io.raftcoord.proto.TsoAllocateRequest;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.apply.ApplyResult;
import io.raftcoord.statemachine.ids.IdControl;
import io.raftcoord.statemachine.tso.TsoControl;
import io.raftcoord.statemachine.version.VersionControl;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * RootCoord's DDL as the generate half of generate → records → replay: each method checks a
 * command against the committed {@link Catalog} and returns the records of the whole change
 * (IDs, the creation timestamp and the catalog change) or a domain error, without mutating
 * anything. One command is one record set in one log entry: it happens entirely or not at all,
 * so there are no Creating/Dropping states to redo after a crash.
 */
public final class CatalogControl {
  /** Milvus's rootCoord.dmlChannelNum: the physical DML channels collections are spread over. */
  public static final int PHYSICAL_CHANNELS = 16;
  public static final String CHANNEL_PREFIX = "by-dev-rootcoord-dml_";
  public static final int DEFAULT_PARTITION_KEY_PARTITIONS = 16;
  public static final int MAX_PROPERTIES = 64;

  private final Catalog catalog;
  private final IdControl ids;
  private final TsoControl tso;

  /** The apply version from which descriptions and property values are held to {@code max_text_bytes}. */
  public static final int TEXT_LIMITS_VERSION = 2;

  private final VersionControl versions;

  public CatalogControl(Catalog catalog, IdControl ids, TsoControl tso, VersionControl versions) {
    this.versions = versions;
    this.catalog = catalog;
    this.ids = ids;
    this.tso = tso;
  }

  // ---- databases ----

  public ApplyResult createDatabase(ApplyContext ctx, CreateDatabaseRequest req) {
    Optional<String> bad = CatalogNames.check("database", req.getName());
    if (bad.isPresent()) {
      return CatalogError.invalid(bad.get()).result();
    }
    if (catalog.database(req.getName()).isPresent()) {
      return error(ErrorCode.ALREADY_EXISTS, "database \"" + req.getName() + "\" already exists");
    }
    int max = catalog.limits().getMaxDatabases();
    if (catalog.databaseCount() >= max) {
      return error(ErrorCode.QUOTA_EXCEEDED, "cannot create database \"" + req.getName() + "\": "
          + catalog.databaseCount() + " databases exist, the limit max_databases is " + max);
    }
    Optional<CatalogError> badProps = checkProperties(req.getPropertiesList());
    if (badProps.isPresent()) {
      return badProps.get().result();
    }
    Records out = new Records();
    long id = out.ids(ctx, 1);
    long ts = out.timestamp(ctx);
    if (out.failed()) {
      return out.failure;
    }
    DatabaseInfo db = DatabaseInfo.newBuilder().setId(id).setName(req.getName())
        .addAllProperties(applyProperties(List.of(), req.getPropertiesList(), List.of()))
        .setCreatedTimestamp(ts).build();
    return out.change(CatalogChange.newBuilder().setKind(ChangeKind.DATABASE_CREATED).setDatabase(db).build());
  }

  public ApplyResult dropDatabase(ApplyContext ctx, DropDatabaseRequest req) {
    String name = CatalogNames.dbOrDefault(req.getName());
    if (name.equals(CatalogNames.DEFAULT_DATABASE)) {
      return error(ErrorCode.FAILED_PRECONDITION, "the default database cannot be dropped");
    }
    Optional<DatabaseInfo> db = catalog.database(name);
    if (db.isEmpty()) {
      return dbNotFound(name);
    }
    int held = catalog.collectionCount(db.get().getId());
    if (held > 0) {
      return error(ErrorCode.FAILED_PRECONDITION, "database \"" + req.getName() + "\" still holds " + held
          + (held == 1 ? " collection" : " collections") + " (e.g. \"" + catalog.collectionNames(db.get().getId()).firstKey()
          + "\"); drop them first");
    }
    return new Records().change(CatalogChange.newBuilder().setKind(ChangeKind.DATABASE_DROPPED)
        .setDatabase(db.get()).build());
  }

  public ApplyResult alterDatabase(ApplyContext ctx, AlterDatabaseRequest req) {
    Optional<DatabaseInfo> db = catalog.database(CatalogNames.dbOrDefault(req.getName()));
    if (db.isEmpty()) {
      return dbNotFound(req.getName());
    }
    Optional<CatalogError> badProps = checkProperties(req.getSetList());
    if (badProps.isPresent()) {
      return badProps.get().result();
    }
    List<KeyValue> props = applyProperties(db.get().getPropertiesList(), req.getSetList(), req.getDeleteKeysList());
    if (props.size() > MAX_PROPERTIES) {
      return CatalogError.invalid("database \"" + db.get().getName() + "\" would have " + props.size()
          + " properties, at most " + MAX_PROPERTIES + " are allowed").result();
    }
    DatabaseInfo next = db.get().toBuilder().clearProperties().addAllProperties(props).build();
    return new Records().change(CatalogChange.newBuilder().setKind(ChangeKind.DATABASE_ALTERED).setDatabase(next).build());
  }

  // ---- collections ----

  public ApplyResult createCollection(ApplyContext ctx, CreateCollectionRequest req) {
    String dbName = CatalogNames.dbOrDefault(req.getDb());
    Optional<DatabaseInfo> db = catalog.database(dbName);
    if (db.isEmpty()) {
      return dbNotFound(dbName);
    }
    Optional<String> bad = CatalogNames.check("collection", req.getName());
    if (bad.isPresent()) {
      return CatalogError.invalid(bad.get()).result();
    }
    long dbId = db.get().getId();
    Optional<CatalogError> taken = nameTaken(dbId, dbName, req.getName());
    if (taken.isPresent()) {
      return taken.get().result();
    }
    CatalogLimits limits = catalog.limits();
    if (catalog.collectionCount() >= limits.getMaxCollections()) {
      return error(ErrorCode.QUOTA_EXCEEDED, "cannot create collection \"" + req.getName() + "\": "
          + catalog.collectionCount() + " collections exist, the limit max_collections is " + limits.getMaxCollections());
    }
    if (catalog.collectionCount(dbId) >= limits.getMaxCollectionsPerDb()) {
      return error(ErrorCode.QUOTA_EXCEEDED, "cannot create collection \"" + req.getName() + "\": database \""
          + dbName + "\" holds " + catalog.collectionCount(dbId)
          + " collections, the limit max_collections_per_db is " + limits.getMaxCollectionsPerDb());
    }
    int shards = req.getShardsNum() == 0 ? 1 : req.getShardsNum();
    if (shards < 1) {
      return CatalogError.invalid("collection \"" + req.getName() + "\": shards_num must be positive, got " + shards).result();
    }
    if (shards > limits.getMaxShards()) {
      return error(ErrorCode.QUOTA_EXCEEDED, "collection \"" + req.getName() + "\": shards_num " + shards
          + " is over the limit max_shards=" + limits.getMaxShards());
    }
    SchemaValidator.Result checked = SchemaValidator.validate(req.getName(), req.getSchema(), limits);
    if (checked.error() != null) {
      return checked.error().result();
    }
    Optional<CatalogError> longText = checkText("collection \"" + req.getName() + "\": the description",
        checked.schema().getDescription());
    for (FieldSchema f : checked.schema().getFieldsList()) {
      if (longText.isEmpty()) {
        longText = checkText("collection \"" + req.getName() + "\": field \"" + f.getName() + "\": the description",
            f.getDescription());
      }
    }
    if (longText.isPresent()) {
      return longText.get().result();
    }
    boolean partitionKey = checked.schema().getFieldsList().stream().anyMatch(f -> f.getIsPartitionKey());
    int partitions = 1;
    if (partitionKey) {
      partitions = req.getNumPartitions() == 0 ? DEFAULT_PARTITION_KEY_PARTITIONS : req.getNumPartitions();
      if (partitions < 1) {
        return CatalogError.invalid("collection \"" + req.getName() + "\": num_partitions must be positive, got "
            + partitions).result();
      }
      if (partitions > limits.getMaxPartitionsPerCollection()) {
        return error(ErrorCode.QUOTA_EXCEEDED, "collection \"" + req.getName() + "\": num_partitions " + partitions
            + " is over the limit max_partitions_per_collection=" + limits.getMaxPartitionsPerCollection());
      }
    } else if (req.getNumPartitions() != 0) {
      return CatalogError.invalid("collection \"" + req.getName()
          + "\": num_partitions is only for collections with a partition key").result();
    }
    if (req.getConsistencyLevel() == ConsistencyLevel.UNRECOGNIZED) {
      return CatalogError.invalid("collection \"" + req.getName() + "\": unknown consistency level").result();
    }
    Optional<CatalogError> badProps = checkProperties(req.getPropertiesList());
    if (badProps.isPresent()) {
      return badProps.get().result();
    }
    Records out = new Records();
    long first = out.ids(ctx, 1 + partitions);
    long ts = out.timestamp(ctx);
    if (out.failed()) {
      return out.failure;
    }
    CollectionInfo.Builder c = CollectionInfo.newBuilder().setId(first).setDbId(dbId).setDbName(dbName)
        .setName(req.getName()).setSchema(checked.schema()).setShardsNum(shards)
        .setConsistencyLevel(req.getConsistencyLevel() == ConsistencyLevel.CONSISTENCY_DEFAULT
            ? ConsistencyLevel.BOUNDED : req.getConsistencyLevel())
        .addAllProperties(applyProperties(List.of(), req.getPropertiesList(), List.of()))
        .setCreatedTimestamp(ts).setNumPartitions(partitionKey ? partitions : 0);
    for (int s = 0; s < shards; s++) {
      String physical = CHANNEL_PREFIX + Math.floorMod(first + s, PHYSICAL_CHANNELS);
      c.addPhysicalChannels(physical).addVirtualChannels(physical + "_" + first + "v" + s);
    }
    for (int p = 0; p < partitions; p++) {
      String name = partitionKey ? CatalogNames.DEFAULT_PARTITION + "_" + p : CatalogNames.DEFAULT_PARTITION;
      c.addPartitions(PartitionInfo.newBuilder().setId(first + 1 + p).setName(name).setCreatedTimestamp(ts));
    }
    return out.change(CatalogChange.newBuilder().setKind(ChangeKind.COLLECTION_CREATED).setCollection(c).build());
  }

  public ApplyResult dropCollection(ApplyContext ctx, DropCollectionRequest req) {
    Lookup l = byRealName(req.getDb(), req.getName());
    if (l.error != null) {
      return l.error.result();
    }
    if (!catalog.aliasesOf(l.collection.getId()).isEmpty()) {
      return error(ErrorCode.FAILED_PRECONDITION, "collection \"" + req.getName() + "\" still has aliases "
          + quoted(catalog.aliasesOf(l.collection.getId())) + "; drop them first");
    }
    return new Records().change(CatalogChange.newBuilder().setKind(ChangeKind.COLLECTION_DROPPED)
        .setCollection(l.collection).build());
  }

  public ApplyResult renameCollection(ApplyContext ctx, RenameCollectionRequest req) {
    Lookup l = byRealName(req.getDb(), req.getName());
    if (l.error != null) {
      return l.error.result();
    }
    String newDbName = req.getNewDb().isEmpty() ? l.collection.getDbName() : req.getNewDb();
    Optional<DatabaseInfo> newDb = catalog.database(newDbName);
    if (newDb.isEmpty()) {
      return dbNotFound(newDbName);
    }
    Optional<String> bad = CatalogNames.check("collection", req.getNewName());
    if (bad.isPresent()) {
      return CatalogError.invalid(bad.get()).result();
    }
    long newDbId = newDb.get().getId();
    Optional<CatalogError> taken = nameTaken(newDbId, newDbName, req.getNewName());
    if (taken.isPresent()) {
      return taken.get().result();
    }
    if (newDbId != l.collection.getDbId()) {
      if (!catalog.aliasesOf(l.collection.getId()).isEmpty()) {
        return error(ErrorCode.FAILED_PRECONDITION, "collection \"" + req.getName() + "\" has aliases "
            + quoted(catalog.aliasesOf(l.collection.getId())) + "; drop them before moving it to database \"" + newDbName + "\"");
      }
      if (catalog.collectionCount(newDbId) >= catalog.limits().getMaxCollectionsPerDb()) {
        return error(ErrorCode.QUOTA_EXCEEDED, "cannot move collection \"" + req.getName() + "\": database \""
            + newDbName + "\" holds " + catalog.collectionCount(newDbId)
            + " collections, the limit max_collections_per_db is " + catalog.limits().getMaxCollectionsPerDb());
      }
    }
    CollectionInfo next = l.collection.toBuilder().setDbId(newDbId).setDbName(newDbName).setName(req.getNewName()).build();
    return new Records().change(CatalogChange.newBuilder().setKind(ChangeKind.COLLECTION_RENAMED).setCollection(next)
        .setPreviousDbName(l.collection.getDbName()).setPreviousName(l.collection.getName()).build());
  }

  public ApplyResult alterCollection(ApplyContext ctx, AlterCollectionRequest req) {
    Lookup l = resolve(req.getDb(), req.getName());
    if (l.error != null) {
      return l.error.result();
    }
    Optional<CatalogError> badProps = checkProperties(req.getSetList());
    if (badProps.isPresent()) {
      return badProps.get().result();
    }
    List<KeyValue> props = applyProperties(l.collection.getPropertiesList(), req.getSetList(), req.getDeleteKeysList());
    if (props.size() > MAX_PROPERTIES) {
      return CatalogError.invalid("collection \"" + l.collection.getName() + "\" would have " + props.size()
          + " properties, at most " + MAX_PROPERTIES + " are allowed").result();
    }
    CollectionInfo next = l.collection.toBuilder().clearProperties().addAllProperties(props).build();
    return new Records().change(CatalogChange.newBuilder().setKind(ChangeKind.COLLECTION_ALTERED).setCollection(next).build());
  }

  // ---- partitions ----

  public ApplyResult createPartition(ApplyContext ctx, CreatePartitionRequest req) {
    Lookup l = resolve(req.getDb(), req.getCollection());
    if (l.error != null) {
      return l.error.result();
    }
    CollectionInfo c = l.collection;
    if (c.getNumPartitions() > 0) {
      return error(ErrorCode.FAILED_PRECONDITION, "collection \"" + c.getName()
          + "\" has a partition key; its partitions are managed automatically");
    }
    Optional<String> bad = CatalogNames.check("partition", req.getName());
    if (bad.isPresent()) {
      return CatalogError.invalid(bad.get()).result();
    }
    if (c.getPartitionsList().stream().anyMatch(p -> p.getName().equals(req.getName()))) {
      return error(ErrorCode.ALREADY_EXISTS, "partition \"" + req.getName() + "\" already exists in collection \""
          + c.getName() + "\"");
    }
    int max = catalog.limits().getMaxPartitionsPerCollection();
    if (c.getPartitionsCount() >= max) {
      return error(ErrorCode.QUOTA_EXCEEDED, "cannot create partition \"" + req.getName() + "\": collection \""
          + c.getName() + "\" has " + c.getPartitionsCount()
          + " partitions, the limit max_partitions_per_collection is " + max);
    }
    Records out = new Records();
    long id = out.ids(ctx, 1);
    long ts = out.timestamp(ctx);
    if (out.failed()) {
      return out.failure;
    }
    PartitionInfo p = PartitionInfo.newBuilder().setId(id).setName(req.getName()).setCreatedTimestamp(ts).build();
    return out.change(CatalogChange.newBuilder().setKind(ChangeKind.PARTITION_CREATED)
        .setCollection(c.toBuilder().addPartitions(p)).setPartition(p).build());
  }

  public ApplyResult dropPartition(ApplyContext ctx, DropPartitionRequest req) {
    Lookup l = resolve(req.getDb(), req.getCollection());
    if (l.error != null) {
      return l.error.result();
    }
    CollectionInfo c = l.collection;
    if (c.getNumPartitions() > 0) {
      return error(ErrorCode.FAILED_PRECONDITION, "collection \"" + c.getName()
          + "\" has a partition key; its partitions are managed automatically");
    }
    if (req.getName().equals(CatalogNames.DEFAULT_PARTITION)) {
      return CatalogError.invalid("the _default partition cannot be dropped").result();
    }
    int at = -1;
    for (int i = 0; i < c.getPartitionsCount(); i++) {
      if (c.getPartitions(i).getName().equals(req.getName())) {
        at = i;
      }
    }
    if (at < 0) {
      return error(ErrorCode.NOT_FOUND, "partition \"" + req.getName() + "\" not found in collection \"" + c.getName() + "\"");
    }
    PartitionInfo dropped = c.getPartitions(at);
    return new Records().change(CatalogChange.newBuilder().setKind(ChangeKind.PARTITION_DROPPED)
        .setCollection(c.toBuilder().removePartitions(at)).setPartition(dropped).build());
  }

  // ---- aliases ----

  public ApplyResult createAlias(ApplyContext ctx, CreateAliasRequest req) {
    String dbName = CatalogNames.dbOrDefault(req.getDb());
    Optional<DatabaseInfo> db = catalog.database(dbName);
    if (db.isEmpty()) {
      return dbNotFound(dbName);
    }
    Optional<String> bad = CatalogNames.check("alias", req.getAlias());
    if (bad.isPresent()) {
      return CatalogError.invalid(bad.get()).result();
    }
    Optional<CatalogError> taken = nameTaken(db.get().getId(), dbName, req.getAlias());
    if (taken.isPresent()) {
      return taken.get().result();
    }
    Lookup l = byRealName(dbName, req.getCollection());
    if (l.error != null) {
      return l.error.result();
    }
    AliasInfo a = AliasInfo.newBuilder().setName(req.getAlias()).setDbId(db.get().getId()).setDbName(dbName)
        .setCollectionId(l.collection.getId()).setCollectionName(l.collection.getName()).build();
    return new Records().change(CatalogChange.newBuilder().setKind(ChangeKind.ALIAS_CREATED).setAlias(a).build());
  }

  public ApplyResult dropAlias(ApplyContext ctx, DropAliasRequest req) {
    String dbName = CatalogNames.dbOrDefault(req.getDb());
    Optional<DatabaseInfo> db = catalog.database(dbName);
    if (db.isEmpty()) {
      return dbNotFound(dbName);
    }
    Optional<AliasInfo> a = catalog.alias(db.get().getId(), req.getAlias());
    if (a.isEmpty()) {
      return error(ErrorCode.NOT_FOUND, "alias \"" + req.getAlias() + "\" not found in database \"" + dbName + "\"");
    }
    // Stored aliases keep the collection name they were made with; events name the current one.
    AliasInfo current = a.get().toBuilder().setCollectionName(catalog.collection(a.get().getCollectionId())
        .map(CollectionInfo::getName).orElse(a.get().getCollectionName())).build();
    return new Records().change(CatalogChange.newBuilder().setKind(ChangeKind.ALIAS_DROPPED).setAlias(current).build());
  }

  public ApplyResult alterAlias(ApplyContext ctx, AlterAliasRequest req) {
    String dbName = CatalogNames.dbOrDefault(req.getDb());
    Optional<DatabaseInfo> db = catalog.database(dbName);
    if (db.isEmpty()) {
      return dbNotFound(dbName);
    }
    Optional<AliasInfo> a = catalog.alias(db.get().getId(), req.getAlias());
    if (a.isEmpty()) {
      return error(ErrorCode.NOT_FOUND, "alias \"" + req.getAlias() + "\" not found in database \"" + dbName + "\"");
    }
    Lookup l = byRealName(dbName, req.getCollection());
    if (l.error != null) {
      return l.error.result();
    }
    AliasInfo next = a.get().toBuilder().setCollectionId(l.collection.getId())
        .setCollectionName(l.collection.getName()).build();
    String previous = catalog.collection(a.get().getCollectionId()).map(CollectionInfo::getName)
        .orElse(a.get().getCollectionName());
    return new Records().change(CatalogChange.newBuilder().setKind(ChangeKind.ALIAS_ALTERED).setAlias(next)
        .setPreviousName(previous).build());
  }

  // ---- limits ----

  public ApplyResult setLimits(ApplyContext ctx, SetCatalogLimitsRequest req) {
    CatalogLimits l = req.getLimits();
    if (l.getMaxTextBytes() != 0) {
      Optional<ApplyResult> gated = versions.require(TEXT_LIMITS_VERSION, "limit max_text_bytes");
      if (gated.isPresent()) {
        return gated.get();
      }
    }
    long[] values = {l.getMaxDatabases(), l.getMaxCollections(), l.getMaxCollectionsPerDb(),
        l.getMaxPartitionsPerCollection(), l.getMaxFields(), l.getMaxVectorFields(), l.getMaxShards(),
        l.getWatchRetentionEvents(), l.getWatchRetentionMs(), l.getMaxTextBytes()};
    String[] names = {"max_databases", "max_collections", "max_collections_per_db", "max_partitions_per_collection",
        "max_fields", "max_vector_fields", "max_shards", "watch_retention_events", "watch_retention_ms",
        "max_text_bytes"};
    for (int i = 0; i < values.length; i++) {
      if (values[i] < 0) {
        return CatalogError.invalid("limit " + names[i] + " must be positive, got " + values[i]).result();
      }
    }
    if (l.getWatchRetentionMs() != 0 && l.getWatchRetentionMs() < 1000) {
      return CatalogError.invalid("limit watch_retention_ms must be at least 1000, got " + l.getWatchRetentionMs()).result();
    }
    CatalogLimits next = CatalogLimitsDefaults.merge(catalog.limits(), l);
    return new Records().change(CatalogChange.newBuilder().setKind(ChangeKind.LIMITS_CHANGED).setLimits(next).build());
  }

  // ---- helpers ----

  private record Lookup(CollectionInfo collection, CatalogError error) {}

  /** A collection by its own name (aliases refused, as Milvus refuses DDL through an alias). */
  private Lookup byRealName(String dbRaw, String name) {
    String dbName = CatalogNames.dbOrDefault(dbRaw);
    Optional<DatabaseInfo> db = catalog.database(dbName);
    if (db.isEmpty()) {
      return new Lookup(null, new CatalogError(ErrorCode.NOT_FOUND, "database \"" + dbName + "\" not found"));
    }
    Optional<CollectionInfo> c = catalog.collectionByName(db.get().getId(), name);
    if (c.isPresent()) {
      return new Lookup(c.get(), null);
    }
    Optional<AliasInfo> a = catalog.alias(db.get().getId(), name);
    if (a.isPresent()) {
      return new Lookup(null, CatalogError.invalid("\"" + name + "\" is an alias of collection \""
          + catalog.collection(a.get().getCollectionId()).map(CollectionInfo::getName).orElse("?")
          + "\"; use the collection's own name here"));
    }
    return new Lookup(null, collectionNotFound(name, dbName));
  }

  /** A collection by name or alias. */
  private Lookup resolve(String dbRaw, String nameOrAlias) {
    String dbName = CatalogNames.dbOrDefault(dbRaw);
    Optional<DatabaseInfo> db = catalog.database(dbName);
    if (db.isEmpty()) {
      return new Lookup(null, new CatalogError(ErrorCode.NOT_FOUND, "database \"" + dbName + "\" not found"));
    }
    return catalog.resolve(db.get().getId(), nameOrAlias).map(c -> new Lookup(c, null))
        .orElseGet(() -> new Lookup(null, collectionNotFound(nameOrAlias, dbName)));
  }

  static CatalogError collectionNotFound(String name, String dbName) {
    return new CatalogError(ErrorCode.NOT_FOUND, "collection \"" + name + "\" not found in database \"" + dbName + "\"");
  }

  /** Collections and aliases share one namespace per database. */
  private Optional<CatalogError> nameTaken(long dbId, String dbName, String name) {
    if (catalog.collectionByName(dbId, name).isPresent()) {
      return Optional.of(new CatalogError(ErrorCode.ALREADY_EXISTS, "collection \"" + name
          + "\" already exists in database \"" + dbName + "\""));
    }
    if (catalog.alias(dbId, name).isPresent()) {
      return Optional.of(new CatalogError(ErrorCode.ALREADY_EXISTS, "\"" + name
          + "\" is already an alias in database \"" + dbName + "\""));
    }
    return Optional.empty();
  }

  private Optional<CatalogError> checkProperties(List<KeyValue> set) {
    for (KeyValue kv : set) {
      if (kv.getKey().isEmpty()) {
        return Optional.of(CatalogError.invalid("a property key must not be empty"));
      }
      Optional<CatalogError> longValue = checkText("property \"" + kv.getKey() + "\": the value", kv.getValue());
      if (longValue.isPresent()) {
        return longValue;
      }
    }
    return set.size() > MAX_PROPERTIES
        ? Optional.of(CatalogError.invalid("at most " + MAX_PROPERTIES + " properties are allowed, got " + set.size()))
        : Optional.empty();
  }

  /** From apply version 2: {@code text} within {@code max_text_bytes}, else a refusal naming {@code what}. */
  private Optional<CatalogError> checkText(String what, String text) {
    if (versions.committed() < TEXT_LIMITS_VERSION) {
      return Optional.empty();
    }
    int max = CatalogLimitsDefaults.maxTextBytes(catalog.limits());
    int bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    return bytes <= max ? Optional.empty() : Optional.of(CatalogError.invalid(what + " is " + bytes
        + " bytes, over the limit max_text_bytes (" + max + ")"));
  }

  /** {@code current} with {@code set} put and {@code delete} removed, sorted by key. */
  static List<KeyValue> applyProperties(List<KeyValue> current, List<KeyValue> set, List<String> delete) {
    TreeMap<String, String> m = new TreeMap<>();
    current.forEach(kv -> m.put(kv.getKey(), kv.getValue()));
    delete.forEach(m::remove);
    set.forEach(kv -> m.put(kv.getKey(), kv.getValue()));
    List<KeyValue> out = new ArrayList<>(m.size());
    m.forEach((k, v) -> out.add(KeyValue.newBuilder().setKey(k).setValue(v).build()));
    return out;
  }

  private static String quoted(java.util.Collection<String> names) {
    return String.join(", ", names.stream().map(n -> "\"" + n + "\"").toList());
  }

  private static ApplyResult dbNotFound(String name) {
    return error(ErrorCode.NOT_FOUND, "database \"" + CatalogNames.dbOrDefault(name) + "\" not found");
  }

  private static ApplyResult error(ErrorCode code, String message) {
    return ApplyResult.error(code, message);
  }

  /**
   * The records of one command: allocations first, then the catalog change. Each allocation
   * continues after the ones before it in the same command (they are not replayed yet).
   */
  private final class Records {
    private final List<Record> records = new ArrayList<>();
    private ApplyResult failure;

    /**
     * {@code count} fresh IDs from the global allocator. IDs up to {@link Catalog#DEFAULT_DB_ID}
     * belong to the default database, which exists without ever being allocated, so they are
     * skipped (the allocator starts at 1).
     */
    long ids(ApplyContext ctx, int count) {
      int reserved = (int) Math.max(0, Catalog.DEFAULT_DB_ID + 1 - ids.nextIdAfter(records));
      ApplyResult r = ids.allocate(ctx, IdAllocateRequest.newBuilder().setCount(count + reserved).build(), records);
      if (r.reply().getCode() != ErrorCode.OK) {
        failure = failure == null ? r : failure;
        return -1;
      }
      records.addAll(r.records());
      return r.reply().getIdAllocate().getStart() + reserved;
    }

    long timestamp(ApplyContext ctx) {
      ApplyResult r = tso.allocate(ctx, TsoAllocateRequest.newBuilder().setCount(1).build(), records);
      if (r.reply().getCode() != ErrorCode.OK) {
        failure = failure == null ? r : failure;
        return -1;
      }
      records.addAll(r.records());
      return r.reply().getTsoAllocate().getFirst();
    }

    boolean failed() {
      return failure != null;
    }

    ApplyResult change(CatalogChange change) {
      records.add(Record.newBuilder().setCatalog(change).build());
      return ApplyResult.ok(records, CommandReply.newBuilder().setCatalog(change).build());
    }
  }
}
