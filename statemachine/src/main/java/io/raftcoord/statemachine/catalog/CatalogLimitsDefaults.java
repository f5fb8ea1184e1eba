package io.raftcoord.statemachine.catalog;

import io.raftcoord.proto.CatalogLimits;

/** Milvus's default limits, in force until a SetCatalogLimits command changes them. */
public final class CatalogLimitsDefaults {
  public static final CatalogLimits DEFAULTS = CatalogLimits.newBuilder()
      .setMaxDatabases(64)
      .setMaxCollections(65_536)
      .setMaxCollectionsPerDb(65_536)
      .setMaxPartitionsPerCollection(1_024)
      .setMaxFields(64)
      .setMaxVectorFields(4)
      .setMaxShards(16)
      .setWatchRetentionEvents(100_000)
      .setWatchRetentionMs(3_600_000L)
      .build();

  private CatalogLimitsDefaults() {}

  /** {@code current} with every non-zero field of {@code change} applied. */
  static CatalogLimits merge(CatalogLimits current, CatalogLimits change) {
    CatalogLimits.Builder b = current.toBuilder();
    if (change.getMaxDatabases() != 0) {
      b.setMaxDatabases(change.getMaxDatabases());
    }
    if (change.getMaxCollections() != 0) {
      b.setMaxCollections(change.getMaxCollections());
    }
    if (change.getMaxCollectionsPerDb() != 0) {
      b.setMaxCollectionsPerDb(change.getMaxCollectionsPerDb());
    }
    if (change.getMaxPartitionsPerCollection() != 0) {
      b.setMaxPartitionsPerCollection(change.getMaxPartitionsPerCollection());
    }
    if (change.getMaxFields() != 0) {
      b.setMaxFields(change.getMaxFields());
    }
    if (change.getMaxVectorFields() != 0) {
      b.setMaxVectorFields(change.getMaxVectorFields());
    }
    if (change.getMaxShards() != 0) {
      b.setMaxShards(change.getMaxShards());
    }
    if (change.getWatchRetentionEvents() != 0) {
      b.setWatchRetentionEvents(change.getWatchRetentionEvents());
    }
    if (change.getWatchRetentionMs() != 0) {
      b.setWatchRetentionMs(change.getWatchRetentionMs());
    }
    return b.build();
  }
}
