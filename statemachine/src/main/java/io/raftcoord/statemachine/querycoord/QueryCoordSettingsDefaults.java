package io.raftcoord.statemachine.querycoord;

import io.raftcoord.proto.querycoord.Balancer;
import io.raftcoord.proto.querycoord.QueryCoordSettings;
import java.util.Optional;

/** Milvus's QueryCoord defaults and the bounds a change must keep. A field not stored means its default. */
final class QueryCoordSettingsDefaults {
  static final QueryCoordSettings DEFAULTS = QueryCoordSettings.newBuilder()
      .setBalancer(Balancer.SCORE_BASED)
      .setLoadTimeoutMs(600_000L)
      .setSegmentTaskTimeoutMs(120_000L)
      .setChannelTaskTimeoutMs(60_000L)
      .setTaskMaxRetries(5)
      .setBalanceSegmentsPerRound(5)
      .setBalanceChannelsPerRound(1)
      .setDrainSegmentsPerRound(100)
      .setBalanceIntervalMs(3_000L)
      .setGlobalRowFactor(0.1)
      .setTolerationFactor(0.05)
      .setReverseTolerationFactor(1.3)
      .build();

  private QueryCoordSettingsDefaults() {}

  static QueryCoordSettings effective(QueryCoordSettings stored) {
    return merge(DEFAULTS, stored);
  }

  static QueryCoordSettings merge(QueryCoordSettings base, QueryCoordSettings change) {
    QueryCoordSettings.Builder b = base.toBuilder();
    if (change.getBalancer() != Balancer.BALANCER_DEFAULT) b.setBalancer(change.getBalancer());
    if (change.hasLoadTimeoutMs()) b.setLoadTimeoutMs(change.getLoadTimeoutMs());
    if (change.hasSegmentTaskTimeoutMs()) b.setSegmentTaskTimeoutMs(change.getSegmentTaskTimeoutMs());
    if (change.hasChannelTaskTimeoutMs()) b.setChannelTaskTimeoutMs(change.getChannelTaskTimeoutMs());
    if (change.hasTaskMaxRetries()) b.setTaskMaxRetries(change.getTaskMaxRetries());
    if (change.hasBalanceSegmentsPerRound()) b.setBalanceSegmentsPerRound(change.getBalanceSegmentsPerRound());
    if (change.hasBalanceChannelsPerRound()) b.setBalanceChannelsPerRound(change.getBalanceChannelsPerRound());
    if (change.hasDrainSegmentsPerRound()) b.setDrainSegmentsPerRound(change.getDrainSegmentsPerRound());
    if (change.hasBalanceIntervalMs()) b.setBalanceIntervalMs(change.getBalanceIntervalMs());
    if (change.hasGlobalRowFactor()) b.setGlobalRowFactor(change.getGlobalRowFactor());
    if (change.hasTolerationFactor()) b.setTolerationFactor(change.getTolerationFactor());
    if (change.hasReverseTolerationFactor()) b.setReverseTolerationFactor(change.getReverseTolerationFactor());
    return b.build();
  }

  static Optional<String> invalid(QueryCoordSettings s) {
    if (s.getBalancer() == Balancer.UNRECOGNIZED) {
      return Optional.of("balancer is not one of SCORE_BASED, ROW_COUNT, ROUND_ROBIN");
    }
    if (s.getLoadTimeoutMs() < 1_000 || s.getLoadTimeoutMs() > 86_400_000L) {
      return Optional.of("load_timeout_ms must be 1,000 to 86,400,000, got " + s.getLoadTimeoutMs());
    }
    if (s.getSegmentTaskTimeoutMs() < 100 || s.getSegmentTaskTimeoutMs() > 3_600_000L) {
      return Optional.of("segment_task_timeout_ms must be 100 to 3,600,000, got " + s.getSegmentTaskTimeoutMs());
    }
    if (s.getChannelTaskTimeoutMs() < 100 || s.getChannelTaskTimeoutMs() > 3_600_000L) {
      return Optional.of("channel_task_timeout_ms must be 100 to 3,600,000, got " + s.getChannelTaskTimeoutMs());
    }
    if (s.getTaskMaxRetries() < 0 || s.getTaskMaxRetries() > 100) {
      return Optional.of("task_max_retries must be 0 to 100, got " + s.getTaskMaxRetries());
    }
    if (s.getBalanceSegmentsPerRound() < 0 || s.getBalanceSegmentsPerRound() > 10_000
        || s.getBalanceChannelsPerRound() < 0 || s.getBalanceChannelsPerRound() > 10_000
        || s.getDrainSegmentsPerRound() < 1 || s.getDrainSegmentsPerRound() > 10_000) {
      return Optional.of("moves per round must be 0 to 10,000 (drain: 1 to 10,000)");
    }
    if (s.getBalanceIntervalMs() < 0 || s.getBalanceIntervalMs() > 3_600_000L) {
      return Optional.of("balance_interval_ms must be 0 to 3,600,000, got " + s.getBalanceIntervalMs());
    }
    if (!(s.getGlobalRowFactor() >= 0 && s.getGlobalRowFactor() <= 10) || !(s.getTolerationFactor() >= 0
        && s.getTolerationFactor() <= 1) || !(s.getReverseTolerationFactor() >= 1 && s.getReverseTolerationFactor() <= 10)) {
      return Optional.of("score factors out of range: global_row_factor 0..10, toleration_factor 0..1, "
          + "reverse_toleration_factor 1..10");
    }
    return Optional.empty();
  }
}
