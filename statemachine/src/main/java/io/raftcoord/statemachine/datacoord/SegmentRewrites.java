package io.raftcoord.statemachine.datacoord;

import io.raftcoord.proto.Record;
import io.raftcoord.proto.datacoord.Binlog;
import io.raftcoord.proto.datacoord.DataCoordEvent;
import io.raftcoord.proto.datacoord.DataCoordEventKind;
import io.raftcoord.proto.datacoord.FieldBinlog;
import io.raftcoord.proto.datacoord.Position;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentBinlogs;
import io.raftcoord.proto.datacoord.SegmentLevel;
import io.raftcoord.proto.datacoord.SegmentState;
import java.util.List;

/**
 * The DataCoord records that background work (compaction, garbage collection) adds to an entry:
 * only this domain knows its record shapes, so other domains ask here. Every method is a pure
 * function of the segments it is given; the caller checks that the change is allowed.
 */
public final class SegmentRewrites {
  private SegmentRewrites() {}

  /** An input of a completed compaction: DROPPED, marked compacted (its rows live on in the results). */
  public static Record compactedAway(Segment input, long nowMs) {
    return DataCoordRecords.segment(DataCoordEventKind.SEGMENT_DROPPED, input.toBuilder()
        .setState(SegmentState.DROPPED).setCompacted(true).setDroppedMs(nowMs).clearAllocations().build());
  }

  /**
   * A compaction's result: a new FLUSHED segment of the inputs' collection, partition and channel,
   * from the earliest start position to the latest checkpoint of the inputs.
   */
  public static Segment result(long id, List<Segment> inputs, long rows, SegmentBinlogs logs, SegmentLevel level,
                               long nowMs) {
    Segment first = inputs.get(0);
    Segment.Builder b = Segment.newBuilder().setId(id).setCollectionId(first.getCollectionId())
        .setPartitionId(first.getPartitionId()).setChannel(first.getChannel()).setState(SegmentState.FLUSHED)
        .setLevel(level).setNumRows(rows).setMaxRows(first.getMaxRows()).setRowBytes(first.getRowBytes())
        .setCreatedMs(nowMs).setLastWriteMs(nowMs).setFlushedMs(nowMs).setSealReason("compaction");
    Position start = null;
    Position dml = null;
    for (Segment s : inputs) {
      b.addCompactionFrom(s.getId());
      if (s.hasStartPosition() && (start == null || s.getStartPosition().getTimestamp() < start.getTimestamp())) {
        start = s.getStartPosition();
      }
      if (s.hasDmlPosition() && (dml == null || s.getDmlPosition().getTimestamp() > dml.getTimestamp())) {
        dml = s.getDmlPosition();
      }
    }
    if (start != null) {
      b.setStartPosition(start);
    }
    if (dml != null) {
      b.setDmlPosition(dml);
    }
    return withSummary(b, logs).build();
  }

  public static Record added(Segment result, SegmentBinlogs logs) {
    return DataCoordRecords.segment(DataCoordEventKind.SEGMENT_FLUSHED, result, logs);
  }

  /** An L0 compaction's deletes appended to a FLUSHED target (kept under the task's own key). */
  public static Record deltasApplied(Segment target, List<FieldBinlog> deltalogs, long taskId) {
    SegmentBinlogs d = SegmentBinlogs.newBuilder().addAllDeltalogs(deltalogs).build();
    Segment updated = target.toBuilder()
        .setDeltalogEntries(target.getDeltalogEntries() + entries(deltalogs))
        .setDeltalogBytes(target.getDeltalogBytes() + bytes(deltalogs))
        .setAppliedDeltaSets(target.getAppliedDeltaSets() + 1).build();
    return DataCoordRecords.wrap(DataCoordEvent.newBuilder().setKind(DataCoordEventKind.SEGMENT_UPDATED)
        .setSegment(updated).setAppliedDeltas(d).setAppliedByTask(taskId).build());
  }

  /** Garbage collection: the DROPPED segment's metadata goes. */
  public static Record removed(Segment s) {
    return DataCoordRecords.segment(DataCoordEventKind.SEGMENT_REMOVED, s);
  }

  /** Deletes recorded in {@code logs}. */
  public static long entries(List<FieldBinlog> logs) {
    long n = 0;
    for (FieldBinlog f : logs) {
      for (Binlog b : f.getBinlogsList()) {
        n += b.getEntries();
      }
    }
    return n;
  }

  static long bytes(List<FieldBinlog> logs) {
    long n = 0;
    for (FieldBinlog f : logs) {
      for (Binlog b : f.getBinlogsList()) {
        n += b.getSize();
      }
    }
    return n;
  }

  private static Segment.Builder withSummary(Segment.Builder b, SegmentBinlogs logs) {
    return b.setBinlogFiles(logs.getBinlogsList().stream().mapToLong(FieldBinlog::getBinlogsCount).max().orElse(0))
        .setBinlogBytes(bytes(logs.getBinlogsList()))
        .setDeltalogEntries(entries(logs.getDeltalogsList()))
        .setDeltalogBytes(bytes(logs.getDeltalogsList()))
        .setStatslogFiles(logs.getStatslogsList().stream().mapToLong(FieldBinlog::getBinlogsCount).sum());
  }
}
