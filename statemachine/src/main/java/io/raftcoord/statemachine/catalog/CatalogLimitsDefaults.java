package io.raftcoord.statemachine.catalog;

import io.raftcoord.proto.CatalogLimits;

/** Milvus's default limits, in force until a SetCatalogLimits command changes them. */
public final class CatalogLimitsDefaults {
  /**
   * {@code max_text_bytes} while the limits leave it 0. Not part of {@link #DEFAULTS}: those are
   * written into records, and at apply version 1 a record must not carry it.
   */
  public static final int DEFAULT_MAX_TEXT_BYTES = 65_536;

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
    if (change.getMaxTextBytes() != 0) {
      b.setMaxTextBytes(change.getMaxTextBytes());
    }
    return b.build();
  }

  /** The {@code max_text_bytes} in force under {@code limits}. */
  public static int maxTextBytes(CatalogLimits limits) {
    return limits.getMaxTextBytes() == 0 ? DEFAULT_MAX_TEXT_BYTES : limits.getMaxTextBytes();
  }
}
