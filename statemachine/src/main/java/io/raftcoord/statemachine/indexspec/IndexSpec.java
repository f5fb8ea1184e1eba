package io.raftcoord.statemachine.indexspec;

import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A validated, normalised index definition.
 *
 * @param indexType the resolved index type in Milvus's spelling ({@code HNSW}, {@code Trie}, ...);
 *     never {@code AUTOINDEX}, which {@link IndexSpecValidator} resolves to a concrete type
 * @param metricType the upper-case metric of a vector index; {@code ""} for a scalar index
 * @param params every build parameter, sorted by key, defaults filled in; for a vector index it
 *     holds {@code metric_type} too (equal to {@code metricType}), for a scalar index it never
 *     does. It never holds {@code index_type}, {@code dim} or {@code max_length}, which live in
 *     the record and the field schema. Unmodifiable.
 */
public record IndexSpec(String indexType, String metricType, SortedMap<String, String> params) {
  public IndexSpec {
    Objects.requireNonNull(indexType, "indexType");
    Objects.requireNonNull(metricType, "metricType");
    params = Collections.unmodifiableSortedMap(new TreeMap<>(params));
  }
}
