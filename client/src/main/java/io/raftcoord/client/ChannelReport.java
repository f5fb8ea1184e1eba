package io.raftcoord.client;

import com.google.protobuf.ByteString;
import io.raftcoord.proto.datacoord.Binlog;
import io.raftcoord.proto.datacoord.ChannelCheckpoint;
import io.raftcoord.proto.datacoord.FieldBinlog;
import io.raftcoord.proto.datacoord.Position;
import io.raftcoord.proto.datacoord.SaveBinlogPaths;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentReport;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.proto.session.SessionRef;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * One sync of one channel, built once and sent as it is until acknowledged (a retry after an
 * unknown outcome sends the identical bytes, which the coordinator answers the same way): the
 * binlogs of the rows taken from the channel's buffer, flushed=true for every segment the
 * coordinator lists as FLUSHING, and the channel checkpoint.
 *
 * <p>Invariants: {@code takenRows} is the sum of the taken buffer's rows, all of which are in
 * {@code message}; each reported segment's num_rows is the coordinator's listed count plus the
 * rows taken for it (absolute, as the contract wants); each segment with taken rows gets exactly
 * one binlog per field, with entries = its rows and size = rows × the field's bytes per row;
 * {@code flushedRows} is the sum of num_rows over the segments reported flushed. A report with
 * no segments is a checkpoint save only.
 */
record ChannelReport(String channel, SaveBinlogPaths message, Map<Long, SegmentBuffer.Pending> taken, long takenRows,
                     long flushedRows, int flushedSegments) {

  boolean checkpointOnly() {
    return message.getSegmentsCount() == 0;
  }

  /**
   * Builds the report of {@code channel}.
   *
   * @param listed the channel's active segments as the coordinator lists them now; must hold
   *     every segment of {@code taken}
   * @param logIds one fresh id per field of each segment of {@code taken}
   * @param checkpointTs the timestamp up to which everything received on the channel is in this
   *     report (or in earlier acknowledged ones)
   */
  static ChannelReport build(SessionRef node, String channel, Map<Long, SegmentBuffer.Pending> taken,
                             Map<Long, Segment> listed, IngestTarget target, LongSupplier logIds, long checkpointTs) {
    SaveBinlogPaths.Builder m = SaveBinlogPaths.newBuilder().setNode(node);
    long takenRows = 0;
    long flushedRows = 0;
    int flushed = 0;
    for (Segment s : listed.values()) {
      SegmentBuffer.Pending p = taken.get(s.getId());
      boolean flushing = s.getState() == SegmentState.FLUSHING;
      if (p == null && !flushing) {
        continue;
      }
      SegmentReport.Builder r = SegmentReport.newBuilder().setSegmentId(s.getId()).setFlushed(flushing);
      long rows = s.getNumRows();
      if (p != null) {
        rows += p.rows();
        takenRows += p.rows();
        for (IngestTarget.Field f : target.fields()) {
          r.addBinlogs(FieldBinlog.newBuilder().setFieldId(f.fieldId()).addBinlogs(Binlog.newBuilder()
              .setLogId(logIds.getAsLong()).setEntries(p.rows()).setTimestampFrom(p.timestampFrom())
              .setTimestampTo(p.timestampTo()).setSize(p.rows() * f.bytesPerRow())));
        }
        if (s.getStartPosition().getTimestamp() == 0) {
          r.setStartPosition(position(p.timestampFrom()));
        }
        r.setCheckpoint(position(p.timestampTo()));
      }
      r.setNumRows(rows);
      if (flushing) {
        flushed++;
        flushedRows += rows;
      }
      m.addSegments(r);
    }
    for (Long id : taken.keySet()) {
      if (!listed.containsKey(id)) {
        throw new IllegalArgumentException("segment " + id + " has buffered rows but is not listed on " + channel);
      }
    }
    m.addCheckpoints(ChannelCheckpoint.newBuilder().setChannel(channel).setPosition(position(checkpointTs)));
    return new ChannelReport(channel, m.build(), Map.copyOf(taken), takenRows, flushedRows, flushed);
  }

  /** A position at {@code timestamp}; the message id is the timestamp's 8 bytes (there is no real queue). */
  static Position position(long timestamp) {
    return Position.newBuilder().setTimestamp(timestamp)
        .setMsgId(ByteString.copyFrom(ByteBuffer.allocate(Long.BYTES).putLong(timestamp).array())).build();
  }
}
