package io.raftcoord.client.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.DataType;
import io.raftcoord.proto.DefaultValue;
import io.raftcoord.proto.FieldSchema;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchemasTest {
  @Test
  void buildsTheDocumentedExample() {
    CollectionSchema s = Schemas.schema()
        .field(Schemas.int64("id").primary().autoId())
        .field(Schemas.varChar("title", 512).nullable().defaultValue("untitled"))
        .field(Schemas.floatVector("embedding", 768))
        .field(Schemas.array("tags", DataType.VARCHAR, 16).maxLength(64))
        .field(Schemas.json("meta"))
        .enableDynamicField(true).description("docs").build();

    CollectionSchema expected = CollectionSchema.newBuilder()
        .addFields(FieldSchema.newBuilder().setName("id").setDataType(DataType.INT64).setIsPrimary(true).setAutoId(true))
        .addFields(FieldSchema.newBuilder().setName("title").setDataType(DataType.VARCHAR).setMaxLength(512)
            .setNullable(true).setDefaultValue(DefaultValue.newBuilder().setStringValue("untitled")))
        .addFields(FieldSchema.newBuilder().setName("embedding").setDataType(DataType.FLOAT_VECTOR).setDim(768))
        .addFields(FieldSchema.newBuilder().setName("tags").setDataType(DataType.ARRAY)
            .setElementType(DataType.VARCHAR).setMaxCapacity(16).setMaxLength(64))
        .addFields(FieldSchema.newBuilder().setName("meta").setDataType(DataType.JSON))
        .setEnableDynamicField(true).setDescription("docs")
        .build();
    assertEquals(expected, s);
  }

  @Test
  void everyFactoryMakesItsDataType() {
    List<FieldSchema> fields = List.of(
        Schemas.bool("a").build(), Schemas.int8("a").build(), Schemas.int16("a").build(),
        Schemas.int32("a").build(), Schemas.int64("a").build(), Schemas.floatField("a").build(),
        Schemas.doubleField("a").build(), Schemas.varChar("a", 1).build(), Schemas.json("a").build(),
        Schemas.array("a", DataType.INT32, 1).build(), Schemas.floatVector("a", 1).build(),
        Schemas.binaryVector("a", 8).build(), Schemas.float16Vector("a", 1).build(),
        Schemas.bfloat16Vector("a", 1).build(), Schemas.sparseFloatVector("a").build(),
        Schemas.field("a", DataType.INT64).build());
    assertEquals(List.of(DataType.BOOL, DataType.INT8, DataType.INT16, DataType.INT32, DataType.INT64,
        DataType.FLOAT, DataType.DOUBLE, DataType.VARCHAR, DataType.JSON, DataType.ARRAY, DataType.FLOAT_VECTOR,
        DataType.BINARY_VECTOR, DataType.FLOAT16_VECTOR, DataType.BFLOAT16_VECTOR, DataType.SPARSE_FLOAT_VECTOR,
        DataType.INT64), fields.stream().map(FieldSchema::getDataType).toList());
    fields.forEach(f -> assertEquals(0, f.getFieldId(), "the server assigns field IDs"));
  }

  @Test
  void sizesGoToTheirOwnProtoFields() {
    assertEquals(8, Schemas.binaryVector("b", 8).build().getDim());
    assertEquals(3, Schemas.bfloat16Vector("b", 3).build().getDim());
    assertEquals(0, Schemas.sparseFloatVector("s").build().getDim());
    FieldSchema a = Schemas.array("a", DataType.INT8, 5).build();
    assertEquals(DataType.INT8, a.getElementType());
    assertEquals(5, a.getMaxCapacity());
    assertEquals(0, a.getMaxLength());
    assertEquals(40, Schemas.varChar("v", 40).build().getMaxLength());
  }

  @Test
  void modifiersSetTheirFlags() {
    FieldSchema f = Schemas.varChar("tenant", 64).partitionKey().description("who").build();
    assertEquals("who", f.getDescription());
    assertEquals(true, f.getIsPartitionKey());
    assertFalse(f.getIsPrimary());
    assertFalse(f.getAutoId());
    assertFalse(f.getNullable());
    assertFalse(f.hasDefaultValue());
  }

  @Test
  void defaultValueOverloadsPickTheMatchingCase() {
    assertEquals(DefaultValue.newBuilder().setBoolValue(true).build(),
        Schemas.bool("b").defaultValue(true).build().getDefaultValue());
    assertEquals(DefaultValue.newBuilder().setLongValue(5).build(),
        Schemas.int32("i").defaultValue(5).build().getDefaultValue());
    assertEquals(DefaultValue.newBuilder().setFloatValue(1.5f).build(),
        Schemas.floatField("f").defaultValue(1.5f).build().getDefaultValue());
    assertEquals(DefaultValue.newBuilder().setDoubleValue(1.5).build(),
        Schemas.doubleField("d").defaultValue(1.5).build().getDefaultValue());
    assertEquals(DefaultValue.newBuilder().setStringValue("").build(),
        Schemas.varChar("s", 8).defaultValue("").build().getDefaultValue());
    // The last one set wins, as with any builder.
    assertEquals(DefaultValue.newBuilder().setLongValue(2).build(),
        Schemas.int64("i").defaultValue(1).defaultValue(2).build().getDefaultValue());
  }

  @Test
  void noValidationBeyondNulls() {
    // The server rejects these; the builder must not second-guess it.
    CollectionSchema s = Schemas.schema()
        .field(Schemas.floatVector("v", -1).primary().defaultValue("x"))
        .field(FieldSchema.newBuilder().setName("raw").setDataType(DataType.BOOL).build())
        .build();
    assertEquals(-1, s.getFields(0).getDim());
    assertEquals("raw", s.getFields(1).getName());

    assertThrows(NullPointerException.class, () -> Schemas.int64(null));
    assertThrows(NullPointerException.class, () -> Schemas.field("x", null));
    assertThrows(NullPointerException.class, () -> Schemas.array("a", null, 1));
    assertThrows(NullPointerException.class, () -> Schemas.varChar("s", 1).defaultValue((String) null));
    assertThrows(NullPointerException.class, () -> Schemas.json("j").description(null));
    assertThrows(NullPointerException.class, () -> Schemas.schema().description(null));
    assertThrows(NullPointerException.class, () -> Schemas.schema().field((Schemas.FieldBuilder) null));
    assertThrows(NullPointerException.class, () -> Schemas.schema().field((FieldSchema) null));
  }
}
