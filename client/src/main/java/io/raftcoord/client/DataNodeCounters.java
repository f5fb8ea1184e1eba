package io.raftcoord.client;

import io.raftcoord.proto.ErrorCode;
import java.util.EnumMap;
import java.util.Map;

/**
 * The running counters behind {@link DataNodeStats}. Not thread-safe: the agent changes and reads
 * them under its lock, in the same critical section as the buffers they account for, so that a
 * snapshot always satisfies ingested = reported + lost + buffered.
 */
final class DataNodeCounters {
  long rowsIngested;
  long rowsReported;
  long rowsFlushed;
  long segmentsFlushed;
  long rowsLost;
  long allocations;
  long reports;
  long checkpoints;
  long watches;
  long releases;
  long channelsLost;
  private final Map<ErrorCode, Long> errors = new EnumMap<>(ErrorCode.class);

  void error(ErrorCode code) {
    errors.merge(code, 1L, Long::sum);
  }

  DataNodeStats snapshot(long rowsBuffered, int channels) {
    return new DataNodeStats(rowsIngested, rowsReported, rowsFlushed, segmentsFlushed, rowsLost, rowsBuffered,
        allocations, reports, checkpoints, watches, releases, channelsLost, channels, errors);
  }
}
