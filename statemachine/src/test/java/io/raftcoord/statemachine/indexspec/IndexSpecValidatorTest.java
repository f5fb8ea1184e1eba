package io.raftcoord.statemachine.indexspec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.DataType;
import io.raftcoord.proto.FieldSchema;
import io.raftcoord.statemachine.indexspec.IndexSpecValidator.Invalid;
import io.raftcoord.statemachine.indexspec.IndexSpecValidator.Ok;
import io.raftcoord.statemachine.indexspec.IndexSpecValidator.Result;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Index requests are accepted, normalised and refused as Milvus 2.5/2.6 would. */
class IndexSpecValidatorTest {
  private static final List<DataType> DENSE =
      List.of(DataType.FLOAT_VECTOR, DataType.FLOAT16_VECTOR, DataType.BFLOAT16_VECTOR);

  private static FieldSchema field(String name, DataType type) {
    FieldSchema.Builder b = FieldSchema.newBuilder().setName(name).setDataType(type);
    if (IndexKind.Family.of(type) == IndexKind.Family.DENSE) {
      b.setDim(128);
    } else if (type == DataType.BINARY_VECTOR) {
      b.setDim(64);
    } else if (type == DataType.VARCHAR) {
      b.setMaxLength(64);
    }
    return b.build();
  }

  private static FieldSchema array(String name, DataType element) {
    return FieldSchema.newBuilder().setName(name).setDataType(DataType.ARRAY).setElementType(element)
        .setMaxCapacity(16).setMaxLength(64).build();
  }

  private static FieldSchema vector(int dim) {
    return FieldSchema.newBuilder().setName("v").setDataType(DataType.FLOAT_VECTOR).setDim(dim).build();
  }

  private static IndexSpec ok(Result r) {
    return assertInstanceOf(Ok.class, r, () -> "expected Ok, got " + r).spec();
  }

  private static String invalid(Result r) {
    return assertInstanceOf(Invalid.class, r, () -> "expected Invalid, got " + r).message();
  }

  private static void assertMentions(String message, String... parts) {
    for (String part : parts) {
      assertTrue(message.contains(part), () -> "\"" + message + "\" should mention \"" + part + "\"");
    }
  }

  // ---- every valid combination is accepted ------------------------------------------------

  static Stream<Arguments> validCombinations() {
    List<Arguments> rows = new ArrayList<>();
    for (DataType t : DENSE) {
      for (String type : List.of("FLAT", "IVF_FLAT", "IVF_SQ8", "IVF_PQ", "HNSW", "DISKANN", "SCANN")) {
        for (String metric : List.of("L2", "IP", "COSINE")) {
          Map<String, String> p = new HashMap<>(Map.of("metric_type", metric));
          if (type.equals("IVF_PQ")) {
            p.put("m", "8");
          }
          rows.add(Arguments.of(field("v", t), type, p, type, metric));
        }
      }
    }
    for (String metric : List.of("HAMMING", "JACCARD", "SUBSTRUCTURE", "SUPERSTRUCTURE")) {
      rows.add(Arguments.of(field("b", DataType.BINARY_VECTOR), "BIN_FLAT", Map.of("metric_type", metric), "BIN_FLAT", metric));
    }
    for (String metric : List.of("HAMMING", "JACCARD")) {
      rows.add(Arguments.of(field("b", DataType.BINARY_VECTOR), "BIN_IVF_FLAT", Map.of("metric_type", metric),
          "BIN_IVF_FLAT", metric));
    }
    for (String type : List.of("SPARSE_INVERTED_INDEX", "SPARSE_WAND")) {
      for (String metric : List.of("IP", "BM25")) {
        rows.add(Arguments.of(field("s", DataType.SPARSE_FLOAT_VECTOR), type, Map.of("metric_type", metric), type, metric));
      }
    }
    List<DataType> ints = List.of(DataType.INT8, DataType.INT16, DataType.INT32, DataType.INT64);
    for (DataType t : List.of(DataType.BOOL, DataType.INT8, DataType.INT16, DataType.INT32, DataType.INT64,
        DataType.FLOAT, DataType.DOUBLE, DataType.VARCHAR)) {
      rows.add(Arguments.of(field("x", t), "INVERTED", Map.of(), "INVERTED", ""));
      rows.add(Arguments.of(array("a", t), "INVERTED", Map.of(), "INVERTED", ""));
      rows.add(Arguments.of(field("x", t), "AUTOINDEX", Map.of(), "INVERTED", ""));
      rows.add(Arguments.of(array("a", t), "AUTOINDEX", Map.of(), "INVERTED", ""));
      if (t != DataType.BOOL) {
        rows.add(Arguments.of(field("x", t), "STL_SORT", Map.of(), "STL_SORT", ""));
      }
      if (t == DataType.BOOL || t == DataType.VARCHAR || ints.contains(t)) {
        rows.add(Arguments.of(field("x", t), "BITMAP", Map.of(), "BITMAP", ""));
        rows.add(Arguments.of(array("a", t), "BITMAP", Map.of(), "BITMAP", ""));
      }
    }
    rows.add(Arguments.of(field("x", DataType.VARCHAR), "Trie", Map.of(), "Trie", ""));
    rows.add(Arguments.of(field("j", DataType.JSON), "INVERTED", Map.of("json_cast_type", "DOUBLE", "json_path", "j[\"a\"]"),
        "INVERTED", ""));
    return rows.stream();
  }

  @ParameterizedTest(name = "[{index}] {1} on {0}")
  @MethodSource("validCombinations")
  void acceptsEveryValidCombination(FieldSchema f, String type, Map<String, String> params, String expectedType,
      String expectedMetric) {
    IndexSpec spec = ok(IndexSpecValidator.validate(f, type, params));
    assertEquals(expectedType, spec.indexType());
    assertEquals(expectedMetric, spec.metricType());
    if (expectedMetric.isEmpty()) {
      assertTrue(!spec.params().containsKey("metric_type"), "a scalar spec carries no metric_type");
    } else {
      assertEquals(expectedMetric, spec.params().get("metric_type"));
    }
  }

  // ---- a type not valid for the field -----------------------------------------------------

  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("wrongTypeForField")
  void refusesAnIndexTypeTheFieldCannotTake(FieldSchema f, String type) {
    String m = invalid(IndexSpecValidator.validate(f, type, Map.of("metric_type", "L2")));
    assertMentions(m, "index type " + type, "field \"" + f.getName() + "\"", "valid: ");
  }

  static Stream<Arguments> wrongTypeForField() {
    return Stream.of(
        Arguments.of(field("tags", DataType.VARCHAR), "HNSW"),
        Arguments.of(field("v", DataType.FLOAT_VECTOR), "INVERTED"),
        Arguments.of(field("v", DataType.FLOAT16_VECTOR), "BIN_FLAT"),
        Arguments.of(field("v", DataType.FLOAT_VECTOR), "SPARSE_WAND"),
        Arguments.of(field("b", DataType.BINARY_VECTOR), "HNSW"),
        Arguments.of(field("b", DataType.BINARY_VECTOR), "IVF_FLAT"),
        Arguments.of(field("s", DataType.SPARSE_FLOAT_VECTOR), "HNSW"),
        Arguments.of(field("s", DataType.SPARSE_FLOAT_VECTOR), "FLAT"),
        Arguments.of(field("n", DataType.INT64), "Trie"),
        Arguments.of(field("n", DataType.BOOL), "STL_SORT"),
        Arguments.of(field("n", DataType.FLOAT), "BITMAP"),
        Arguments.of(field("n", DataType.DOUBLE), "BITMAP"),
        Arguments.of(field("j", DataType.JSON), "BITMAP"),
        Arguments.of(field("j", DataType.JSON), "STL_SORT"),
        Arguments.of(field("j", DataType.JSON), "AUTOINDEX"),
        Arguments.of(array("a", DataType.FLOAT), "BITMAP"),
        Arguments.of(array("a", DataType.INT64), "STL_SORT"),
        Arguments.of(array("a", DataType.VARCHAR), "Trie"));
  }

  @Test
  void theRefusalListsTheTypesTheFieldCanTake() {
    String m = invalid(IndexSpecValidator.validate(field("tags", DataType.VARCHAR), "HNSW", Map.of()));
    assertEquals("index type HNSW is not valid for field \"tags\" of type VARCHAR; valid: INVERTED, STL_SORT, Trie, "
        + "BITMAP, AUTOINDEX", m);
    String arr = invalid(IndexSpecValidator.validate(array("a", DataType.DOUBLE), "BITMAP", Map.of()));
    assertMentions(arr, "ARRAY<DOUBLE>", "valid: INVERTED, AUTOINDEX");
  }

  @Test
  void refusesBitmapOnThePrimaryKey() {
    FieldSchema pk = FieldSchema.newBuilder().setName("id").setDataType(DataType.INT64).setIsPrimary(true).build();
    assertMentions(invalid(IndexSpecValidator.validate(pk, "BITMAP", Map.of())), "BITMAP", "\"id\"", "primary key");
    assertEquals("INVERTED", ok(IndexSpecValidator.validate(pk, "INVERTED", Map.of())).indexType());
  }

  @Test
  void refusesAnUnknownIndexType() {
    assertMentions(invalid(IndexSpecValidator.validate(field("v", DataType.FLOAT_VECTOR), "GPU_WHATEVER", Map.of())),
        "unknown index type \"GPU_WHATEVER\"", "field \"v\"", "valid: FLAT, IVF_FLAT");
  }

  // ---- metrics ------------------------------------------------------------------------------

  @ParameterizedTest(name = "{1} with {2} on {0}")
  @MethodSource("wrongMetric")
  void refusesAMetricTheTypeCannotUse(FieldSchema f, String type, String metric) {
    Map<String, String> p = new HashMap<>(Map.of("metric_type", metric));
    if (type.equals("IVF_PQ")) {
      p.put("m", "8");
    }
    assertMentions(invalid(IndexSpecValidator.validate(f, type, p)),
        "field \"" + f.getName() + "\"", "metric_type \"" + metric + "\"", "valid: ");
  }

  static Stream<Arguments> wrongMetric() {
    return Stream.of(
        Arguments.of(field("v", DataType.FLOAT_VECTOR), "HNSW", "HAMMING"),
        Arguments.of(field("v", DataType.BFLOAT16_VECTOR), "IVF_PQ", "JACCARD"),
        Arguments.of(field("v", DataType.FLOAT_VECTOR), "FLAT", "BM25"),
        Arguments.of(field("v", DataType.FLOAT_VECTOR), "DISKANN", ""),
        Arguments.of(field("b", DataType.BINARY_VECTOR), "BIN_IVF_FLAT", "SUBSTRUCTURE"),
        Arguments.of(field("b", DataType.BINARY_VECTOR), "BIN_IVF_FLAT", "SUPERSTRUCTURE"),
        Arguments.of(field("b", DataType.BINARY_VECTOR), "BIN_FLAT", "L2"),
        Arguments.of(field("s", DataType.SPARSE_FLOAT_VECTOR), "SPARSE_INVERTED_INDEX", "L2"),
        Arguments.of(field("s", DataType.SPARSE_FLOAT_VECTOR), "SPARSE_WAND", "COSINE"),
        Arguments.of(field("b", DataType.BINARY_VECTOR), "AUTOINDEX", "SUBSTRUCTURE"),
        Arguments.of(field("v", DataType.FLOAT_VECTOR), "AUTOINDEX", "HAMMING"));
  }

  @ParameterizedTest
  @CsvSource({"FLOAT_VECTOR, HNSW", "FLOAT16_VECTOR, DISKANN", "BINARY_VECTOR, BIN_FLAT", "SPARSE_FLOAT_VECTOR, SPARSE_WAND"})
  void aVectorIndexOtherThanAutoIndexNeedsAMetric(DataType t, String type) {
    assertMentions(invalid(IndexSpecValidator.validate(field("v", t), type, Map.of())),
        "index type " + type, "field \"v\"", "needs metric_type", "valid: ");
  }

  @ParameterizedTest
  @CsvSource({"INVERTED, INT64", "STL_SORT, DOUBLE", "Trie, VARCHAR", "BITMAP, BOOL", "AUTOINDEX, VARCHAR"})
  void aScalarIndexTakesNoMetric(String type, DataType t) {
    assertMentions(invalid(IndexSpecValidator.validate(field("x", t), type, Map.of("metric_type", "L2"))),
        "index type " + type, "field \"x\"", "metric_type", "\"L2\"");
  }

  // ---- numeric parameters at their bounds ---------------------------------------------------

  @ParameterizedTest(name = "{0} {1}={2} -> {3}")
  @CsvSource({
      "HNSW, M, 1, false", "HNSW, M, 2, true", "HNSW, M, 2048, true", "HNSW, M, 2049, false",
      "HNSW, efConstruction, 0, false", "HNSW, efConstruction, 1, true",
      "HNSW, efConstruction, 2147483647, true", "HNSW, efConstruction, 2147483648, false",
      "IVF_FLAT, nlist, 0, false", "IVF_FLAT, nlist, 1, true", "IVF_FLAT, nlist, 65536, true", "IVF_FLAT, nlist, 65537, false",
      "IVF_SQ8, nlist, 0, false", "IVF_SQ8, nlist, 65536, true", "IVF_SQ8, nlist, 65537, false",
      "IVF_PQ, nlist, 0, false", "IVF_PQ, nlist, 65536, true", "IVF_PQ, nlist, 65537, false",
      "IVF_PQ, nbits, 0, false", "IVF_PQ, nbits, 1, true", "IVF_PQ, nbits, 24, true", "IVF_PQ, nbits, 25, false",
      "IVF_PQ, m, 0, false", "IVF_PQ, m, 1, true", "IVF_PQ, m, 128, true", "IVF_PQ, m, 65537, false",
      "SCANN, nlist, 0, false", "SCANN, nlist, 1, true", "SCANN, nlist, 65536, true", "SCANN, nlist, 65537, false",
      "BIN_IVF_FLAT, nlist, 0, false", "BIN_IVF_FLAT, nlist, 1, true", "BIN_IVF_FLAT, nlist, 65536, true",
      "BIN_IVF_FLAT, nlist, 65537, false",
      "SPARSE_INVERTED_INDEX, drop_ratio_build, -0.001, false", "SPARSE_INVERTED_INDEX, drop_ratio_build, 0, true",
      "SPARSE_INVERTED_INDEX, drop_ratio_build, 0.999, true", "SPARSE_INVERTED_INDEX, drop_ratio_build, 1, false",
      "SPARSE_WAND, drop_ratio_build, 1.0, false", "SPARSE_WAND, drop_ratio_build, 0.5, true",
  })
  void numericParametersAreCheckedAtTheirBounds(String type, String key, String value, boolean accepted) {
    Result r = IndexSpecValidator.validate(fieldFor(type), type, paramsFor(type, key, value));
    if (accepted) {
      assertEquals(value, ok(r).params().get(key));
    } else {
      assertMentions(invalid(r), "index type " + type, "field \"", "parameter " + key, "\"" + value + "\"", "[");
    }
  }

  @ParameterizedTest(name = "{0} {1}=\"{2}\"")
  @CsvSource({
      "HNSW, M, abc", "HNSW, M, 16.0", "HNSW, M, ''", "HNSW, M, ' 16'", "HNSW, efConstruction, 1e3",
      "IVF_FLAT, nlist, 99999999999999999999", "IVF_PQ, nbits, eight", "IVF_PQ, m, 8x",
      "BIN_IVF_FLAT, nlist, 0x10", "SCANN, nlist, -", "SPARSE_WAND, drop_ratio_build, NaN",
      "SPARSE_WAND, drop_ratio_build, 0.5d", "SPARSE_INVERTED_INDEX, drop_ratio_build, half",
  })
  void nonNumericValuesAreRefusedWithNameValueAndRange(String type, String key, String value) {
    String m = invalid(IndexSpecValidator.validate(fieldFor(type), type, paramsFor(type, key, value)));
    assertMentions(m, "index type " + type, "parameter " + key, "\"" + value + "\"", "[");
  }

  @Test
  void theOutOfRangeMessageStatesTheRange() {
    assertEquals("index type HNSW on field \"v\": parameter M must be an integer in [2, 2048], got \"4096\"",
        invalid(IndexSpecValidator.validate(vector(128), "HNSW", Map.of("metric_type", "L2", "M", "4096"))));
  }

  private static FieldSchema fieldFor(String type) {
    return switch (type) {
      case "BIN_IVF_FLAT" -> field("b", DataType.BINARY_VECTOR);
      case "SPARSE_INVERTED_INDEX", "SPARSE_WAND" -> field("s", DataType.SPARSE_FLOAT_VECTOR);
      default -> vector(128);
    };
  }

  private static Map<String, String> paramsFor(String type, String key, String value) {
    Map<String, String> p = new HashMap<>();
    p.put("metric_type", type.startsWith("BIN") ? "HAMMING" : "IP");
    if (type.equals("IVF_PQ")) {
      p.put("m", "8");
    }
    p.put(key, value);
    return p;
  }

  // ---- structural parameter rules --------------------------------------------------------

  @Test
  void ivfPqNeedsAnMThatDividesDim() {
    assertMentions(invalid(IndexSpecValidator.validate(vector(128), "IVF_PQ", Map.of("metric_type", "L2"))),
        "IVF_PQ", "field \"v\"", "needs parameter m", "divides dim 128");
    assertMentions(invalid(IndexSpecValidator.validate(vector(128), "IVF_PQ", Map.of("metric_type", "L2", "m", "3"))),
        "IVF_PQ", "parameter m \"3\"", "must divide dim 128");
    assertEquals("16", ok(IndexSpecValidator.validate(vector(96), "IVF_PQ", Map.of("metric_type", "L2", "m", "16")))
        .params().get("m"));
  }

  @Test
  void scannNeedsDimAMultipleOfSubDim() {
    assertMentions(invalid(IndexSpecValidator.validate(vector(127), "SCANN", Map.of("metric_type", "L2"))),
        "SCANN", "dim 127", "sub_dim 2");
    assertMentions(invalid(IndexSpecValidator.validate(vector(128), "SCANN", Map.of("metric_type", "L2", "sub_dim", "3"))),
        "dim 128", "sub_dim 3");
    ok(IndexSpecValidator.validate(vector(127), "SCANN", Map.of("metric_type", "L2", "sub_dim", "127")));
  }

  @Test
  void scannWithRawDataIsABoolean() {
    assertEquals("false", ok(IndexSpecValidator.validate(vector(128), "SCANN",
        Map.of("metric_type", "L2", "with_raw_data", "FALSE"))).params().get("with_raw_data"));
    assertMentions(invalid(IndexSpecValidator.validate(vector(128), "SCANN",
        Map.of("metric_type", "L2", "with_raw_data", "yes"))), "SCANN", "with_raw_data", "\"yes\"", "true or false");
  }

  @Test
  void defaultsAreFilledWhenAbsent() {
    assertEquals(Map.of("M", "30", "efConstruction", "360", "metric_type", "L2"),
        ok(IndexSpecValidator.validate(vector(128), "HNSW", Map.of("metric_type", "L2"))).params());
    assertEquals(Map.of("nlist", "128", "metric_type", "IP"),
        ok(IndexSpecValidator.validate(vector(128), "IVF_FLAT", Map.of("metric_type", "IP"))).params());
    assertEquals(Map.of("nlist", "128", "m", "8", "nbits", "8", "metric_type", "IP"),
        ok(IndexSpecValidator.validate(vector(128), "IVF_PQ", Map.of("metric_type", "IP", "m", "8"))).params());
    assertEquals(Map.of("nlist", "128", "with_raw_data", "true", "metric_type", "COSINE"),
        ok(IndexSpecValidator.validate(vector(128), "SCANN", Map.of("metric_type", "COSINE"))).params());
    assertEquals(Map.of("nlist", "128", "metric_type", "JACCARD"),
        ok(IndexSpecValidator.validate(field("b", DataType.BINARY_VECTOR), "BIN_IVF_FLAT", Map.of("metric_type", "JACCARD")))
            .params());
    assertEquals(Map.of("metric_type", "L2"),
        ok(IndexSpecValidator.validate(vector(128), "DISKANN", Map.of("metric_type", "L2"))).params());
  }

  @Test
  void givenValuesAndUnknownParametersAreKept() {
    IndexSpec spec = ok(IndexSpecValidator.validate(vector(128), "HNSW",
        Map.of("metric_type", "ip", "M", "16", "mmap.enabled", "true", "some_future_knob", "Mixed Case")));
    assertEquals(new TreeMap<>(Map.of("M", "16", "efConstruction", "360", "metric_type", "IP", "mmap.enabled", "true",
        "some_future_knob", "Mixed Case")), spec.params());
  }

  @Test
  void typeParamsAreDroppedAndDimMustMatch() {
    IndexSpec spec = ok(IndexSpecValidator.validate(vector(128), "FLAT",
        Map.of("metric_type", "L2", "dim", "128", "index_type", "flat")));
    assertEquals(Map.of("metric_type", "L2"), spec.params());
    assertMentions(invalid(IndexSpecValidator.validate(vector(128), "FLAT", Map.of("metric_type", "L2", "dim", "64"))),
        "FLAT", "field \"v\"", "dim \"64\"", "128");
    assertMentions(invalid(IndexSpecValidator.validate(vector(128), "FLAT", Map.of("metric_type", "L2", "index_type", "HNSW"))),
        "FLAT", "index_type \"HNSW\"");
  }

  @Test
  void jsonNeedsAValidCastType() {
    FieldSchema j = field("meta", DataType.JSON);
    assertMentions(invalid(IndexSpecValidator.validate(j, "INVERTED", Map.of("json_path", "meta[\"a\"]"))),
        "INVERTED", "field \"meta\"", "json_cast_type", "valid: BOOL, DOUBLE, VARCHAR");
    assertMentions(invalid(IndexSpecValidator.validate(j, "INVERTED", Map.of("json_cast_type", "INT64"))),
        "json_cast_type \"INT64\"", "valid: ");
    assertEquals("ARRAY_VARCHAR", ok(IndexSpecValidator.validate(j, "inverted", Map.of("json_cast_type", "array_varchar")))
        .params().get("json_cast_type"));
  }

  // ---- AUTOINDEX ----------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @MethodSource("autoIndexResolution")
  void autoIndexResolvesPerFieldKind(DataType t, Map<String, String> given, IndexSpec expected) {
    assertEquals(expected, ok(IndexSpecValidator.validate(field("v", t), "AUTOINDEX", given)));
  }

  static Stream<Arguments> autoIndexResolution() {
    return Stream.of(
        Arguments.of(DataType.FLOAT_VECTOR, Map.of(),
            new IndexSpec("HNSW", "COSINE", new TreeMap<>(Map.of("M", "18", "efConstruction", "240", "metric_type", "COSINE")))),
        Arguments.of(DataType.FLOAT16_VECTOR, Map.of("metric_type", "l2"),
            new IndexSpec("HNSW", "L2", new TreeMap<>(Map.of("M", "18", "efConstruction", "240", "metric_type", "L2")))),
        Arguments.of(DataType.BFLOAT16_VECTOR, Map.of("metric_type", "IP"),
            new IndexSpec("HNSW", "IP", new TreeMap<>(Map.of("M", "18", "efConstruction", "240", "metric_type", "IP")))),
        Arguments.of(DataType.BINARY_VECTOR, Map.of(),
            new IndexSpec("BIN_IVF_FLAT", "HAMMING", new TreeMap<>(Map.of("nlist", "1024", "metric_type", "HAMMING")))),
        Arguments.of(DataType.BINARY_VECTOR, Map.of("metric_type", "Jaccard"),
            new IndexSpec("BIN_IVF_FLAT", "JACCARD", new TreeMap<>(Map.of("nlist", "1024", "metric_type", "JACCARD")))),
        Arguments.of(DataType.SPARSE_FLOAT_VECTOR, Map.of(),
            new IndexSpec("SPARSE_INVERTED_INDEX", "IP", new TreeMap<>(Map.of("metric_type", "IP")))),
        Arguments.of(DataType.SPARSE_FLOAT_VECTOR, Map.of("metric_type", "bm25"),
            new IndexSpec("SPARSE_INVERTED_INDEX", "BM25", new TreeMap<>(Map.of("metric_type", "BM25")))),
        Arguments.of(DataType.VARCHAR, Map.of(), new IndexSpec("INVERTED", "", new TreeMap<>())),
        Arguments.of(DataType.BOOL, Map.of(), new IndexSpec("INVERTED", "", new TreeMap<>())));
  }

  @Test
  void anEmptyOrNullIndexTypeMeansAutoIndex() {
    IndexSpec auto = ok(IndexSpecValidator.validate(vector(128), "AUTOINDEX", Map.of()));
    assertEquals(auto, ok(IndexSpecValidator.validate(vector(128), "", Map.of())));
    assertEquals(auto, ok(IndexSpecValidator.validate(vector(128), null, null)));
  }

  @Test
  void autoIndexOnAVectorTakesOnlyAMetric() {
    String m = invalid(IndexSpecValidator.validate(vector(128), "AUTOINDEX", Map.of("metric_type", "L2", "M", "8", "nlist", "4")));
    assertMentions(m, "AUTOINDEX", "field \"v\"", "only metric_type", "M, nlist");
    String wrongMetric = invalid(IndexSpecValidator.validate(field("b", DataType.BINARY_VECTOR), "AUTOINDEX",
        Map.of("metric_type", "SUPERSTRUCTURE")));
    assertMentions(wrongMetric, "AUTOINDEX (resolved to BIN_IVF_FLAT)", "\"SUPERSTRUCTURE\"", "valid: HAMMING, JACCARD");
  }

  // ---- normalisation and determinism --------------------------------------------------------

  @ParameterizedTest
  @CsvSource({"hnsw, l2, HNSW, L2", "Hnsw, Cosine, HNSW, COSINE", "ivf_flat, ip, IVF_FLAT, IP",
      "autoindex, cosine, HNSW, COSINE", "AutoIndex, L2, HNSW, L2"})
  void typeAndMetricValuesAreCaseInsensitive(String type, String metric, String expectedType, String expectedMetric) {
    IndexSpec spec = ok(IndexSpecValidator.validate(vector(128), type, Map.of("metric_type", metric)));
    assertEquals(expectedType, spec.indexType());
    assertEquals(expectedMetric, spec.metricType());
    assertEquals(expectedMetric, spec.params().get("metric_type"));
  }

  @ParameterizedTest
  @CsvSource({"trie", "TRIE", "Trie", "tRiE"})
  void trieIsSpelledTrieWhateverTheCase(String type) {
    assertEquals("Trie", ok(IndexSpecValidator.validate(field("x", DataType.VARCHAR), type, Map.of())).indexType());
  }

  @Test
  void theSameInputGivesTheSameOutputWhateverTheMapOrder() {
    Map<String, String> forward = new LinkedHashMap<>();
    forward.put("metric_type", "l2");
    forward.put("M", "16");
    forward.put("efConstruction", "200");
    forward.put("zeta", "1");
    Map<String, String> backward = new LinkedHashMap<>();
    List<String> keys = new ArrayList<>(forward.keySet());
    for (int i = keys.size() - 1; i >= 0; i--) {
      backward.put(keys.get(i), forward.get(keys.get(i)));
    }
    Map<String, String> before = new LinkedHashMap<>(forward);
    Result a = IndexSpecValidator.validate(vector(128), "HNSW", forward);
    Result b = IndexSpecValidator.validate(vector(128), "HNSW", forward);
    Result c = IndexSpecValidator.validate(vector(128), "HNSW", backward);
    assertEquals(a, b);
    assertEquals(a, c);
    assertNotSame(ok(a).params(), ok(b).params());
    assertEquals(before, forward, "the input map is not modified");
    assertEquals(List.of("M", "efConstruction", "metric_type", "zeta"), new ArrayList<>(ok(a).params().keySet()));

    Result bad1 = IndexSpecValidator.validate(field("tags", DataType.VARCHAR), "HNSW", forward);
    Result bad2 = IndexSpecValidator.validate(field("tags", DataType.VARCHAR), "HNSW", backward);
    assertEquals(bad1, bad2);
  }

  @Test
  void theSpecParamsAreUnmodifiable() {
    IndexSpec spec = ok(IndexSpecValidator.validate(vector(128), "FLAT", Map.of("metric_type", "L2")));
    assertThrows(UnsupportedOperationException.class, () -> spec.params().put("x", "y"));
  }

  @Test
  void aParameterWithoutAValueIsRefused() {
    Map<String, String> p = new HashMap<>();
    p.put("metric_type", "L2");
    p.put("M", null);
    assertMentions(invalid(IndexSpecValidator.validate(vector(128), "HNSW", p)), "HNSW", "parameter M", "no value");
  }
}
