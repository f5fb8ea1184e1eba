package io.raftcoord.statemachine.catalog;

import static io.raftcoord.proto.DataType.ARRAY;
import static io.raftcoord.proto.DataType.BFLOAT16_VECTOR;
import static io.raftcoord.proto.DataType.BINARY_VECTOR;
import static io.raftcoord.proto.DataType.BOOL;
import static io.raftcoord.proto.DataType.DATA_TYPE_NONE;
import static io.raftcoord.proto.DataType.DOUBLE;
import static io.raftcoord.proto.DataType.FLOAT;
import static io.raftcoord.proto.DataType.FLOAT16_VECTOR;
import static io.raftcoord.proto.DataType.FLOAT_VECTOR;
import static io.raftcoord.proto.DataType.INT16;
import static io.raftcoord.proto.DataType.INT32;
import static io.raftcoord.proto.DataType.INT64;
import static io.raftcoord.proto.DataType.INT8;
import static io.raftcoord.proto.DataType.JSON;
import static io.raftcoord.proto.DataType.SPARSE_FLOAT_VECTOR;
import static io.raftcoord.proto.DataType.VARCHAR;
import static io.raftcoord.proto.ErrorCode.ALREADY_EXISTS;
import static io.raftcoord.proto.ErrorCode.FAILED_PRECONDITION;
import static io.raftcoord.proto.ErrorCode.INVALID_ARGUMENT;
import static io.raftcoord.proto.ErrorCode.NOT_FOUND;
import static io.raftcoord.proto.ErrorCode.OK;
import static io.raftcoord.proto.ErrorCode.QUOTA_EXCEEDED;
import static io.raftcoord.statemachine.sm.Batches.field;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.AliasInfo;
import io.raftcoord.proto.AlterAliasRequest;
import io.raftcoord.proto.AlterCollectionRequest;
import io.raftcoord.proto.AlterDatabaseRequest;
import io.raftcoord.proto.BatchReply;
import io.raftcoord.proto.CatalogChange;
import io.raftcoord.proto.CatalogLimits;
import io.raftcoord.proto.ChangeEvent;
import io.raftcoord.proto.CollectionBrief;
import io.raftcoord.proto.CollectionDescription;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandBatch;
import io.raftcoord.proto.CommandHeader;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ConsistencyLevel;
import io.raftcoord.proto.CreateAliasRequest;
import io.raftcoord.proto.CreateCollectionRequest;
import io.raftcoord.proto.CreateDatabaseRequest;
import io.raftcoord.proto.CreatePartitionRequest;
import io.raftcoord.proto.DataType;
import io.raftcoord.proto.DatabaseInfo;
import io.raftcoord.proto.DefaultValue;
import io.raftcoord.proto.DescribeCollectionQuery;
import io.raftcoord.proto.DropAliasRequest;
import io.raftcoord.proto.DropCollectionRequest;
import io.raftcoord.proto.DropDatabaseRequest;
import io.raftcoord.proto.DropPartitionRequest;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.FieldSchema;
import io.raftcoord.proto.GetCatalogLimitsQuery;
import io.raftcoord.proto.KeyValue;
import io.raftcoord.proto.ListAliasesQuery;
import io.raftcoord.proto.ListCollectionsQuery;
import io.raftcoord.proto.ListDatabasesQuery;
import io.raftcoord.proto.PartitionInfo;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.RenameCollectionRequest;
import io.raftcoord.proto.SetCatalogLimitsRequest;
import io.raftcoord.proto.Timestamps;
import io.raftcoord.proto.WatchQuery;
import io.raftcoord.proto.WatchReply;
import io.raftcoord.statemachine.idempotency.IdempotencyLog;
import io.raftcoord.statemachine.sm.Batches;
import io.raftcoord.statemachine.sm.CoordState;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.store.StoreDump;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model-based test of the catalog. A plain in-memory model (maps and its own rules for names,
 * limits and schemas, written from the spec and not from the production classes) and the state
 * machine are fed the same long seeded sequence of DDL commands, valid and invalid, in batches of
 * random size. Every reply's code must be equal; an OK reply must carry the object the model
 * expects (names, ids from its own allocator, timestamps from its own TSO, channels, partitions);
 * and at checkpoints and at the end the catalogs, read back through the query API, must be equal.
 * Then the same log is fed to a fresh store (equal dumps) and the store is reopened (equal
 * digest and reads).
 */
class CatalogModelTest {
  private static final long T0 = 1_700_000_000_000L;
  private static final int COMMANDS = 2_000;

  @TempDir
  Path dir;

  // ================================= the model =================================

  /** What the model expects from one command: a code, for OK the reply summary, and why. */
  record Outcome(ErrorCode code, String summary, String why) {
    static Outcome fail(ErrorCode code, String why) {
      return new Outcome(code, null, why);
    }

    static Outcome ok(String summary) {
      return new Outcome(OK, summary, "ok");
    }
  }

  static final class Model {
    static final String DEFAULT_DB = "default";
    static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,254}");
    static final Set<DataType> VECTORS =
        EnumSet.of(BINARY_VECTOR, FLOAT_VECTOR, FLOAT16_VECTOR, BFLOAT16_VECTOR, SPARSE_FLOAT_VECTOR);
    static final Set<DataType> ARRAY_ELEMENTS = EnumSet.of(BOOL, INT8, INT16, INT32, INT64, FLOAT, DOUBLE, VARCHAR);
    static final int MAX_PROPS = 64;

    static final class Db {
      final long id;
      final String name;
      final long ts;
      final TreeMap<String, String> props = new TreeMap<>();
      final TreeMap<String, Long> colls = new TreeMap<>();
      final TreeMap<String, Long> aliases = new TreeMap<>();

      Db(long id, String name, long ts) {
        this.id = id;
        this.name = name;
        this.ts = ts;
      }
    }

    record Part(long id, String name, long ts) {}

    static final class Coll {
      final long id;
      String db;
      String name;
      final long ts;
      final int shards;
      final int numPartitions;
      final ConsistencyLevel level;
      final List<String> fields;
      final List<Part> parts = new ArrayList<>();
      final TreeMap<String, String> props = new TreeMap<>();

      Coll(long id, String db, String name, long ts, int shards, int numPartitions, ConsistencyLevel level,
          List<String> fields) {
        this.id = id;
        this.db = db;
        this.name = name;
        this.ts = ts;
        this.shards = shards;
        this.numPartitions = numPartitions;
        this.level = level;
        this.fields = fields;
      }
    }

    final TreeMap<String, Db> dbs = new TreeMap<>();
    final TreeMap<Long, Coll> colls = new TreeMap<>();
    long maxDatabases = 64;
    long maxCollections = 65_536;
    long maxPerDb = 65_536;
    long maxPartitions = 1_024;
    long maxFields = 64;
    long maxVectors = 4;
    long maxShards = 16;
    long retentionEvents = 100_000;
    long retentionMs = 3_600_000;
    long nextId = 1;
    long lastPhysical = -1;
    long lastLogical = -1;
    long now;

    Model() {
      dbs.put(DEFAULT_DB, new Db(1, DEFAULT_DB, 0));
    }

    static String orDefault(String db) {
      return db.isEmpty() ? DEFAULT_DB : db;
    }

    static boolean validName(String s) {
      return NAME.matcher(s).matches();
    }

    void entry(long leaderTimeMs) {
      now = Math.max(now, leaderTimeMs);
    }

    long allocate(long n) {
      long start = nextId;
      nextId += n;
      return start;
    }

    /** IDs for catalog objects: never the default database's id 1, which exists without being allocated. */
    long allocateCatalog(long n) {
      nextId = Math.max(nextId, 2);
      return allocate(n);
    }

    /** Takes {@code n} timestamps; returns the first. */
    long timestamps(long n) {
      long physical = Math.max(now, lastPhysical);
      long first = physical == lastPhysical ? lastLogical + 1 : 0;
      if (first + n > (1L << 18)) {
        physical++;
        first = 0;
      }
      lastPhysical = physical;
      lastLogical = first + n - 1;
      return (physical << 18) | first;
    }

    Outcome apply(Command c) {
      return switch (c.getBodyCase()) {
        case TSO_ALLOCATE -> {
          long n = c.getTsoAllocate().getCount();
          yield n < 1 || n > (1L << 18) ? Outcome.fail(INVALID_ARGUMENT, "tso count") : Outcome.ok("tso " + timestamps(n) + "+" + n);
        }
        case ID_ALLOCATE -> {
          long n = c.getIdAllocate().getCount();
          yield n < 1 ? Outcome.fail(INVALID_ARGUMENT, "id count") : Outcome.ok("ids " + allocate(n) + "+" + n);
        }
        case CREATE_DATABASE -> createDatabase(c.getCreateDatabase());
        case DROP_DATABASE -> dropDatabase(c.getDropDatabase());
        case ALTER_DATABASE -> alterDatabase(c.getAlterDatabase());
        case CREATE_COLLECTION -> createCollection(c.getCreateCollection());
        case DROP_COLLECTION -> dropCollection(c.getDropCollection());
        case RENAME_COLLECTION -> renameCollection(c.getRenameCollection());
        case ALTER_COLLECTION -> alterCollection(c.getAlterCollection());
        case CREATE_PARTITION -> createPartition(c.getCreatePartition());
        case DROP_PARTITION -> dropPartition(c.getDropPartition());
        case CREATE_ALIAS -> createAlias(c.getCreateAlias());
        case DROP_ALIAS -> dropAlias(c.getDropAlias());
        case ALTER_ALIAS -> alterAlias(c.getAlterAlias());
        case SET_CATALOG_LIMITS -> setLimits(c.getSetCatalogLimits());
        case REPORT_VERSIONS, UPGRADE, DOMAIN -> throw new AssertionError("the catalog model does not generate " + c.getBodyCase());
        case BODY_NOT_SET -> Outcome.fail(INVALID_ARGUMENT, "no body");
      };
    }

    // ---- properties ----

    static boolean propsOk(List<KeyValue> set) {
      return set.size() <= MAX_PROPS && set.stream().noneMatch(kv -> kv.getKey().isEmpty());
    }

    static TreeMap<String, String> merged(Map<String, String> current, List<KeyValue> set, List<String> delete) {
      TreeMap<String, String> m = new TreeMap<>(current);
      delete.forEach(m::remove);
      set.forEach(kv -> m.put(kv.getKey(), kv.getValue()));
      return m;
    }

    // ---- databases ----

    Outcome createDatabase(CreateDatabaseRequest r) {
      if (!validName(r.getName())) {
        return Outcome.fail(INVALID_ARGUMENT, "bad database name");
      }
      if (dbs.containsKey(r.getName())) {
        return Outcome.fail(ALREADY_EXISTS, "database exists");
      }
      if (dbs.size() >= maxDatabases) {
        return Outcome.fail(QUOTA_EXCEEDED, "max_databases");
      }
      if (!propsOk(r.getPropertiesList())) {
        return Outcome.fail(INVALID_ARGUMENT, "properties");
      }
      Db d = new Db(allocateCatalog(1), r.getName(), timestamps(1));
      d.props.putAll(merged(Map.of(), r.getPropertiesList(), List.of()));
      dbs.put(d.name, d);
      return Outcome.ok("DATABASE_CREATED " + str(d));
    }

    Outcome dropDatabase(DropDatabaseRequest r) {
      if (orDefault(r.getName()).equals(DEFAULT_DB)) {
        return Outcome.fail(FAILED_PRECONDITION, "the default database");
      }
      Db d = dbs.get(r.getName());
      if (d == null) {
        return Outcome.fail(NOT_FOUND, "no such database");
      }
      if (!d.colls.isEmpty()) {
        return Outcome.fail(FAILED_PRECONDITION, "database holds collections");
      }
      dbs.remove(d.name);
      return Outcome.ok("DATABASE_DROPPED " + str(d));
    }

    Outcome alterDatabase(AlterDatabaseRequest r) {
      Db d = dbs.get(orDefault(r.getName()));
      if (d == null) {
        return Outcome.fail(NOT_FOUND, "no such database");
      }
      if (!propsOk(r.getSetList())) {
        return Outcome.fail(INVALID_ARGUMENT, "properties");
      }
      TreeMap<String, String> next = merged(d.props, r.getSetList(), r.getDeleteKeysList());
      if (next.size() > MAX_PROPS) {
        return Outcome.fail(INVALID_ARGUMENT, "too many properties");
      }
      d.props.clear();
      d.props.putAll(next);
      return Outcome.ok("DATABASE_ALTERED " + str(d));
    }

    // ---- collections ----

    boolean taken(Db d, String name) {
      return d.colls.containsKey(name) || d.aliases.containsKey(name);
    }

    List<String> aliasesOf(Coll c) {
      List<String> out = new ArrayList<>();
      dbs.get(c.db).aliases.forEach((a, id) -> {
        if (id == c.id) {
          out.add(a);
        }
      });
      return out;
    }

    record Lookup(Coll coll, Outcome error) {}

    /** By the collection's own name; an alias is refused. */
    Lookup byRealName(String dbRaw, String name) {
      Db d = dbs.get(orDefault(dbRaw));
      if (d == null) {
        return new Lookup(null, Outcome.fail(NOT_FOUND, "no such database"));
      }
      Long id = d.colls.get(name);
      if (id != null) {
        return new Lookup(colls.get(id), null);
      }
      if (d.aliases.containsKey(name)) {
        return new Lookup(null, Outcome.fail(INVALID_ARGUMENT, "an alias where a collection's own name is needed"));
      }
      return new Lookup(null, Outcome.fail(NOT_FOUND, "no such collection"));
    }

    /** By name or alias. */
    Lookup resolve(String dbRaw, String name) {
      Db d = dbs.get(orDefault(dbRaw));
      if (d == null) {
        return new Lookup(null, Outcome.fail(NOT_FOUND, "no such database"));
      }
      Long id = d.colls.containsKey(name) ? d.colls.get(name) : d.aliases.get(name);
      return id == null ? new Lookup(null, Outcome.fail(NOT_FOUND, "no such collection or alias"))
          : new Lookup(colls.get(id), null);
    }

    /** The schema rules, in the order the spec gives precedence: INVALID before a later QUOTA. */
    ErrorCode checkSchema(CollectionSchema s) {
      int n = s.getFieldsCount();
      if (n == 0) {
        return INVALID_ARGUMENT;
      }
      if (n > maxFields) {
        return QUOTA_EXCEEDED;
      }
      Set<String> names = new HashSet<>();
      int primaries = 0;
      int partitionKeys = 0;
      int vectors = 0;
      for (FieldSchema f : s.getFieldsList()) {
        if (!validName(f.getName()) || !names.add(f.getName()) || !fieldOk(f)) {
          return INVALID_ARGUMENT;
        }
        primaries += f.getIsPrimary() ? 1 : 0;
        partitionKeys += f.getIsPartitionKey() ? 1 : 0;
        vectors += VECTORS.contains(f.getDataType()) ? 1 : 0;
      }
      if (primaries != 1 || partitionKeys > 1 || vectors == 0) {
        return INVALID_ARGUMENT;
      }
      return vectors > maxVectors ? QUOTA_EXCEEDED : OK;
    }

    static boolean fieldOk(FieldSchema f) {
      DataType t = f.getDataType();
      if (t == DATA_TYPE_NONE || t == DataType.UNRECOGNIZED) {
        return false;
      }
      boolean vector = VECTORS.contains(t);
      if (f.getIsPrimary()) {
        if ((t != INT64 && t != VARCHAR) || f.getNullable() || f.hasDefaultValue() || f.getIsPartitionKey()) {
          return false;
        }
      } else if (f.getAutoId()) {
        return false;
      }
      if (f.getIsPartitionKey() && ((t != INT64 && t != VARCHAR) || f.getNullable())) {
        return false;
      }
      if (vector) {
        if (f.getNullable() || f.hasDefaultValue()) {
          return false;
        }
        if (t == SPARSE_FLOAT_VECTOR ? f.getDim() != 0
            : f.getDim() < 1 || f.getDim() > 32_768 || (t == BINARY_VECTOR && f.getDim() % 8 != 0)) {
          return false;
        }
      } else if (f.getDim() != 0) {
        return false;
      }
      boolean needsLength = t == VARCHAR || (t == ARRAY && f.getElementType() == VARCHAR);
      if (needsLength && (f.getMaxLength() < 1 || f.getMaxLength() > 65_535)) {
        return false;
      }
      if (t == ARRAY) {
        if (!ARRAY_ELEMENTS.contains(f.getElementType()) || f.getMaxCapacity() < 1 || f.getMaxCapacity() > 4_096) {
          return false;
        }
      } else if (f.getElementType() != DATA_TYPE_NONE || f.getMaxCapacity() != 0) {
        return false;
      }
      return !f.hasDefaultValue() || defaultFits(f);
    }

    static boolean defaultFits(FieldSchema f) {
      DefaultValue v = f.getDefaultValue();
      boolean isLong = v.getValueCase() == DefaultValue.ValueCase.LONG_VALUE;
      return switch (f.getDataType()) {
        case BOOL -> v.getValueCase() == DefaultValue.ValueCase.BOOL_VALUE;
        case INT8 -> isLong && v.getLongValue() >= -128 && v.getLongValue() <= 127;
        case INT16 -> isLong && v.getLongValue() >= -32_768 && v.getLongValue() <= 32_767;
        case INT32 -> isLong && v.getLongValue() >= Integer.MIN_VALUE && v.getLongValue() <= Integer.MAX_VALUE;
        case INT64 -> isLong;
        case FLOAT -> v.getValueCase() == DefaultValue.ValueCase.FLOAT_VALUE;
        case DOUBLE -> v.getValueCase() == DefaultValue.ValueCase.DOUBLE_VALUE;
        case VARCHAR -> v.getValueCase() == DefaultValue.ValueCase.STRING_VALUE
            && v.getStringValue().length() <= f.getMaxLength();
        default -> false;
      };
    }

    Outcome createCollection(CreateCollectionRequest r) {
      Db d = dbs.get(orDefault(r.getDb()));
      if (d == null) {
        return Outcome.fail(NOT_FOUND, "no such database");
      }
      if (!validName(r.getName())) {
        return Outcome.fail(INVALID_ARGUMENT, "bad collection name");
      }
      if (taken(d, r.getName())) {
        return Outcome.fail(ALREADY_EXISTS, "name taken");
      }
      if (colls.size() >= maxCollections) {
        return Outcome.fail(QUOTA_EXCEEDED, "max_collections");
      }
      if (d.colls.size() >= maxPerDb) {
        return Outcome.fail(QUOTA_EXCEEDED, "max_collections_per_db");
      }
      int shards = r.getShardsNum() == 0 ? 1 : r.getShardsNum();
      if (shards < 1) {
        return Outcome.fail(INVALID_ARGUMENT, "shards");
      }
      if (shards > maxShards) {
        return Outcome.fail(QUOTA_EXCEEDED, "max_shards");
      }
      ErrorCode schema = checkSchema(r.getSchema());
      if (schema != OK) {
        return Outcome.fail(schema, "schema");
      }
      boolean partitionKey = r.getSchema().getFieldsList().stream().anyMatch(FieldSchema::getIsPartitionKey);
      int parts = 1;
      if (partitionKey) {
        parts = r.getNumPartitions() == 0 ? 16 : r.getNumPartitions();
        if (parts < 1) {
          return Outcome.fail(INVALID_ARGUMENT, "num_partitions");
        }
        if (parts > maxPartitions) {
          return Outcome.fail(QUOTA_EXCEEDED, "num_partitions over max_partitions_per_collection");
        }
      } else if (r.getNumPartitions() != 0) {
        return Outcome.fail(INVALID_ARGUMENT, "num_partitions without a partition key");
      }
      if (!propsOk(r.getPropertiesList())) {
        return Outcome.fail(INVALID_ARGUMENT, "properties");
      }
      long id = allocateCatalog(1 + parts);
      long ts = timestamps(1);
      List<String> fields = new ArrayList<>();
      for (int i = 0; i < r.getSchema().getFieldsCount(); i++) {
        FieldSchema f = r.getSchema().getFields(i);
        fields.add((100 + i) + ":" + f.getName() + ":" + f.getDataType());
      }
      ConsistencyLevel level = r.getConsistencyLevel() == ConsistencyLevel.CONSISTENCY_DEFAULT
          ? ConsistencyLevel.BOUNDED : r.getConsistencyLevel();
      Coll c = new Coll(id, d.name, r.getName(), ts, shards, partitionKey ? parts : 0, level, fields);
      for (int p = 0; p < parts; p++) {
        c.parts.add(new Part(id + 1 + p, partitionKey ? "_default_" + p : "_default", ts));
      }
      c.props.putAll(merged(Map.of(), r.getPropertiesList(), List.of()));
      colls.put(id, c);
      d.colls.put(c.name, id);
      return Outcome.ok("COLLECTION_CREATED " + str(c));
    }

    Outcome dropCollection(DropCollectionRequest r) {
      Lookup l = byRealName(r.getDb(), r.getName());
      if (l.error != null) {
        return l.error;
      }
      if (!aliasesOf(l.coll).isEmpty()) {
        return Outcome.fail(FAILED_PRECONDITION, "collection has aliases");
      }
      String s = "COLLECTION_DROPPED " + str(l.coll);
      colls.remove(l.coll.id);
      dbs.get(l.coll.db).colls.remove(l.coll.name);
      return Outcome.ok(s);
    }

    Outcome renameCollection(RenameCollectionRequest r) {
      Lookup l = byRealName(r.getDb(), r.getName());
      if (l.error != null) {
        return l.error;
      }
      Coll c = l.coll;
      Db to = dbs.get(r.getNewDb().isEmpty() ? c.db : r.getNewDb());
      if (to == null) {
        return Outcome.fail(NOT_FOUND, "no such target database");
      }
      if (!validName(r.getNewName())) {
        return Outcome.fail(INVALID_ARGUMENT, "bad new name");
      }
      if (taken(to, r.getNewName())) {
        return Outcome.fail(ALREADY_EXISTS, "new name taken");
      }
      if (!to.name.equals(c.db)) {
        if (!aliasesOf(c).isEmpty()) {
          return Outcome.fail(FAILED_PRECONDITION, "moving a collection with aliases");
        }
        if (to.colls.size() >= maxPerDb) {
          return Outcome.fail(QUOTA_EXCEEDED, "max_collections_per_db of the target");
        }
      }
      String from = c.db + "." + c.name;
      dbs.get(c.db).colls.remove(c.name);
      c.db = to.name;
      c.name = r.getNewName();
      to.colls.put(c.name, c.id);
      return Outcome.ok("COLLECTION_RENAMED " + str(c) + " from " + from);
    }

    Outcome alterCollection(AlterCollectionRequest r) {
      Lookup l = resolve(r.getDb(), r.getName());
      if (l.error != null) {
        return l.error;
      }
      if (!propsOk(r.getSetList())) {
        return Outcome.fail(INVALID_ARGUMENT, "properties");
      }
      TreeMap<String, String> next = merged(l.coll.props, r.getSetList(), r.getDeleteKeysList());
      if (next.size() > MAX_PROPS) {
        return Outcome.fail(INVALID_ARGUMENT, "too many properties");
      }
      l.coll.props.clear();
      l.coll.props.putAll(next);
      return Outcome.ok("COLLECTION_ALTERED " + str(l.coll));
    }

    // ---- partitions ----

    Outcome createPartition(CreatePartitionRequest r) {
      Lookup l = resolve(r.getDb(), r.getCollection());
      if (l.error != null) {
        return l.error;
      }
      Coll c = l.coll;
      if (c.numPartitions > 0) {
        return Outcome.fail(FAILED_PRECONDITION, "partition key collection");
      }
      if (!validName(r.getName())) {
        return Outcome.fail(INVALID_ARGUMENT, "bad partition name");
      }
      if (c.parts.stream().anyMatch(p -> p.name.equals(r.getName()))) {
        return Outcome.fail(ALREADY_EXISTS, "partition exists");
      }
      if (c.parts.size() >= maxPartitions) {
        return Outcome.fail(QUOTA_EXCEEDED, "max_partitions_per_collection");
      }
      Part p = new Part(allocateCatalog(1), r.getName(), timestamps(1));
      c.parts.add(p);
      return Outcome.ok("PARTITION_CREATED " + str(c) + " part=" + str(p));
    }

    Outcome dropPartition(DropPartitionRequest r) {
      Lookup l = resolve(r.getDb(), r.getCollection());
      if (l.error != null) {
        return l.error;
      }
      Coll c = l.coll;
      if (c.numPartitions > 0) {
        return Outcome.fail(FAILED_PRECONDITION, "partition key collection");
      }
      if (r.getName().equals("_default")) {
        return Outcome.fail(INVALID_ARGUMENT, "the _default partition");
      }
      Part p = c.parts.stream().filter(x -> x.name.equals(r.getName())).findFirst().orElse(null);
      if (p == null) {
        return Outcome.fail(NOT_FOUND, "no such partition");
      }
      c.parts.remove(p);
      return Outcome.ok("PARTITION_DROPPED " + str(c) + " part=" + str(p));
    }

    // ---- aliases ----

    Outcome createAlias(CreateAliasRequest r) {
      Db d = dbs.get(orDefault(r.getDb()));
      if (d == null) {
        return Outcome.fail(NOT_FOUND, "no such database");
      }
      if (!validName(r.getAlias())) {
        return Outcome.fail(INVALID_ARGUMENT, "bad alias name");
      }
      if (taken(d, r.getAlias())) {
        return Outcome.fail(ALREADY_EXISTS, "alias name taken");
      }
      Lookup l = byRealName(r.getDb(), r.getCollection());
      if (l.error != null) {
        return l.error;
      }
      d.aliases.put(r.getAlias(), l.coll.id);
      return Outcome.ok("ALIAS_CREATED " + aliasStr(r.getAlias(), d, l.coll.id, l.coll.name));
    }

    Outcome dropAlias(DropAliasRequest r) {
      Db d = dbs.get(orDefault(r.getDb()));
      if (d == null) {
        return Outcome.fail(NOT_FOUND, "no such database");
      }
      Long id = d.aliases.remove(r.getAlias());
      if (id == null) {
        return Outcome.fail(NOT_FOUND, "no such alias");
      }
      return Outcome.ok("ALIAS_DROPPED " + aliasStr(r.getAlias(), d, id, colls.get(id).name));
    }

    Outcome alterAlias(AlterAliasRequest r) {
      Db d = dbs.get(orDefault(r.getDb()));
      if (d == null) {
        return Outcome.fail(NOT_FOUND, "no such database");
      }
      if (!d.aliases.containsKey(r.getAlias())) {
        return Outcome.fail(NOT_FOUND, "no such alias");
      }
      Lookup l = byRealName(r.getDb(), r.getCollection());
      if (l.error != null) {
        return l.error;
      }
      d.aliases.put(r.getAlias(), l.coll.id);
      return Outcome.ok("ALIAS_ALTERED " + aliasStr(r.getAlias(), d, l.coll.id, l.coll.name));
    }

    // ---- limits ----

    Outcome setLimits(SetCatalogLimitsRequest r) {
      CatalogLimits l = r.getLimits();
      long[] v = {l.getMaxDatabases(), l.getMaxCollections(), l.getMaxCollectionsPerDb(), l.getMaxPartitionsPerCollection(),
          l.getMaxFields(), l.getMaxVectorFields(), l.getMaxShards(), l.getWatchRetentionEvents(), l.getWatchRetentionMs()};
      for (long x : v) {
        if (x < 0) {
          return Outcome.fail(INVALID_ARGUMENT, "negative limit");
        }
      }
      if (v[8] != 0 && v[8] < 1_000) {
        return Outcome.fail(INVALID_ARGUMENT, "watch_retention_ms under 1 s");
      }
      maxDatabases = v[0] != 0 ? v[0] : maxDatabases;
      maxCollections = v[1] != 0 ? v[1] : maxCollections;
      maxPerDb = v[2] != 0 ? v[2] : maxPerDb;
      maxPartitions = v[3] != 0 ? v[3] : maxPartitions;
      maxFields = v[4] != 0 ? v[4] : maxFields;
      maxVectors = v[5] != 0 ? v[5] : maxVectors;
      maxShards = v[6] != 0 ? v[6] : maxShards;
      retentionEvents = v[7] != 0 ? v[7] : retentionEvents;
      retentionMs = v[8] != 0 ? v[8] : retentionMs;
      return Outcome.ok("LIMITS_CHANGED " + limitsStr());
    }

    // ---- summaries, in the same format as the ones made from the state machine's protos ----

    String str(Db d) {
      return dbStr(d.name, d.id, d.props, d.ts);
    }

    String str(Coll c) {
      List<String> vch = new ArrayList<>();
      List<String> pch = new ArrayList<>();
      for (int s = 0; s < c.shards; s++) {
        String p = "by-dev-rootcoord-dml_" + Math.floorMod(c.id + s, 16);
        pch.add(p);
        vch.add(p + "_" + c.id + "v" + s);
      }
      return collStr(c.db, dbs.get(c.db).id, c.name, c.id, c.shards, c.level, c.numPartitions, c.props, c.ts,
          c.parts.stream().map(Model::str).toList(), c.fields, vch, pch);
    }

    static String str(Part p) {
      return partStr(p.name, p.id, p.ts);
    }

    String aliasStr(String alias, Db d, long collId, String collName) {
      return CatalogModelTest.aliasStr(alias, d.name, d.id, collId, collName);
    }

    String limitsStr() {
      return CatalogModelTest.limitsStr(maxDatabases, maxCollections, maxPerDb, maxPartitions, maxFields, maxVectors,
          maxShards, retentionEvents, retentionMs);
    }

    /** The whole catalog, as {@link #catalogLines(CoordState)} reads it from a state machine. */
    List<String> lines() {
      List<String> out = new ArrayList<>();
      out.add("limits " + limitsStr());
      for (Db d : dbs.values()) {
        out.add("db " + str(d));
        for (long id : d.colls.values()) {
          Coll c = colls.get(id);
          out.add("  coll " + str(c) + " aliases=" + aliasesOf(c));
        }
        d.aliases.forEach((a, id) -> out.add("  alias " + aliasStr(a, d, id, colls.get(id).name)));
      }
      return out;
    }
  }

  // ================================= summaries =================================

  static String dbStr(String name, long id, Map<String, String> props, long ts) {
    return name + "#" + id + " props=" + props + " ts=" + ts;
  }

  static String collStr(String db, long dbId, String name, long id, int shards, ConsistencyLevel level, int numPartitions,
      Map<String, String> props, long ts, List<String> parts, List<String> fields, List<String> vch, List<String> pch) {
    return db + "#" + dbId + "/" + name + "#" + id + " shards=" + shards + " level=" + level + " np=" + numPartitions
        + " props=" + props + " ts=" + ts + " parts=" + parts + " fields=" + fields + " vch=" + vch + " pch=" + pch;
  }

  static String partStr(String name, long id, long ts) {
    return name + "#" + id + "@" + ts;
  }

  static String aliasStr(String alias, String db, long dbId, long collId, String collName) {
    return alias + "@" + db + "#" + dbId + " -> " + collId + (collName == null ? "" : ":" + collName);
  }

  static String limitsStr(long... v) {
    return "databases=" + v[0] + " collections=" + v[1] + " per_db=" + v[2] + " partitions=" + v[3] + " fields=" + v[4]
        + " vectors=" + v[5] + " shards=" + v[6] + " retention_events=" + v[7] + " retention_ms=" + v[8];
  }

  /** Properties in the order the proto lists them (the model's are sorted: order matters). */
  static Map<String, String> props(List<KeyValue> kvs) {
    Map<String, String> m = new LinkedHashMap<>();
    kvs.forEach(kv -> m.put(kv.getKey(), kv.getValue()));
    return m;
  }

  static String str(DatabaseInfo d) {
    return dbStr(d.getName(), d.getId(), props(d.getPropertiesList()), d.getCreatedTimestamp());
  }

  static String str(PartitionInfo p) {
    return partStr(p.getName(), p.getId(), p.getCreatedTimestamp());
  }

  static String str(CollectionInfo c) {
    List<String> fields = c.getSchema().getFieldsList().stream()
        .map(f -> f.getFieldId() + ":" + f.getName() + ":" + f.getDataType()).toList();
    return collStr(c.getDbName(), c.getDbId(), c.getName(), c.getId(), c.getShardsNum(), c.getConsistencyLevel(),
        c.getNumPartitions(), props(c.getPropertiesList()), c.getCreatedTimestamp(),
        c.getPartitionsList().stream().map(CatalogModelTest::str).toList(), fields, c.getVirtualChannelsList(),
        c.getPhysicalChannelsList());
  }

  static String str(AliasInfo a, boolean withCollectionName) {
    return aliasStr(a.getName(), a.getDbName(), a.getDbId(), a.getCollectionId(),
        withCollectionName ? a.getCollectionName() : null);
  }

  static String str(CatalogLimits l) {
    return limitsStr(l.getMaxDatabases(), l.getMaxCollections(), l.getMaxCollectionsPerDb(),
        l.getMaxPartitionsPerCollection(), l.getMaxFields(), l.getMaxVectorFields(), l.getMaxShards(),
        l.getWatchRetentionEvents(), l.getWatchRetentionMs());
  }

  static String summary(CommandReply r) {
    return switch (r.getBodyCase()) {
      case TSO_ALLOCATE -> "tso " + r.getTsoAllocate().getFirst() + "+" + r.getTsoAllocate().getCount();
      case ID_ALLOCATE -> "ids " + r.getIdAllocate().getStart() + "+" + r.getIdAllocate().getCount();
      case CATALOG -> summary(r.getCatalog());
      case UPGRADE -> "upgrade " + r.getUpgrade().getPreviousVersion() + "->" + r.getUpgrade().getVersion();
      case DOMAIN -> "domain " + r.getDomain().getTypeUrl();
      case BODY_NOT_SET -> "(no body)";
    };
  }

  static String summary(CatalogChange c) {
    String k = c.getKind() + " ";
    return switch (c.getKind()) {
      case DATABASE_CREATED, DATABASE_ALTERED, DATABASE_DROPPED -> k + str(c.getDatabase());
      case COLLECTION_CREATED, COLLECTION_ALTERED, COLLECTION_DROPPED -> k + str(c.getCollection());
      case COLLECTION_RENAMED -> k + str(c.getCollection()) + " from " + c.getPreviousDbName() + "." + c.getPreviousName();
      case PARTITION_CREATED, PARTITION_DROPPED -> k + str(c.getCollection()) + " part=" + str(c.getPartition());
      case ALIAS_CREATED, ALIAS_ALTERED -> k + str(c.getAlias(), true);
      case ALIAS_DROPPED -> k + str(c.getAlias(), true);
      case LIMITS_CHANGED -> k + str(c.getLimits());
      case CHANGE_KIND_NONE, UNRECOGNIZED -> "(no kind) " + c;
    };
  }

  private static QueryReply read(CoordState s, Query q) {
    QueryReply r = Batches.read(s, q);
    assertEquals(OK, r.getCode(), () -> "read " + q + ": " + r);
    return r;
  }

  /** The whole catalog through the read API, cross-checking the reads against each other. */
  static List<String> catalogLines(CoordState s) {
    List<String> out = new ArrayList<>();
    out.add("limits " + str(read(s, Query.newBuilder().setGetCatalogLimits(GetCatalogLimitsQuery.getDefaultInstance())
        .build()).getLimits()));
    for (DatabaseInfo d : read(s, Query.newBuilder().setListDatabases(ListDatabasesQuery.getDefaultInstance()).build())
        .getDatabases().getDatabasesList()) {
      out.add("db " + str(d));
      List<CollectionBrief> briefs = read(s, Query.newBuilder()
          .setListCollections(ListCollectionsQuery.newBuilder().setDb(d.getName())).build()).getCollections()
          .getCollectionsList();
      for (CollectionBrief b : briefs) {
        CollectionDescription byId = read(s, Query.newBuilder().setDescribeCollection(
            DescribeCollectionQuery.newBuilder().setCollection(Batches.ref(b.getId()))).build()).getCollection();
        CollectionDescription byName = read(s, Query.newBuilder().setDescribeCollection(
            DescribeCollectionQuery.newBuilder().setCollection(Batches.ref(d.getName(), b.getName()))).build())
            .getCollection();
        assertEquals(byId, byName, "by id and by name");
        CollectionInfo c = byId.getCollection();
        assertEquals(List.of(b.getName(), b.getCreatedTimestamp()), List.of(c.getName(), c.getCreatedTimestamp()));
        assertEquals(d.getId(), c.getDbId());
        out.add("  coll " + str(c) + " aliases=" + byId.getAliasesList());
      }
      for (AliasInfo a : read(s, Query.newBuilder().setListAliases(ListAliasesQuery.newBuilder().setDb(d.getName()))
          .build()).getAliases().getAliasesList()) {
        CollectionInfo target = read(s, Query.newBuilder().setDescribeCollection(DescribeCollectionQuery.newBuilder()
            .setCollection(Batches.ref(d.getName(), a.getName()))).build()).getCollection().getCollection();
        assertEquals(a.getCollectionId(), target.getId(), "alias " + a.getName() + " resolves to its collection");
        assertEquals(a.getCollectionName(), target.getName());
        out.add("  alias " + str(a, true));
      }
    }
    return out;
  }

  // ================================= the generator =================================

  static final class Generator {
    static final List<String> DB_POOL = List.of("db0", "db1", "db2", "db3", "db4");
    static final List<String> NAME_POOL = List.of("n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7");
    static final List<String> PART_POOL = List.of("p0", "p1", "p2", "p3", "_default", "_default_0");
    static final List<String> BAD = List.of("", "1x", "a-b", "x y", "\u00e9t\u00e9", "z".repeat(256), "$meta");
    static final List<String> KEYS = List.of("a", "b", "c", "d", "e");

    final Random rnd;

    Generator(Random rnd) {
      this.rnd = rnd;
    }

    <T> T pick(List<T> l) {
      return l.get(rnd.nextInt(l.size()));
    }

    boolean chance(int percent) {
      return rnd.nextInt(100) < percent;
    }

    Command next(Model m) {
      Command.Builder c = Command.newBuilder();
      int k = rnd.nextInt(100);
      String db = anyDb(m);
      if (k < 6) {
        c.setCreateDatabase(CreateDatabaseRequest.newBuilder().setName(chance(85) ? pick(DB_POOL) : chance(40) ? "default"
            : pick(BAD)).addAllProperties(props()));
      } else if (k < 11) {
        c.setDropDatabase(DropDatabaseRequest.newBuilder().setName(dropDbName(m)));
      } else if (k < 14) {
        c.setAlterDatabase(AlterDatabaseRequest.newBuilder().setName(db).addAllSet(props()).addAllDeleteKeys(deleteKeys()));
      } else if (k < 35) {
        c.setCreateCollection(createCollection(m, db));
      } else if (k < 44) {
        c.setDropCollection(DropCollectionRequest.newBuilder().setDb(db).setName(existingName(m, db)));
      } else if (k < 52) {
        c.setRenameCollection(RenameCollectionRequest.newBuilder().setDb(db).setName(existingName(m, db))
            .setNewDb(chance(30) ? anyDb(m) : "").setNewName(chance(10) ? existingName(m, db) : newName()));
      } else if (k < 56) {
        c.setAlterCollection(AlterCollectionRequest.newBuilder().setDb(db).setName(existingName(m, db))
            .addAllSet(props()).addAllDeleteKeys(deleteKeys()));
      } else if (k < 67) {
        c.setCreatePartition(CreatePartitionRequest.newBuilder().setDb(db).setCollection(existingName(m, db))
            .setName(chance(88) ? pick(PART_POOL) : pick(BAD)));
      } else if (k < 74) {
        String coll = existingName(m, db);
        c.setDropPartition(DropPartitionRequest.newBuilder().setDb(db).setCollection(coll)
            .setName(existingPartition(m, db, coll)));
      } else if (k < 82) {
        c.setCreateAlias(CreateAliasRequest.newBuilder().setDb(db).setAlias(chance(15) ? existingName(m, db) : newName())
            .setCollection(existingName(m, db)));
      } else if (k < 87) {
        c.setDropAlias(DropAliasRequest.newBuilder().setDb(db).setAlias(existingAlias(m, db)));
      } else if (k < 92) {
        c.setAlterAlias(AlterAliasRequest.newBuilder().setDb(db).setAlias(existingAlias(m, db))
            .setCollection(existingName(m, db)));
      } else if (k < 96) {
        c.setSetCatalogLimits(SetCatalogLimitsRequest.newBuilder().setLimits(limits()));
      } else if (k < 98) {
        return Batches.tso(1 + rnd.nextInt(3));
      } else {
        return Batches.ids(1 + rnd.nextInt(5));
      }
      return c.build();
    }

    String anyDb(Model m) {
      int r = rnd.nextInt(20);
      if (r < 6) {
        return "";
      } else if (r < 8) {
        return "default";
      } else if (r < 16) {
        return pick(new ArrayList<>(m.dbs.keySet()));
      } else if (r < 19) {
        return pick(DB_POOL);
      }
      return chance(50) ? "nodb" : pick(BAD);
    }

    String dropDbName(Model m) {
      int r = rnd.nextInt(10);
      if (r < 5) {
        return pick(new ArrayList<>(m.dbs.keySet()));
      } else if (r < 7) {
        return pick(DB_POOL);
      } else if (r < 8) {
        return chance(50) ? "default" : "";
      }
      return chance(50) ? "nodb" : pick(BAD.subList(1, BAD.size()));
    }

    /** Mostly a collection or alias that exists in the database, sometimes any name. */
    String existingName(Model m, String db) {
      Model.Db d = m.dbs.get(Model.orDefault(db));
      if (chance(3)) {
        return pick(BAD);
      }
      if (d != null && chance(80)) {
        List<String> names = new ArrayList<>(d.colls.keySet());
        if (!d.aliases.isEmpty() && (names.isEmpty() || chance(25))) {
          names = new ArrayList<>(d.aliases.keySet());
        }
        if (!names.isEmpty()) {
          return pick(names);
        }
      }
      return pick(NAME_POOL);
    }

    String newName() {
      return chance(92) ? pick(NAME_POOL) : pick(BAD);
    }

    String existingAlias(Model m, String db) {
      Model.Db d = m.dbs.get(Model.orDefault(db));
      if (d != null && !d.aliases.isEmpty() && chance(75)) {
        return pick(new ArrayList<>(d.aliases.keySet()));
      }
      return pick(NAME_POOL);
    }

    String existingPartition(Model m, String db, String coll) {
      Model.Lookup l = m.resolve(db, coll);
      if (l.coll() != null && chance(75)) {
        return pick(l.coll().parts).name();
      }
      return chance(92) ? pick(PART_POOL) : pick(BAD);
    }

    List<KeyValue> props() {
      List<KeyValue> out = new ArrayList<>();
      int n = chance(60) ? 0 : 1 + rnd.nextInt(3);
      for (int i = 0; i < n; i++) {
        out.add(Batches.kv(chance(4) ? "" : pick(KEYS), "v" + rnd.nextInt(10)));
      }
      if (chance(1)) {
        for (int i = 0; i < 65; i++) {
          out.add(Batches.kv("many" + i, "x"));
        }
      }
      return out;
    }

    List<String> deleteKeys() {
      return chance(60) ? List.of() : List.of(pick(KEYS));
    }

    CatalogLimits limits() {
      CatalogLimits.Builder b = CatalogLimits.newBuilder();
      if (chance(15)) {
        return CatalogLimitsDefaults.DEFAULTS.toBuilder().setWatchRetentionEvents(50 + rnd.nextInt(300)).build();
      }
      if (chance(35)) {
        b.setMaxDatabases(2 + rnd.nextInt(7));
      }
      if (chance(35)) {
        b.setMaxCollections(3 + rnd.nextInt(30));
      }
      if (chance(35)) {
        b.setMaxCollectionsPerDb(1 + rnd.nextInt(12));
      }
      if (chance(35)) {
        b.setMaxPartitionsPerCollection(2 + rnd.nextInt(9));
      }
      if (chance(30)) {
        b.setMaxFields(3 + rnd.nextInt(10));
      }
      if (chance(30)) {
        b.setMaxVectorFields(1 + rnd.nextInt(4));
      }
      if (chance(30)) {
        b.setMaxShards(1 + rnd.nextInt(4));
      }
      if (chance(30)) {
        b.setWatchRetentionEvents(20 + rnd.nextInt(300));
      }
      if (chance(20)) {
        b.setWatchRetentionMs(1_000 + rnd.nextInt(600_000));
      }
      if (chance(8)) {
        switch (rnd.nextInt(4)) {
          case 0 -> b.setMaxShards(-1);
          case 1 -> b.setMaxDatabases(-3);
          case 2 -> b.setWatchRetentionEvents(-1);
          default -> b.setWatchRetentionMs(-1_000);
        }
      }
      if (chance(4)) {
        b.setWatchRetentionMs(1 + rnd.nextInt(999));
      }
      return b.build();
    }

    CreateCollectionRequest createCollection(Model m, String db) {
      CollectionSchema schema = schema(m);
      boolean partitionKey = schema.getFieldsList().stream().anyMatch(FieldSchema::getIsPartitionKey);
      CreateCollectionRequest.Builder b = CreateCollectionRequest.newBuilder().setDb(db)
          .setName(chance(15) ? existingName(m, db) : newName()).setSchema(schema)
          .setConsistencyLevel(pick(List.of(ConsistencyLevel.CONSISTENCY_DEFAULT, ConsistencyLevel.STRONG,
              ConsistencyLevel.SESSION, ConsistencyLevel.BOUNDED, ConsistencyLevel.EVENTUALLY)));
      int r = rnd.nextInt(100);
      b.setShardsNum(r < 70 ? 0 : r < 92 ? 1 + rnd.nextInt(4) : r < 97 ? 17 + rnd.nextInt(4) : -1);
      if (partitionKey) {
        r = rnd.nextInt(100);
        b.setNumPartitions(r < 40 ? 0 : r < 92 ? 1 + rnd.nextInt(6) : r < 97 ? 2_000 : -2);
      } else if (chance(4)) {
        b.setNumPartitions(3);
      }
      if (chance(30)) {
        b.addAllProperties(props());
      }
      return b.build();
    }

    CollectionSchema schema(Model m) {
      List<FieldSchema.Builder> fs = new ArrayList<>();
      fs.add(chance(70) ? field("id", INT64).setIsPrimary(true).setAutoId(rnd.nextBoolean())
          : field("id", VARCHAR).setMaxLength(1 + rnd.nextInt(64)).setIsPrimary(true));
      int vectors = chance(25) ? 2 : 1;
      for (int i = 0; i < vectors; i++) {
        fs.add(vector("v" + i));
      }
      int scalars = rnd.nextInt(4);
      for (int i = 0; i < scalars; i++) {
        fs.add(scalar("s" + i));
      }
      if (chance(20)) {
        fs.add(chance(50) ? field("tenant", INT64).setIsPartitionKey(true)
            : field("tenant", VARCHAR).setMaxLength(32).setIsPartitionKey(true));
      }
      Collections.shuffle(fs, rnd);
      if (chance(30)) {
        fault(m, fs);
        if (chance(15)) {
          fault(m, fs);
        }
      }
      CollectionSchema.Builder b = CollectionSchema.newBuilder().setEnableDynamicField(rnd.nextBoolean());
      fs.forEach(b::addFields);
      return b.build();
    }

    FieldSchema.Builder vector(String name) {
      return switch (rnd.nextInt(5)) {
        case 0 -> field(name, FLOAT_VECTOR).setDim(1 + rnd.nextInt(128));
        case 1 -> field(name, BINARY_VECTOR).setDim(8 * (1 + rnd.nextInt(16)));
        case 2 -> field(name, FLOAT16_VECTOR).setDim(1 + rnd.nextInt(64));
        case 3 -> field(name, BFLOAT16_VECTOR).setDim(1 + rnd.nextInt(64));
        default -> field(name, SPARSE_FLOAT_VECTOR);
      };
    }

    FieldSchema.Builder scalar(String name) {
      boolean withDefault = chance(50);
      return switch (rnd.nextInt(10)) {
        case 0 -> withDefault ? field(name, BOOL).setDefaultValue(DefaultValue.newBuilder().setBoolValue(true))
            : field(name, BOOL);
        case 1 -> withDefault ? field(name, INT8).setDefaultValue(DefaultValue.newBuilder().setLongValue(rnd.nextInt(256) - 128))
            : field(name, INT8);
        case 2 -> field(name, INT16).setNullable(true);
        case 3 -> field(name, INT32);
        case 4 -> withDefault ? field(name, INT64).setDefaultValue(DefaultValue.newBuilder().setLongValue(rnd.nextLong()))
            : field(name, INT64);
        case 5 -> withDefault ? field(name, FLOAT).setDefaultValue(DefaultValue.newBuilder().setFloatValue(rnd.nextFloat()))
            : field(name, FLOAT);
        case 6 -> field(name, DOUBLE).setNullable(true).setDefaultValue(DefaultValue.newBuilder().setDoubleValue(0.5));
        case 7 -> {
          int len = 1 + rnd.nextInt(100);
          FieldSchema.Builder f = field(name, VARCHAR).setMaxLength(len);
          yield withDefault ? f.setDefaultValue(DefaultValue.newBuilder().setStringValue("abc".substring(0, Math.min(3, len))))
              : f;
        }
        case 8 -> field(name, JSON).setNullable(true);
        default -> {
          DataType e = pick(List.of(INT64, BOOL, VARCHAR, DOUBLE));
          FieldSchema.Builder f = field(name, ARRAY).setElementType(e).setMaxCapacity(1 + rnd.nextInt(100));
          yield e == VARCHAR ? f.setMaxLength(10) : f;
        }
      };
    }

    /** Makes the schema wrong in one way (or, with limits changed, perhaps not at all). */
    void fault(Model m, List<FieldSchema.Builder> fs) {
      switch (rnd.nextInt(20)) {
        case 0 -> {
          if (fs.size() > 1) {
            fs.get(fs.size() - 1).setName(fs.get(0).getName());
          }
        }
        case 1 -> fs.add(field("id2", INT64).setIsPrimary(true));
        case 2 -> fs.forEach(f -> f.setIsPrimary(false).setAutoId(false));
        case 3 -> fs.add(field("v_zero", FLOAT_VECTOR));
        case 4 -> fs.add(field("v_bin", BINARY_VECTOR).setDim(12));
        case 5 -> fs.add(field("s_nolen", VARCHAR));
        case 6 -> fs.add(field("arr", ARRAY).setElementType(pick(List.of(JSON, ARRAY, FLOAT_VECTOR, DATA_TYPE_NONE)))
            .setMaxCapacity(4));
        case 7 -> fs.add(field("auto", INT32).setAutoId(true));
        case 8 -> fs.add(vector("v_null").setNullable(true));
        case 9 -> fs.add(chance(50) ? field("d", INT64).setDefaultValue(DefaultValue.newBuilder().setStringValue("7"))
            : field("d", INT8).setDefaultValue(DefaultValue.newBuilder().setLongValue(300)));
        case 10 -> {
          long have = fs.stream().filter(f -> Model.VECTORS.contains(f.getDataType())).count();
          for (long i = have; i <= Math.min(m.maxVectors, 8); i++) {
            fs.add(vector("xv" + i));
          }
        }
        case 11 -> {
          long target = Math.min(m.maxFields, 70) + 1;
          for (int i = 0; fs.size() < target; i++) {
            fs.add(field("pad" + i, INT32));
          }
        }
        case 12 -> fs.removeIf(f -> Model.VECTORS.contains(f.getDataType()));
        case 13 -> fs.add(field(pick(BAD), BOOL));
        case 14 -> fs.clear();
        case 15 -> {
          fs.add(field("pk1", INT64).setIsPartitionKey(true));
          fs.add(field("pk2", INT64).setIsPartitionKey(true));
        }
        case 16 -> fs.stream().filter(FieldSchema.Builder::getIsPrimary).forEach(f -> f.setIsPartitionKey(true));
        case 17 -> fs.add(field("sparse", SPARSE_FLOAT_VECTOR).setDim(16));
        case 18 -> fs.add(field("long_default", VARCHAR).setMaxLength(2)
            .setDefaultValue(DefaultValue.newBuilder().setStringValue("abc")));
        default -> fs.add(field("nothing", DATA_TYPE_NONE));
      }
    }
  }

  // ================================= the run =================================

  /** What a run exercised, so that a generator change cannot make the test vacuous. */
  static final class Coverage {
    final Map<Command.BodyCase, EnumMap<ErrorCode, Integer>> byCommand = new TreeMap<>();
    final EnumMap<ErrorCode, Integer> byCode = new EnumMap<>(ErrorCode.class);
    int entries;
    int maxCollections;

    void count(Command c, ErrorCode code) {
      byCommand.computeIfAbsent(c.getBodyCase(), k -> new EnumMap<>(ErrorCode.class)).merge(code, 1, Integer::sum);
      byCode.merge(code, 1, Integer::sum);
    }

    int ok(Command.BodyCase c) {
      return byCommand.getOrDefault(c, new EnumMap<>(ErrorCode.class)).getOrDefault(OK, 0);
    }

    int code(ErrorCode c) {
      return byCode.getOrDefault(c, 0);
    }
  }

  /** The log that was applied, the events it made, and what it covered. */
  record Run(List<CommandBatch> log, List<ChangeEvent> events, Coverage coverage, Model model) {}

  private static CoordState open(Path p) {
    return new CoordState(CoordStore.open(p), IdempotencyLog.Retention.DEFAULT);
  }

  private static CommandBatch stamped(long leaderTime, List<Command> commands) {
    return CommandBatch.newBuilder().setHeader(CommandHeader.newBuilder().setLeaderTimeMs(leaderTime)
        .setTerm(Batches.TERM).setLeaderId("n1")).addAllCommands(commands).build();
  }

  /** Generates and applies {@code COMMANDS} commands, checking every reply against the model. */
  private static Run run(long seed, CoordState state) {
    Random rnd = new Random(seed);
    Generator gen = new Generator(rnd);
    Model model = new Model();
    Coverage cov = new Coverage();
    List<CommandBatch> log = new ArrayList<>();
    List<ChangeEvent> events = new ArrayList<>();
    long leader = T0;

    int commands = 0;
    while (commands < COMMANDS) {
      leader += rnd.nextInt(400) - 60; // the leader's stamps may go back a little
      model.entry(leader);
      int n = 1 + rnd.nextInt(8);
      List<Command> batch = new ArrayList<>();
      List<Outcome> expected = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Command c = gen.next(model);
        batch.add(c);
        expected.add(model.apply(c));
      }
      CommandBatch entry = stamped(leader, batch);
      log.add(entry);
      BatchReply reply = Batches.applyNext(state, entry);
      assertEquals(n, reply.getRepliesCount());
      int ordinal = 0;
      for (int i = 0; i < n; i++) {
        Command c = batch.get(i);
        CommandReply actual = reply.getReplies(i);
        Outcome want = expected.get(i);
        String where = "seed " + seed + ", entry " + reply.getIndex() + ", command " + (commands + i) + ": " + c
            + "model: " + want.why() + "\nstate machine: " + actual.getCode() + " " + actual.getMessage();
        assertEquals(want.code(), actual.getCode(), where);
        if (want.code() == OK) {
          assertEquals(want.summary(), summary(actual), where);
          if (actual.hasCatalog()) {
            events.add(ChangeEvent.newBuilder().setRevision(reply.getIndex()).setOrdinal(ordinal++)
                .setNowMs(model.now).setChange(actual.getCatalog()).build());
          }
        } else {
          assertEquals(CommandReply.BodyCase.BODY_NOT_SET, actual.getBodyCase(), where);
          assertTrue(!actual.getMessage().isEmpty(), where);
        }
        cov.count(c, actual.getCode());
      }
      assertEquals(model.nextId, state.ids().nextId(), "seed " + seed + ": the allocators agree");
      assertEquals(model.lastPhysical < 0 ? -1 : Timestamps.compose(model.lastPhysical, model.lastLogical),
          state.tso().lastTimestamp(), "seed " + seed + ": the timestamp oracles agree");
      assertEquals(model.now, state.nowMs());
      commands += n;
      cov.entries++;
      cov.maxCollections = Math.max(cov.maxCollections, model.colls.size());
      if (cov.entries % 100 == 0) {
        assertEquals(model.lines(), catalogLines(state), "seed " + seed + ": catalogs after entry " + reply.getIndex());
      }
    }
    assertEquals(model.lines(), catalogLines(state), "seed " + seed + ": catalogs at the end");
    return new Run(log, events, cov, model);
  }

  private static void assertCovered(Run run) {
    Coverage cov = run.coverage();
    for (Command.BodyCase c : List.of(Command.BodyCase.CREATE_DATABASE, Command.BodyCase.ALTER_DATABASE,
        Command.BodyCase.CREATE_COLLECTION, Command.BodyCase.DROP_COLLECTION, Command.BodyCase.RENAME_COLLECTION,
        Command.BodyCase.ALTER_COLLECTION, Command.BodyCase.CREATE_PARTITION, Command.BodyCase.DROP_PARTITION,
        Command.BodyCase.CREATE_ALIAS, Command.BodyCase.DROP_ALIAS, Command.BodyCase.ALTER_ALIAS,
        Command.BodyCase.SET_CATALOG_LIMITS)) {
      assertTrue(cov.ok(c) >= 5, c + " succeeded " + cov.ok(c) + " times: " + cov.byCommand);
    }
    assertTrue(cov.ok(Command.BodyCase.DROP_DATABASE) >= 1, "a database was dropped: " + cov.byCommand);
    assertTrue(cov.code(INVALID_ARGUMENT) >= 100, "INVALID_ARGUMENT: " + cov.byCode);
    assertTrue(cov.code(NOT_FOUND) >= 100, "NOT_FOUND: " + cov.byCode);
    assertTrue(cov.code(ALREADY_EXISTS) >= 50, "ALREADY_EXISTS: " + cov.byCode);
    assertTrue(cov.code(QUOTA_EXCEEDED) >= 20, "QUOTA_EXCEEDED: " + cov.byCode);
    assertTrue(cov.code(FAILED_PRECONDITION) >= 20, "FAILED_PRECONDITION: " + cov.byCode);
    assertTrue(cov.code(OK) >= 400, "OK: " + cov.byCode);
    assertTrue(cov.maxCollections >= 10, "the catalog grew: " + cov.maxCollections);
  }

  /** The events still retained are exactly the ones the OK replies made, in order. */
  private static void assertFeedTail(CoordState state, Run run) {
    long from = Math.max(state.changes().compactedBelow(), 1);
    List<ChangeEvent> got = new ArrayList<>();
    while (from <= state.appliedIndex()) {
      QueryReply r = state.watch(WatchQuery.newBuilder().setFromRevision(from).build());
      assertEquals(OK, r.getCode(), r::toString);
      WatchReply w = r.getWatch();
      got.addAll(w.getEventsList());
      from = w.getNextRevision();
    }
    long compacted = state.changes().compactedBelow();
    assertEquals(run.events().stream().filter(e -> e.getRevision() >= compacted).toList(), got);
    assertTrue(got.size() <= run.model().retentionEvents, "retention by count: " + got.size());
    long newest = run.events().isEmpty() ? 0 : run.events().get(run.events().size() - 1).getRevision();
    assertTrue(got.isEmpty() || got.get(got.size() - 1).getRevision() == newest, "the newest events are kept");
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1L, 42L, 20_240_601L, 0x5eedcafeL})
  void theStateMachineBehavesLikeTheModelAndDeterministically(long seed) {
    Path a = dir.resolve("a");
    Run run;
    StoreDump dumpA;
    List<String> readsA;
    try (CoordState state = open(a)) {
      run = run(seed, state);
      assertCovered(run);
      assertFeedTail(state, run);
      dumpA = state.dump(true);
      readsA = catalogLines(state);
    }

    // The same log into a fresh store: the same bytes.
    try (CoordState b = open(dir.resolve("b"))) {
      for (CommandBatch entry : run.log()) {
        Batches.applyNext(b, entry);
      }
      StoreDump dumpB = b.dump(true);
      assertEquals(dumpA.appliedIndex(), dumpB.appliedIndex());
      assertEquals(dumpA.digest(), dumpB.digest());
      assertEquals(dumpA.entries(), dumpB.entries());
    }

    // Reopened: the same digest and the same reads, and it goes on like the model.
    try (CoordState reopened = open(a)) {
      assertEquals(dumpA.digest(), reopened.dump(false).digest());
      assertEquals(readsA, catalogLines(reopened));
      assertEquals(run.model().lines(), catalogLines(reopened));
      Model m = run.model();
      Generator gen = new Generator(new Random(~seed));
      long leader = m.now + 1_000;
      m.entry(leader);
      List<Command> more = new ArrayList<>();
      List<Outcome> expected = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        Command c = gen.next(m);
        more.add(c);
        expected.add(m.apply(c));
      }
      BatchReply r = Batches.applyNext(reopened, stamped(leader, more));
      for (int i = 0; i < more.size(); i++) {
        assertEquals(expected.get(i).code(), r.getReplies(i).getCode(), "after reopen: " + more.get(i));
        if (expected.get(i).code() == OK) {
          assertEquals(expected.get(i).summary(), summary(r.getReplies(i)));
        }
      }
      assertEquals(m.lines(), catalogLines(reopened));
    }
  }
}
