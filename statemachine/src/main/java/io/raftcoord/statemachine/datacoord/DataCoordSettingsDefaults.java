package io.raftcoord.statemachine.datacoord;

import io.raftcoord.proto.datacoord.DataCoordSettings;
import java.util.Optional;

/**
 * Milvus's DataCoord defaults (segment.maxSize, sealProportion, ...) and the bounds a change must
 * keep. A stored field that is not set means the default.
 */
final class DataCoordSettingsDefaults {
  static final long MIB = 1024L * 1024;
  static final DataCoordSettings DEFAULTS = DataCoordSettings.newBuilder()
      .setMaxSegmentBytes(1024 * MIB)
      .setSealProportionPermille(120)
      .setSealJitterPermille(100)
      .setMaxLifeMs(86_400_000L)
      .setMaxIdleMs(600_000L)
      .setMinSizeFromIdleBytes(16 * MIB)
      .setMaxBinlogFiles(32)
      .setChannelGrowingCapBytes(4096 * MIB)
      .setL0MaxEntries(5_000_000L)
      .setL0MaxBytes(64 * MIB)
      .setAllocationExpireMs(2_000L)
      .setChannelBalanceQuietMs(300_000L)
      .setMaxSegments(10_000_000L)
      .build();

  private DataCoordSettingsDefaults() {}

  /** {@code stored} with every field it does not set taken from the defaults. */
  static DataCoordSettings effective(DataCoordSettings stored) {
    return merge(DEFAULTS, stored);
  }

  /** {@code base} with the fields {@code change} sets. */
  static DataCoordSettings merge(DataCoordSettings base, DataCoordSettings change) {
    DataCoordSettings.Builder b = base.toBuilder();
    if (change.hasMaxSegmentBytes()) b.setMaxSegmentBytes(change.getMaxSegmentBytes());
    if (change.hasSealProportionPermille()) b.setSealProportionPermille(change.getSealProportionPermille());
    if (change.hasSealJitterPermille()) b.setSealJitterPermille(change.getSealJitterPermille());
    if (change.hasMaxLifeMs()) b.setMaxLifeMs(change.getMaxLifeMs());
    if (change.hasMaxIdleMs()) b.setMaxIdleMs(change.getMaxIdleMs());
    if (change.hasMinSizeFromIdleBytes()) b.setMinSizeFromIdleBytes(change.getMinSizeFromIdleBytes());
    if (change.hasMaxBinlogFiles()) b.setMaxBinlogFiles(change.getMaxBinlogFiles());
    if (change.hasChannelGrowingCapBytes()) b.setChannelGrowingCapBytes(change.getChannelGrowingCapBytes());
    if (change.hasL0MaxEntries()) b.setL0MaxEntries(change.getL0MaxEntries());
    if (change.hasL0MaxBytes()) b.setL0MaxBytes(change.getL0MaxBytes());
    if (change.hasAllocationExpireMs()) b.setAllocationExpireMs(change.getAllocationExpireMs());
    if (change.hasChannelBalanceQuietMs()) b.setChannelBalanceQuietMs(change.getChannelBalanceQuietMs());
    if (change.hasMaxSegments()) b.setMaxSegments(change.getMaxSegments());
    return b.build();
  }

  /** What is wrong with the merged settings {@code s}, if anything. */
  static Optional<String> invalid(DataCoordSettings s) {
    if (s.getMaxSegmentBytes() < 4096 || s.getMaxSegmentBytes() > 1024L * 1024 * MIB) {
      return Optional.of("max_segment_bytes must be 4096 to 1 TiB, got " + s.getMaxSegmentBytes());
    }
    if (s.getSealProportionPermille() < 1 || s.getSealProportionPermille() > 1000) {
      return Optional.of("seal_proportion_permille must be 1 to 1000, got " + s.getSealProportionPermille());
    }
    if (s.getSealJitterPermille() < 0 || s.getSealJitterPermille() > 1000) {
      return Optional.of("seal_jitter_permille must be 0 to 1000, got " + s.getSealJitterPermille());
    }
    if (s.getMaxLifeMs() < 1000) {
      return Optional.of("max_life_ms must be at least 1000, got " + s.getMaxLifeMs());
    }
    if (s.getMaxIdleMs() < 1000) {
      return Optional.of("max_idle_ms must be at least 1000, got " + s.getMaxIdleMs());
    }
    if (s.getMinSizeFromIdleBytes() < 0) {
      return Optional.of("min_size_from_idle_bytes must not be negative, got " + s.getMinSizeFromIdleBytes());
    }
    if (s.getChannelGrowingCapBytes() < 4096) {
      return Optional.of("channel_growing_cap_bytes must be at least 4096, got " + s.getChannelGrowingCapBytes());
    }
    if (s.getL0MaxEntries() < 1) {
      return Optional.of("l0_max_entries must be at least 1, got " + s.getL0MaxEntries());
    }
    if (s.getL0MaxBytes() < 1) {
      return Optional.of("l0_max_bytes must be at least 1, got " + s.getL0MaxBytes());
    }
    if (s.getMaxBinlogFiles() < 1 || s.getMaxBinlogFiles() > 100_000) {
      return Optional.of("max_binlog_files must be 1 to 100000, got " + s.getMaxBinlogFiles());
    }
    if (s.getAllocationExpireMs() < 100 || s.getAllocationExpireMs() > 3_600_000) {
      return Optional.of("allocation_expire_ms must be 100 to 3600000, got " + s.getAllocationExpireMs());
    }
    if (s.getChannelBalanceQuietMs() < 0) {
      return Optional.of("channel_balance_quiet_ms must not be negative, got " + s.getChannelBalanceQuietMs());
    }
    if (s.getMaxSegments() < 1) {
      return Optional.of("max_segments must be at least 1, got " + s.getMaxSegments());
    }
    return Optional.empty();
  }
}
