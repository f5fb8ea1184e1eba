package io.raftcoord.statemachine.datatasks;

import com.google.protobuf.Descriptors.FieldDescriptor;
import io.raftcoord.proto.datatasks.DataTasksSettings;
import java.util.Map;
import java.util.Optional;

/**
 * Milvus's compaction, index and GC defaults and the bounds a change must keep. Every field of the
 * settings is {@code optional}: a stored field that is not set means the default, and a change
 * sets exactly the fields it carries.
 */
final class DataTasksSettingsDefaults {
  static final long MIB = 1024L * 1024;
  static final DataTasksSettings DEFAULTS = DataTasksSettings.newBuilder()
      .setAutoCompaction(true)
      .setMixIntervalMs(60_000)
      .setL0IntervalMs(10_000)
      .setSmallProportionPermille(500)
      .setCompactableProportionPermille(150)
      .setExpansionRatePermille(1250)
      .setMinSegmentsToMerge(3)
      .setMaxSegmentsPerPlan(4096)
      .setSingleDeleteRatioPermille(200)
      .setSingleDeltalogBytes(16 * MIB)
      .setSingleDeltalogFiles(200)
      .setL0TriggerFiles(10)
      .setL0TriggerBytes(8 * MIB)
      .setL0MaxFiles(30)
      .setL0MaxBytes(64 * MIB)
      .setCompactionTimeoutMs(900_000)
      .setIndexTimeoutMs(600_000)
      .setMaxAttempts(3)
      .setCleanAfterMs(3_600_000)
      .setDropToleranceMs(10_800_000)
      .setGcIntervalMs(3_600_000)
      .setMaxTasksPerRound(1024)
      .build();

  /** Inclusive bounds of each numeric setting, by field name. */
  private static final Map<String, long[]> BOUNDS = Map.ofEntries(
      Map.entry("mix_interval_ms", new long[] {100, 86_400_000}),
      Map.entry("l0_interval_ms", new long[] {100, 86_400_000}),
      Map.entry("small_proportion_permille", new long[] {1, 1000}),
      Map.entry("compactable_proportion_permille", new long[] {0, 1000}),
      Map.entry("expansion_rate_permille", new long[] {1000, 4000}),
      Map.entry("min_segments_to_merge", new long[] {2, 4096}),
      Map.entry("max_segments_per_plan", new long[] {2, 4096}),
      Map.entry("single_delete_ratio_permille", new long[] {1, 1000}),
      Map.entry("single_deltalog_bytes", new long[] {1, 1L << 40}),
      Map.entry("single_deltalog_files", new long[] {1, 100_000}),
      Map.entry("l0_trigger_files", new long[] {1, 100_000}),
      Map.entry("l0_trigger_bytes", new long[] {1, 1L << 40}),
      Map.entry("l0_max_files", new long[] {1, 100_000}),
      Map.entry("l0_max_bytes", new long[] {1, 1L << 40}),
      Map.entry("compaction_timeout_ms", new long[] {1000, 86_400_000}),
      Map.entry("index_timeout_ms", new long[] {1000, 86_400_000}),
      Map.entry("max_attempts", new long[] {1, 100}),
      Map.entry("clean_after_ms", new long[] {0, 30L * 86_400_000}),
      Map.entry("drop_tolerance_ms", new long[] {0, 30L * 86_400_000}),
      Map.entry("gc_interval_ms", new long[] {100, 30L * 86_400_000}),
      Map.entry("max_tasks_per_round", new long[] {1, 100_000}));

  private DataTasksSettingsDefaults() {}

  static DataTasksSettings effective(DataTasksSettings stored) {
    return merge(DEFAULTS, stored);
  }

  /** {@code base} with the fields {@code change} sets. */
  static DataTasksSettings merge(DataTasksSettings base, DataTasksSettings change) {
    DataTasksSettings.Builder b = base.toBuilder();
    for (Map.Entry<FieldDescriptor, Object> f : change.getAllFields().entrySet()) {
      b.setField(f.getKey(), f.getValue());
    }
    return b.build();
  }

  /** What is wrong with the merged settings {@code s}, if anything (fields in declaration order). */
  static Optional<String> invalid(DataTasksSettings s) {
    for (FieldDescriptor f : DataTasksSettings.getDescriptor().getFields()) {
      long[] range = BOUNDS.get(f.getName());
      if (range == null) {
        continue;
      }
      long v = ((Number) s.getField(f)).longValue();
      if (v < range[0] || v > range[1]) {
        return Optional.of(f.getName() + " must be " + range[0] + " to " + range[1] + ", got " + v);
      }
    }
    if (s.getL0MaxFiles() < s.getL0TriggerFiles()) {
      return Optional.of("l0_max_files (" + s.getL0MaxFiles() + ") must be at least l0_trigger_files ("
          + s.getL0TriggerFiles() + ")");
    }
    return Optional.empty();
  }
}
