package io.raftcoord.statemachine.indexspec;

import io.raftcoord.proto.DataType;
import io.raftcoord.proto.FieldSchema;
import io.raftcoord.statemachine.indexspec.IndexKind.Family;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Checks an index request against a field the way Milvus 2.5/2.6 does (proxy
 * {@code task_index.go}, {@code pkg/util/indexparamcheck}, and knowhere's parameter ranges that
 * Milvus's vector checker delegates to) and resolves it to an {@link IndexSpec}.
 *
 * <p>Invariants:
 * <ul>
 *   <li>Pure and deterministic: no clock, randomness, environment or locale; the same field, type
 *       and params always give an equal result, whatever the iteration order of the input map,
 *       which is never modified.
 *   <li>Normalises: index type matched case-insensitively and spelled as Milvus does
 *       ({@code Trie} for any case of trie, upper case otherwise); {@code metric_type},
 *       {@code json_cast_type} upper case; {@code with_raw_data} lower case. Other values are
 *       kept exactly as given, unknown parameters included (Milvus passes them through).
 *   <li>An empty or null index type means AUTOINDEX, as when Milvus gets no {@code index_type}.
 *       AUTOINDEX resolves to a concrete type: the spec never says AUTOINDEX.
 *   <li>Missing defaults are filled: HNSW {@code M}, {@code efConstruction}; IVF {@code nlist};
 *       IVF_PQ {@code nbits}; SCANN {@code with_raw_data}.
 *   <li>The metric sits both in {@link IndexSpec#metricType()} and, for vector indexes only, under
 *       {@code metric_type} in the params; {@code index_type}, {@code dim} and {@code max_length}
 *       are dropped from the params (Milvus keeps them out of index params too).
 * </ul>
 */
public final class IndexSpecValidator {
  static final String METRIC_TYPE = "metric_type";
  static final String JSON_CAST_TYPE = "json_cast_type";

  // Knowhere's ranges and defaults (src/index/ivf/ivf_config.h, src/index/hnsw/base_hnsw_config.h
  // on knowhere 2.5 and v2.6.x), which Milvus 2.5+ enforces through ValidateIndexParams.
  static final int MAX_NLIST = 65_536;
  static final int DEFAULT_NLIST = 128;
  static final int MIN_HNSW_M = 2;
  static final int MAX_HNSW_M = 2_048;
  static final int DEFAULT_HNSW_M = 30;
  static final int DEFAULT_EF_CONSTRUCTION = 360;
  static final int MAX_PQ_M = 65_536;
  // Knowhere allows nbits up to 24 ("FAISS rejects nbits > 24"); Milvus's old Go-side MaxNBits=16
  // is no longer consulted since 2.5 routes vector checks to knowhere.
  static final int MAX_NBITS = 24;
  static final int DEFAULT_NBITS = 8;
  static final int DEFAULT_SCANN_SUB_DIM = 2;

  // Milvus's AUTOINDEX defaults (pkg/util/paramtable autoindex_param*.go): autoIndex.params.build,
  // autoIndex.params.binary.build, autoIndex.params.sparse.build.
  static final int AUTOINDEX_HNSW_M = 18;
  static final int AUTOINDEX_HNSW_EF_CONSTRUCTION = 240;
  static final int AUTOINDEX_BIN_NLIST = 1_024;

  // INVERTEDChecker's validJSONCastTypes in Milvus 2.6.
  static final List<String> JSON_CAST_TYPES =
      List.of("BOOL", "DOUBLE", "VARCHAR", "ARRAY_BOOL", "ARRAY_DOUBLE", "ARRAY_VARCHAR");

  private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]+");
  private static final Pattern DECIMAL = Pattern.compile("[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?");

  private IndexSpecValidator() {}

  /** What {@link #validate} answers. */
  public sealed interface Result permits Ok, Invalid {}

  /** The request is valid; {@code spec} is its resolved, normalised form. */
  public record Ok(IndexSpec spec) implements Result {}

  /** The request is refused; {@code message} names the field, the index type and the offender. */
  public record Invalid(String message) implements Result {}

  /** The resolved spec, or a refusal message naming the field, the index type and the offending parameter/value. */
  public static Result validate(FieldSchema field, String indexType, Map<String, String> params) {
    Objects.requireNonNull(field, "field");
    String requested = indexType == null || indexType.isEmpty() ? IndexKind.AUTOINDEX.label : indexType;
    String where = "field \"" + field.getName() + "\" of type " + typeName(field);
    Optional<IndexKind> parsed = IndexKind.parse(requested);
    if (parsed.isEmpty()) {
      return invalid("unknown index type \"" + requested + "\" for " + where + "; valid: " + validFor(field));
    }
    IndexKind kind = parsed.get();
    if (!kind.accepts(field)) {
      String why = kind.acceptsType(field) ? " (a primary key)" : "";
      return invalid("index type " + kind.label + " is not valid for " + where + why + "; valid: " + validFor(field));
    }
    String subject = subject(kind, kind, field);

    TreeMap<String, String> p = new TreeMap<>();
    if (params != null) {
      for (Map.Entry<String, String> e : params.entrySet()) {
        if (e.getKey() == null || e.getValue() == null) {
          return invalid(subject + ": parameter " + e.getKey() + " has no " + (e.getKey() == null ? "name" : "value"));
        }
        p.put(e.getKey(), e.getValue());
      }
    }
    String named = p.remove("index_type");
    if (named != null && !named.isEmpty() && IndexKind.parse(named).orElse(null) != kind) {
      return invalid(subject + ": parameter index_type \"" + named + "\" names a different index type");
    }
    // Milvus's fillDimension refuses a dim that disagrees with the schema, then drops it with
    // max_length: both are type params, not index params.
    String dim = p.remove("dim");
    p.remove("max_length");
    Family family = Family.of(field.getDataType());
    if (dim != null && (family == Family.DENSE || family == Family.BINARY)
        && !dim.equals(Integer.toString(field.getDim()))) {
      return invalid(subject + ": parameter dim \"" + dim + "\" does not match the field's dim " + field.getDim());
    }
    return family == Family.SCALAR ? scalar(kind, field, subject, p) : vector(kind, field, family, p);
  }

  private static Result scalar(IndexKind kind, FieldSchema field, String subject, TreeMap<String, String> p) {
    if (p.containsKey(METRIC_TYPE)) {
      return invalid(subject + ": a scalar index takes no metric_type, got \"" + p.get(METRIC_TYPE) + "\"");
    }
    // Milvus 2.5+ maps scalar AUTOINDEX to HYBRID/BITMAP/INVERTED by data type; HYBRID is internal
    // only, so the spec records the user-selectable INVERTED, which serves every accepted type.
    IndexKind resolved = kind == IndexKind.AUTOINDEX ? IndexKind.INVERTED : kind;
    if (resolved == IndexKind.INVERTED && field.getDataType() == DataType.JSON) {
      String cast = p.get(JSON_CAST_TYPE);
      if (cast == null) {
        return invalid(subject + ": a JSON field needs json_cast_type; valid: " + String.join(", ", JSON_CAST_TYPES));
      }
      String upper = cast.toUpperCase(Locale.ROOT);
      if (!JSON_CAST_TYPES.contains(upper)) {
        return invalid(subject + ": json_cast_type \"" + cast + "\" is not valid; valid: "
            + String.join(", ", JSON_CAST_TYPES));
      }
      p.put(JSON_CAST_TYPE, upper);
    }
    return new Ok(new IndexSpec(resolved.label, "", p));
  }

  private static Result vector(IndexKind kind, FieldSchema field, Family family, TreeMap<String, String> p) {
    IndexKind resolved = kind;
    if (kind == IndexKind.AUTOINDEX) {
      // Milvus's proxy: "only metric type can be passed when use AutoIndex".
      List<String> extra = p.keySet().stream().filter(k -> !k.equals(METRIC_TYPE)).toList();
      if (!extra.isEmpty()) {
        return invalid(subject(kind, kind, field) + ": AUTOINDEX takes only metric_type, got " + String.join(", ", extra));
      }
      resolved = resolveAutoIndex(family, p);
    }
    String subject = subject(kind, resolved, field);
    String metric = p.get(METRIC_TYPE);
    String validMetrics = String.join(", ", resolved.metrics);
    if (metric == null) {
      return invalid(subject + ": a vector index needs metric_type; valid: " + validMetrics);
    }
    String upper = metric.toUpperCase(Locale.ROOT);
    if (!resolved.metrics.contains(upper)) {
      return invalid(subject + ": metric_type \"" + metric + "\" is not valid; valid: " + validMetrics);
    }
    p.put(METRIC_TYPE, upper);
    int dim = field.getDim();
    Optional<String> problem = switch (resolved) {
      case IVF_FLAT, IVF_SQ8, BIN_IVF_FLAT -> nlist(p, subject);
      case IVF_PQ -> nlist(p, subject).or(() -> productQuantizer(p, subject, dim));
      case SCANN -> nlist(p, subject).or(() -> scann(p, subject, dim));
      case HNSW -> integer(p, subject, "M", MIN_HNSW_M, MAX_HNSW_M, DEFAULT_HNSW_M)
          .or(() -> integer(p, subject, "efConstruction", 1, Integer.MAX_VALUE, DEFAULT_EF_CONSTRUCTION));
      case SPARSE_INVERTED_INDEX, SPARSE_WAND -> dropRatio(p, subject);
      default -> Optional.empty();
    };
    if (problem.isPresent()) {
      return invalid(problem.get());
    }
    return new Ok(new IndexSpec(resolved.label, upper, p));
  }

  /**
   * Float-like -> HNSW(M=18, efConstruction=240, COSINE); binary -> BIN_IVF_FLAT(nlist=1024,
   * HAMMING); sparse -> SPARSE_INVERTED_INDEX(IP). A metric the user gave overrides the default.
   */
  private static IndexKind resolveAutoIndex(Family family, TreeMap<String, String> p) {
    switch (family) {
      case DENSE -> {
        p.put("M", Integer.toString(AUTOINDEX_HNSW_M));
        p.put("efConstruction", Integer.toString(AUTOINDEX_HNSW_EF_CONSTRUCTION));
        p.putIfAbsent(METRIC_TYPE, "COSINE");
        return IndexKind.HNSW;
      }
      case BINARY -> {
        p.put("nlist", Integer.toString(AUTOINDEX_BIN_NLIST));
        p.putIfAbsent(METRIC_TYPE, "HAMMING");
        return IndexKind.BIN_IVF_FLAT;
      }
      default -> {
        p.putIfAbsent(METRIC_TYPE, "IP");
        return IndexKind.SPARSE_INVERTED_INDEX;
      }
    }
  }

  private static String subject(IndexKind kind, IndexKind resolved, FieldSchema field) {
    String type = kind == resolved ? kind.label : kind.label + " (resolved to " + resolved.label + ")";
    return "index type " + type + " on field \"" + field.getName() + "\"";
  }

  private static Optional<String> nlist(TreeMap<String, String> p, String subject) {
    return integer(p, subject, "nlist", 1, MAX_NLIST, DEFAULT_NLIST);
  }

  /** IVF_PQ: {@code m} has no default in knowhere and must divide dim. */
  private static Optional<String> productQuantizer(TreeMap<String, String> p, String subject, int dim) {
    if (!p.containsKey("m")) {
      return Optional.of(subject + ": needs parameter m, an integer in [1, " + MAX_PQ_M + "] that divides dim " + dim);
    }
    Optional<String> bad = integer(p, subject, "m", 1, MAX_PQ_M, null);
    if (bad.isPresent()) {
      return bad;
    }
    long m = parseInteger(p.get("m")).getAsLong();
    if (dim % m != 0) {
      return Optional.of(subject + ": parameter m \"" + p.get("m") + "\" must divide dim " + dim);
    }
    return integer(p, subject, "nbits", 1, MAX_NBITS, DEFAULT_NBITS);
  }

  /** SCANN: knowhere also wants dim to be a multiple of sub_dim (2 unless given). */
  private static Optional<String> scann(TreeMap<String, String> p, String subject, int dim) {
    String raw = p.getOrDefault("with_raw_data", "true").toLowerCase(Locale.ROOT);
    if (!raw.equals("true") && !raw.equals("false")) {
      return Optional.of(subject + ": parameter with_raw_data must be true or false, got \"" + p.get("with_raw_data") + "\"");
    }
    p.put("with_raw_data", raw);
    Optional<String> bad = integer(p, subject, "sub_dim", 1, 65_536, null);
    if (bad.isPresent()) {
      return bad;
    }
    long subDim = p.containsKey("sub_dim") ? parseInteger(p.get("sub_dim")).getAsLong() : DEFAULT_SCANN_SUB_DIM;
    if (dim % subDim != 0) {
      return Optional.of(subject + ": dim " + dim + " must be a multiple of sub_dim " + subDim);
    }
    return Optional.empty();
  }

  /** Sparse: {@code drop_ratio_build} in [0, 1) (sparse_float_vector_base_checker.go, knowhere). */
  private static Optional<String> dropRatio(TreeMap<String, String> p, String subject) {
    String v = p.get("drop_ratio_build");
    if (v == null) {
      return Optional.empty();
    }
    if (DECIMAL.matcher(v).matches()) {
      double d = Double.parseDouble(v);
      if (d >= 0 && d < 1) {
        return Optional.empty();
      }
    }
    return Optional.of(subject + ": parameter drop_ratio_build must be a number in [0, 1), got \"" + v + "\"");
  }

  /** An integer parameter in [lo, hi]; when absent, {@code dflt} is filled in unless null. */
  private static Optional<String> integer(
      TreeMap<String, String> p, String subject, String key, long lo, long hi, Integer dflt) {
    String v = p.get(key);
    if (v == null) {
      if (dflt != null) {
        p.put(key, Integer.toString(dflt));
      }
      return Optional.empty();
    }
    OptionalLong n = parseInteger(v);
    if (n.isPresent() && n.getAsLong() >= lo && n.getAsLong() <= hi) {
      return Optional.empty();
    }
    return Optional.of(subject + ": parameter " + key + " must be an integer in [" + lo + ", " + hi + "], got \"" + v + "\"");
  }

  /** ASCII digits only; a value past the range of long is as out of range as any other. */
  private static OptionalLong parseInteger(String v) {
    if (!INTEGER.matcher(v).matches()) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(v));
    } catch (NumberFormatException tooLong) {
      return OptionalLong.empty();
    }
  }

  private static String validFor(FieldSchema field) {
    String list = Arrays.stream(IndexKind.values())
        .filter(k -> k.accepts(field))
        .map(k -> k.label)
        .collect(Collectors.joining(", "));
    return list.isEmpty() ? "none" : list;
  }

  private static String typeName(FieldSchema field) {
    DataType t = field.getDataType();
    return t == DataType.ARRAY ? "ARRAY<" + field.getElementType() + ">" : t.toString();
  }

  private static Invalid invalid(String message) {
    return new Invalid(message);
  }
}
