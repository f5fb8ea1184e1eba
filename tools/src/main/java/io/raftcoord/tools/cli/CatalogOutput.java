package io.raftcoord.tools.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.raftcoord.client.catalog.SchemaJson;
import io.raftcoord.proto.AliasInfo;
import io.raftcoord.proto.CatalogChange;
import io.raftcoord.proto.CatalogLimits;
import io.raftcoord.proto.ChangeEvent;
import io.raftcoord.proto.CollectionBrief;
import io.raftcoord.proto.CollectionDescription;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.DataType;
import io.raftcoord.proto.DatabaseInfo;
import io.raftcoord.proto.DefaultValue;
import io.raftcoord.proto.FieldSchema;
import io.raftcoord.proto.KeyValue;
import io.raftcoord.proto.PartitionInfo;
import io.raftcoord.proto.Timestamps;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Pure formatting of coordctl's catalog answers. Text is meant for people and grep: one
 * {@code key: value} per line for a describe, aligned tables with a header for lists, and one
 * line of {@code key=value} words for a change and for each watch event. JSON is one line per
 * answer (or per event), in the member names of Milvus's RESTful API where it has them
 * ({@code dbName}, {@code collectionName}, {@code partitionID}, ...); a collection is exactly
 * {@link SchemaJson#toJsonObject}.
 */
public final class CatalogOutput {
  private CatalogOutput() {}

  // ---- shared pieces ----

  /** A TSO timestamp as {@code <ISO instant of its physical part> (ts <ts>)}; {@code -} for 0. */
  public static String timestamp(long ts) {
    if (ts == 0) {
      return "-";
    }
    return Instant.ofEpochMilli(Timestamps.physicalMs(ts)) + " (ts " + ts + ")";
  }

  /** The physical time of a TSO timestamp alone, for table cells. */
  static String time(long ts) {
    return ts == 0 ? "-" : Instant.ofEpochMilli(Timestamps.physicalMs(ts)).toString();
  }

  /** {@code k1=v1, k2=v2} (already sorted by the server), or {@code -}. */
  public static String properties(List<KeyValue> kvs) {
    if (kvs.isEmpty()) {
      return "-";
    }
    StringBuilder sb = new StringBuilder();
    for (KeyValue kv : kvs) {
      sb.append(sb.length() == 0 ? "" : ", ").append(kv.getKey()).append('=').append(kv.getValue());
    }
    return sb.toString();
  }

  /** Milvus's type name; arrays as {@code Array<VarChar>}. */
  public static String typeName(FieldSchema f) {
    String t = SchemaJson.dataTypeName(f.getDataType());
    return f.getDataType() == DataType.ARRAY ? t + "<" + SchemaJson.dataTypeName(f.getElementType()) + ">" : t;
  }

  /** A field's flags and type params, e.g. {@code primary autoId} or {@code max_capacity=16 max_length=64}. */
  public static String fieldParams(FieldSchema f) {
    List<String> p = new ArrayList<>();
    if (f.getIsPrimary()) {
      p.add("primary");
    }
    if (f.getAutoId()) {
      p.add("autoId");
    }
    if (f.getIsPartitionKey()) {
      p.add("partitionKey");
    }
    if (f.getNullable()) {
      p.add("nullable");
    }
    if (f.getDim() != 0) {
      p.add("dim=" + f.getDim());
    }
    if (f.getMaxCapacity() != 0) {
      p.add("max_capacity=" + f.getMaxCapacity());
    }
    if (f.getMaxLength() != 0) {
      p.add("max_length=" + f.getMaxLength());
    }
    if (f.hasDefaultValue()) {
      DefaultValue d = f.getDefaultValue();
      String v = switch (d.getValueCase()) {
        case BOOL_VALUE -> Boolean.toString(d.getBoolValue());
        case LONG_VALUE -> Long.toString(d.getLongValue());
        case FLOAT_VALUE -> Float.toString(d.getFloatValue());
        case DOUBLE_VALUE -> Double.toString(d.getDoubleValue());
        case STRING_VALUE -> Output.json(new JsonPrimitive(d.getStringValue()));
        case VALUE_NOT_SET -> null;
      };
      if (v != null) {
        p.add("default=" + v);
      }
    }
    if (!f.getDescription().isEmpty()) {
      p.add("description=" + Output.json(new JsonPrimitive(f.getDescription())));
    }
    return String.join(" ", p);
  }

  /** {@code key: value} lines with the values aligned. */
  private static String keyValues(List<String[]> pairs) {
    int w = pairs.stream().mapToInt(p -> p[0].length()).max().orElse(0) + 1;
    StringBuilder sb = new StringBuilder();
    for (String[] p : pairs) {
      String key = p[0] + ":";
      sb.append(key).append(" ".repeat(w - key.length() + 2)).append(p[1]).append('\n');
    }
    return sb.toString();
  }

  /** A table indented by two spaces (inside a describe). */
  private static String indented(List<String[]> rows) {
    StringBuilder sb = new StringBuilder();
    Output.table(rows).lines().forEach(l -> sb.append("  ").append(l).append('\n'));
    return sb.toString();
  }

  private static String joined(List<String> values) {
    return values.isEmpty() ? "-" : String.join(", ", values);
  }

  // ---- databases ----

  public static String databaseCreated(DatabaseInfo d) {
    return "created database name=" + d.getName() + " id=" + d.getId();
  }

  public static String databaseDropped(DatabaseInfo d) {
    return "dropped database name=" + d.getName() + " id=" + d.getId();
  }

  public static String databaseAltered(DatabaseInfo d) {
    return "altered database name=" + d.getName() + " id=" + d.getId() + " properties={" + propsOrEmpty(d.getPropertiesList()) + "}";
  }

  private static String propsOrEmpty(List<KeyValue> kvs) {
    return kvs.isEmpty() ? "" : properties(kvs);
  }

  public static String databaseText(DatabaseInfo d) {
    List<String[]> kv = new ArrayList<>();
    kv.add(new String[] {"database", d.getName()});
    kv.add(new String[] {"id", Long.toString(d.getId())});
    kv.add(new String[] {"created", timestamp(d.getCreatedTimestamp())});
    kv.add(new String[] {"properties", properties(d.getPropertiesList())});
    return strip(keyValues(kv));
  }

  public static String databasesText(List<DatabaseInfo> all) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NAME", "ID", "CREATED", "PROPERTIES"});
    for (DatabaseInfo d : all) {
      rows.add(new String[] {d.getName(), Long.toString(d.getId()), time(d.getCreatedTimestamp()),
          properties(d.getPropertiesList())});
    }
    return strip(Output.table(rows));
  }

  public static JsonObject databaseJson(DatabaseInfo d) {
    JsonObject o = new JsonObject();
    o.addProperty("dbName", d.getName());
    o.addProperty("dbID", d.getId());
    o.add("properties", propertiesJson(d.getPropertiesList()));
    o.addProperty("createdTimestamp", d.getCreatedTimestamp());
    return o;
  }

  public static JsonArray databasesJson(List<DatabaseInfo> all) {
    return array(all, CatalogOutput::databaseJson);
  }

  static JsonArray propertiesJson(List<KeyValue> kvs) {
    JsonArray a = new JsonArray();
    for (KeyValue kv : kvs) {
      JsonObject o = new JsonObject();
      o.addProperty("key", kv.getKey());
      o.addProperty("value", kv.getValue());
      a.add(o);
    }
    return a;
  }

  // ---- collections ----

  public static String collectionCreated(CollectionInfo c) {
    return "created collection db=" + c.getDbName() + " name=" + c.getName() + " id=" + c.getId()
        + " shards=" + c.getShardsNum() + " partitions=" + c.getPartitionsCount()
        + " consistency=" + SchemaJson.consistencyName(c.getConsistencyLevel());
  }

  public static String collectionDropped(CollectionInfo c) {
    return "dropped collection db=" + c.getDbName() + " name=" + c.getName() + " id=" + c.getId();
  }

  /** {@code before} is the collection's old name (and {@code beforeDb} its old database, as the server named it). */
  public static String collectionRenamed(CollectionInfo c, String beforeDb, String before) {
    return "renamed collection id=" + c.getId() + " from db=" + beforeDb + " name=" + before
        + " to db=" + c.getDbName() + " name=" + c.getName();
  }

  public static String collectionAltered(CollectionInfo c) {
    return "altered collection db=" + c.getDbName() + " name=" + c.getName() + " id=" + c.getId()
        + " properties={" + propsOrEmpty(c.getPropertiesList()) + "}";
  }

  /** The readable describe: a {@code key: value} summary, then the fields and partitions as tables. */
  public static String collectionText(CollectionDescription d) {
    CollectionInfo c = d.getCollection();
    List<String[]> kv = new ArrayList<>();
    kv.add(new String[] {"collection", c.getName()});
    kv.add(new String[] {"id", Long.toString(c.getId())});
    kv.add(new String[] {"database", c.getDbName() + " (id " + c.getDbId() + ")"});
    kv.add(new String[] {"description", c.getSchema().getDescription().isEmpty() ? "-"
        : Output.json(new JsonPrimitive(c.getSchema().getDescription()))});
    kv.add(new String[] {"consistency", SchemaJson.consistencyName(c.getConsistencyLevel())});
    kv.add(new String[] {"shards", Integer.toString(c.getShardsNum())});
    kv.add(new String[] {"vchannels", joined(c.getVirtualChannelsList())});
    kv.add(new String[] {"pchannels", joined(c.getPhysicalChannelsList())});
    kv.add(new String[] {"dynamic_field", c.getSchema().getEnableDynamicField() ? "enabled" : "disabled"});
    if (c.getNumPartitions() > 0) {
      kv.add(new String[] {"partition_key_partitions", Integer.toString(c.getNumPartitions())});
    }
    kv.add(new String[] {"aliases", joined(d.getAliasesList())});
    kv.add(new String[] {"properties", properties(c.getPropertiesList())});
    kv.add(new String[] {"created", timestamp(c.getCreatedTimestamp())});
    StringBuilder sb = new StringBuilder(keyValues(kv));
    List<String[]> fields = new ArrayList<>();
    fields.add(new String[] {"ID", "NAME", "TYPE", "PARAMS"});
    for (FieldSchema f : c.getSchema().getFieldsList()) {
      fields.add(new String[] {Long.toString(f.getFieldId()), f.getName(), typeName(f), fieldParams(f)});
    }
    sb.append("fields (").append(c.getSchema().getFieldsCount()).append("):\n").append(indented(fields));
    List<String[]> parts = new ArrayList<>();
    parts.add(new String[] {"ID", "NAME", "CREATED"});
    for (PartitionInfo p : c.getPartitionsList()) {
      parts.add(new String[] {Long.toString(p.getId()), p.getName(), time(p.getCreatedTimestamp())});
    }
    sb.append("partitions (").append(c.getPartitionsCount()).append("):\n").append(indented(parts));
    return strip(sb.toString());
  }

  /** Exactly {@link SchemaJson#toJsonObject}. */
  public static JsonObject collectionJson(CollectionDescription d) {
    return SchemaJson.toJsonObject(d);
  }

  /**
   * A collection as a command returned it: {@link SchemaJson#toJsonObject} without
   * {@code aliases}, which a command reply does not carry.
   */
  public static JsonObject collectionJson(CollectionInfo c) {
    JsonObject o = SchemaJson.toJsonObject(CollectionDescription.newBuilder().setCollection(c).build());
    o.remove("aliases");
    return o;
  }

  public static String collectionsText(String db, List<CollectionBrief> all) {
    if (all.isEmpty()) {
      return "no collections in database " + db;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NAME", "ID", "CREATED"});
    for (CollectionBrief c : all) {
      rows.add(new String[] {c.getName(), Long.toString(c.getId()), time(c.getCreatedTimestamp())});
    }
    return strip(Output.table(rows));
  }

  public static JsonArray collectionsJson(List<CollectionBrief> all) {
    return array(all, c -> {
      JsonObject o = new JsonObject();
      o.addProperty("collectionName", c.getName());
      o.addProperty("collectionID", c.getId());
      o.addProperty("createdTimestamp", c.getCreatedTimestamp());
      return o;
    });
  }

  // ---- partitions ----

  public static String partitionCreated(String db, String collection, PartitionInfo p) {
    return "created partition db=" + db + " collection=" + collection + " name=" + p.getName() + " id=" + p.getId();
  }

  public static String partitionDropped(String db, String collection, PartitionInfo p) {
    return "dropped partition db=" + db + " collection=" + collection + " name=" + p.getName() + " id=" + p.getId();
  }

  public static String partitionsText(List<PartitionInfo> all) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NAME", "ID", "CREATED"});
    for (PartitionInfo p : all) {
      rows.add(new String[] {p.getName(), Long.toString(p.getId()), time(p.getCreatedTimestamp())});
    }
    return strip(Output.table(rows));
  }

  /** As in {@link SchemaJson#toJsonObject}'s {@code partitions}. */
  public static JsonObject partitionJson(PartitionInfo p) {
    JsonObject o = new JsonObject();
    o.addProperty("partitionName", p.getName());
    o.addProperty("partitionID", p.getId());
    o.addProperty("createdTimestamp", p.getCreatedTimestamp());
    return o;
  }

  public static JsonArray partitionsJson(List<PartitionInfo> all) {
    return array(all, CatalogOutput::partitionJson);
  }

  // ---- aliases ----

  public static String aliasChanged(String verb, AliasInfo a) {
    return verb + " alias db=" + a.getDbName() + " name=" + a.getName() + " collection=" + a.getCollectionName()
        + " collection_id=" + a.getCollectionId();
  }

  /** {@code collection} empty: the database's aliases were listed. */
  public static String aliasesText(String db, String collection, List<AliasInfo> all) {
    if (all.isEmpty()) {
      return collection.isEmpty() ? "no aliases in database " + db
          : "no aliases of collection " + collection + " in database " + db;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"ALIAS", "COLLECTION", "COLLECTION_ID"});
    for (AliasInfo a : all) {
      rows.add(new String[] {a.getName(), a.getCollectionName(), Long.toString(a.getCollectionId())});
    }
    return strip(Output.table(rows));
  }

  public static JsonObject aliasJson(AliasInfo a) {
    JsonObject o = new JsonObject();
    o.addProperty("aliasName", a.getName());
    o.addProperty("dbName", a.getDbName());
    o.addProperty("collectionName", a.getCollectionName());
    o.addProperty("collectionID", a.getCollectionId());
    return o;
  }

  public static JsonArray aliasesJson(List<AliasInfo> all) {
    return array(all, CatalogOutput::aliasJson);
  }

  // ---- limits ----

  /** The limits' names as the server's messages use them, with their values. */
  static List<String[]> limitRows(CatalogLimits l) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"max_databases", Integer.toString(l.getMaxDatabases())});
    rows.add(new String[] {"max_collections", Integer.toString(l.getMaxCollections())});
    rows.add(new String[] {"max_collections_per_db", Integer.toString(l.getMaxCollectionsPerDb())});
    rows.add(new String[] {"max_partitions_per_collection", Integer.toString(l.getMaxPartitionsPerCollection())});
    rows.add(new String[] {"max_fields", Integer.toString(l.getMaxFields())});
    rows.add(new String[] {"max_vector_fields", Integer.toString(l.getMaxVectorFields())});
    rows.add(new String[] {"max_shards", Integer.toString(l.getMaxShards())});
    rows.add(new String[] {"watch_retention_events", Integer.toString(l.getWatchRetentionEvents())});
    rows.add(new String[] {"watch_retention_ms", Long.toString(l.getWatchRetentionMs())});
    rows.add(new String[] {"max_text_bytes", Integer.toString(maxTextBytes(l))});
    return rows;
  }

  /** One {@code name value} line per limit. */
  public static String limitsText(CatalogLimits l) {
    return strip(Output.table(limitRows(l)));
  }

  public static JsonObject limitsJson(CatalogLimits l) {
    JsonObject o = new JsonObject();
    o.addProperty("maxDatabases", l.getMaxDatabases());
    o.addProperty("maxCollections", l.getMaxCollections());
    o.addProperty("maxCollectionsPerDb", l.getMaxCollectionsPerDb());
    o.addProperty("maxPartitionsPerCollection", l.getMaxPartitionsPerCollection());
    o.addProperty("maxFields", l.getMaxFields());
    o.addProperty("maxVectorFields", l.getMaxVectorFields());
    o.addProperty("maxShards", l.getMaxShards());
    o.addProperty("watchRetentionEvents", l.getWatchRetentionEvents());
    o.addProperty("watchRetentionMs", l.getWatchRetentionMs());
    o.addProperty("maxTextBytes", maxTextBytes(l));
    return o;
  }

  /** 0 on the wire means the default; the server enforces it from apply version 2. */
  private static int maxTextBytes(CatalogLimits l) {
    return l.getMaxTextBytes() == 0 ? 65_536 : l.getMaxTextBytes();
  }

  // ---- change events ----

  /**
   * One line per event: {@code rev=<revision> <KIND>} and the changed object's identity as
   * {@code key=value} words, e.g. {@code rev=42 COLLECTION_CREATED db=default collection=books id=449
   * shards=1 partitions=1}, then {@code time=<ISO instant>} of the leader's apply clock.
   */
  public static String eventText(ChangeEvent e) {
    CatalogChange c = e.getChange();
    StringBuilder sb = new StringBuilder("rev=").append(e.getRevision()).append(' ').append(c.getKind().name());
    CollectionInfo col = c.getCollection();
    switch (c.getKind()) {
      case DATABASE_CREATED, DATABASE_DROPPED -> sb.append(" db=").append(c.getDatabase().getName())
          .append(" id=").append(c.getDatabase().getId());
      case DATABASE_ALTERED -> sb.append(" db=").append(c.getDatabase().getName())
          .append(" id=").append(c.getDatabase().getId())
          .append(" properties={").append(propsOrEmpty(c.getDatabase().getPropertiesList())).append('}');
      case COLLECTION_CREATED -> sb.append(" db=").append(col.getDbName()).append(" collection=").append(col.getName())
          .append(" id=").append(col.getId()).append(" shards=").append(col.getShardsNum())
          .append(" partitions=").append(col.getPartitionsCount())
          .append(" consistency=").append(SchemaJson.consistencyName(col.getConsistencyLevel()));
      case COLLECTION_DROPPED -> sb.append(" db=").append(col.getDbName()).append(" collection=").append(col.getName())
          .append(" id=").append(col.getId());
      case COLLECTION_ALTERED -> sb.append(" db=").append(col.getDbName()).append(" collection=").append(col.getName())
          .append(" id=").append(col.getId())
          .append(" properties={").append(propsOrEmpty(col.getPropertiesList())).append('}');
      case COLLECTION_RENAMED -> sb.append(" db=").append(col.getDbName()).append(" collection=").append(col.getName())
          .append(" id=").append(col.getId()).append(" from_db=").append(c.getPreviousDbName())
          .append(" from=").append(c.getPreviousName());
      case PARTITION_CREATED, PARTITION_DROPPED -> sb.append(" db=").append(col.getDbName())
          .append(" collection=").append(col.getName()).append(" id=").append(col.getId())
          .append(" partition=").append(c.getPartition().getName())
          .append(" partition_id=").append(c.getPartition().getId());
      case ALIAS_CREATED, ALIAS_ALTERED, ALIAS_DROPPED -> sb.append(" db=").append(c.getAlias().getDbName())
          .append(" alias=").append(c.getAlias().getName())
          .append(" collection=").append(c.getAlias().getCollectionName())
          .append(" id=").append(c.getAlias().getCollectionId());
      case LIMITS_CHANGED -> {
        for (String[] r : limitRows(c.getLimits())) {
          sb.append(' ').append(r[0]).append('=').append(r[1]);
        }
      }
      case CHANGE_KIND_NONE, UNRECOGNIZED -> { }
    }
    if (e.getNowMs() != 0) {
      sb.append(" time=").append(Instant.ofEpochMilli(e.getNowMs()));
    }
    return sb.toString();
  }

  /**
   * One JSON object per event: {@code revision}, {@code ordinal}, {@code nowMs}, {@code kind},
   * then whichever of {@code database}, {@code collection} (the collection after the change),
   * {@code partition}, {@code alias}, {@code limits}, {@code previousDbName} and
   * {@code previousCollectionName} the change carries, in the shapes of the other commands.
   */
  public static JsonObject eventJson(ChangeEvent e) {
    CatalogChange c = e.getChange();
    JsonObject o = new JsonObject();
    o.addProperty("revision", e.getRevision());
    o.addProperty("ordinal", e.getOrdinal());
    o.addProperty("nowMs", e.getNowMs());
    o.addProperty("kind", c.getKind().name());
    if (c.hasDatabase()) {
      o.add("database", databaseJson(c.getDatabase()));
    }
    if (c.hasCollection()) {
      o.add("collection", collectionJson(c.getCollection()));
    }
    if (c.hasPartition()) {
      o.add("partition", partitionJson(c.getPartition()));
    }
    if (c.hasAlias()) {
      o.add("alias", aliasJson(c.getAlias()));
    }
    if (c.hasLimits()) {
      o.add("limits", limitsJson(c.getLimits()));
    }
    if (!c.getPreviousName().isEmpty() || !c.getPreviousDbName().isEmpty()) {
      o.addProperty("previousDbName", c.getPreviousDbName());
      o.addProperty("previousCollectionName", c.getPreviousName());
    }
    return o;
  }

  // ---- helpers ----

  private static <T> JsonArray array(List<T> items, Function<T, JsonObject> f) {
    JsonArray a = new JsonArray();
    items.forEach(i -> a.add(f.apply(i)));
    return a;
  }

  /** Without the last newline: callers println. */
  private static String strip(String s) {
    return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
  }
}
