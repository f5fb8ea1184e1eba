package io.raftcoord.statemachine.datacoord;

import static io.raftcoord.statemachine.datacoord.DataCoordFixture.byId;
import static io.raftcoord.statemachine.datacoord.DataCoordFixture.ref;
import static io.raftcoord.statemachine.sm.Batches.catalogOk;
import static io.raftcoord.statemachine.sm.Batches.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.raftcoord.proto.BatchReply;
import io.raftcoord.proto.ChangeEvent;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.WatchQuery;
import io.raftcoord.proto.datacoord.AssignSegments;
import io.raftcoord.proto.datacoord.Binlog;
import io.raftcoord.proto.datacoord.Channel;
import io.raftcoord.proto.datacoord.ChannelCheckpoint;
import io.raftcoord.proto.datacoord.ChannelList;
import io.raftcoord.proto.datacoord.ChannelWatchState;
import io.raftcoord.proto.datacoord.CollectionSelector;
import io.raftcoord.proto.datacoord.DataCoordEvent;
import io.raftcoord.proto.datacoord.DataCoordReply;
import io.raftcoord.proto.datacoord.DataCoordSettings;
import io.raftcoord.proto.datacoord.DescribeSegment;
import io.raftcoord.proto.datacoord.FieldBinlog;
import io.raftcoord.proto.datacoord.FlushCollection;
import io.raftcoord.proto.datacoord.FlushState;
import io.raftcoord.proto.datacoord.GetDataCoordSettings;
import io.raftcoord.proto.datacoord.GetFlushState;
import io.raftcoord.proto.datacoord.ListChannels;
import io.raftcoord.proto.datacoord.ListSegments;
import io.raftcoord.proto.datacoord.Position;
import io.raftcoord.proto.datacoord.ReportChannelState;
import io.raftcoord.proto.datacoord.SaveBinlogPaths;
import io.raftcoord.proto.datacoord.SaveChannelCheckpoints;
import io.raftcoord.proto.datacoord.SealRequest;
import io.raftcoord.proto.datacoord.SealSegments;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentAssignment;
import io.raftcoord.proto.datacoord.SegmentBinlogs;
import io.raftcoord.proto.datacoord.SegmentDescription;
import io.raftcoord.proto.datacoord.SegmentLevel;
import io.raftcoord.proto.datacoord.SegmentList;
import io.raftcoord.proto.datacoord.SegmentReport;
import io.raftcoord.proto.datacoord.SegmentRequest;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.proto.datacoord.SetDataCoordSettings;
import io.raftcoord.proto.session.ExpireSessions;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionRef;
import io.raftcoord.proto.session.StopSession;
import io.raftcoord.statemachine.changes.WatchFilter;
import io.raftcoord.statemachine.sm.Batches;
import io.raftcoord.statemachine.domain.PlantedBug;
import io.raftcoord.statemachine.store.Bytes;
import io.raftcoord.statemachine.store.StoreDump;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The DataCoord domain through {@link io.raftcoord.statemachine.sm.CoordState}: catalog and
 * session commands set the scene, DataCoord commands and leader duty rounds drive it, one log
 * entry at a time over a temp store with a fake leader clock.
 */
class DataCoordDomainTest {
  /** simpleSchema's estimated row: 16 system + 8 (Int64) + 32 (8-dim float vector) bytes. */
  private static final long ROW_BYTES = 56;
  /** With this max segment size a segment holds 100 rows. */
  private static final long SEGMENT_BYTES = 100 * ROW_BYTES;

  @TempDir
  Path dir;

  private DataCoordFixture f;

  @AfterEach
  void close() {
    if (f != null) {
      f.close();
    }
  }

  private DataCoordFixture open(Set<PlantedBug> bugs) {
    f = new DataCoordFixture(dir, bugs);
    return f;
  }

  // ---- builders ----

  /** 100 rows a segment, which takes allocations until 50 are used and seals by size at 45 to 50 rows. */
  private static SetDataCoordSettings smallSegments() {
    return SetDataCoordSettings.newBuilder().setSettings(DataCoordSettings.newBuilder().setMaxSegmentBytes(SEGMENT_BYTES)
        .setSealProportionPermille(500)).build();
  }

  private static SegmentRequest req(CollectionInfo c, int shard, long partition, long rows) {
    return SegmentRequest.newBuilder().setCollectionId(c.getId()).setChannel(c.getVirtualChannels(shard))
        .setPartitionId(partition).setRows(rows).build();
  }

  private static long defaultPartition(CollectionInfo c) {
    return c.getPartitions(0).getId();
  }

  private static AssignSegments assign(SegmentRequest... requests) {
    return AssignSegments.newBuilder().addAllRequests(List.of(requests)).build();
  }

  private static FieldBinlog field(long fieldId, long... logIds) {
    FieldBinlog.Builder b = FieldBinlog.newBuilder().setFieldId(fieldId);
    for (long id : logIds) {
      b.addBinlogs(Binlog.newBuilder().setLogId(id).setEntries(10).setTimestampFrom(id).setTimestampTo(id + 1).setSize(1_000));
    }
    return b.build();
  }

  private static SegmentReport.Builder report(long segmentId, long rows, boolean flushed, FieldBinlog... binlogs) {
    return SegmentReport.newBuilder().setSegmentId(segmentId).setNumRows(rows).setFlushed(flushed)
        .addAllBinlogs(List.of(binlogs));
  }

  private static SaveBinlogPaths save(SessionRef node, SegmentReport.Builder... reports) {
    SaveBinlogPaths.Builder b = SaveBinlogPaths.newBuilder().setNode(node);
    for (SegmentReport.Builder r : reports) {
      b.addSegments(r);
    }
    return b.build();
  }

  private static ChannelCheckpoint cp(String channel, long ts) {
    return ChannelCheckpoint.newBuilder().setChannel(channel)
        .setPosition(Position.newBuilder().setMsgId(ByteString.copyFromUtf8("m" + ts)).setTimestamp(ts)).build();
  }

  private static SaveChannelCheckpoints checkpoints(SessionRef node, ChannelCheckpoint... cps) {
    return SaveChannelCheckpoints.newBuilder().setNode(node).addAllCheckpoints(List.of(cps)).build();
  }

  private static ReportChannelState watch(SessionRef node, String channel, ChannelWatchState state) {
    return ReportChannelState.newBuilder().setNode(node).setChannel(channel).setState(state).build();
  }

  private static List<Long> logIds(SegmentBinlogs b, long fieldId) {
    return b.getBinlogsList().stream().filter(fb -> fb.getFieldId() == fieldId)
        .flatMap(fb -> fb.getBinlogsList().stream()).map(Binlog::getLogId).toList();
  }

  private static List<Long> ids(List<Segment> segments) {
    return segments.stream().map(Segment::getId).toList();
  }

  private static SessionRef olderEpoch(SessionRef r) {
    return r.toBuilder().setEpoch(r.getEpoch() - 1).build();
  }

  private void assertRefused(ErrorCode code, String fragment, Message body) {
    CommandReply r = f.run(body);
    assertEquals(code, r.getCode(), () -> body + " -> " + r.getMessage());
    assertTrue(r.getMessage().contains(fragment), () -> "'" + fragment + "' in: " + r.getMessage());
  }

  private SegmentDescription describe(long segmentId) {
    return f.read(DescribeSegment.newBuilder().setSegmentId(segmentId).build(), SegmentDescription.class);
  }

  private long assignOne(SegmentRequest r) {
    DataCoordReply reply = f.ok(assign(r));
    assertEquals(1, reply.getAssignmentsCount(), reply::toString);
    return reply.getAssignments(0).getSegmentId();
  }

  /** A collection of {@code shards} channels, every one watched by node {@code a} (WATCH_SUCCESS). */
  private CollectionInfo watchedCollection(String name, int shards, Session a) {
    CollectionInfo c = f.createCollection(name, shards);
    List<DataCoordReply> round = f.channelRound();
    assertEquals(shards, round.stream().mapToInt(DataCoordReply::getMovesCount).sum());
    for (String ch : c.getVirtualChannelsList()) {
      assertEquals(ref(a), f.channel(ch).getNode());
      f.ok(watch(ref(a), ch, ChannelWatchState.WATCH_SUCCESS));
    }
    return c;
  }

  private Segment storedSegment(long id) throws Exception {
    byte[] v = f.state.store().get(DataCoordTable.CF, Bytes.concat(new byte[] {0x01}, Bytes.ofLong(id)));
    return v == null ? null : Segment.parseFrom(v);
  }

  private byte[] storedChannel(String name) {
    return f.state.store().get(DataCoordTable.CF, Bytes.concat(new byte[] {0x03}, Bytes.utf8(name)));
  }

  // ---- the lifecycle ----

  @Test
  void aSegmentGoesFromAssignmentThroughReportsAndDutiesToFlushed() {
    open(Set.of());
    f.ok(smallSegments());
    CollectionInfo c = f.createCollection("c", 2);
    long part = defaultPartition(c);
    String ch0 = c.getVirtualChannels(0);
    Session a = f.register("datanode", "a:1");
    f.register("querynode", "q:1");

    // The channel duty gives both channels to the only data node; it watches them.
    List<DataCoordReply> round = f.channelRound();
    long assignedAt = f.time;
    assertEquals(1, round.size());
    assertEquals(2, round.get(0).getMovesCount());
    for (String ch : c.getVirtualChannelsList()) {
      Channel x = f.channel(ch);
      assertEquals(ref(a), x.getNode());
      assertEquals(ChannelWatchState.TO_WATCH, x.getState());
      assertEquals(c.getId(), x.getCollectionId());
      assertEquals(assignedAt, x.getStateChangedMs());
      f.ok(watch(ref(a), ch, ChannelWatchState.WATCH_SUCCESS));
      assertEquals(ChannelWatchState.WATCH_SUCCESS, f.channel(ch).getState());
    }
    assertEquals(List.of(), f.plan("datacoord-channels"), "settled: nothing to move");
    ChannelList listed = f.read(ListChannels.newBuilder().setNodeId(a.getServerId()).build(), ChannelList.class);
    assertEquals(2, listed.getChannelsCount());

    // Assignment: a new segment, then the same one while under 50 rows used, then a new one.
    DataCoordReply first = f.ok(assign(req(c, 0, part, 30)));
    SegmentAssignment g = first.getAssignments(0);
    long s1 = g.getSegmentId();
    assertEquals(30, g.getRows());
    assertEquals(f.time + 2_000, g.getExpireMs(), "allocations expire after allocation_expire_ms of apply time");
    assertEquals(0, g.getRequest());
    Segment seg = f.segment(s1);
    assertEquals(SegmentState.GROWING, seg.getState());
    assertEquals(SegmentLevel.L1, seg.getLevel());
    assertEquals(100, seg.getMaxRows());
    assertEquals(ROW_BYTES, seg.getRowBytes());
    assertEquals(ch0, seg.getChannel());
    assertEquals(part, seg.getPartitionId());
    assertEquals(f.time, seg.getCreatedMs());
    assertEquals(30, seg.getAllocations(0).getRows());
    assertEquals(s1, assignOne(req(c, 0, part, 19)));
    assertEquals(s1, assignOne(req(c, 0, part, 1)), "49 used: still under 50");
    long s2 = assignOne(req(c, 0, part, 1));
    assertNotEquals(s1, s2, "50 used: the next request opens another segment");

    // Reports: binlogs appended per field, a log id already listed skipped.
    f.ok(save(ref(a), report(s1, 30, false, field(100, 1, 2))));
    assertEquals(30, f.segment(s1).getNumRows());
    assertEquals(List.of(1L, 2L), logIds(describe(s1).getBinlogs(), 100));
    SegmentReport.Builder second = report(s1, 45, false, field(100, 2, 3), field(101, 4));
    DataCoordReply r2 = f.ok(save(ref(a), second));
    assertEquals(List.of(s1), r2.getSegmentIdsList());
    SegmentDescription d = describe(s1);
    assertEquals(List.of(1L, 2L, 3L), logIds(d.getBinlogs(), 100));
    assertEquals(List.of(4L), logIds(d.getBinlogs(), 101));
    assertEquals(45, d.getSegment().getNumRows());
    assertEquals(3, d.getSegment().getBinlogFiles(), "the most files of one field");
    assertEquals(4_000, d.getSegment().getBinlogBytes());
    assertEquals(ref(a), d.getChannelNode());

    // The identical report retried answers the same and changes nothing.
    Segment before = f.segment(s1);
    long index = f.state.appliedIndex();
    assertEquals(r2, f.ok(save(ref(a), second)));
    assertEquals(before, f.segment(s1));
    assertEquals(d.getBinlogs(), describe(s1).getBinlogs());
    assertEquals(List.of(), f.state.watch(WatchQuery.newBuilder().setFromRevision(index + 1).addDomains("datacoord").build())
        .getWatch().getEventsList(), "no record at all");

    // Rows never go back.
    f.ok(save(ref(a), report(s1, 40, false)));
    assertEquals(45, f.segment(s1).getNumRows());

    // 50 rows seal by size whatever the jitter; s2 (no rows) stays growing.
    f.ok(save(ref(a), report(s1, 50, false, field(100, 5))));
    List<DataCoordReply> sealed = f.sealRound();
    assertEquals(List.of(s1), sealed.get(0).getSegmentIdsList());
    seg = f.segment(s1);
    assertEquals(SegmentState.SEALED, seg.getState());
    assertEquals(SealPlanner.SIZE, seg.getSealReason());
    assertEquals(f.time, seg.getSealedMs());
    assertEquals(SegmentState.GROWING, f.segment(s2).getState());
    assertEquals(s2, assignOne(req(c, 0, part, 1)), "a sealed segment takes no allocations");

    // Flushing waits until every allocation of the segment has expired.
    assertEquals(List.of(), f.plan("datacoord-flush"));
    f.time += 2_000;
    List<DataCoordReply> flushing = f.flushRound();
    assertEquals(List.of(s1), flushing.get(0).getSegmentIdsList());
    seg = f.segment(s1);
    assertEquals(SegmentState.FLUSHING, seg.getState());
    assertEquals(0, seg.getAllocationsCount());
    SegmentList work = f.read(ListSegments.newBuilder().setNodeId(a.getServerId()).addStates(SegmentState.FLUSHING).build(),
        SegmentList.class);
    assertEquals(List.of(s1), ids(work.getSegmentsList()), "the node finds what to flush");

    // The node's flushed report finishes it.
    SegmentReport.Builder last = report(s1, 50, true, field(100, 6));
    DataCoordReply done = f.ok(save(ref(a), last));
    seg = f.segment(s1);
    assertEquals(SegmentState.FLUSHED, seg.getState());
    assertEquals(f.time, seg.getFlushedMs());
    assertEquals(List.of(1L, 2L, 3L, 5L, 6L), logIds(describe(s1).getBinlogs(), 100));
    assertEquals(done, f.ok(save(ref(a), last)), "the same flushed report retried");
    assertEquals(seg, f.segment(s1));
    assertRefused(ErrorCode.FAILED_PRECONDITION, "FLUSHED", save(ref(a), report(s1, 51, true, field(100, 7))));
    assertRefused(ErrorCode.FAILED_PRECONDITION, "FLUSHED", save(ref(a), report(s1, 50, false)));
    assertEquals(seg, f.segment(s1));

    // After a reopen the flushed segment's binlogs come from the store.
    SegmentDescription flushed = describe(s1);
    f.reopen();
    assertEquals(flushed, describe(s1));
    assertEquals(List.of(1L, 2L, 3L, 5L, 6L), logIds(describe(s1).getBinlogs(), 100));
    assertEquals(List.of(4L), logIds(describe(s1).getBinlogs(), 101));

    // Watchers see the lifecycle, not the allocations and reports in between, and no binlogs.
    List<ChangeEvent> events = f.state.watch(WatchQuery.newBuilder().setFromRevision(1).addDomains("datacoord")
        .setMaxEvents(1000).build()).getWatch().getEventsList();
    List<String> kinds = events.stream().map(ChangeEvent::getKind).distinct().toList();
    assertEquals(List.of("DATACOORD_SETTINGS_CHANGED", "CHANNEL_ASSIGNED", "CHANNEL_UPDATED", "SEGMENT_OPENED",
        "SEGMENT_SEALED", "SEGMENT_FLUSHING",
        "SEGMENT_FLUSHED"), kinds);
    for (ChangeEvent e : events) {
      assertFalse(DataCoordFixture.unpack(e.getBody(), DataCoordEvent.class).hasAddedBinlogs(), e.getKind());
    }
  }

  @Test
  void reportValidation() {
    open(Set.of());
    Session a = f.register("datanode", "a:1");
    CollectionInfo c = watchedCollection("c", 1, a);
    long s = assignOne(req(c, 0, defaultPartition(c), 10));
    assertRefused(ErrorCode.NOT_FOUND, "segment 987654 does not exist", save(ref(a), report(987_654, 1, false)));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "num_rows is negative", save(ref(a), report(s, -1, false)));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "appears twice", save(ref(a), report(s, 1, false), report(s, 2, false)));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "positive log id", save(ref(a), report(s, 1, false, field(100, 0))));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "session is missing", save(SessionRef.getDefaultInstance(), report(s, 1, false)));
    assertEquals(0, f.segment(s).getNumRows());
    // A report is applied whole or not at all: a stale second segment refuses the first too.
    f.ok(SealSegments.newBuilder().addSegments(SealRequest.newBuilder().setSegmentId(s)).build());
    assertEquals("manual", f.segment(s).getSealReason());
    CollectionInfo other = f.createCollection("other", 1);
    Session b = f.register("datanode", "b:1");
    f.channelRound();
    assertEquals(ref(b), f.channel(other.getVirtualChannels(0)).getNode(), "the least loaded node");
    long t = assignOne(req(other, 0, defaultPartition(other), 10));
    assertRefused(ErrorCode.STALE_EPOCH, "does not own channel", save(ref(a), report(s, 5, false), report(t, 5, false)));
    assertEquals(0, f.segment(s).getNumRows());
  }

  @Test
  void binlogsAreDeduplicatedPerFieldAndKind() {
    open(Set.of());
    Session a = f.register("datanode", "a:1");
    CollectionInfo c = watchedCollection("c", 1, a);
    long s = assignOne(req(c, 0, defaultPartition(c), 10));
    // Milvus keys binlogs by field and log id: the same log id under two fields is two files.
    SegmentReport.Builder r = report(s, 10, false, field(100, 7, 8, 8), field(101, 7));
    r.addDeltalogs(field(0, 7)).addStatslogs(field(100, 7));
    f.ok(save(ref(a), r));
    SegmentBinlogs b = describe(s).getBinlogs();
    assertEquals(List.of(7L, 8L), logIds(b, 100), "a log id twice in one field is one file");
    assertEquals(List.of(7L), logIds(b, 101));
    assertEquals(1, b.getDeltalogsCount());
    assertEquals(1, b.getStatslogsCount());
    assertEquals(2, f.segment(s).getBinlogFiles());
    assertEquals(3_000, f.segment(s).getBinlogBytes());
    assertEquals(10, f.segment(s).getDeltalogEntries());
    assertEquals(1, f.segment(s).getStatslogFiles());
    // Sent again (a lost reply's retry mixed with new logs): only the new ones are added.
    f.ok(save(ref(a), report(s, 12, false, field(101, 7, 9), field(100, 8))));
    b = describe(s).getBinlogs();
    assertEquals(List.of(7L, 8L), logIds(b, 100));
    assertEquals(List.of(7L, 9L), logIds(b, 101));
  }

  @Test
  void aFlushedReportWithoutRowsDropsTheSegmentButAnL0WithDeletesIsFlushed() {
    open(Set.of());
    Session a = f.register("datanode", "a:1");
    CollectionInfo c = watchedCollection("c", 1, a);
    long s = assignOne(req(c, 0, defaultPartition(c), 10));
    f.ok(save(ref(a), report(s, 0, true)));
    Segment dropped = f.segment(s);
    assertEquals(SegmentState.DROPPED, dropped.getState());
    assertEquals(f.time, dropped.getDroppedMs());
    long l0 = assignOne(req(c, 0, -1, 5).toBuilder().setLevel(SegmentLevel.L0).build());
    assertEquals(SegmentLevel.L0, f.segment(l0).getLevel());
    assertEquals(-1, f.segment(l0).getPartitionId(), "L0 may cover every partition");
    assertEquals(l0, assignOne(req(c, 0, -1, 500).toBuilder().setLevel(SegmentLevel.L0).build()),
        "deletes go to the channel's open L0 segment");
    f.ok(save(ref(a), report(l0, 0, true).addDeltalogs(field(0, 3))));
    assertEquals(SegmentState.FLUSHED, f.segment(l0).getState());
  }

  @ParameterizedTest(name = "planted bug: {0}")
  @ValueSource(booleans = {false, true})
  void reportsAndCheckpointsFromANodeThatDoesNotOwnTheChannelAreStale(boolean planted) {
    open(planted ? Set.of(PlantedBug.DATACOORD_ACCEPTS_STALE_EPOCH) : Set.of());
    ErrorCode expected = planted ? ErrorCode.OK : ErrorCode.STALE_EPOCH;
    Session a = f.register("datanode", "a:1");
    CollectionInfo c = watchedCollection("c", 1, a);
    String ch = c.getVirtualChannels(0);
    Session b = f.register("datanode", "b:1");
    assertEquals(List.of(), f.plan("datacoord-channels"), "b joined: no balancing before the quiet period");
    long s = assignOne(req(c, 0, defaultPartition(c), 10));

    CommandReply r = f.run(save(ref(b), report(s, 5, false, field(100, 1))));
    assertEquals(expected, r.getCode(), r::getMessage);
    r = f.run(save(olderEpoch(ref(a)), report(s, 6, false, field(100, 2))));
    assertEquals(expected, r.getCode(), r::getMessage);
    r = f.run(checkpoints(ref(b), cp(ch, 100)));
    assertEquals(expected, r.getCode(), r::getMessage);
    if (!planted) {
      assertTrue(r.getMessage().contains("does not own channel " + ch), r.getMessage());
      assertEquals(0, f.segment(s).getNumRows());
      assertEquals(List.of(), describe(s).getBinlogs().getBinlogsList());
      assertFalse(f.channel(ch).hasCheckpoint());
    } else {
      assertEquals(6, f.segment(s).getNumRows(), "the defect: a zombie's report is taken");
    }

    // a expires: the channel goes to b; a's later calls are stale (and its channel answers always are).
    ExpireSessions expire = ExpireSessions.newBuilder().addExpire(ref(a)).setPlannedRevision(f.state.appliedIndex()).build();
    assertEquals(ErrorCode.OK, f.run(expire).getCode());
    // Still the channel's owner on record, but its session has ended: fenced from that entry on.
    assertEquals(ref(a), f.channel(ch).getNode());
    r = f.run(save(ref(a), report(s, 7, false)));
    assertEquals(expected, r.getCode(), r::getMessage);
    if (!planted) {
      assertTrue(r.getMessage().contains("has ended"), r.getMessage());
    }
    List<DataCoordReply> moved = f.channelRound();
    assertEquals(1, moved.get(0).getMovesCount());
    assertEquals(ref(a), moved.get(0).getMoves(0).getFrom());
    Channel now = f.channel(ch);
    assertEquals(ref(b), now.getNode());
    assertEquals(ChannelWatchState.TO_WATCH, now.getState());
    r = f.run(save(ref(a), report(s, 7, false)));
    assertEquals(expected, r.getCode(), r::getMessage);
    assertEquals(ErrorCode.STALE_EPOCH, f.run(watch(ref(a), ch, ChannelWatchState.WATCH_SUCCESS)).getCode());
    // The new owner may.
    f.ok(save(ref(b), report(s, 8, false, field(100, 3))));
    f.ok(checkpoints(ref(b), cp(ch, 200)));
    assertEquals(8, f.segment(s).getNumRows());
    assertEquals(200, f.channel(ch).getCheckpoint().getTimestamp());
  }

  @Test
  void checkpointsOnlyMoveForward() {
    open(Set.of());
    Session a = f.register("datanode", "a:1");
    CollectionInfo c = watchedCollection("c", 2, a);
    String ch0 = c.getVirtualChannels(0);
    String ch1 = c.getVirtualChannels(1);
    f.ok(checkpoints(ref(a), cp(ch0, 100), cp(ch1, 10)));
    assertEquals(cp(ch0, 100).getPosition(), f.channel(ch0).getCheckpoint());
    f.ok(checkpoints(ref(a), cp(ch0, 50)));
    assertEquals(100, f.channel(ch0).getCheckpoint().getTimestamp(), "older: ignored");
    f.ok(checkpoints(ref(a), cp(ch0, 100).toBuilder().setPosition(Position.newBuilder().setTimestamp(100)
        .setMsgId(ByteString.copyFromUtf8("other"))).build()));
    assertEquals(ByteString.copyFromUtf8("m100"), f.channel(ch0).getCheckpoint().getMsgId(), "equal: ignored");
    long s = assignOne(req(c, 0, defaultPartition(c), 10));
    f.ok(save(ref(a), report(s, 1, false)).toBuilder().addCheckpoints(cp(ch0, 150)).addCheckpoints(cp(ch0, 120)).build());
    assertEquals(150, f.channel(ch0).getCheckpoint().getTimestamp(), "with a report, and in one call, forward only");
    f.ok(checkpoints(ref(a), cp(ch1, 30), cp(ch1, 20)));
    assertEquals(30, f.channel(ch1).getCheckpoint().getTimestamp());
    assertRefused(ErrorCode.INVALID_ARGUMENT, "negative timestamp", checkpoints(ref(a), cp(ch0, -1)));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "1 to 128 checkpoints", checkpoints(ref(a)));
    assertRefused(ErrorCode.STALE_EPOCH, "not assigned", checkpoints(ref(a), cp("no-such-channel", 500)));
    assertRefused(ErrorCode.STALE_EPOCH, "not assigned", checkpoints(ref(a), cp(ch0, 500), cp("no-such-channel", 500)));
    assertEquals(150, f.channel(ch0).getCheckpoint().getTimestamp(), "a refused call changes nothing");
    f.reopen();
    assertEquals(150, f.channel(ch0).getCheckpoint().getTimestamp());
    assertEquals(30, f.channel(ch1).getCheckpoint().getTimestamp());
  }

  @Test
  void flushSealsTheGrowingSegmentsAndFlushStateWaitsForSegmentsAndCheckpoints() {
    open(Set.of());
    f.ok(smallSegments());
    Session a = f.register("datanode", "a:1");
    CollectionInfo c = watchedCollection("c", 2, a);
    long part = defaultPartition(c);
    long done = assignOne(req(c, 0, part, 10));
    f.ok(save(ref(a), report(done, 10, true, field(100, 1))));
    long s0 = assignOne(req(c, 0, part, 10));
    long s1 = assignOne(req(c, 1, part, 10));
    long imported = assignOne(req(c, 1, part, 10).toBuilder().setImporting(true).build());
    assertEquals(SegmentState.IMPORTING, f.segment(imported).getState());
    CollectionInfo other = watchedCollection("other", 1, a);
    long elsewhere = assignOne(req(other, 0, defaultPartition(other), 10));

    DataCoordReply flush = f.ok(FlushCollection.newBuilder().setCollection("c").build());
    assertEquals(c.getId(), flush.getCollectionId());
    assertEquals(List.of(s0, s1), flush.getSegmentIdsList());
    assertTrue(flush.getFlushTs() > 0);
    for (long s : List.of(s0, s1)) {
      assertEquals(SegmentState.SEALED, f.segment(s).getState());
      assertEquals("flush", f.segment(s).getSealReason());
    }
    assertEquals(SegmentState.GROWING, f.segment(elsewhere).getState(), "other collections are not flushed");
    assertEquals(SegmentState.IMPORTING, f.segment(imported).getState());
    assertEquals(ErrorCode.NOT_FOUND, f.run(FlushCollection.newBuilder().setCollection("nope").build()).getCode());
    assertEquals(ErrorCode.NOT_FOUND, f.run(FlushCollection.newBuilder().setDb("nodb").setCollection("c").build()).getCode());

    GetFlushState q = GetFlushState.newBuilder().addAllSegmentIds(flush.getSegmentIdsList()).setFlushTs(flush.getFlushTs())
        .setCollection(byId(c.getId())).build();
    FlushState st = f.read(q, FlushState.class);
    assertFalse(st.getFlushed());
    assertEquals(List.of(s0, s1), st.getPendingSegmentsList());
    assertEquals(c.getVirtualChannelsList(), st.getPendingChannelsList());

    // A flush again names what is still to flush, sealed or flushing, with a later timestamp.
    DataCoordReply again = f.ok(FlushCollection.newBuilder().setCollection("c").build());
    assertEquals(List.of(s0, s1), again.getSegmentIdsList());
    assertTrue(again.getFlushTs() > flush.getFlushTs());

    f.time += 2_000;
    f.flushRound();
    f.ok(save(ref(a), report(s0, 10, true, field(100, 2))));
    f.ok(save(ref(a), report(s1, 0, true)));
    assertEquals(SegmentState.DROPPED, f.segment(s1).getState());
    st = f.read(q, FlushState.class);
    assertEquals(List.of(), st.getPendingSegmentsList());
    assertEquals(c.getVirtualChannelsList(), st.getPendingChannelsList());
    assertFalse(st.getFlushed());
    f.ok(checkpoints(ref(a), cp(c.getVirtualChannels(0), flush.getFlushTs()),
        cp(c.getVirtualChannels(1), flush.getFlushTs() - 1)));
    st = f.read(q, FlushState.class);
    assertEquals(List.of(c.getVirtualChannels(1)), st.getPendingChannelsList(), "a checkpoint at flush_ts is enough");
    f.ok(checkpoints(ref(a), cp(c.getVirtualChannels(1), flush.getFlushTs() + 5)));
    assertTrue(f.read(q, FlushState.class).getFlushed());
  }

  // ---- catalog drops ----

  @Test
  void droppingTheCollectionReleasesItsChannelsAndDropsItsSegmentsInTheSameEntry() throws Exception {
    open(Set.of());
    Session a = f.register("datanode", "a:1");
    CollectionInfo c = watchedCollection("c", 2, a);
    CollectionInfo keep = watchedCollection("keep", 1, a);
    long growing = assignOne(req(c, 0, defaultPartition(c), 10));
    long flushed = assignOne(req(c, 1, defaultPartition(c), 10));
    f.ok(save(ref(a), report(flushed, 10, true, field(100, 1))));
    long other = assignOne(req(keep, 0, defaultPartition(keep), 10));
    f.ok(checkpoints(ref(a), cp(c.getVirtualChannels(0), 5)));

    BatchReply entry = f.entry(10, Batches.dropCollection("default", "c"));
    catalogOk(only(entry));
    // Straight from the store, before any other entry.
    for (String ch : c.getVirtualChannelsList()) {
      assertNull(storedChannel(ch), ch);
      assertTrue(f.table().channel(ch).isEmpty());
    }
    assertTrue(storedChannel(keep.getVirtualChannels(0)) != null);
    for (long s : List.of(growing, flushed)) {
      Segment stored = storedSegment(s);
      assertEquals(SegmentState.DROPPED, stored.getState());
      assertEquals(f.time, stored.getDroppedMs());
      assertEquals(0, stored.getAllocationsCount());
      assertEquals(stored, f.segment(s));
    }
    assertEquals(SegmentState.GROWING, storedSegment(other).getState());
    // Watchers see the catalog's event once; the cascaded channel and segment records are not repeated.
    List<String> kinds = f.state.watch(WatchQuery.newBuilder().setFromRevision(entry.getIndex()).build()).getWatch()
        .getEventsList().stream().filter(e -> e.getRevision() == entry.getIndex()).map(WatchFilter::kindOf).toList();
    assertEquals(List.of("COLLECTION_DROPPED"), kinds);

    List<Channel> listed = f.channels();
    assertEquals(List.of(keep.getVirtualChannels(0)), listed.stream().map(Channel::getName).toList());
    assertRefused(ErrorCode.STALE_EPOCH, "not assigned", save(ref(a), report(growing, 5, true)));
    assertRefused(ErrorCode.NOT_FOUND, "does not exist", assign(req(c, 0, defaultPartition(c), 1)));
    assertEquals(List.of(1L), logIds(describe(flushed).getBinlogs(), 100), "a dropped segment still describes its binlogs");
    assertEquals(List.of(), f.plan("datacoord-channels"));
    assertEquals(List.of(), f.plan("datacoord-seal"));
    f.reopen();
    assertEquals(SegmentState.DROPPED, f.segment(growing).getState());
    assertEquals(listed, f.channels());
  }

  @Test
  void droppingAPartitionDropsItsSegments() {
    open(Set.of());
    f.ok(smallSegments());
    Session a = f.register("datanode", "a:1");
    CollectionInfo c = watchedCollection("c", 1, a);
    catalogOk(f.run(Batches.createPartition("default", "c", "p1")));
    c = f.collection(c.getId());
    long p1 = c.getPartitions(1).getId();
    long inDefault = assignOne(req(c, 0, defaultPartition(c), 10));
    long inP1 = assignOne(req(c, 0, p1, 10));
    long flushedInP1 = assignOne(req(c, 0, p1, 100));
    f.ok(save(ref(a), report(flushedInP1, 100, true, field(100, 1))));
    long l0 = assignOne(req(c, 0, -1, 3).toBuilder().setLevel(SegmentLevel.L0).build());

    catalogOk(f.run(Batches.dropPartition("default", "c", "p1")));
    assertEquals(SegmentState.DROPPED, f.segment(inP1).getState());
    assertEquals(SegmentState.DROPPED, f.segment(flushedInP1).getState());
    assertEquals(SegmentState.GROWING, f.segment(inDefault).getState());
    assertEquals(SegmentState.GROWING, f.segment(l0).getState(), "an all-partition L0 segment stays");
    assertEquals(ref(a), f.channel(c.getVirtualChannels(0)).getNode(), "the channel stays");
    assertRefused(ErrorCode.INVALID_ARGUMENT, "is not a partition", assign(req(c, 0, p1, 1)));
    assertEquals(inDefault, assignOne(req(c, 0, defaultPartition(c), 1)));
  }

  // ---- assignment ----

  @Test
  void assignmentValidatesEveryRequestAndSplitsLargeOnes() {
    open(Set.of());
    f.ok(smallSegments());
    CollectionInfo c = f.createCollection("c", 2);
    long part = defaultPartition(c);
    assertRefused(ErrorCode.NOT_FOUND, "collection 999999 does not exist",
        assign(req(c, 0, part, 1).toBuilder().setCollectionId(999_999).build()));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "is not a channel of collection c",
        assign(req(c, 0, part, 1).toBuilder().setChannel("by-dml_0").build()));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "partition 424242", assign(req(c, 0, 424_242, 1)));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "partition -1", assign(req(c, 0, -1, 1)));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "rows must be", assign(req(c, 0, part, 0)));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "level L2",
        assign(req(c, 0, part, 1).toBuilder().setLevel(SegmentLevel.L2).build()));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "L0", assign(req(c, 0, part, 1).toBuilder().setLevel(SegmentLevel.L0)
        .setImporting(true).build()));
    assertRefused(ErrorCode.INVALID_ARGUMENT, "1 to 1024 requests", assign());
    long nextId = f.state.ids().nextId();
    assertRefused(ErrorCode.INVALID_ARGUMENT, "request 1", assign(req(c, 0, part, 1), req(c, 0, part, -5)));
    assertEquals(0, f.table().segmentCount(), "a refused command allocates nothing");
    assertEquals(nextId, f.state.ids().nextId());

    // 250 rows at 100 a segment: three new segments, the rows summing to the request.
    DataCoordReply split = f.ok(assign(req(c, 0, part, 250), req(c, 1, part, 7)));
    assertEquals(List.of(100L, 100L, 50L, 7L), split.getAssignmentsList().stream().map(SegmentAssignment::getRows).toList());
    assertEquals(List.of(0, 0, 0, 1), split.getAssignmentsList().stream().map(SegmentAssignment::getRequest).toList());
    List<Long> newIds = split.getAssignmentsList().stream().map(SegmentAssignment::getSegmentId).toList();
    assertEquals(List.of(nextId, nextId + 1, nextId + 2, nextId + 3), newIds, "one ID range, in request order");
    assertEquals(nextId + 4, f.state.ids().nextId());
    // The 50-row one is at the proportion: a small request opens yet another segment; the 7-row one takes more.
    assertNotEquals(newIds.get(2), assignOne(req(c, 0, part, 1)));
    assertEquals(newIds.get(3), assignOne(req(c, 1, part, 1)));
    // A command's requests see each other's allocations; the proportion is checked before the request.
    DataCoordReply three = f.ok(assign(req(c, 1, part, 40), req(c, 1, part, 10), req(c, 1, part, 1)));
    assertEquals(newIds.get(3), three.getAssignments(0).getSegmentId(), "8 used: takes 40");
    assertEquals(newIds.get(3), three.getAssignments(1).getSegmentId(), "48 used: under 50, takes 10 (58 fit in 100)");
    assertNotEquals(newIds.get(3), three.getAssignments(2).getSegmentId(), "58 used: full");
    assertEquals(2, three.getAssignments(2).getRequest());
  }

  @Test
  void allocationsExpireAndAnImportGetsASegmentOfItsOwn() {
    open(Set.of());
    f.ok(smallSegments());
    Session a = f.register("datanode", "a:1");
    CollectionInfo c = watchedCollection("c", 1, a);
    long part = defaultPartition(c);
    long s = assignOne(req(c, 0, part, 50));
    long t = assignOne(req(c, 0, part, 1));
    assertNotEquals(s, t, "50 live rows: full");
    f.time += 2_000;
    assertEquals(s, assignOne(req(c, 0, part, 1)), "the allocation expired: the segment has room again");
    Segment after = f.segment(s);
    assertEquals(1, after.getAllocationsCount(), "expired allocations are pruned when the segment changes");

    long imp = assignOne(req(c, 0, part, 5).toBuilder().setImporting(true).build());
    assertEquals(SegmentState.IMPORTING, f.segment(imp).getState());
    assertNotEquals(imp, assignOne(req(c, 0, part, 1)), "an importing segment takes no other rows");
    assertNotEquals(imp, assignOne(req(c, 0, part, 1).toBuilder().setImporting(true).build()), "nor another import");
    f.ok(save(ref(a), report(imp, 5, true, field(100, 1))));
    assertEquals(SegmentState.FLUSHED, f.segment(imp).getState());
  }

  @Test
  void maxSegmentsIsAQuotaOnNewSegments() {
    open(Set.of());
    f.ok(smallSegments());
    f.ok(SetDataCoordSettings.newBuilder().setSettings(DataCoordSettings.newBuilder().setMaxSegments(3)).build());
    CollectionInfo c = f.createCollection("c", 2);
    long part = defaultPartition(c);
    long s = assignOne(req(c, 0, part, 10));
    assignOne(req(c, 1, part, 10));
    long nextId = f.state.ids().nextId();
    assertRefused(ErrorCode.QUOTA_EXCEEDED, "max_segments 3", assign(req(c, 0, part, 150)));
    assertEquals(2, f.table().segmentCount());
    assertEquals(nextId, f.state.ids().nextId());
    assertEquals(s, assignOne(req(c, 0, part, 10)), "an existing segment still takes rows");
    assertEquals(s, assignOne(req(c, 0, part, 60)), "20 used: takes 60 more");
    assertNotEquals(s, assignOne(req(c, 0, part, 60)), "80 used: a third segment, the last the quota allows");
    assertRefused(ErrorCode.QUOTA_EXCEEDED, "max_segments 3", assign(req(c, 0, part, 1)));
    assertEquals(3, f.table().segmentCount());
  }

  // ---- settings ----

  @Test
  void settingsAreValidatedNamingTheFieldAndZeroKeepsAValue() {
    open(Set.of());
    DataCoordSettings defaults = f.read(GetDataCoordSettings.getDefaultInstance(), DataCoordSettings.class);
    assertEquals(1024L * 1024 * 1024, defaults.getMaxSegmentBytes());
    assertEquals(120, defaults.getSealProportionPermille());
    assertEquals(2_000, defaults.getAllocationExpireMs());
    List<Function<DataCoordSettings.Builder, DataCoordSettings.Builder>> bad = List.of(
        b -> b.setMaxSegmentBytes(4_095), b -> b.setSealProportionPermille(1_001), b -> b.setSealProportionPermille(-1),
        b -> b.setSealJitterPermille(-1), b -> b.setSealJitterPermille(1_001), b -> b.setMaxLifeMs(999),
        b -> b.setMaxIdleMs(999), b -> b.setMinSizeFromIdleBytes(-1), b -> b.setMaxBinlogFiles(100_001),
        b -> b.setChannelGrowingCapBytes(4_095), b -> b.setL0MaxEntries(-1), b -> b.setL0MaxBytes(-5),
        b -> b.setAllocationExpireMs(99), b -> b.setChannelBalanceQuietMs(-1), b -> b.setMaxSegments(-1));
    for (Function<DataCoordSettings.Builder, DataCoordSettings.Builder> change : bad) {
      DataCoordSettings s = change.apply(DataCoordSettings.newBuilder()).build();
      String field = s.getAllFields().keySet().iterator().next().getName();
      String value = String.valueOf(s.getAllFields().values().iterator().next());
      CommandReply r = f.run(SetDataCoordSettings.newBuilder().setSettings(s).build());
      assertEquals(ErrorCode.INVALID_ARGUMENT, r.getCode(), field);
      assertTrue(r.getMessage().contains(field) && r.getMessage().contains("got " + value),
          () -> field + " = " + value + ": " + r.getMessage());
    }
    assertEquals(defaults, f.read(GetDataCoordSettings.getDefaultInstance(), DataCoordSettings.class));

    DataCoordReply set = f.ok(SetDataCoordSettings.newBuilder().setSettings(DataCoordSettings.newBuilder()
        .setMaxSegmentBytes(4_096).setSealJitterPermille(1)).build());
    assertEquals(4_096, set.getSettings().getMaxSegmentBytes());
    assertEquals(120, set.getSettings().getSealProportionPermille(), "0 keeps the value");
    set = f.ok(SetDataCoordSettings.newBuilder().setSettings(DataCoordSettings.newBuilder().setSealProportionPermille(1_000))
        .build());
    assertEquals(4_096, set.getSettings().getMaxSegmentBytes(), "a later change keeps the earlier one");
    assertEquals(1, set.getSettings().getSealJitterPermille());
    assertEquals(1_000, set.getSettings().getSealProportionPermille());
    f.reopen();
    assertEquals(set.getSettings(), f.read(GetDataCoordSettings.getDefaultInstance(), DataCoordSettings.class));
    // The new size applies to segments opened from now on: 4,096 / 56 = 73 rows.
    CollectionInfo c = f.createCollection("c", 1);
    long s = assignOne(req(c, 0, defaultPartition(c), 1));
    assertEquals(73, f.segment(s).getMaxRows());
  }

  // ---- channels ----

  @Test
  void aStoppingNodeReleasesItsChannelsToAnotherActiveNode() {
    open(Set.of());
    Session a = f.register("datanode", "a:1");
    Session b = f.register("streamingnode", "b:1");
    CollectionInfo c = f.createCollection("c", 2);
    String ch0 = c.getVirtualChannels(0);
    String ch1 = c.getVirtualChannels(1);
    f.channelRound();
    assertEquals(ref(a), f.channel(ch0).getNode());
    assertEquals(ref(b), f.channel(ch1).getNode(), "a streaming node is a data node too");

    // a fails to watch: the next round gives the channel to b.
    f.ok(watch(ref(a), ch0, ChannelWatchState.WATCH_FAILURE));
    f.channelRound();
    assertEquals(ref(b), f.channel(ch0).getNode());
    assertEquals(ChannelWatchState.TO_WATCH, f.channel(ch0).getState());
    assertEquals(ErrorCode.STALE_EPOCH, f.run(watch(ref(a), ch0, ChannelWatchState.WATCH_SUCCESS)).getCode());
    for (String ch : List.of(ch0, ch1)) {
      f.ok(watch(ref(b), ch, ChannelWatchState.WATCH_SUCCESS));
    }
    f.ok(watch(ref(b), ch0, ChannelWatchState.WATCH_SUCCESS));
    assertRefused(ErrorCode.FAILED_PRECONDITION, "does not take RELEASE_SUCCESS",
        watch(ref(b), ch0, ChannelWatchState.RELEASE_SUCCESS));
    assertRefused(ErrorCode.STALE_EPOCH, "not assigned", watch(ref(b), "nope", ChannelWatchState.WATCH_SUCCESS));

    // b stops: both channels are released to a, one at a time as b answers.
    long s = assignOne(req(c, 0, defaultPartition(c), 10));
    assertEquals(ErrorCode.OK, f.run(StopSession.newBuilder().setSession(ref(b)).build()).getCode());
    f.channelRound();
    for (String ch : List.of(ch0, ch1)) {
      assertEquals(ChannelWatchState.TO_RELEASE, f.channel(ch).getState());
      assertEquals(ref(b), f.channel(ch).getNode(), "the owner keeps it until it has released");
    }
    assertEquals(List.of(), f.plan("datacoord-channels"), "asked once");
    f.ok(save(ref(b), report(s, 10, true, field(100, 1)))); // a releasing node flushes what it buffered
    f.ok(watch(ref(b), ch0, ChannelWatchState.RELEASE_SUCCESS));
    f.channelRound();
    assertEquals(ref(a), f.channel(ch0).getNode());
    assertEquals(ChannelWatchState.TO_WATCH, f.channel(ch0).getState());
    assertEquals(ChannelWatchState.TO_RELEASE, f.channel(ch1).getState());
    long t = assignOne(req(c, 0, defaultPartition(c), 10));
    assertRefused(ErrorCode.STALE_EPOCH, "does not own", save(ref(b), report(t, 10, false)));
    f.ok(save(ref(a), report(t, 10, false)));
  }

  @Test
  void aJoiningNodeTakesItsShareOnceMembershipHasBeenQuiet() {
    open(Set.of());
    f.ok(SetDataCoordSettings.newBuilder().setSettings(DataCoordSettings.newBuilder().setChannelBalanceQuietMs(60_000)).build());
    Session a = f.register("datanode", "a:1");
    CollectionInfo c = watchedCollection("c", 4, a);
    Session b = f.register("datanode", "b:1");
    f.time += 59_000;
    assertEquals(List.of(), f.plan("datacoord-channels"), "not quiet for 60 s yet");
    f.time += 1_000;
    List<DataCoordReply> round = f.channelRound();
    assertEquals(2, round.get(0).getMovesCount());
    List<String> released = round.get(0).getMovesList().stream().map(m -> m.getChannel()).toList();
    for (String ch : released) {
      assertEquals(ChannelWatchState.TO_RELEASE, f.channel(ch).getState());
      f.ok(watch(ref(a), ch, ChannelWatchState.RELEASE_SUCCESS));
    }
    f.channelRound();
    for (String ch : c.getVirtualChannelsList()) {
      Channel x = f.channel(ch);
      assertEquals(released.contains(ch) ? ref(b) : ref(a), x.getNode(), ch);
      if (released.contains(ch)) {
        f.ok(watch(ref(b), ch, ChannelWatchState.WATCH_SUCCESS));
      }
    }
    f.time += 120_000;
    assertEquals(List.of(), f.plan("datacoord-channels"), "2 and 2: balanced");
    ChannelList ofB = f.read(ListChannels.newBuilder().setNodeId(b.getServerId()).build(), ChannelList.class);
    assertEquals(released.stream().sorted().toList(), ofB.getChannelsList().stream().map(Channel::getName).sorted().toList());
  }

  // ---- reads ----

  @Test
  void listsFilterByCollectionPartitionChannelStateLevelAndNodeAndPage() {
    open(Set.of());
    f.ok(smallSegments());
    Session a = f.register("datanode", "a:1");
    CollectionInfo c = watchedCollection("c", 2, a);
    catalogOk(f.run(Batches.createPartition("default", "c", "p1")));
    c = f.collection(c.getId());
    long def = defaultPartition(c);
    long p1 = c.getPartitions(1).getId();
    long flushed = assignOne(req(c, 0, def, 10));
    long sealed = assignOne(req(c, 0, p1, 10));
    long growing = assignOne(req(c, 1, def, 10));
    long l0 = assignOne(req(c, 1, -1, 5).toBuilder().setLevel(SegmentLevel.L0).build());
    List<Long> split = f.ok(assign(req(c, 0, def, 250))).getAssignmentsList().stream().map(SegmentAssignment::getSegmentId)
        .toList();
    long importing = assignOne(req(c, 1, p1, 5).toBuilder().setImporting(true).build());
    f.ok(save(ref(a), report(flushed, 10, true)));
    f.ok(SealSegments.newBuilder().addSegments(SealRequest.newBuilder().setSegmentId(sealed).setReason("test")).build());
    f.ok(save(ref(a), report(split.get(2), 0, true)));
    long dropped = split.get(2);
    CollectionInfo other = watchedCollection("other", 1, a);
    assignOne(req(other, 0, defaultPartition(other), 1));

    CollectionSelector sel = byId(c.getId());
    Function<ListSegments.Builder, List<Long>> list = q -> ids(f.read(q.build(), SegmentList.class).getSegmentsList());
    List<Long> live = List.of(flushed, sealed, growing, l0, split.get(0), split.get(1), importing);
    assertEquals(live, list.apply(ListSegments.newBuilder().setCollection(sel)), "every state but DROPPED, by id");
    assertEquals(live, list.apply(ListSegments.newBuilder().setCollection(CollectionSelector.newBuilder().setName("c"))));
    assertEquals(List.of(dropped), list.apply(ListSegments.newBuilder().setCollection(sel).addStates(SegmentState.DROPPED)));
    assertEquals(List.of(sealed, importing), list.apply(ListSegments.newBuilder().setCollection(sel).setPartitionId(p1)));
    assertEquals(List.of(growing, l0, importing), list.apply(ListSegments.newBuilder().setChannel(c.getVirtualChannels(1))));
    assertEquals(List.of(l0),
        list.apply(ListSegments.newBuilder().setCollection(sel).setLevel(SegmentLevel.L0).setLevelSet(true)));
    assertEquals(List.of(), list.apply(ListSegments.newBuilder().setCollection(sel).setLevelSet(true)), "no legacy segments");
    assertEquals(List.of(growing, l0, split.get(0), split.get(1)),
        list.apply(ListSegments.newBuilder().setCollection(sel).addStates(SegmentState.GROWING)));
    assertEquals(List.of(growing, split.get(0), split.get(1)), list.apply(ListSegments.newBuilder().setCollection(sel)
        .addStates(SegmentState.GROWING).setLevel(SegmentLevel.L1).setLevelSet(true)));
    // A node's work: the active segments of its channels, of every collection.
    List<Long> work = list.apply(ListSegments.newBuilder().setNodeId(a.getServerId()));
    assertEquals(7, work.size(), work.toString());
    assertFalse(work.contains(flushed));
    assertEquals(List.of(), list.apply(ListSegments.newBuilder().setNodeId(987_654)));

    // Paging by id.
    List<Long> paged = new ArrayList<>();
    long after = 0;
    int pages = 0;
    while (true) {
      SegmentList page = f.read(ListSegments.newBuilder().setCollection(sel).setAfterId(after).setLimit(3).build(),
          SegmentList.class);
      paged.addAll(ids(page.getSegmentsList()));
      pages++;
      if (!page.getMore()) {
        break;
      }
      assertEquals(3, page.getSegmentsCount());
      after = paged.get(paged.size() - 1);
    }
    assertEquals(live, paged);
    assertEquals(3, pages);
    SegmentList exact = f.read(ListSegments.newBuilder().setCollection(sel).setLimit(7).build(), SegmentList.class);
    assertEquals(7, exact.getSegmentsCount());
    assertFalse(exact.getMore(), "nothing after the last");

    // Refusals.
    assertEquals(ErrorCode.INVALID_ARGUMENT, f.query(ListSegments.getDefaultInstance()).getCode());
    assertEquals(ErrorCode.NOT_FOUND, f.query(ListSegments.newBuilder().setCollection(byId(424_242)).build()).getCode());
    assertEquals(ErrorCode.NOT_FOUND, f.query(ListSegments.newBuilder().setChannel("nope").build()).getCode());
    assertEquals(ErrorCode.INVALID_ARGUMENT, f.query(ListSegments.newBuilder().setCollection(sel).setLimit(100_001).build())
        .getCode());
    assertEquals(ErrorCode.NOT_FOUND, f.query(DescribeSegment.newBuilder().setSegmentId(424_242).build()).getCode());

    // Channels.
    ChannelList all = f.read(ListChannels.getDefaultInstance(), ChannelList.class);
    assertEquals(3, all.getChannelsCount());
    assertEquals(List.of(), all.getUnassignedList());
    ChannelList ofC = f.read(ListChannels.newBuilder().setCollection(sel).build(), ChannelList.class);
    assertEquals(c.getVirtualChannelsList(), ofC.getChannelsList().stream().map(Channel::getName).toList());
    CollectionInfo fresh = f.createCollection("fresh", 2);
    ChannelList unassigned = f.read(ListChannels.newBuilder().setCollection(byId(fresh.getId())).build(), ChannelList.class);
    assertEquals(fresh.getVirtualChannelsList(), unassigned.getUnassignedList());
    assertEquals(0, f.read(ListChannels.newBuilder().setNodeId(987_654).build(), ChannelList.class).getChannelsCount());
    QueryReply missing = f.query(ListChannels.newBuilder().setCollection(byId(424_242)).build());
    assertEquals(ErrorCode.NOT_FOUND, missing.getCode());
  }

  @Test
  void theStateIsTheSameAfterAReopen() {
    open(Set.of());
    f.ok(smallSegments());
    Session a = f.register("datanode", "a:1");
    CollectionInfo c = watchedCollection("c", 2, a);
    List<Long> all = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      long s = assignOne(req(c, i % 2, defaultPartition(c), 10 + i * 7));
      all.add(s);
      f.ok(save(ref(a), report(s, f.segment(s).getNumRows() + 10 + i * 7, i % 3 == 0, field(100, 10L * i + 1, 10L * i + 2))));
    }
    f.sealRound();
    f.time += 5_000;
    f.flushRound();
    f.ok(checkpoints(ref(a), cp(c.getVirtualChannels(0), 77)));
    List<Segment> segments = f.segments(c.getId());
    List<SegmentBinlogs> binlogs = all.stream().map(s -> describe(s).getBinlogs()).toList();
    List<Channel> channels = f.channels();
    DataCoordSettings settings = f.read(GetDataCoordSettings.getDefaultInstance(), DataCoordSettings.class);
    java.util.Map<String, List<Long>> active = new java.util.TreeMap<>();
    for (String ch : f.table().channelsWithActiveSegments()) {
      active.put(ch, List.copyOf(f.table().activeOnChannel(ch).keySet()));
    }
    StoreDump dump = f.state.dump(true);
    assertTrue(segments.stream().map(Segment::getState).distinct().count() >= 3, segments.toString());

    f.reopen();
    assertEquals(dump.digest(), f.state.dump(false).digest());
    assertEquals(segments, f.segments(c.getId()));
    assertEquals(binlogs, all.stream().map(s -> describe(s).getBinlogs()).toList());
    assertEquals(channels, f.channels());
    assertEquals(settings, f.read(GetDataCoordSettings.getDefaultInstance(), DataCoordSettings.class));
    // The indexes the duties walk are rebuilt the same.
    java.util.Map<String, List<Long>> reloaded = new java.util.TreeMap<>();
    for (String ch : f.table().channelsWithActiveSegments()) {
      reloaded.put(ch, List.copyOf(f.table().activeOnChannel(ch).keySet()));
    }
    assertEquals(active, reloaded);
    assertEquals(segments.stream().filter(DataCoordTable::isActive).count(),
        active.values().stream().mapToLong(List::size).sum());
  }
}
