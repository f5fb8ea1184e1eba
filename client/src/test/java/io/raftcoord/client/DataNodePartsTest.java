package io.raftcoord.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.client.catalog.Schemas;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.PartitionInfo;
import io.raftcoord.proto.datacoord.FieldBinlog;
import io.raftcoord.proto.datacoord.Position;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentReport;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.proto.session.SessionRef;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The data node's pure parts: rate, buffer, row size, report building. */
class DataNodePartsTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  private static CollectionInfo books() {
    CollectionSchema.Builder schema = Schemas.schema().field(Schemas.int64("id").primary())
        .field(Schemas.varChar("title", 1000)).field(Schemas.floatVector("embedding", 8)).build().toBuilder();
    for (int i = 0; i < schema.getFieldsCount(); i++) {
      schema.getFieldsBuilder(i).setFieldId(100 + i);
    }
    return CollectionInfo.newBuilder().setId(7).setDbName("default").setName("books").setSchema(schema)
        .addPartitions(PartitionInfo.newBuilder().setId(70).setName("_default"))
        .addPartitions(PartitionInfo.newBuilder().setId(71).setName("p2024")).build();
  }

  @Test
  void theRateOwesTimeTimesRateCarriesFractionsAndNeverBursts() {
    IngestRate r = new IngestRate(10);
    assertEquals(0, r.take(0, true), "the first call starts the clock");
    assertEquals(1, r.take(SECOND / 10, true));
    assertEquals(0, r.take(SECOND / 10 + SECOND / 20, true), "half a row is carried");
    assertEquals(1, r.take(2 * SECOND / 10, true));
    assertEquals(10, r.take(100 * SECOND, true), "at most one second's worth after a stall");
    assertEquals(0, r.take(101 * SECOND, false), "no debt while nothing can be written");
    assertEquals(1, r.take(101 * SECOND + SECOND / 10, true));
    r.set(0);
    assertEquals(0, r.take(200 * SECOND, true));
    assertThrows(IllegalArgumentException.class, () -> r.set(-1));
    assertThrows(IllegalArgumentException.class, () -> r.set(Double.NaN));
    assertArrayEquals(new long[] {4, 3, 3}, IngestRate.split(10, 3));
    assertArrayEquals(new long[] {1, 1, 0, 0}, IngestRate.split(2, 4));
  }

  @Test
  void theBufferKeepsRowsAndTimestampRangesBySegment() {
    SegmentBuffer b = new SegmentBuffer();
    b.add(5, 10, 100);
    b.add(3, 1, 150);
    b.add(5, 2, 90);
    assertEquals(13, b.rows());
    assertEquals(List.of(3L, 5L), List.copyOf(b.segmentIds()));
    assertEquals(1, b.drop(3));
    assertEquals(0, b.drop(3));
    Map<Long, SegmentBuffer.Pending> taken = b.take();
    assertEquals(Map.of(5L, new SegmentBuffer.Pending(5, 12, 90, 100)), taken);
    assertTrue(b.isEmpty());
    assertEquals(0, b.rows());
    assertThrows(IllegalArgumentException.class, () -> b.add(1, 0, 1));
  }

  @Test
  void theTargetIsTheFirstPartitionAndMilvussRowEstimateWithTheSystemFields() {
    IngestTarget t = IngestTarget.of(books(), "", 0);
    assertEquals(7, t.collectionId());
    assertEquals(70, t.partitionId());
    assertEquals(List.of(0L, 1L, 100L, 101L, 102L), t.fields().stream().map(IngestTarget.Field::fieldId).toList());
    // 8 + 8 (row id, timestamp) + 8 (int64) + 256 (VarChar capped) + 32 (8 floats).
    assertEquals(312, t.rowBytes());
    assertEquals(71, IngestTarget.of(books(), "p2024", 0).partitionId());
    IngestTarget fixed = IngestTarget.of(books(), "", 1002);
    assertEquals(1002, fixed.rowBytes());
    CoordException e = assertThrows(CoordException.class, () -> IngestTarget.of(books(), "nope", 0));
    assertEquals(ErrorCode.NOT_FOUND, e.code());
  }

  @Test
  void aReportHasOneBinlogPerFieldAbsoluteRowsFlushesFlushingSegmentsAndTheCheckpoint() {
    IngestTarget t = IngestTarget.of(books(), "", 0);
    Map<Long, Segment> listed = new TreeMap<>();
    listed.put(11L, Segment.newBuilder().setId(11).setState(SegmentState.GROWING).setNumRows(40).build());
    listed.put(12L, Segment.newBuilder().setId(12).setState(SegmentState.FLUSHING).setNumRows(25).build());
    listed.put(13L, Segment.newBuilder().setId(13).setState(SegmentState.FLUSHING).setNumRows(30)
        .setStartPosition(Position.newBuilder().setTimestamp(5)).build());
    listed.put(14L, Segment.newBuilder().setId(14).setState(SegmentState.SEALED).setNumRows(9).build());
    Map<Long, SegmentBuffer.Pending> taken = Map.of(11L, new SegmentBuffer.Pending(11, 7, 100, 120),
        13L, new SegmentBuffer.Pending(13, 3, 110, 110));
    long[] next = {1000};
    SessionRef node = SessionRef.newBuilder().setServerId(4).setEpoch(9).build();
    ChannelReport r = ChannelReport.build(node, "ch0", taken, listed, t, () -> next[0]++, 500);

    assertEquals(10, r.takenRows());
    assertEquals(2, r.flushedSegments());
    assertEquals(25 + 33, r.flushedRows());
    assertFalse(r.checkpointOnly());
    assertEquals(node, r.message().getNode());
    assertEquals(List.of(11L, 12L, 13L), r.message().getSegmentsList().stream().map(SegmentReport::getSegmentId).toList());
    SegmentReport growing = r.message().getSegments(0);
    assertEquals(47, growing.getNumRows());
    assertFalse(growing.getFlushed());
    assertEquals(100, growing.getStartPosition().getTimestamp(), "the first report sets the start position");
    assertEquals(120, growing.getCheckpoint().getTimestamp());
    assertEquals(5, growing.getBinlogsCount());
    for (FieldBinlog f : growing.getBinlogsList()) {
      assertEquals(1, f.getBinlogsCount());
      assertEquals(7, f.getBinlogs(0).getEntries());
      assertEquals(100, f.getBinlogs(0).getTimestampFrom());
      assertEquals(120, f.getBinlogs(0).getTimestampTo());
    }
    assertEquals(7 * 312, growing.getBinlogsList().stream().mapToLong(f -> f.getBinlogs(0).getSize()).sum());
    SegmentReport flushOnly = r.message().getSegments(1);
    assertTrue(flushOnly.getFlushed());
    assertEquals(25, flushOnly.getNumRows());
    assertEquals(0, flushOnly.getBinlogsCount());
    SegmentReport flushWithRows = r.message().getSegments(2);
    assertTrue(flushWithRows.getFlushed());
    assertEquals(33, flushWithRows.getNumRows());
    assertFalse(flushWithRows.hasStartPosition(), "a start position is set once");
    assertEquals(10, next[0] - 1000, "one log id per field of each segment with rows");
    assertEquals(1, r.message().getCheckpointsCount());
    assertEquals("ch0", r.message().getCheckpoints(0).getChannel());
    assertEquals(500, r.message().getCheckpoints(0).getPosition().getTimestamp());

    ChannelReport idle = ChannelReport.build(node, "ch1", Map.of(), Map.of(), t, () -> next[0]++, 600);
    assertTrue(idle.checkpointOnly());
    assertThrows(IllegalArgumentException.class, () -> ChannelReport.build(node, "ch0",
        Map.of(99L, new SegmentBuffer.Pending(99, 1, 1, 1)), listed, t, () -> next[0]++, 700));
  }
}
