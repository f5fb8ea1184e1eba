package io.raftcoord.client.catalog;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.raftcoord.proto.CollectionDescription;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.ConsistencyLevel;
import io.raftcoord.proto.DataType;
import io.raftcoord.proto.DefaultValue;
import io.raftcoord.proto.FieldSchema;
import io.raftcoord.proto.KeyValue;
import io.raftcoord.proto.PartitionInfo;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Converts between the Milvus RESTful API v2 JSON shape of a collection schema and the proto.
 *
 * <p>Invariants:
 * <ul>
 *   <li>{@link #fromJson} checks only syntax and JSON types; semantic checks (one primary key,
 *       dim &gt; 0, ...) are the server's. It never sets field IDs. Unknown members are ignored,
 *       and a JSON {@code null} member counts as absent.
 *   <li>Every error is an {@link IllegalArgumentException} whose message is one line:
 *       {@code schema JSON: <location>: <problem>}.
 *   <li>The {@code schema} member of {@link #toJsonObject} has the input shape, so
 *       {@code fromJson(toJson(d))} equals {@code d}'s schema apart from field IDs. Inside a field,
 *       false, zero and empty members are left out, except {@code autoId}, which a primary field
 *       always carries; top-level members are always present.
 * </ul>
 */
public final class SchemaJson {
  private static final String PREFIX = "schema JSON: ";

  /** Milvus's spellings, in the order error messages list them. */
  private static final Map<String, DataType> TYPES_BY_LOWER_NAME = new LinkedHashMap<>();
  private static final String TYPE_NAMES;

  static {
    DataType[] order = {
      DataType.BOOL, DataType.INT8, DataType.INT16, DataType.INT32, DataType.INT64, DataType.FLOAT,
      DataType.DOUBLE, DataType.VARCHAR, DataType.JSON, DataType.ARRAY, DataType.FLOAT_VECTOR,
      DataType.BINARY_VECTOR, DataType.FLOAT16_VECTOR, DataType.BFLOAT16_VECTOR, DataType.SPARSE_FLOAT_VECTOR,
    };
    StringBuilder names = new StringBuilder();
    for (DataType t : order) {
      TYPES_BY_LOWER_NAME.put(dataTypeName(t).toLowerCase(Locale.ROOT), t);
      names.append(names.length() == 0 ? "" : ", ").append(dataTypeName(t));
    }
    TYPE_NAMES = names.toString();
  }

  // No HTML escaping: descriptions and names are shown to people, not embedded in pages.
  private static final Gson PRETTY = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();
  private static final Gson COMPACT = new GsonBuilder().disableHtmlEscaping().create();

  private SchemaJson() {}

  // ---- names ----

  /** Milvus's name of a data type, e.g. {@code FloatVector}; {@code None} for none. */
  public static String dataTypeName(DataType t) {
    return io.raftcoord.proto.DataTypeNames.of(Objects.requireNonNull(t, "t"));
  }

  /** Milvus's name of a consistency level; the request default is Bounded, as in Milvus. */
  public static String consistencyName(ConsistencyLevel c) {
    return switch (Objects.requireNonNull(c, "c")) {
      case STRONG -> "Strong";
      case SESSION -> "Session";
      case BOUNDED, CONSISTENCY_DEFAULT -> "Bounded";
      case EVENTUALLY -> "Eventually";
      case UNRECOGNIZED -> "Unknown";
    };
  }

  // ---- JSON -> proto ----

  /**
   * Parses the {@code schema} object of a Milvus RESTful v2 create-collection request, or a whole
   * request body that has a {@code schema} member (its other members are ignored).
   *
   * <p>A field's {@code autoId} is its own {@code autoId} when present, else the top-level
   * {@code autoId} for the primary field.
   *
   * @throws IllegalArgumentException with a one-line message naming the location and problem
   */
  public static CollectionSchema fromJson(String json) {
    Objects.requireNonNull(json, "json");
    JsonElement root = parse(json);
    if (!root.isJsonObject()) {
      throw error("expected a schema object (or a create-collection request with \"schema\"), got " + show(root));
    }
    JsonObject schema = root.getAsJsonObject();
    JsonElement inner = member(schema, "schema");
    if (inner != null) {
      if (!inner.isJsonObject()) {
        throw error("\"schema\" must be an object, got " + show(inner));
      }
      schema = inner.getAsJsonObject();
    }
    return schemaFrom(schema);
  }

  private static JsonElement parse(String json) {
    JsonReader reader = new JsonReader(new StringReader(json));
    // Gson's own parsing is lenient (unquoted names, single quotes, ...); a schema file should be real JSON.
    reader.setLenient(false);
    JsonElement root;
    boolean trailing;
    try {
      root = COMPACT.getAdapter(JsonElement.class).read(reader);
      trailing = reader.peek() != JsonToken.END_DOCUMENT;
    } catch (IOException | RuntimeException e) {
      String m = e.getMessage() == null ? e.getClass().getSimpleName() : firstLine(e.getMessage());
      // Gson's advice to the programmer means nothing to whoever wrote the file.
      throw error("not valid JSON: " + m.replace("Use JsonReader.setLenient(true) to accept malformed JSON", "malformed JSON"));
    }
    if (trailing) {
      throw error("not valid JSON: more content after the top-level value");
    }
    return root;
  }

  private static CollectionSchema schemaFrom(JsonObject o) {
    boolean autoId = bool(o, "autoId", "autoId");
    CollectionSchema.Builder b = CollectionSchema.newBuilder()
        .setEnableDynamicField(bool(o, "enableDynamicField", "enableDynamicField"));
    String description = string(o, "description", "description");
    if (description != null) {
      b.setDescription(description);
    }
    JsonElement fields = member(o, "fields");
    if (fields == null || !fields.isJsonArray() || fields.getAsJsonArray().size() == 0) {
      throw error("\"fields\" must be a non-empty array");
    }
    JsonArray arr = fields.getAsJsonArray();
    for (int i = 0; i < arr.size(); i++) {
      b.addFields(fieldFrom(arr.get(i), "fields[" + i + "]", autoId));
    }
    return b.build();
  }

  private static FieldSchema fieldFrom(JsonElement e, String at, boolean schemaAutoId) {
    if (!e.isJsonObject()) {
      throw error(at + ": expected an object, got " + show(e));
    }
    JsonObject o = e.getAsJsonObject();
    String name = string(o, "fieldName", at + ".fieldName");
    if (name == null) {
      throw error(at + ": fieldName is missing");
    }
    String typeName = string(o, "dataType", at + ".dataType");
    if (typeName == null) {
      throw error(at + ": dataType is missing");
    }
    DataType type = dataType(typeName, at + ".dataType");
    boolean primary = bool(o, "isPrimary", at + ".isPrimary");
    FieldSchema.Builder f = FieldSchema.newBuilder()
        .setName(name)
        .setDataType(type)
        .setIsPrimary(primary)
        .setIsPartitionKey(bool(o, "isPartitionKey", at + ".isPartitionKey"))
        .setNullable(bool(o, "nullable", at + ".nullable"))
        .setAutoId(member(o, "autoId") != null ? bool(o, "autoId", at + ".autoId") : primary && schemaAutoId);
    String description = string(o, "description", at + ".description");
    if (description != null) {
      f.setDescription(description);
    }
    String elementType = string(o, "elementDataType", at + ".elementDataType");
    if (elementType != null) {
      f.setElementType(dataType(elementType, at + ".elementDataType"));
    }
    JsonElement params = member(o, "elementTypeParams");
    if (params != null) {
      if (!params.isJsonObject()) {
        throw error(at + ".elementTypeParams: expected an object, got " + show(params));
      }
      JsonObject p = params.getAsJsonObject();
      String pat = at + ".elementTypeParams.";
      if (member(p, "dim") != null) {
        f.setDim(int32(p.get("dim"), pat + "dim"));
      }
      if (member(p, "max_length") != null) {
        f.setMaxLength(int32(p.get("max_length"), pat + "max_length"));
      }
      if (member(p, "max_capacity") != null) {
        f.setMaxCapacity(int32(p.get("max_capacity"), pat + "max_capacity"));
      }
    }
    JsonElement dv = member(o, "defaultValue");
    if (dv != null) {
      f.setDefaultValue(defaultValue(dv, type, at + ".defaultValue"));
    }
    return f.build();
  }

  private static DataType dataType(String name, String at) {
    DataType t = TYPES_BY_LOWER_NAME.get(name.toLowerCase(Locale.ROOT));
    if (t == null) {
      throw error(at + ": unknown data type " + quote(name) + " (expected one of " + TYPE_NAMES + ")");
    }
    return t;
  }

  /** The default value's case follows the field's type, so a JSON number can become any numeric case. */
  private static DefaultValue defaultValue(JsonElement v, DataType type, String at) {
    if (!v.isJsonPrimitive()) {
      throw error(at + ": expected a JSON primitive, got " + show(v));
    }
    JsonPrimitive p = v.getAsJsonPrimitive();
    DefaultValue.Builder d = DefaultValue.newBuilder();
    switch (type) {
      case BOOL -> {
        if (!p.isBoolean()) {
          throw error(at + ": expected true or false for a Bool field, got " + show(p));
        }
        d.setBoolValue(p.getAsBoolean());
      }
      case INT8, INT16, INT32, INT64 -> d.setLongValue(integer(p, at, Long.MIN_VALUE, Long.MAX_VALUE, true));
      case FLOAT -> {
        float x = number(p, at).floatValue();
        if (Float.isInfinite(x)) {
          throw error(at + ": " + show(p) + " is out of range for a Float field");
        }
        d.setFloatValue(x);
      }
      case DOUBLE -> {
        double x = number(p, at).doubleValue();
        if (Double.isInfinite(x)) {
          throw error(at + ": " + show(p) + " is out of range for a Double field");
        }
        d.setDoubleValue(x);
      }
      case VARCHAR -> {
        if (!p.isString()) {
          throw error(at + ": expected a string for a VarChar field, got " + show(p));
        }
        d.setStringValue(p.getAsString());
      }
      default -> throw error(at + ": a " + dataTypeName(type) + " field cannot have a default value");
    }
    return d.build();
  }

  private static BigDecimal number(JsonPrimitive p, String at) {
    if (!p.isNumber()) {
      throw error(at + ": expected a number, got " + show(p));
    }
    return new BigDecimal(p.getAsString());
  }

  private static int int32(JsonElement v, String at) {
    if (!v.isJsonPrimitive() || v.getAsJsonPrimitive().isBoolean()) {
      throw error(at + ": " + show(v) + " is not an integer");
    }
    return (int) integer(v.getAsJsonPrimitive(), at, Integer.MIN_VALUE, Integer.MAX_VALUE, false);
  }

  /**
   * A JSON number with an integral value, or (unless numbersOnly) a string holding one, since
   * Milvus's RESTful API writes type params such as {@code "dim": "128"} as strings.
   */
  private static long integer(JsonPrimitive p, String at, long min, long max, boolean numbersOnly) {
    if (p.isBoolean() || (numbersOnly && !p.isNumber())) {
      throw error(at + ": " + show(p) + " is not an integer");
    }
    BigDecimal x;
    try {
      x = new BigDecimal(p.getAsString());
    } catch (NumberFormatException e) {
      throw error(at + ": " + show(p) + " is not an integer");
    }
    if (x.signum() != 0 && x.stripTrailingZeros().scale() > 0) {
      throw error(at + ": " + show(p) + " is not an integer");
    }
    if (x.compareTo(BigDecimal.valueOf(min)) < 0 || x.compareTo(BigDecimal.valueOf(max)) > 0) {
      throw error(at + ": " + show(p) + " is out of range " + min + ".." + max);
    }
    return x.longValueExact();
  }

  // ---- JSON member access (null members count as absent) ----

  private static JsonElement member(JsonObject o, String name) {
    JsonElement e = o.get(name);
    return e == null || e.isJsonNull() ? null : e;
  }

  private static boolean bool(JsonObject o, String name, String at) {
    JsonElement e = member(o, name);
    if (e == null) {
      return false;
    }
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
      throw error(at + ": expected true or false, got " + show(e));
    }
    return e.getAsBoolean();
  }

  private static String string(JsonObject o, String name, String at) {
    JsonElement e = member(o, name);
    if (e == null) {
      return null;
    }
    if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
      throw error(at + ": expected a string, got " + show(e));
    }
    return e.getAsString();
  }

  // ---- messages ----

  private static IllegalArgumentException error(String detail) {
    return new IllegalArgumentException(PREFIX + detail);
  }

  /** A short one-line rendering of a value for an error message. */
  private static String show(JsonElement e) {
    if (e.isJsonObject()) {
      return "an object";
    }
    if (e.isJsonArray()) {
      return "an array";
    }
    if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
      return quote(e.getAsString());
    }
    return e.toString();
  }

  /** JSON-quoted (so newlines stay escaped and the message stays one line), cut to a readable length. */
  private static String quote(String s) {
    String cut = s.length() > 60 ? s.substring(0, 60) + "..." : s;
    return COMPACT.toJson(cut);
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return (nl < 0 ? s : s.substring(0, nl)).strip();
  }

  // ---- proto -> JSON ----

  /** {@link #toJsonObject} pretty-printed. */
  public static String toJson(CollectionDescription d) {
    return PRETTY.toJson(toJsonObject(d));
  }

  /** The describe-collection view, with the schema in {@link #fromJson}'s input shape. */
  public static JsonObject toJsonObject(CollectionDescription d) {
    CollectionInfo c = Objects.requireNonNull(d, "d").getCollection();
    JsonObject o = new JsonObject();
    o.addProperty("collectionName", c.getName());
    o.addProperty("dbName", c.getDbName());
    o.addProperty("collectionID", c.getId());
    o.addProperty("description", c.getSchema().getDescription());
    o.addProperty("shardsNum", c.getShardsNum());
    o.addProperty("consistencyLevel", consistencyName(c.getConsistencyLevel()));
    o.addProperty("partitionsNum", c.getPartitionsCount());
    JsonArray partitions = new JsonArray();
    for (PartitionInfo p : c.getPartitionsList()) {
      JsonObject po = new JsonObject();
      po.addProperty("partitionName", p.getName());
      po.addProperty("partitionID", p.getId());
      po.addProperty("createdTimestamp", p.getCreatedTimestamp());
      partitions.add(po);
    }
    o.add("partitions", partitions);
    o.add("aliases", strings(d.getAliasesList()));
    o.add("virtualChannels", strings(c.getVirtualChannelsList()));
    JsonArray properties = new JsonArray();
    for (KeyValue kv : c.getPropertiesList()) {
      JsonObject ko = new JsonObject();
      ko.addProperty("key", kv.getKey());
      ko.addProperty("value", kv.getValue());
      properties.add(ko);
    }
    o.add("properties", properties);
    o.addProperty("createdTimestamp", c.getCreatedTimestamp());
    o.add("schema", schemaJson(c.getSchema()));
    return o;
  }

  private static JsonArray strings(Iterable<String> values) {
    JsonArray a = new JsonArray();
    values.forEach(a::add);
    return a;
  }

  private static JsonObject schemaJson(CollectionSchema s) {
    JsonObject o = new JsonObject();
    // Milvus's RESTful schema has one autoId, for the primary key.
    boolean autoId = s.getFieldsList().stream().filter(FieldSchema::getIsPrimary).findFirst()
        .map(FieldSchema::getAutoId).orElse(false);
    o.addProperty("autoId", autoId);
    o.addProperty("enableDynamicField", s.getEnableDynamicField());
    o.addProperty("description", s.getDescription());
    JsonArray fields = new JsonArray();
    s.getFieldsList().forEach(f -> fields.add(fieldJson(f)));
    o.add("fields", fields);
    return o;
  }

  private static JsonObject fieldJson(FieldSchema f) {
    JsonObject o = new JsonObject();
    o.addProperty("fieldName", f.getName());
    o.addProperty("fieldID", f.getFieldId());
    o.addProperty("dataType", dataTypeName(f.getDataType()));
    if (f.getIsPrimary()) {
      o.addProperty("isPrimary", true);
    }
    // Written on every primary field (and on any other that has it) so a round trip keeps it exactly.
    if (f.getIsPrimary() || f.getAutoId()) {
      o.addProperty("autoId", f.getAutoId());
    }
    if (f.getIsPartitionKey()) {
      o.addProperty("isPartitionKey", true);
    }
    if (f.getNullable()) {
      o.addProperty("nullable", true);
    }
    if (f.hasDefaultValue()) {
      DefaultValue d = f.getDefaultValue();
      switch (d.getValueCase()) {
        case BOOL_VALUE -> o.addProperty("defaultValue", d.getBoolValue());
        case LONG_VALUE -> o.addProperty("defaultValue", d.getLongValue());
        case FLOAT_VALUE -> o.addProperty("defaultValue", d.getFloatValue());
        case DOUBLE_VALUE -> o.addProperty("defaultValue", d.getDoubleValue());
        case STRING_VALUE -> o.addProperty("defaultValue", d.getStringValue());
        case VALUE_NOT_SET -> { }
      }
    }
    if (f.getElementType() != DataType.DATA_TYPE_NONE) {
      o.addProperty("elementDataType", dataTypeName(f.getElementType()));
    }
    JsonObject params = new JsonObject();
    if (f.getDim() != 0) {
      params.addProperty("dim", f.getDim());
    }
    if (f.getMaxLength() != 0) {
      params.addProperty("max_length", f.getMaxLength());
    }
    if (f.getMaxCapacity() != 0) {
      params.addProperty("max_capacity", f.getMaxCapacity());
    }
    if (params.size() > 0) {
      o.add("elementTypeParams", params);
    }
    if (!f.getDescription().isEmpty()) {
      o.addProperty("description", f.getDescription());
    }
    return o;
  }
}
