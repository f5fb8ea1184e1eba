package io.raftcoord.client;

import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.FieldSchema;
import io.raftcoord.proto.PartitionInfo;
import java.util.ArrayList;
import java.util.List;

/**
 * The collection a simulated data node writes rows into, resolved once from the catalog: its
 * id, the partition the rows go to, and the fields a binlog is written for with each field's
 * estimated bytes per row.
 *
 * <p>Invariants: {@code fields} is never empty and starts with the two system fields Milvus
 * writes binlogs for (0 RowID and 1 Timestamp, 8 bytes each), followed by the schema's fields in
 * schema order; {@link #rowBytes()} is the sum of the fields' bytes (at least 1), which is Milvus's
 * estimate of a row (typeutil.EstimateSizePerRecord, as the coordinator's allocator uses it) unless
 * a fixed row size was asked for, in which case that size is spread over the fields.
 */
public record IngestTarget(String db, String collection, long collectionId, long partitionId, List<Field> fields) {
  /** Milvus's system field ids: every segment has binlogs for them too. */
  public static final long ROW_ID_FIELD = 0;
  public static final long TIMESTAMP_FIELD = 1;

  /** A field a binlog is written for, and what one row of it takes. */
  public record Field(long fieldId, long bytesPerRow) {}

  public IngestTarget {
    fields = List.copyOf(fields);
    if (fields.isEmpty()) {
      throw new IllegalArgumentException("an ingest target needs at least one field");
    }
  }

  /**
   * The target of {@code info}: partition {@code partition} (empty: the collection's first
   * partition), row size {@code rowBytes} (0: estimated from the schema).
   *
   * @throws CoordException NOT_FOUND when the collection has no such partition
   */
  public static IngestTarget of(CollectionInfo info, String partition, long rowBytes) {
    PartitionInfo p = null;
    for (PartitionInfo candidate : info.getPartitionsList()) {
      if (partition.isEmpty() || candidate.getName().equals(partition)) {
        p = candidate;
        break;
      }
    }
    if (p == null) {
      throw new CoordException(io.raftcoord.proto.ErrorCode.NOT_FOUND, "collection " + info.getDbName() + "."
          + info.getName() + " has no partition " + (partition.isEmpty() ? "at all" : "'" + partition + "'"));
    }
    List<Field> fields = new ArrayList<>();
    fields.add(new Field(ROW_ID_FIELD, 8));
    fields.add(new Field(TIMESTAMP_FIELD, 8));
    for (FieldSchema f : info.getSchema().getFieldsList()) {
      fields.add(new Field(f.getFieldId(), fieldBytes(f)));
    }
    if (rowBytes > 0) {
      fields = spread(fields, rowBytes);
    }
    return new IngestTarget(info.getDbName(), info.getName(), info.getId(), p.getId(), fields);
  }

  /** Estimated bytes of one row (the sum over the fields; at least 1). */
  public long rowBytes() {
    long total = 0;
    for (Field f : fields) {
      total += f.bytesPerRow();
    }
    return Math.max(total, 1);
  }

  /**
   * Milvus's per-field estimate: VarChar min(max_length, 256), JSON and arrays 512, a sparse
   * vector 1200, dense vectors by dimension.
   */
  static long fieldBytes(FieldSchema f) {
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

  /** {@code rowBytes} spread evenly over the fields (the first ones take the remainder). */
  private static List<Field> spread(List<Field> fields, long rowBytes) {
    List<Field> out = new ArrayList<>(fields.size());
    long each = rowBytes / fields.size();
    long extra = rowBytes % fields.size();
    for (int i = 0; i < fields.size(); i++) {
      out.add(new Field(fields.get(i).fieldId(), each + (i < extra ? 1 : 0)));
    }
    return out;
  }
}
