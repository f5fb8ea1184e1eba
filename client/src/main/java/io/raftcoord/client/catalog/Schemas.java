package io.raftcoord.client.catalog;

import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.DataType;
import io.raftcoord.proto.DefaultValue;
import io.raftcoord.proto.FieldSchema;
import java.util.Objects;

/**
 * Typed builders of {@link CollectionSchema} for Java callers, e.g.
 *
 * <pre>{@code
 * CollectionSchema s = Schemas.schema()
 *     .field(Schemas.int64("id").primary().autoId())
 *     .field(Schemas.varChar("title", 512).nullable().defaultValue("untitled"))
 *     .field(Schemas.floatVector("embedding", 768))
 *     .enableDynamicField(true).description("docs").build();
 * }</pre>
 *
 * <p>Invariants: builders only assemble the proto. They reject nulls and nothing else — the server
 * validates the schema (one primary key, dim &gt; 0, default value matching the type, ...) — and
 * never set field IDs, which the server assigns. Fields keep the order in which they are added.
 */
public final class Schemas {
  private Schemas() {}

  public static SchemaBuilder schema() {
    return new SchemaBuilder();
  }

  /** A field of any type; the typed factories below are usually clearer. */
  public static FieldBuilder field(String name, DataType type) {
    return new FieldBuilder(name, type);
  }

  public static FieldBuilder bool(String name) {
    return field(name, DataType.BOOL);
  }

  public static FieldBuilder int8(String name) {
    return field(name, DataType.INT8);
  }

  public static FieldBuilder int16(String name) {
    return field(name, DataType.INT16);
  }

  public static FieldBuilder int32(String name) {
    return field(name, DataType.INT32);
  }

  public static FieldBuilder int64(String name) {
    return field(name, DataType.INT64);
  }

  /** A {@link DataType#FLOAT} (32-bit) field. */
  public static FieldBuilder floatField(String name) {
    return field(name, DataType.FLOAT);
  }

  public static FieldBuilder doubleField(String name) {
    return field(name, DataType.DOUBLE);
  }

  public static FieldBuilder varChar(String name, int maxLength) {
    return field(name, DataType.VARCHAR).maxLength(maxLength);
  }

  public static FieldBuilder json(String name) {
    return field(name, DataType.JSON);
  }

  /** An array of {@code elementType}; add {@link FieldBuilder#maxLength} for VarChar elements. */
  public static FieldBuilder array(String name, DataType elementType, int maxCapacity) {
    FieldBuilder f = field(name, DataType.ARRAY);
    f.b.setElementType(Objects.requireNonNull(elementType, "elementType")).setMaxCapacity(maxCapacity);
    return f;
  }

  public static FieldBuilder floatVector(String name, int dim) {
    return vector(name, DataType.FLOAT_VECTOR, dim);
  }

  /** {@code dim} is in bits, as in Milvus. */
  public static FieldBuilder binaryVector(String name, int dim) {
    return vector(name, DataType.BINARY_VECTOR, dim);
  }

  public static FieldBuilder float16Vector(String name, int dim) {
    return vector(name, DataType.FLOAT16_VECTOR, dim);
  }

  public static FieldBuilder bfloat16Vector(String name, int dim) {
    return vector(name, DataType.BFLOAT16_VECTOR, dim);
  }

  /** Sparse vectors have no fixed dimension. */
  public static FieldBuilder sparseFloatVector(String name) {
    return field(name, DataType.SPARSE_FLOAT_VECTOR);
  }

  private static FieldBuilder vector(String name, DataType type, int dim) {
    FieldBuilder f = field(name, type);
    f.b.setDim(dim);
    return f;
  }

  /** Collects fields in order; {@link #build} may be called more than once. */
  public static final class SchemaBuilder {
    private final CollectionSchema.Builder b = CollectionSchema.newBuilder();

    private SchemaBuilder() {}

    public SchemaBuilder field(FieldBuilder f) {
      return field(Objects.requireNonNull(f, "field").build());
    }

    public SchemaBuilder field(FieldSchema f) {
      b.addFields(Objects.requireNonNull(f, "field"));
      return this;
    }

    public SchemaBuilder enableDynamicField(boolean enable) {
      b.setEnableDynamicField(enable);
      return this;
    }

    public SchemaBuilder description(String description) {
      b.setDescription(Objects.requireNonNull(description, "description"));
      return this;
    }

    public CollectionSchema build() {
      return b.build();
    }
  }

  /** One field; modifiers return this builder so they chain. */
  public static final class FieldBuilder {
    private final FieldSchema.Builder b = FieldSchema.newBuilder();

    private FieldBuilder(String name, DataType type) {
      b.setName(Objects.requireNonNull(name, "name")).setDataType(Objects.requireNonNull(type, "type"));
    }

    public FieldBuilder primary() {
      b.setIsPrimary(true);
      return this;
    }

    public FieldBuilder autoId() {
      b.setAutoId(true);
      return this;
    }

    public FieldBuilder nullable() {
      b.setNullable(true);
      return this;
    }

    public FieldBuilder partitionKey() {
      b.setIsPartitionKey(true);
      return this;
    }

    public FieldBuilder description(String description) {
      b.setDescription(Objects.requireNonNull(description, "description"));
      return this;
    }

    /** Most characters of a VarChar field, or of each VarChar element of an Array field. */
    public FieldBuilder maxLength(int maxLength) {
      b.setMaxLength(maxLength);
      return this;
    }

    public FieldBuilder defaultValue(boolean value) {
      return defaultValue(DefaultValue.newBuilder().setBoolValue(value));
    }

    /** For Int8, Int16, Int32 and Int64 fields. */
    public FieldBuilder defaultValue(long value) {
      return defaultValue(DefaultValue.newBuilder().setLongValue(value));
    }

    /** For Float fields ({@code 1.5f}; a plain {@code 1.5} selects the Double overload). */
    public FieldBuilder defaultValue(float value) {
      return defaultValue(DefaultValue.newBuilder().setFloatValue(value));
    }

    public FieldBuilder defaultValue(double value) {
      return defaultValue(DefaultValue.newBuilder().setDoubleValue(value));
    }

    public FieldBuilder defaultValue(String value) {
      return defaultValue(DefaultValue.newBuilder().setStringValue(Objects.requireNonNull(value, "value")));
    }

    private FieldBuilder defaultValue(DefaultValue.Builder d) {
      b.setDefaultValue(d);
      return this;
    }

    public FieldSchema build() {
      return b.build();
    }
  }
}
