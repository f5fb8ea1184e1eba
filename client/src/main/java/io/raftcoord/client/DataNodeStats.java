package io.raftcoord.client;

import io.raftcoord.proto.ErrorCode;
import java.util.Map;

/**
 * A snapshot of a {@link DataNodeAgent}'s counters, for tests and benchmarks.
 *
 * <p>Invariant (at any snapshot): {@code rowsIngested == rowsReported + rowsLost + rowsBuffered}.
 * Rows of a report in flight when its channel is dropped count as lost until its reply says it
 * was applied; those of a report whose outcome stayed unknown (UNAVAILABLE, DEADLINE_EXCEEDED)
 * when its channel was dropped stay counted as lost, although the coordinator may have applied it.
 *
 * @param rowsIngested rows the coordinator assigned to this node's batches (each one is written)
 * @param rowsReported rows in binlog reports the coordinator acknowledged
 * @param rowsFlushed num_rows of the segments this node reported flushed=true and had
 *     acknowledged (a segment's rows count once, at the node that flushed it, whoever wrote them)
 * @param segmentsFlushed segments reported flushed=true and acknowledged
 * @param rowsLost rows received and never reported because the channel or session was lost
 *     (STALE_EPOCH, expiry, close) or the coordinator refused the report
 * @param rowsBuffered rows received and not yet acknowledged in a report
 * @param allocations assign calls acknowledged
 * @param reports binlog reports acknowledged
 * @param checkpoints channel checkpoints acknowledged (with a report or alone)
 * @param watches channels watched (WATCH_SUCCESS acknowledged)
 * @param releases channels released (RELEASE_SUCCESS acknowledged)
 * @param channelsLost channels dropped because they were no longer this node's
 * @param channels channels the node holds now
 * @param errors failed calls by error code
 */
public record DataNodeStats(long rowsIngested, long rowsReported, long rowsFlushed, long segmentsFlushed,
                            long rowsLost, long rowsBuffered, long allocations, long reports, long checkpoints,
                            long watches, long releases, long channelsLost, int channels,
                            Map<ErrorCode, Long> errors) {
  public DataNodeStats {
    errors = Map.copyOf(errors);
  }

  /** Failed calls with {@code code}. */
  public long errors(ErrorCode code) {
    return errors.getOrDefault(code, 0L);
  }

  /** The sum of two snapshots (for a fleet of agents). */
  public DataNodeStats plus(DataNodeStats o) {
    Map<ErrorCode, Long> e = new java.util.EnumMap<>(ErrorCode.class);
    e.putAll(errors);
    o.errors.forEach((k, v) -> e.merge(k, v, Long::sum));
    return new DataNodeStats(rowsIngested + o.rowsIngested, rowsReported + o.rowsReported, rowsFlushed + o.rowsFlushed,
        segmentsFlushed + o.segmentsFlushed, rowsLost + o.rowsLost, rowsBuffered + o.rowsBuffered,
        allocations + o.allocations, reports + o.reports, checkpoints + o.checkpoints, watches + o.watches,
        releases + o.releases, channelsLost + o.channelsLost, channels + o.channels, e);
  }

  public static DataNodeStats zero() {
    return new DataNodeStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, Map.of());
  }
}
