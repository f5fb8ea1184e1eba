package io.raftcoord.statemachine.indexspec;

import io.raftcoord.proto.DataType;
import io.raftcoord.proto.FieldSchema;
import java.util.List;
import java.util.Optional;

/**
 * The index types the coordinator accepts, with the field types and metrics each one takes
 * (Milvus 2.5/2.6). Declaration order is the order of the "valid:" lists in refusals.
 */
enum IndexKind {
  // Dense: knowhere's legal_knowhere_index (include/knowhere/index/index_table.h, branches 2.5
  // and v2.6.x), which Milvus's vecIndexChecker consults, lists FLOAT, FLOAT16 and BFLOAT16 for
  // all seven, SCANN, IVF_PQ and DISKANN included.
  FLAT("FLAT", Family.DENSE),
  IVF_FLAT("IVF_FLAT", Family.DENSE),
  IVF_SQ8("IVF_SQ8", Family.DENSE),
  IVF_PQ("IVF_PQ", Family.DENSE),
  HNSW("HNSW", Family.DENSE),
  DISKANN("DISKANN", Family.DENSE),
  SCANN("SCANN", Family.DENSE),
  // BinIDMapMetrics and BinIvfMetrics in Milvus's indexparamcheck/constraints.go.
  BIN_FLAT("BIN_FLAT", Family.BINARY, "HAMMING", "JACCARD", "SUBSTRUCTURE", "SUPERSTRUCTURE"),
  BIN_IVF_FLAT("BIN_IVF_FLAT", Family.BINARY),
  SPARSE_INVERTED_INDEX("SPARSE_INVERTED_INDEX", Family.SPARSE),
  SPARSE_WAND("SPARSE_WAND", Family.SPARSE),
  INVERTED("INVERTED", Family.SCALAR),
  STL_SORT("STL_SORT", Family.SCALAR),
  TRIE("Trie", Family.SCALAR),
  BITMAP("BITMAP", Family.SCALAR),
  AUTOINDEX("AUTOINDEX", null);

  /** Which kind of field an index type serves; {@code null} family means any (AUTOINDEX). */
  enum Family {
    DENSE(List.of("L2", "IP", "COSINE")),
    BINARY(List.of("HAMMING", "JACCARD")),
    SPARSE(List.of("IP", "BM25")),
    SCALAR(List.of());

    final List<String> metrics;

    Family(List<String> metrics) {
      this.metrics = metrics;
    }

    static Family of(DataType t) {
      return switch (t) {
        case FLOAT_VECTOR, FLOAT16_VECTOR, BFLOAT16_VECTOR -> DENSE;
        case BINARY_VECTOR -> BINARY;
        case SPARSE_FLOAT_VECTOR -> SPARSE;
        default -> SCALAR;
      };
    }
  }

  /** Milvus's spelling, used in specs and messages. */
  final String label;
  final Family family;
  /** Metrics this type builds with; empty for scalar types and AUTOINDEX (which resolves first). */
  final List<String> metrics;

  IndexKind(String label, Family family, String... metrics) {
    this.label = label;
    this.family = family;
    this.metrics = metrics.length > 0 ? List.of(metrics) : family == null ? List.of() : family.metrics;
  }

  /** Case-insensitive: {@code hnsw}, {@code TRIE} and {@code Trie} all name a type. */
  static Optional<IndexKind> parse(String name) {
    for (IndexKind k : values()) {
      if (k.label.equalsIgnoreCase(name)) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }

  /** Whether this type can index the field, primary-key rule included. */
  boolean accepts(FieldSchema f) {
    // BitmapChecker: "create bitmap index on primary key not supported".
    return acceptsType(f) && !(this == BITMAP && f.getIsPrimary());
  }

  /** Whether this type can index the field's data type (and array element type). */
  boolean acceptsType(FieldSchema f) {
    DataType t = f.getDataType();
    DataType element = f.getElementType();
    return switch (this) {
      // Scalar AUTOINDEX takes what the proxy can map to a primitive index; JSON is refused there.
      case AUTOINDEX -> Family.of(t) != Family.SCALAR || isPrimitive(t) || (t == DataType.ARRAY && isPrimitive(element));
      // JSON needs json_cast_type (INVERTEDChecker, Milvus 2.5.x/2.6), checked by the validator.
      case INVERTED -> isPrimitive(t) || t == DataType.JSON || (t == DataType.ARRAY && isPrimitive(element));
      // Milvus 2.6 STLSORTChecker: numeric or VarChar (2.5 was numeric only).
      case STL_SORT -> isNumeric(t) || t == DataType.VARCHAR;
      case TRIE -> t == DataType.VARCHAR;
      // BitmapChecker: bool, integers, strings, and arrays of those; never floating point or JSON.
      case BITMAP -> isBitmapElement(t) || (t == DataType.ARRAY && isBitmapElement(element));
      default -> family == Family.of(t);
    };
  }

  private static boolean isNumeric(DataType t) {
    return switch (t) {
      case INT8, INT16, INT32, INT64, FLOAT, DOUBLE -> true;
      default -> false;
    };
  }

  private static boolean isPrimitive(DataType t) {
    return isNumeric(t) || t == DataType.BOOL || t == DataType.VARCHAR;
  }

  private static boolean isBitmapElement(DataType t) {
    return isPrimitive(t) && t != DataType.FLOAT && t != DataType.DOUBLE;
  }
}
