package io.raftcoord.statemachine.datacoord;

import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.FieldSchema;

/**
 * Milvus's estimate of the bytes one row of a schema takes (typeutil.EstimateSizePerRecord):
 * what a segment's max rows are derived from. VarChar counts min(max_length, 256), JSON and
 * arrays 512, a sparse vector 1200; system fields (row id, timestamp) add 16.
 */
final class RowSizeEstimator {
  private RowSizeEstimator() {}

  static long bytesPerRow(CollectionSchema schema) {
    long total = 16;
    for (FieldSchema f : schema.getFieldsList()) {
      total += bytes(f);
    }
    return Math.max(total, 1);
  }

  static long bytes(FieldSchema f) {
    return switch (f.getDataType()) {
      case BOOL, INT8 -> 1;
      case INT16 -> 2;
      case INT32, FLOAT -> 4;
      case INT64, DOUBLE -> 8;
      case VARCHAR -> Math.min(f.getMaxLength() <= 0 ? 256 : f.getMaxLength(), 256);
      case ARRAY, JSON -> 512;
      case FLOAT_VECTOR -> 4L * f.getDim();
      case FLOAT16_VECTOR, BFLOAT16_VECTOR -> 2L * f.getDim();
      case BINARY_VECTOR -> Math.max(f.getDim() / 8, 1);
      case SPARSE_FLOAT_VECTOR -> 1200;
      case DATA_TYPE_NONE, UNRECOGNIZED -> 0;
    };
  }
}
