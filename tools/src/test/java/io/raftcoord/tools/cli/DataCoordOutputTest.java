package io.raftcoord.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.raftcoord.proto.Timestamps;
import io.raftcoord.proto.datacoord.Allocation;
import io.raftcoord.proto.datacoord.Binlog;
import io.raftcoord.proto.datacoord.Channel;
import io.raftcoord.proto.datacoord.ChannelList;
import io.raftcoord.proto.datacoord.ChannelWatchState;
import io.raftcoord.proto.datacoord.DataCoordReply;
import io.raftcoord.proto.datacoord.DataCoordSettings;
import io.raftcoord.proto.datacoord.FieldBinlog;
import io.raftcoord.proto.datacoord.FlushState;
import io.raftcoord.proto.datacoord.Position;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentBinlogs;
import io.raftcoord.proto.datacoord.SegmentDescription;
import io.raftcoord.proto.datacoord.SegmentLevel;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.proto.session.SessionRef;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataCoordOutputTest {
  private static final long NOW = 1_735_689_600_123L; // 2025-01-01T00:00:00.123Z
  private static final long CP_TS = Timestamps.compose(NOW - 1_500, 3); // 1.5 s behind now
  private static final String CH0 = "by-dev-rootcoord-dml_0_449v0";
  private static final String CH1 = "by-dev-rootcoord-dml_1_449v1";

  // ---- shared pieces ----

  @Test
  void bytesUseBinaryUnitsWithOneDecimal() {
    assertEquals("0 B", DataCoordOutput.bytes(0));
    assertEquals("1023 B", DataCoordOutput.bytes(1023));
    assertEquals("1.0 KiB", DataCoordOutput.bytes(1024));
    assertEquals("1.5 KiB", DataCoordOutput.bytes(1536));
    assertEquals("12.3 MiB", DataCoordOutput.bytes((long) (12.3 * (1 << 20))));
    assertEquals("1.0 GiB", DataCoordOutput.bytes(1L << 30));
    assertEquals("8.0 EiB", DataCoordOutput.bytes(Long.MAX_VALUE));
  }

  @Test
  void agesAreShortAndNeverNegative() {
    assertEquals("0.0s", DataCoordOutput.age(-5));
    assertEquals("0.4s", DataCoordOutput.age(400));
    assertEquals("9.9s", DataCoordOutput.age(9_949));
    assertEquals("42s", DataCoordOutput.age(42_900));
    assertEquals("5m07s", DataCoordOutput.age(307_000));
    assertEquals("2h03m", DataCoordOutput.age(7_380_000));
    assertEquals("3d04h", DataCoordOutput.age(3 * 86_400_000L + 4 * 3_600_000L + 59_000));
  }

  @Test
  void durationsUseTheLargestWholeUnit() {
    assertEquals("1d", DataCoordOutput.duration(86_400_000));
    assertEquals("23h", DataCoordOutput.duration(23 * 3_600_000L));
    assertEquals("10m", DataCoordOutput.duration(600_000));
    assertEquals("2s", DataCoordOutput.duration(2_000));
    assertEquals("1500ms", DataCoordOutput.duration(1_500));
    assertEquals("0ms", DataCoordOutput.duration(0));
  }

  @Test
  void timestampsShowTheirPhysicalPart() {
    assertEquals("2025-01-01T00:00:00.123Z", DataCoordOutput.tsTime(Timestamps.compose(NOW, 262_143)));
    assertEquals("-", DataCoordOutput.tsTime(0));
    assertEquals("7/12", DataCoordOutput.node(SessionRef.newBuilder().setServerId(7).setEpoch(12).build()));
    assertEquals("-", DataCoordOutput.node(SessionRef.getDefaultInstance()));
  }

  @Test
  void idRunsJoinConsecutiveIdsAndCountWhatDoesNotFit() {
    assertEquals("-", DataCoordOutput.idRuns(List.of(), 40));
    assertEquals("5", DataCoordOutput.idRuns(List.of(5L), 40));
    assertEquals("11-14,20,31-32", DataCoordOutput.idRuns(List.of(20L, 12L, 11L, 13L, 14L, 32L, 31L), 40));
    assertEquals("1,3,... (+2)", DataCoordOutput.idRuns(List.of(1L, 3L, 5L, 7L), 4));
    assertEquals("100000,... (+1)", DataCoordOutput.idRuns(List.of(100_000L, 200_000L), 3),
        "the first run is shown even when it alone is too long");
  }

  // ---- channels ----

  private static ChannelList channels() {
    return ChannelList.newBuilder()
        .addChannels(Channel.newBuilder().setName(CH0).setCollectionId(449)
            .setNode(SessionRef.newBuilder().setServerId(7).setEpoch(12)).setState(ChannelWatchState.WATCH_SUCCESS)
            .setCheckpoint(Position.newBuilder().setTimestamp(CP_TS)).setStateChangedMs(NOW - 65_000))
        .addChannels(Channel.newBuilder().setName(CH1).setCollectionId(449)
            .setNode(SessionRef.newBuilder().setServerId(8).setEpoch(13)).setState(ChannelWatchState.TO_WATCH)
            .setStateChangedMs(NOW - 300))
        .addUnassigned("by-dev-rootcoord-dml_0_450v0")
        .build();
  }

  @Test
  void channelsTableShowsOwnerStateAndCheckpointThenTheUnassigned() {
    String expected = String.join("\n",
        "CHANNEL                       COLLECTION  NODE  EPOCH  STATE          STATE_AGE  CHECKPOINT_TS       "
            + "CHECKPOINT_TIME           CHECKPOINT_LAG",
        "by-dev-rootcoord-dml_0_449v0  449         7     12     WATCH_SUCCESS  1m05s      " + CP_TS
            + "  2024-12-31T23:59:58.623Z  1.5s",
        "by-dev-rootcoord-dml_1_449v1  449         8     13     TO_WATCH       0.3s       -                   -"
            + "                         -",
        "2 channel(s) assigned; 1 unassigned: by-dev-rootcoord-dml_0_450v0");
    assertEquals(expected, DataCoordOutput.channelsText(channels(), NOW));
  }

  @Test
  void noChannelsIsOneLine() {
    assertEquals("0 channel(s) assigned; 0 unassigned", DataCoordOutput.channelsText(ChannelList.getDefaultInstance(), NOW));
  }

  @Test
  void channelsJsonIsTheProtoWithTimesAdded() {
    JsonObject o = JsonParser.parseString(Output.json(DataCoordOutput.channelsJson(channels(), NOW))).getAsJsonObject();
    JsonObject c0 = o.getAsJsonArray("channels").get(0).getAsJsonObject();
    assertEquals(CH0, c0.get("name").getAsString());
    assertEquals("449", c0.get("collectionId").getAsString(), "int64 as the proto JSON mapping prints it");
    assertEquals("WATCH_SUCCESS", c0.get("state").getAsString());
    assertEquals("7", c0.getAsJsonObject("node").get("serverId").getAsString());
    assertEquals(Long.toString(CP_TS), c0.getAsJsonObject("checkpoint").get("timestamp").getAsString());
    assertEquals("2024-12-31T23:59:58.623Z", c0.get("checkpointTime").getAsString());
    assertEquals(65_000, c0.get("stateAgeMs").getAsLong());
    JsonObject c1 = o.getAsJsonArray("channels").get(1).getAsJsonObject();
    assertTrue(c1.get("checkpointTime").isJsonNull());
    assertEquals("by-dev-rootcoord-dml_0_450v0", o.getAsJsonArray("unassigned").get(0).getAsString());
  }

  // ---- segments ----

  private static Segment segment(long id, SegmentState state, long rows) {
    return Segment.newBuilder().setId(id).setCollectionId(449).setPartitionId(450).setChannel(CH0).setState(state)
        .setLevel(SegmentLevel.L1).setNumRows(rows).setMaxRows(100_000).setBinlogFiles(rows == 0 ? 0 : 3)
        .setBinlogBytes(rows * 100).setCreatedMs(NOW - 42_000).build();
  }

  private static List<Segment> segments() {
    return List.of(
        segment(1001, SegmentState.FLUSHED, 4_000),
        segment(1002, SegmentState.GROWING, 3_000).toBuilder()
            .addAllocations(Allocation.newBuilder().setRows(500).setExpireMs(NOW + 1_000))
            .addAllocations(Allocation.newBuilder().setRows(700).setExpireMs(NOW - 1)).build(),
        segment(1003, SegmentState.GROWING, 5_000).toBuilder().setLevel(SegmentLevel.L0).build(),
        segment(1004, SegmentState.SEALED, 0).toBuilder().setLevel(SegmentLevel.LEVEL_LEGACY).setCreatedMs(0).build());
  }

  @Test
  void segmentsTableThenTotalsByState() {
    String expected = String.join("\n",
        "ID    COLLECTION  PARTITION  CHANNEL                       STATE    LEVEL   ROWS/MAX     ALLOCATED  BINLOGS"
            + "  SIZE       AGE",
        "1001  449         450        by-dev-rootcoord-dml_0_449v0  FLUSHED  L1      4000/100000  -          3      "
            + "  390.6 KiB  42s",
        "1002  449         450        by-dev-rootcoord-dml_0_449v0  GROWING  L1      3000/100000  500        3      "
            + "  293.0 KiB  42s",
        "1003  449         450        by-dev-rootcoord-dml_0_449v0  GROWING  L0      5000/100000  -          3      "
            + "  488.3 KiB  42s",
        "1004  449         450        by-dev-rootcoord-dml_0_449v0  SEALED   Legacy  0/100000     -          0      "
            + "  0 B        -",
        "4 segment(s), 12000 rows: GROWING 2 (8000 rows), SEALED 1 (0 rows), FLUSHED 1 (4000 rows)");
    assertEquals(expected, DataCoordOutput.segmentsText(
        new DataCoordOutput.SegmentPage(segments(), false, 0, true, 1000), NOW));
  }

  @Test
  void segmentsPastTheLimitAreCounted() {
    String exact = DataCoordOutput.segmentsText(new DataCoordOutput.SegmentPage(segments(), true, 17, true, 4), NOW);
    assertTrue(exact.endsWith("\nlimit 4 reached: 17 more segment(s) match (raise --limit, or list from --after-id 1004)"),
        exact);
    String capped = DataCoordOutput.segmentsText(new DataCoordOutput.SegmentPage(segments(), true, 100_000, false, 4),
        NOW);
    assertTrue(capped.endsWith("\nlimit 4 reached: at least 100000 more segment(s) match (raise --limit, or list from "
        + "--after-id 1004)"), capped);
  }

  @Test
  void noSegmentsIsOneLine() {
    assertEquals("no segments match",
        DataCoordOutput.segmentsText(new DataCoordOutput.SegmentPage(List.of(), false, 0, true, 10), NOW));
  }

  @Test
  void segmentsJsonHasTheRecordsTotalsAndMore() {
    JsonObject o = JsonParser.parseString(Output.json(DataCoordOutput.segmentsJson(
        new DataCoordOutput.SegmentPage(segments(), true, 17, true, 4)))).getAsJsonObject();
    assertEquals(4, o.getAsJsonArray("segments").size());
    JsonObject s = o.getAsJsonArray("segments").get(1).getAsJsonObject();
    assertEquals("1002", s.get("id").getAsString());
    assertEquals("GROWING", s.get("state").getAsString());
    assertEquals("L1", s.get("level").getAsString());
    assertEquals(2, s.getAsJsonArray("allocations").size());
    JsonObject t = o.getAsJsonObject("totals");
    assertEquals(4, t.get("segments").getAsLong());
    assertEquals(12_000, t.get("rows").getAsLong());
    assertEquals(2, t.getAsJsonObject("byState").getAsJsonObject("GROWING").get("segments").getAsLong());
    assertEquals(8_000, t.getAsJsonObject("byState").getAsJsonObject("GROWING").get("rows").getAsLong());
    assertTrue(o.get("more").getAsBoolean());
    assertEquals(17, o.get("moreCount").getAsLong());
    assertTrue(o.get("moreCountExact").getAsBoolean());
    JsonObject done = JsonParser.parseString(Output.json(DataCoordOutput.segmentsJson(
        new DataCoordOutput.SegmentPage(segments(), false, 0, true, 4)))).getAsJsonObject();
    assertFalse(done.get("more").getAsBoolean());
    assertNull(done.get("moreCount"));
  }

  // ---- describe ----

  private static Binlog log(long id, long entries, long fromMs, long toMs, long size) {
    return Binlog.newBuilder().setLogId(id).setEntries(entries).setTimestampFrom(Timestamps.compose(fromMs, 0))
        .setTimestampTo(Timestamps.compose(toMs, 9)).setSize(size).build();
  }

  private static SegmentDescription description() {
    Segment s = segment(1001, SegmentState.FLUSHED, 4_000).toBuilder().setSealReason("flush").setRowBytes(120)
        .setStartPosition(Position.newBuilder().setTimestamp(Timestamps.compose(NOW - 42_000, 1)))
        .setDmlPosition(Position.newBuilder().setTimestamp(Timestamps.compose(NOW - 2_000, 0)))
        .setLastWriteMs(NOW - 3_000).setSealedMs(NOW - 2_500).setFlushedMs(NOW - 1_000)
        .setDeltalogEntries(12).setDeltalogBytes(2048).setStatslogFiles(1).build();
    SegmentBinlogs b = SegmentBinlogs.newBuilder()
        .addBinlogs(FieldBinlog.newBuilder().setFieldId(100)
            .addBinlogs(log(11, 2_000, NOW - 40_000, NOW - 20_000, 16_000))
            .addBinlogs(log(12, 2_000, NOW - 20_000, NOW - 2_000, 16_000))
            .addBinlogs(log(14, 0, 0, 0, 0).toBuilder().setTimestampFrom(0).setTimestampTo(0).build()))
        .addBinlogs(FieldBinlog.newBuilder().setFieldId(101)
            .addBinlogs(log(21, 4_000, NOW - 40_000, NOW - 2_000, 1_000_000)))
        .addDeltalogs(FieldBinlog.newBuilder().setFieldId(100).addBinlogs(log(31, 12, NOW - 10_000, NOW - 9_000, 2048)))
        .build();
    return SegmentDescription.newBuilder().setSegment(s).setBinlogs(b)
        .setChannelNode(SessionRef.newBuilder().setServerId(7).setEpoch(12)).build();
  }

  @Test
  void describeIsASummaryThenOneLinePerFieldAndLogKind() {
    String expected = String.join("\n",
        "segment:         1001",
        "collection:      449",
        "partition:       450",
        "channel:         by-dev-rootcoord-dml_0_449v0",
        "channel owner:   server_id 7, epoch 12",
        "state:           FLUSHED (sealed by flush)",
        "level:           L1",
        "rows:            4000 of max 100000 (estimated 120 B per row)",
        "allocations:     none",
        "binlogs:         3 file(s), 390.6 KiB",
        "deltalogs:       12 entries, 2.0 KiB",
        "statslogs:       1 file(s)",
        "start position:  2024-12-31T23:59:18.123Z (ts " + Timestamps.compose(NOW - 42_000, 1) + ")",
        "dml position:    2024-12-31T23:59:58.123Z (ts " + Timestamps.compose(NOW - 2_000, 0) + ")",
        "created:         2024-12-31T23:59:18.123Z (42s ago)",
        "last write:      2024-12-31T23:59:57.123Z (3.0s ago)",
        "sealed:          2024-12-31T23:59:57.623Z (2.5s ago)",
        "flushed:         2024-12-31T23:59:59.123Z (1.0s ago)",
        "dropped:         -",
        "binlogs per field (2):",
        "  FIELD  FILES  ENTRIES  FROM                      TO                        SIZE       LOG_IDS",
        "  100    3      4000     2024-12-31T23:59:20.123Z  2024-12-31T23:59:58.123Z  31.3 KiB   11-12,14",
        "  101    1      4000     2024-12-31T23:59:20.123Z  2024-12-31T23:59:58.123Z  976.6 KiB  21",
        "deltalogs per field (1):",
        "  FIELD  FILES  ENTRIES  FROM                      TO                        SIZE     LOG_IDS",
        "  100    1      12       2024-12-31T23:59:50.123Z  2024-12-31T23:59:51.123Z  2.0 KiB  31");
    assertEquals(expected, DataCoordOutput.describeText(description(), NOW));
  }

  @Test
  void describeOfASegmentWithoutOwnerOrLogs() {
    String t = DataCoordOutput.describeText(SegmentDescription.newBuilder()
        .setSegment(segment(7, SegmentState.GROWING, 0).toBuilder()
            .addAllocations(Allocation.newBuilder().setRows(10).setExpireMs(NOW + 5)).build()).build(), NOW);
    assertTrue(t.contains("\nchannel owner:   none\n"), t);
    assertTrue(t.contains("\nstate:           GROWING\n"), t);
    assertTrue(t.contains("\nallocations:     1 (10 rows unexpired)\n"), t);
    assertTrue(t.endsWith("dropped:         -"), "no log tables without logs: " + t);
  }

  @Test
  void describeJsonKeepsEveryBinlog() {
    JsonObject o = JsonParser.parseString(Output.json(DataCoordOutput.describeJson(description()))).getAsJsonObject();
    assertEquals("1001", o.getAsJsonObject("segment").get("id").getAsString());
    assertEquals("flush", o.getAsJsonObject("segment").get("sealReason").getAsString());
    assertEquals(3, o.getAsJsonObject("binlogs").getAsJsonArray("binlogs").get(0).getAsJsonObject()
        .getAsJsonArray("binlogs").size());
    assertEquals("12", o.getAsJsonObject("binlogs").getAsJsonArray("binlogs").get(0).getAsJsonObject()
        .getAsJsonArray("binlogs").get(1).getAsJsonObject().get("logId").getAsString());
    assertEquals("7", o.getAsJsonObject("channelNode").get("serverId").getAsString());
  }

  // ---- flush ----

  @Test
  void flushTextNamesTheSegmentsAndTheFlushTime() {
    long ts = Timestamps.compose(NOW, 4);
    DataCoordReply r = DataCoordReply.newBuilder().setCollectionId(449).addAllSegmentIds(List.of(1003L, 1001L, 1002L))
        .setFlushTs(ts).build();
    assertEquals("flush collection_id=449 segments=3 [1001-1003] flush_ts=" + ts + " (2025-01-01T00:00:00.123Z)",
        DataCoordOutput.flushText(r));
    assertEquals("flush collection_id=449 segments=0 flush_ts=" + ts + " (2025-01-01T00:00:00.123Z)",
        DataCoordOutput.flushText(r.toBuilder().clearSegmentIds().build()));
    assertEquals("flushed: 3 segment(s) flushed or dropped, every channel's checkpoint at or past flush_ts "
        + "(waited 2.4s)", DataCoordOutput.flushedText(r, 2_400));
    assertEquals("{\"collectionId\":449,\"segmentIds\":[1003,1001,1002],\"flushTs\":" + ts
        + ",\"flushTime\":\"2025-01-01T00:00:00.123Z\"}", Output.json(DataCoordOutput.flushJson(r, null, 0)));
    assertEquals("{\"collectionId\":449,\"segmentIds\":[1003,1001,1002],\"flushTs\":" + ts
        + ",\"flushTime\":\"2025-01-01T00:00:00.123Z\",\"flushed\":true,\"waitedMs\":2400}",
        Output.json(DataCoordOutput.flushJson(r, true, 2_400)));
  }

  @Test
  void pendingNamesSegmentsAndChannels() {
    assertEquals("2 segment(s) pending [1001-1002]; 1 channel(s) below flush_ts: " + CH0,
        DataCoordOutput.pendingText(FlushState.newBuilder().addPendingSegments(1002).addPendingSegments(1001)
            .addPendingChannels(CH0).build()));
    assertEquals("0 segment(s) pending; 0 channel(s) below flush_ts",
        DataCoordOutput.pendingText(FlushState.getDefaultInstance()));
    FlushState.Builder many = FlushState.newBuilder();
    for (int i = 0; i < 10; i++) {
      many.addPendingChannels("c" + i);
    }
    assertEquals("0 segment(s) pending; 10 channel(s) below flush_ts: c0, c1, c2, c3, c4, c5, c6, c7, ... (+2)",
        DataCoordOutput.pendingText(many.build()));
  }

  // ---- settings ----

  static DataCoordSettings defaults() {
    return DataCoordSettings.newBuilder().setMaxSegmentBytes(1L << 30).setSealProportionPermille(120)
        .setSealJitterPermille(100).setMaxLifeMs(86_400_000).setMaxIdleMs(600_000).setMinSizeFromIdleBytes(16L << 20)
        .setMaxBinlogFiles(32).setChannelGrowingCapBytes(4L << 30).setL0MaxEntries(5_000_000)
        .setL0MaxBytes(64L << 20).setAllocationExpireMs(2_000).setChannelBalanceQuietMs(300_000)
        .setMaxSegments(10_000_000).build();
  }

  @Test
  void settingsAreProtoNamesWithValuesInTheirUnits() {
    String expected = String.join("\n",
        "max_segment_bytes          1073741824  (1.0 GiB)",
        "seal_proportion_permille   120         (12.0%)",
        "seal_jitter_permille       100         (10.0%)",
        "max_life_ms                86400000    (1d)",
        "max_idle_ms                600000      (10m)",
        "min_size_from_idle_bytes   16777216    (16.0 MiB)",
        "max_binlog_files           32",
        "channel_growing_cap_bytes  4294967296  (4.0 GiB)",
        "l0_max_entries             5000000",
        "l0_max_bytes               67108864    (64.0 MiB)",
        "allocation_expire_ms       2000        (2s)",
        "channel_balance_quiet_ms   300000      (5m)",
        "max_segments               10000000");
    assertEquals(expected, DataCoordOutput.settingsText(defaults()));
  }

  @Test
  void settingsJsonIsTheProtoJson() {
    JsonObject o = DataCoordOutput.settingsJson(defaults()).getAsJsonObject();
    assertEquals("1073741824", o.get("maxSegmentBytes").getAsString());
    assertEquals(120, o.get("sealProportionPermille").getAsInt());
    assertEquals(DataCoordSettings.getDescriptor().getFields().size(), o.size());
  }
}
