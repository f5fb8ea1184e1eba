package io.raftcoord.statemachine.catalog;

import io.raftcoord.proto.CatalogLimits;
import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.DataType;
import io.raftcoord.proto.DefaultValue;
import io.raftcoord.proto.FieldSchema;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Checks a collection schema the way Milvus's CreateCollection does and assigns field IDs
 * (100, 101, ... in schema order, Milvus's first user field ID). Pure: the same schema and
 * limits give the same answer on every replica.
 */
final class SchemaValidator {
  static final long FIRST_FIELD_ID = 100;
  static final int MAX_DIM = 32_768;
  static final int MAX_VARCHAR_LENGTH = 65_535;
  static final int MAX_ARRAY_CAPACITY = 4_096;

  private SchemaValidator() {}

  /** The schema with field IDs assigned, or the first problem found. */
  static Result validate(String collection, CollectionSchema schema, CatalogLimits limits) {
    String where = "collection \"" + collection + "\": ";
    int n = schema.getFieldsCount();
    if (n == 0) {
      return Result.fail(CatalogError.invalid(where + "the schema has no fields"));
    }
    if (n > limits.getMaxFields()) {
      return Result.fail(CatalogError.quota(where + "the schema has " + n + " fields, over the limit max_fields="
          + limits.getMaxFields()));
    }
    TreeSet<String> names = new TreeSet<>();
    int primaries = 0;
    int partitionKeys = 0;
    int vectors = 0;
    CollectionSchema.Builder out = schema.toBuilder().clearFields();
    for (int i = 0; i < n; i++) {
      FieldSchema f = schema.getFields(i);
      Optional<String> bad = CatalogNames.check("field", f.getName());
      if (bad.isPresent()) {
        return Result.fail(CatalogError.invalid(where + bad.get()));
      }
      if (!names.add(f.getName())) {
        return Result.fail(CatalogError.invalid(where + "duplicate field name \"" + f.getName() + "\""));
      }
      Optional<String> problem = checkField(f);
      if (problem.isPresent()) {
        return Result.fail(CatalogError.invalid(where + "field \"" + f.getName() + "\": " + problem.get()));
      }
      if (f.getIsPrimary()) {
        primaries++;
      }
      if (f.getIsPartitionKey()) {
        partitionKeys++;
      }
      if (isVector(f.getDataType())) {
        vectors++;
      }
      out.addFields(f.toBuilder().setFieldId(FIRST_FIELD_ID + i));
    }
    if (primaries != 1) {
      return Result.fail(CatalogError.invalid(where + "a schema needs exactly one primary key field, got " + primaries));
    }
    if (partitionKeys > 1) {
      return Result.fail(CatalogError.invalid(where + "at most one partition key field is allowed, got " + partitionKeys));
    }
    if (vectors == 0) {
      return Result.fail(CatalogError.invalid(where + "the schema needs at least one vector field"));
    }
    if (vectors > limits.getMaxVectorFields()) {
      return Result.fail(CatalogError.quota(where + "the schema has " + vectors
          + " vector fields, over the limit max_vector_fields=" + limits.getMaxVectorFields()));
    }
    return new Result(out.build(), null);
  }

  private static Optional<String> checkField(FieldSchema f) {
    DataType t = f.getDataType();
    switch (t) {
      case DATA_TYPE_NONE, UNRECOGNIZED -> {
        return Optional.of("data type is missing or unknown");
      }
      default -> { }
    }
    if (f.getIsPrimary()) {
      if (t != DataType.INT64 && t != DataType.VARCHAR) {
        return Optional.of("a primary key must be Int64 or VarChar, got " + name(t));
      }
      if (f.getNullable()) {
        return Optional.of("a primary key cannot be nullable");
      }
      if (f.hasDefaultValue()) {
        return Optional.of("a primary key cannot have a default value");
      }
      if (f.getIsPartitionKey()) {
        return Optional.of("a primary key cannot be the partition key");
      }
    } else if (f.getAutoId()) {
      return Optional.of("auto_id is only allowed on the primary key");
    }
    if (f.getIsPartitionKey()) {
      if (t != DataType.INT64 && t != DataType.VARCHAR) {
        return Optional.of("a partition key must be Int64 or VarChar, got " + name(t));
      }
      if (f.getNullable()) {
        return Optional.of("a partition key cannot be nullable");
      }
    }
    if (isVector(t)) {
      if (f.getNullable()) {
        return Optional.of("a vector field cannot be nullable");
      }
      if (f.hasDefaultValue()) {
        return Optional.of("a vector field cannot have a default value");
      }
      if (t != DataType.SPARSE_FLOAT_VECTOR) {
        if (f.getDim() <= 0 || f.getDim() > MAX_DIM) {
          return Optional.of("dim must be between 1 and " + MAX_DIM + ", got " + f.getDim());
        }
        if (t == DataType.BINARY_VECTOR && f.getDim() % 8 != 0) {
          return Optional.of("the dim of a BinaryVector must be a multiple of 8, got " + f.getDim());
        }
      } else if (f.getDim() != 0) {
        return Optional.of("a SparseFloatVector has no dim, got " + f.getDim());
      }
    } else if (f.getDim() != 0) {
      return Optional.of("dim is only for dense vector fields, got " + f.getDim());
    }
    if (t == DataType.VARCHAR || (t == DataType.ARRAY && f.getElementType() == DataType.VARCHAR)) {
      if (f.getMaxLength() <= 0 || f.getMaxLength() > MAX_VARCHAR_LENGTH) {
        return Optional.of("max_length must be between 1 and " + MAX_VARCHAR_LENGTH + ", got " + f.getMaxLength());
      }
    }
    if (t == DataType.ARRAY) {
      DataType e = f.getElementType();
      if (!isScalar(e) || e == DataType.JSON) {
        return Optional.of("an Array's element type must be Bool, an integer, Float, Double or VarChar, got " + name(e));
      }
      if (f.getMaxCapacity() <= 0 || f.getMaxCapacity() > MAX_ARRAY_CAPACITY) {
        return Optional.of("max_capacity must be between 1 and " + MAX_ARRAY_CAPACITY + ", got " + f.getMaxCapacity());
      }
    } else if (f.getElementType() != DataType.DATA_TYPE_NONE || f.getMaxCapacity() != 0) {
      return Optional.of("element type and max_capacity are only for Array fields");
    }
    if (f.hasDefaultValue()) {
      return checkDefault(f);
    }
    return Optional.empty();
  }

  private static Optional<String> checkDefault(FieldSchema f) {
    DefaultValue v = f.getDefaultValue();
    DefaultValue.ValueCase c = v.getValueCase();
    String wrong = "the default value " + describe(v) + " does not fit the " + name(f.getDataType()) + " field";
    return switch (f.getDataType()) {
      case BOOL -> c == DefaultValue.ValueCase.BOOL_VALUE ? Optional.empty() : Optional.of(wrong);
      case INT8 -> inRange(v, c, Byte.MIN_VALUE, Byte.MAX_VALUE, wrong);
      case INT16 -> inRange(v, c, Short.MIN_VALUE, Short.MAX_VALUE, wrong);
      case INT32 -> inRange(v, c, Integer.MIN_VALUE, Integer.MAX_VALUE, wrong);
      case INT64 -> c == DefaultValue.ValueCase.LONG_VALUE ? Optional.empty() : Optional.of(wrong);
      case FLOAT -> c == DefaultValue.ValueCase.FLOAT_VALUE ? Optional.empty() : Optional.of(wrong);
      case DOUBLE -> c == DefaultValue.ValueCase.DOUBLE_VALUE ? Optional.empty() : Optional.of(wrong);
      case VARCHAR -> {
        if (c != DefaultValue.ValueCase.STRING_VALUE) {
          yield Optional.of(wrong);
        }
        int len = v.getStringValue().length();
        yield len > f.getMaxLength()
            ? Optional.of("the default value is " + len + " characters, over max_length " + f.getMaxLength())
            : Optional.empty();
      }
      default -> Optional.of("a field of type " + name(f.getDataType()) + " cannot have a default value");
    };
  }

  private static Optional<String> inRange(DefaultValue v, DefaultValue.ValueCase c, long min, long max, String wrong) {
    if (c != DefaultValue.ValueCase.LONG_VALUE || v.getLongValue() < min || v.getLongValue() > max) {
      return Optional.of(wrong);
    }
    return Optional.empty();
  }

  private static String describe(DefaultValue v) {
    return switch (v.getValueCase()) {
      case BOOL_VALUE -> String.valueOf(v.getBoolValue());
      case LONG_VALUE -> String.valueOf(v.getLongValue());
      case FLOAT_VALUE -> String.valueOf(v.getFloatValue());
      case DOUBLE_VALUE -> String.valueOf(v.getDoubleValue());
      case STRING_VALUE -> "\"" + v.getStringValue() + "\"";
      case VALUE_NOT_SET -> "(empty)";
    };
  }

  private static String name(DataType t) {
    return io.raftcoord.proto.DataTypeNames.of(t);
  }

  static boolean isVector(DataType t) {
    return switch (t) {
      case BINARY_VECTOR, FLOAT_VECTOR, FLOAT16_VECTOR, BFLOAT16_VECTOR, SPARSE_FLOAT_VECTOR -> true;
      default -> false;
    };
  }

  private static boolean isScalar(DataType t) {
    return switch (t) {
      case BOOL, INT8, INT16, INT32, INT64, FLOAT, DOUBLE, VARCHAR, JSON -> true;
      default -> false;
    };
  }

  /** Either the checked schema or the error. */
  record Result(CollectionSchema schema, CatalogError error) {
    static Result fail(CatalogError e) {
      return new Result(null, e);
    }
  }
}
