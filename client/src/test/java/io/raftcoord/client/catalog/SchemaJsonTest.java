package io.raftcoord.client.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.raftcoord.proto.CollectionDescription;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.ConsistencyLevel;
import io.raftcoord.proto.DataType;
import io.raftcoord.proto.DefaultValue;
import io.raftcoord.proto.FieldSchema;
import io.raftcoord.proto.KeyValue;
import io.raftcoord.proto.PartitionInfo;
import org.junit.jupiter.api.Test;

class SchemaJsonTest {
  /** Shaped like the schema of a Milvus RESTful v2 create-collection request. */
  private static final String RESTFUL_SCHEMA = """
      {
        "autoId": true,
        "enableDynamicField": true,
        "description": "articles",
        "fields": [
          {"fieldName": "id", "dataType": "Int64", "isPrimary": true},
          {"fieldName": "tenant", "dataType": "VarChar", "isPartitionKey": true,
           "elementTypeParams": {"max_length": 64}},
          {"fieldName": "title", "dataType": "VarChar", "nullable": true, "defaultValue": "untitled",
           "elementTypeParams": {"max_length": "512", "enable_match": true}, "description": "headline"},
          {"fieldName": "embedding", "dataType": "FloatVector", "elementTypeParams": {"dim": "768"}},
          {"fieldName": "thumb", "dataType": "BinaryVector", "elementTypeParams": {"dim": 256}},
          {"fieldName": "tags", "dataType": "Array", "elementDataType": "VarChar",
           "elementTypeParams": {"max_capacity": "16", "max_length": 32}},
          {"fieldName": "score", "dataType": "Float", "nullable": true, "defaultValue": 0.5},
          {"fieldName": "rank", "dataType": "Double", "defaultValue": 2},
          {"fieldName": "views", "dataType": "Int32", "defaultValue": -7},
          {"fieldName": "live", "dataType": "Bool", "defaultValue": false},
          {"fieldName": "meta", "dataType": "JSON", "isClusteringKey": false},
          {"fieldName": "sparse", "dataType": "SparseFloatVector"}
        ]
      }
      """;

  @Test
  void parsesARealisticRestfulSchema() {
    CollectionSchema s = SchemaJson.fromJson(RESTFUL_SCHEMA);
    assertTrue(s.getEnableDynamicField());
    assertEquals("articles", s.getDescription());
    assertEquals(12, s.getFieldsCount());

    FieldSchema id = s.getFields(0);
    assertEquals(FieldSchema.newBuilder().setName("id").setDataType(DataType.INT64).setIsPrimary(true)
        .setAutoId(true).build(), id);

    FieldSchema tenant = s.getFields(1);
    assertTrue(tenant.getIsPartitionKey());
    assertFalse(tenant.getAutoId(), "top-level autoId is for the primary key only");
    assertEquals(64, tenant.getMaxLength());

    assertEquals(FieldSchema.newBuilder().setName("title").setDataType(DataType.VARCHAR).setNullable(true)
        .setDefaultValue(DefaultValue.newBuilder().setStringValue("untitled")).setMaxLength(512)
        .setDescription("headline").build(), s.getFields(2));
    assertEquals(768, s.getFields(3).getDim());
    assertEquals(DataType.FLOAT_VECTOR, s.getFields(3).getDataType());
    assertEquals(256, s.getFields(4).getDim());

    FieldSchema tags = s.getFields(5);
    assertEquals(DataType.ARRAY, tags.getDataType());
    assertEquals(DataType.VARCHAR, tags.getElementType());
    assertEquals(16, tags.getMaxCapacity());
    assertEquals(32, tags.getMaxLength());

    assertEquals(DefaultValue.newBuilder().setFloatValue(0.5f).build(), s.getFields(6).getDefaultValue());
    assertEquals(DefaultValue.newBuilder().setDoubleValue(2.0).build(), s.getFields(7).getDefaultValue());
    assertEquals(DefaultValue.newBuilder().setLongValue(-7).build(), s.getFields(8).getDefaultValue());
    assertEquals(DefaultValue.newBuilder().setBoolValue(false).build(), s.getFields(9).getDefaultValue());
    assertTrue(s.getFields(9).hasDefaultValue(), "a false default is still a default");
    assertEquals(DataType.JSON, s.getFields(10).getDataType());
    assertFalse(s.getFields(10).hasDefaultValue());
    assertEquals(DataType.SPARSE_FLOAT_VECTOR, s.getFields(11).getDataType());
    s.getFieldsList().forEach(f -> assertEquals(0, f.getFieldId(), "the server assigns field IDs"));
  }

  @Test
  void acceptsAWholeCreateCollectionRequest() {
    String body = """
        {"dbName": "default", "collectionName": "articles",
         "params": {"shardsNum": 2, "consistencyLevel": "Strong"},
         "indexParams": [{"fieldName": "embedding", "metricType": "COSINE"}],
         "schema": %s}
        """.formatted(RESTFUL_SCHEMA);
    assertEquals(SchemaJson.fromJson(RESTFUL_SCHEMA), SchemaJson.fromJson(body));
  }

  @Test
  void dataTypeNamesAreCaseInsensitive() {
    CollectionSchema s = SchemaJson.fromJson("""
        {"fields": [{"fieldName": "a", "dataType": "int64", "isPrimary": true},
                    {"fieldName": "b", "dataType": "FLOATVECTOR", "elementTypeParams": {"dim": 4}},
                    {"fieldName": "c", "dataType": "varchar", "elementTypeParams": {"max_length": 8}},
                    {"fieldName": "d", "dataType": "bfloat16vector", "elementTypeParams": {"dim": 4}},
                    {"fieldName": "e", "dataType": "aRRAY", "elementDataType": "iNT16",
                     "elementTypeParams": {"max_capacity": 2}},
                    {"fieldName": "f", "dataType": "json"}]}
        """);
    assertEquals(DataType.INT64, s.getFields(0).getDataType());
    assertEquals(DataType.FLOAT_VECTOR, s.getFields(1).getDataType());
    assertEquals(DataType.VARCHAR, s.getFields(2).getDataType());
    assertEquals(DataType.BFLOAT16_VECTOR, s.getFields(3).getDataType());
    assertEquals(DataType.INT16, s.getFields(4).getElementType());
    assertEquals(DataType.JSON, s.getFields(5).getDataType());
  }

  @Test
  void perFieldAutoIdOverridesTheTopLevelOne() {
    CollectionSchema s = SchemaJson.fromJson("""
        {"autoId": true, "fields": [{"fieldName": "id", "dataType": "Int64", "isPrimary": true, "autoId": false},
                                    {"fieldName": "v", "dataType": "FloatVector", "elementTypeParams": {"dim": 2}}]}
        """);
    assertFalse(s.getFields(0).getAutoId());
    CollectionSchema t = SchemaJson.fromJson("""
        {"fields": [{"fieldName": "id", "dataType": "VarChar", "isPrimary": true, "autoId": true}]}
        """);
    assertTrue(t.getFields(0).getAutoId());
  }

  @Test
  void nullMembersCountAsAbsent() {
    CollectionSchema s = SchemaJson.fromJson("""
        {"autoId": null, "description": null,
         "fields": [{"fieldName": "id", "dataType": "Int64", "isPrimary": true, "defaultValue": null,
                     "elementTypeParams": null, "description": null}]}
        """);
    assertEquals(CollectionSchema.newBuilder().addFields(FieldSchema.newBuilder().setName("id")
        .setDataType(DataType.INT64).setIsPrimary(true)).build(), s);
  }

  @Test
  void everyDataTypeHasAMilvusNameThatParsesBack() {
    for (DataType t : DataType.values()) {
      if (t == DataType.DATA_TYPE_NONE || t == DataType.UNRECOGNIZED) {
        continue;
      }
      String json = "{\"fields\":[{\"fieldName\":\"f\",\"dataType\":\"" + SchemaJson.dataTypeName(t) + "\"}]}";
      assertEquals(t, SchemaJson.fromJson(json).getFields(0).getDataType(), json);
    }
    assertEquals("Float16Vector", SchemaJson.dataTypeName(DataType.FLOAT16_VECTOR));
    assertEquals("VarChar", SchemaJson.dataTypeName(DataType.VARCHAR));
    assertEquals("JSON", SchemaJson.dataTypeName(DataType.JSON));
    assertEquals("None", SchemaJson.dataTypeName(DataType.DATA_TYPE_NONE));
  }

  @Test
  void consistencyLevelsUseMilvusNames() {
    assertEquals("Strong", SchemaJson.consistencyName(ConsistencyLevel.STRONG));
    assertEquals("Session", SchemaJson.consistencyName(ConsistencyLevel.SESSION));
    assertEquals("Bounded", SchemaJson.consistencyName(ConsistencyLevel.BOUNDED));
    assertEquals("Eventually", SchemaJson.consistencyName(ConsistencyLevel.EVENTUALLY));
    assertEquals("Bounded", SchemaJson.consistencyName(ConsistencyLevel.CONSISTENCY_DEFAULT));
  }

  // ---- describe output ----

  private static CollectionDescription description(CollectionSchema schema) {
    CollectionSchema.Builder withIds = schema.toBuilder();
    for (int i = 0; i < withIds.getFieldsCount(); i++) {
      withIds.setFields(i, withIds.getFields(i).toBuilder().setFieldId(100 + i));
    }
    return CollectionDescription.newBuilder()
        .setCollection(CollectionInfo.newBuilder().setId(449_000_000_000_000_123L).setDbId(1).setDbName("default")
            .setName("articles").setSchema(withIds).setShardsNum(2)
            .addVirtualChannels("rc-dml_0_449000000000000123v0").addVirtualChannels("rc-dml_1_449000000000000123v1")
            .addPhysicalChannels("rc-dml_0").addPhysicalChannels("rc-dml_1")
            .setConsistencyLevel(ConsistencyLevel.SESSION)
            .addProperties(KeyValue.newBuilder().setKey("collection.ttl.seconds").setValue("3600"))
            .setCreatedTimestamp(455_000_000_000_000_001L)
            .addPartitions(PartitionInfo.newBuilder().setId(449_000_000_000_000_124L).setName("_default")
                .setCreatedTimestamp(455_000_000_000_000_001L))
            .addPartitions(PartitionInfo.newBuilder().setId(449_000_000_000_000_125L).setName("p2024")
                .setCreatedTimestamp(455_000_000_000_000_099L)))
        .addAliases("news").addAliases("posts")
        .build();
  }

  @Test
  void roundTripKeepsTheSchemaApartFromFieldIds() {
    CollectionSchema s = SchemaJson.fromJson(RESTFUL_SCHEMA);
    CollectionDescription d = description(s);
    assertEquals(s, SchemaJson.fromJson(SchemaJson.toJson(d)));
  }

  @Test
  void roundTripOfBuilderSchemasWithUnusualButValidFlags() {
    CollectionSchema s = Schemas.schema()
        .field(Schemas.varChar("pk", 36).primary().description("uuid \"v4\"\nline two"))
        .field(Schemas.floatField("f").nullable().defaultValue(0.1f))
        .field(Schemas.doubleField("d").defaultValue(1e-300))
        .field(Schemas.int64("big").defaultValue(Long.MIN_VALUE))
        .field(Schemas.array("xs", DataType.INT64, 4))
        .field(Schemas.float16Vector("v", 8))
        .build();
    assertEquals(s, SchemaJson.fromJson(SchemaJson.toJson(description(s))));
  }

  @Test
  void describeOutputHasTheRestfulShape() {
    JsonObject o = SchemaJson.toJsonObject(description(SchemaJson.fromJson(RESTFUL_SCHEMA)));
    assertEquals("articles", o.get("collectionName").getAsString());
    assertEquals("default", o.get("dbName").getAsString());
    assertEquals(449_000_000_000_000_123L, o.get("collectionID").getAsLong());
    assertEquals("articles", o.get("description").getAsString());
    assertEquals(2, o.get("shardsNum").getAsInt());
    assertEquals("Session", o.get("consistencyLevel").getAsString());
    assertEquals(2, o.get("partitionsNum").getAsInt());
    assertEquals("{\"partitionName\":\"p2024\",\"partitionID\":449000000000000125,\"createdTimestamp\":455000000000000099}",
        o.getAsJsonArray("partitions").get(1).toString());
    assertEquals("[\"news\",\"posts\"]", o.get("aliases").toString());
    assertEquals("[\"rc-dml_0_449000000000000123v0\",\"rc-dml_1_449000000000000123v1\"]",
        o.get("virtualChannels").toString());
    assertEquals("[{\"key\":\"collection.ttl.seconds\",\"value\":\"3600\"}]", o.get("properties").toString());
    assertEquals(455_000_000_000_000_001L, o.get("createdTimestamp").getAsLong());

    JsonObject schema = o.getAsJsonObject("schema");
    assertTrue(schema.get("autoId").getAsBoolean());
    assertTrue(schema.get("enableDynamicField").getAsBoolean());
    assertEquals("articles", schema.get("description").getAsString());
    var fields = schema.getAsJsonArray("fields");
    assertEquals("{\"fieldName\":\"id\",\"fieldID\":100,\"dataType\":\"Int64\",\"isPrimary\":true,\"autoId\":true}",
        fields.get(0).toString());
    assertEquals("{\"fieldName\":\"title\",\"fieldID\":102,\"dataType\":\"VarChar\",\"nullable\":true,"
        + "\"defaultValue\":\"untitled\",\"elementTypeParams\":{\"max_length\":512},\"description\":\"headline\"}",
        fields.get(2).toString());
    assertEquals("{\"fieldName\":\"embedding\",\"fieldID\":103,\"dataType\":\"FloatVector\","
        + "\"elementTypeParams\":{\"dim\":768}}", fields.get(3).toString());
    assertEquals("{\"fieldName\":\"tags\",\"fieldID\":105,\"dataType\":\"Array\",\"elementDataType\":\"VarChar\","
        + "\"elementTypeParams\":{\"max_length\":32,\"max_capacity\":16}}", fields.get(5).toString());
    assertEquals("{\"fieldName\":\"score\",\"fieldID\":106,\"dataType\":\"Float\",\"nullable\":true,"
        + "\"defaultValue\":0.5}", fields.get(6).toString());
    assertEquals("{\"fieldName\":\"live\",\"fieldID\":109,\"dataType\":\"Bool\",\"defaultValue\":false}",
        fields.get(9).toString());
    assertEquals("{\"fieldName\":\"tenant\",\"fieldID\":101,\"dataType\":\"VarChar\",\"isPartitionKey\":true,"
        + "\"elementTypeParams\":{\"max_length\":64}}", fields.get(1).toString());
  }

  @Test
  void toJsonIsPrettyPrintedAndDoesNotEscapeHtml() {
    CollectionSchema s = Schemas.schema().field(Schemas.int64("id").primary()).description("a<b & 'c'").build();
    String text = SchemaJson.toJson(description(s));
    assertTrue(text.startsWith("{\n  \"collectionName\": \"articles\",\n"), text);
    assertTrue(text.contains("\"description\": \"a<b & 'c'\""), text);
    assertTrue(text.contains("\"autoId\": false"), "the primary always says whether it is auto: " + text);
  }

  // ---- errors ----

  private static String error(String json) {
    String m = assertThrows(IllegalArgumentException.class, () -> SchemaJson.fromJson(json)).getMessage();
    assertFalse(m.contains("\n"), "one line: " + m);
    assertTrue(m.startsWith("schema JSON: "), m);
    return m;
  }

  private static String field(String members) {
    return "{\"fields\":[{\"fieldName\":\"id\",\"dataType\":\"Int64\",\"isPrimary\":true}," + members + "]}";
  }

  @Test
  void unknownDataTypeListsTheValidNames() {
    String m = error("""
        {"fields": [{"fieldName": "id", "dataType": "Int64"}, {"fieldName": "t", "dataType": "Text"},
                    {"fieldName": "v", "dataType": "FloatVec"}]}
        """);
    assertEquals("schema JSON: fields[1].dataType: unknown data type \"Text\" (expected one of Bool, Int8, Int16, "
        + "Int32, Int64, Float, Double, VarChar, JSON, Array, FloatVector, BinaryVector, Float16Vector, "
        + "BFloat16Vector, SparseFloatVector)", m);
    assertTrue(error(field("{\"fieldName\":\"v\",\"dataType\":\"FloatVec\"}"))
        .startsWith("schema JSON: fields[1].dataType: unknown data type \"FloatVec\" (expected one of Bool,"));
    assertTrue(error(field("{\"fieldName\":\"a\",\"dataType\":\"Array\",\"elementDataType\":\"Str\"}"))
        .startsWith("schema JSON: fields[1].elementDataType: unknown data type \"Str\" (expected one of"));
  }

  @Test
  void missingNameOrType() {
    assertEquals("schema JSON: fields[0]: fieldName is missing", error("{\"fields\":[{\"dataType\":\"Int64\"}]}"));
    assertEquals("schema JSON: fields[1]: dataType is missing", error(field("{\"fieldName\":\"v\"}")));
    assertEquals("schema JSON: fields[1]: expected an object, got \"v\"", error(field("\"v\"")));
  }

  @Test
  void badTypeParams() {
    assertEquals("schema JSON: fields[1].elementTypeParams.dim: \"abc\" is not an integer",
        error(field("{\"fieldName\":\"v\",\"dataType\":\"FloatVector\",\"elementTypeParams\":{\"dim\":\"abc\"}}")));
    assertEquals("schema JSON: fields[1].elementTypeParams.dim: 1.5 is not an integer",
        error(field("{\"fieldName\":\"v\",\"dataType\":\"FloatVector\",\"elementTypeParams\":{\"dim\":1.5}}")));
    assertEquals("schema JSON: fields[1].elementTypeParams.max_length: true is not an integer",
        error(field("{\"fieldName\":\"s\",\"dataType\":\"VarChar\",\"elementTypeParams\":{\"max_length\":true}}")));
    assertEquals("schema JSON: fields[1].elementTypeParams.max_capacity: \"3000000000\" is out of range "
        + "-2147483648..2147483647", error(field("{\"fieldName\":\"a\",\"dataType\":\"Array\","
        + "\"elementDataType\":\"Int8\",\"elementTypeParams\":{\"max_capacity\":\"3000000000\"}}")));
    assertEquals("schema JSON: fields[1].elementTypeParams: expected an object, got an array",
        error(field("{\"fieldName\":\"v\",\"dataType\":\"FloatVector\",\"elementTypeParams\":[128]}")));
  }

  @Test
  void notValidJson() {
    assertTrue(error("{\"fields\": [").startsWith("schema JSON: not valid JSON: "));
    String m = error("{fields: []}");
    assertTrue(m.startsWith("schema JSON: not valid JSON: malformed JSON at line 1 column 3"), m);
    assertTrue(error("").startsWith("schema JSON: not valid JSON: "));
    assertTrue(error("{\"fields\":[]} {}").startsWith("schema JSON: not valid JSON: "));
    assertEquals("schema JSON: expected a schema object (or a create-collection request with \"schema\"), got an array",
        error("[1, 2]"));
    assertEquals("schema JSON: \"schema\" must be an object, got \"x\"", error("{\"schema\": \"x\"}"));
  }

  @Test
  void fieldsMustBeANonEmptyArray() {
    String expected = "schema JSON: \"fields\" must be a non-empty array";
    assertEquals(expected, error("{\"autoId\": true}"));
    assertEquals(expected, error("{\"fields\": []}"));
    assertEquals(expected, error("{\"fields\": {\"fieldName\": \"id\"}}"));
    assertEquals(expected, error("{\"schema\": {\"fields\": null}}"));
  }

  @Test
  void wrongJsonTypesOfMembers() {
    assertEquals("schema JSON: autoId: expected true or false, got \"true\"",
        error("{\"autoId\": \"true\", \"fields\": []}"));
    assertEquals("schema JSON: enableDynamicField: expected true or false, got 1",
        error("{\"enableDynamicField\": 1, \"fields\": []}"));
    assertEquals("schema JSON: fields[1].isPrimary: expected true or false, got \"yes\"",
        error(field("{\"fieldName\":\"x\",\"dataType\":\"Int8\",\"isPrimary\":\"yes\"}")));
    assertEquals("schema JSON: fields[1].fieldName: expected a string, got 7",
        error(field("{\"fieldName\":7,\"dataType\":\"Int8\"}")));
    assertEquals("schema JSON: fields[1].dataType: expected a string, got an object",
        error(field("{\"fieldName\":\"x\",\"dataType\":{}}")));
  }

  @Test
  void defaultValueMustMatchTheFieldType() {
    assertEquals("schema JSON: fields[1].defaultValue: expected true or false for a Bool field, got \"false\"",
        error(field("{\"fieldName\":\"b\",\"dataType\":\"Bool\",\"defaultValue\":\"false\"}")));
    assertEquals("schema JSON: fields[1].defaultValue: 1.5 is not an integer",
        error(field("{\"fieldName\":\"i\",\"dataType\":\"Int16\",\"defaultValue\":1.5}")));
    assertEquals("schema JSON: fields[1].defaultValue: \"5\" is not an integer",
        error(field("{\"fieldName\":\"i\",\"dataType\":\"Int64\",\"defaultValue\":\"5\"}")));
    assertEquals("schema JSON: fields[1].defaultValue: 9223372036854775808 is out of range "
        + "-9223372036854775808..9223372036854775807",
        error(field("{\"fieldName\":\"i\",\"dataType\":\"Int64\",\"defaultValue\":9223372036854775808}")));
    assertEquals("schema JSON: fields[1].defaultValue: expected a number, got \"0.5\"",
        error(field("{\"fieldName\":\"f\",\"dataType\":\"Float\",\"defaultValue\":\"0.5\"}")));
    assertEquals("schema JSON: fields[1].defaultValue: 1e39 is out of range for a Float field",
        error(field("{\"fieldName\":\"f\",\"dataType\":\"Float\",\"defaultValue\":1e39}")));
    assertEquals("schema JSON: fields[1].defaultValue: expected a string for a VarChar field, got 3",
        error(field("{\"fieldName\":\"s\",\"dataType\":\"VarChar\",\"defaultValue\":3}")));
    assertEquals("schema JSON: fields[1].defaultValue: a FloatVector field cannot have a default value",
        error(field("{\"fieldName\":\"v\",\"dataType\":\"FloatVector\",\"defaultValue\":1}")));
    assertEquals("schema JSON: fields[1].defaultValue: expected a JSON primitive, got an object",
        error(field("{\"fieldName\":\"j\",\"dataType\":\"JSON\",\"defaultValue\":{}}")));
  }

  @Test
  void longOrMultiLineValuesStayOnOneShortLine() {
    String m = error(field("{\"fieldName\":\"t\",\"dataType\":\"line1\\nline2" + "x".repeat(100) + "\"}"));
    assertTrue(m.contains("unknown data type \"line1\\nline2xxx"), m);
    assertTrue(m.contains("...\" (expected one of"), m);
  }
}
