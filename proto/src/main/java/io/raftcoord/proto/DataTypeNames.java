package io.raftcoord.proto;

/** Milvus's spelling of each {@link DataType} (as in its SDKs and RESTful API), for messages and JSON. */
public final class DataTypeNames {
  private DataTypeNames() {}

  public static String of(DataType t) {
    return switch (t) {
      case DATA_TYPE_NONE -> "None";
      case BOOL -> "Bool";
      case INT8 -> "Int8";
      case INT16 -> "Int16";
      case INT32 -> "Int32";
      case INT64 -> "Int64";
      case FLOAT -> "Float";
      case DOUBLE -> "Double";
      case VARCHAR -> "VarChar";
      case ARRAY -> "Array";
      case JSON -> "JSON";
      case BINARY_VECTOR -> "BinaryVector";
      case FLOAT_VECTOR -> "FloatVector";
      case FLOAT16_VECTOR -> "Float16Vector";
      case BFLOAT16_VECTOR -> "BFloat16Vector";
      case SPARSE_FLOAT_VECTOR -> "SparseFloatVector";
      case UNRECOGNIZED -> "Unknown";
    };
  }
}
