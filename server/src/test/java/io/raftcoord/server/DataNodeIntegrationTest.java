package io.raftcoord.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.DataCoordClient;
import io.raftcoord.client.DataNodeAgent;
import io.raftcoord.client.DataNodeStats;
import io.raftcoord.client.SessionClient;
import io.raftcoord.client.internal.Futures;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.CreateCollectionRequest;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.datacoord.Channel;
import io.raftcoord.proto.datacoord.ChannelCheckpoint;
import io.raftcoord.proto.datacoord.ChannelWatchState;
import io.raftcoord.proto.datacoord.DataCoordReply;
import io.raftcoord.proto.datacoord.DataCoordSettings;
import io.raftcoord.proto.datacoord.ListChannels;
import io.raftcoord.proto.datacoord.ListSegments;
import io.raftcoord.proto.datacoord.Position;
import io.raftcoord.proto.datacoord.SaveBinlogPaths;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentReport;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionRef;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Simulated data nodes ({@link DataNodeAgent}) against three in-process replicas: ingest through
 * sealing and flushing with every row accounted for, a graceful stop that hands the channels over
 * (TO_RELEASE, RELEASE_SUCCESS, TO_WATCH elsewhere) and fences the old node, and a node whose
 * session ends under it (STALE_EPOCH, its unreported rows lost, the rest still flushed).
 */
class DataNodeIntegrationTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String COLLECTION = "books";
  private static final int SHARDS = 4;

  @TempDir Path dir;

  /** A 4-shard collection; segments of 64 KiB (the schema's ~312-byte rows: 210 rows, sealed at ~25). */
  private static CollectionInfo setUp(CoordClient c, long balanceQuietMs) {
    c.dataCoord().setSettings(DataCoordSettings.newBuilder().setMaxSegmentBytes(65_536)
        .setChannelBalanceQuietMs(balanceQuietMs).build());
    return c.catalog().createCollection(CreateCollectionRequest.newBuilder().setName(COLLECTION)
        .setSchema(CatalogIntegrationTest.schema()).setShardsNum(SHARDS).build());
  }

  private static DataNodeAgent.Builder node(CoordClient c, int port, double rowsPerSecond) {
    return DataNodeAgent.builder(c, "127.0.0.1:" + port).heartbeatInterval(Duration.ofMillis(300))
        .pollInterval(Duration.ofMillis(200)).syncInterval(Duration.ofMillis(200)).batchInterval(Duration.ofMillis(50))
        .ingest("", COLLECTION).rowsPerSecond(rowsPerSecond);
  }

  private static List<Segment> segments(CoordClient c, SegmentState... states) {
    return c.dataCoord().segments(ListSegments.newBuilder().setCollection(DataCoordClient.collection("", COLLECTION))
        .addAllStates(List.of(states)).build()).getSegmentsList();
  }

  private static long rows(List<Segment> segments) {
    return segments.stream().mapToLong(Segment::getNumRows).sum();
  }

  private static List<Channel> channels(CoordClient c) {
    return c.dataCoord().channels(ListChannels.newBuilder().setCollection(DataCoordClient.collection("", COLLECTION))
        .build()).getChannelsList();
  }

  private static boolean allWatchedBy(List<Channel> channels, Session s) {
    return channels.size() == SHARDS && channels.stream().allMatch(ch -> ch.getState() == ChannelWatchState.WATCH_SUCCESS
        && ch.getNode().equals(SessionClient.ref(s)));
  }

  /** The code a call failed with (an assertion error if it succeeded). */
  private static ErrorCode failure(CompletableFuture<?> call) {
    try {
      call.join();
    } catch (CompletionException e) {
      return Futures.toCoord(e).code();
    }
    throw new AssertionError("the call succeeded");
  }

  private static DataNodeStats total(List<DataNodeAgent> agents) {
    return agents.stream().map(DataNodeAgent::stats).reduce(DataNodeStats.zero(), DataNodeStats::plus);
  }

  /**
   * Stops ingest everywhere, waits until no batch is in flight, flushes the collection, waits for
   * it and for the nodes to have counted every reply.
   */
  private static DataCoordReply stopIngestAndFlush(CoordClient c, List<DataNodeAgent> agents) throws Exception {
    CompletableFuture.allOf(agents.stream().map(DataNodeAgent::stopIngest).toArray(CompletableFuture[]::new))
        .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    DataCoordReply flush = c.dataCoord().flush("", COLLECTION);
    LocalQuorum.await(() -> c.dataCoord().flushState(flush).getFlushed(), WAIT,
        "flush of segments " + flush.getSegmentIdsList() + " at ts " + flush.getFlushTs());
    // The quorum may show the last flushes before their replies reached the nodes: a sync after
    // the running step is a barrier behind which every reply has been counted.
    CompletableFuture.allOf(agents.stream().map(DataNodeAgent::syncNow).toArray(CompletableFuture[]::new))
        .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    return flush;
  }

  /** Every row that was not lost is in a FLUSHED segment, flushed (acknowledged) exactly once. */
  private static void assertEveryRowFlushed(CoordClient c, List<DataNodeAgent> agents) {
    DataNodeStats t = total(agents);
    assertEquals(List.of(), segments(c, SegmentState.GROWING, SegmentState.SEALED, SegmentState.FLUSHING),
        "no segment may be left unflushed");
    long flushed = rows(segments(c, SegmentState.FLUSHED));
    assertEquals(0, t.rowsBuffered(), t.toString());
    assertEquals(t.rowsIngested(), t.rowsReported() + t.rowsLost(), t.toString());
    assertEquals(flushed, t.rowsFlushed(), "rows in FLUSHED segments vs rows the nodes had acknowledged as flushed: " + t);
    assertEquals(t.rowsIngested() - t.rowsLost(), flushed, "rows in FLUSHED segments vs rows ingested: " + t);
  }

  @Test
  void ingestedRowsSealFlushAndEveryOneEndsInAFlushedSegment() throws Exception {
    try (LocalQuorum q = new LocalQuorum(dir, 10_000, 8 << 20);
         CoordClient c = CoordClient.builder().peers(q.peersString()).build()) {
      q.awaitLeader(WAIT);
      LocalQuorum.awaitVersionsReported(c, WAIT);
      // A short balance quiet period: the first node takes every channel, and when the others
      // join, the balancer moves two of them while the first node is ingesting into them
      // (TO_RELEASE, its buffered rows reported, RELEASE_SUCCESS, TO_WATCH at the newcomer).
      setUp(c, 1_000);
      List<DataNodeAgent> agents = new ArrayList<>();
      try {
        DataNodeAgent first = node(c, 41_000, 150).start();
        agents.add(first);
        LocalQuorum.await(() -> allWatchedBy(channels(c), first.session()), WAIT, "the first node to watch all channels");
        LocalQuorum.await(() -> first.stats().rowsReported() > 0, WAIT, "the first node to report rows");
        for (int i = 1; i < 3; i++) {
          agents.add(node(c, 41_000 + i, 150).start());
        }
        LocalQuorum.await(() -> agents.stream().allMatch(a -> !a.channels().isEmpty())
            && channels(c).stream().allMatch(ch -> ch.getState() == ChannelWatchState.WATCH_SUCCESS), WAIT,
            "the balancer to spread the four channels over the three nodes");
        first.syncNow().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);  // Every reply it got is counted.
        assertTrue(first.stats().releases() >= 2, first.stats().toString());
        assertEquals(0, first.stats().rowsLost(), first.stats().toString());
        LocalQuorum.await(() -> segments(c, SegmentState.FLUSHED).size() >= 4 && total(agents).segmentsFlushed() >= 4,
            WAIT, "segments to seal by size and flush while the nodes ingest");
        assertTrue(segments(c, SegmentState.FLUSHED).stream().anyMatch(s -> s.getSealReason().equals("size")),
            "a segment sealed by size");

        DataCoordReply flush = stopIngestAndFlush(c, agents);
        assertFalse(flush.getSegmentIdsList().isEmpty(), "the flush names the open segments");
        // Nothing was assigned after the flush: its segments were all there was to flush.
        assertEveryRowFlushed(c, agents);
        DataNodeStats t = total(agents);
        assertEquals(0, t.rowsLost(), t.toString());
        assertEquals(t.rowsIngested(), t.rowsFlushed(), t.toString());
        assertTrue(t.rowsIngested() > 500, t.toString());
        assertEquals(0, t.errors(ErrorCode.STALE_EPOCH), t.toString());
        // Every channel's checkpoint passed the flush timestamp.
        assertTrue(channels(c).stream().allMatch(ch -> ch.getCheckpoint().getTimestamp() >= flush.getFlushTs()));
        // Every flushed segment carries one binlog per field per sync, entries summing to its rows.
        Segment one = segments(c, SegmentState.FLUSHED).get(0);
        var binlogs = c.dataCoord().describe(one.getId()).getBinlogs().getBinlogsList();
        assertEquals(2 + CatalogIntegrationTest.schema().getFieldsCount(), binlogs.size(), binlogs.toString());
        for (var field : binlogs) {
          assertEquals(one.getNumRows(), field.getBinlogsList().stream().mapToLong(b -> b.getEntries()).sum(),
              "field " + field.getFieldId() + " of segment " + one.getId());
        }
      } finally {
        agents.forEach(DataNodeAgent::close);
      }
    }
  }

  @Test
  void aGracefullyStoppedNodeReleasesItsChannelsToTheOtherAndIsThenFenced() throws Exception {
    try (LocalQuorum q = new LocalQuorum(dir, 10_000, 8 << 20);
         CoordClient c = CoordClient.builder().peers(q.peersString()).build()) {
      q.awaitLeader(WAIT);
      LocalQuorum.awaitVersionsReported(c, WAIT);
      setUp(c, 300_000);  // No balancing: the second node gets channels only by the release.
      List<DataNodeAgent> agents = new ArrayList<>();
      try {
        DataNodeAgent a = node(c, 41_100, 300).start();
        agents.add(a);
        LocalQuorum.await(() -> allWatchedBy(channels(c), a.session()), WAIT, "the first node to watch all channels");
        DataNodeAgent b = node(c, 41_101, 300).start();
        agents.add(b);
        LocalQuorum.await(() -> a.stats().rowsReported() > 0, WAIT, "the first node to report rows");
        assertTrue(b.channels().isEmpty(), "no balancing: the second node waits");

        Session old = a.session();
        a.stopGracefully().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        DataNodeStats as = a.stats();
        assertEquals(SHARDS, as.releases(), as.toString());
        assertEquals(0, as.rowsLost(), as.toString());
        assertEquals(0, as.rowsBuffered(), as.toString());
        assertEquals(as.rowsIngested(), as.rowsReported(), as.toString());
        assertTrue(a.channels().isEmpty());
        LocalQuorum.await(() -> allWatchedBy(channels(c), b.session()), WAIT, "the second node to watch all channels");

        // The old node, still alive (STOPPING), is fenced on every channel it released.
        SessionRef stale = SessionClient.ref(old);
        String channel = channels(c).get(0).getName();
        long ts = c.tso().next();
        assertEquals(ErrorCode.STALE_EPOCH, failure(c.dataCoord().saveCheckpointsAsync(stale,
            List.of(ChannelCheckpoint.newBuilder().setChannel(channel).setPosition(Position.newBuilder()
                .setTimestamp(ts)).build()))));
        LocalQuorum.await(() -> !segments(c, SegmentState.GROWING).isEmpty(), WAIT, "a growing segment");
        Segment growing = segments(c, SegmentState.GROWING).get(0);
        CoordException report = assertThrows(CoordException.class, () -> c.dataCoord().saveBinlogPaths(
            SaveBinlogPaths.newBuilder().setNode(stale).addSegments(SegmentReport.newBuilder()
                .setSegmentId(growing.getId()).setNumRows(growing.getNumRows() + 1)).build()));
        assertEquals(ErrorCode.STALE_EPOCH, report.code(), report.toString());
        assertEquals(ErrorCode.STALE_EPOCH, failure(c.dataCoord().reportChannelStateAsync(stale, channel,
            ChannelWatchState.RELEASE_SUCCESS)));

        // The second node goes on where the first left off; the rows of both end up flushed.
        long before = b.stats().rowsReported();
        LocalQuorum.await(() -> b.stats().rowsReported() > before + 100, WAIT, "the second node to report rows");
        stopIngestAndFlush(c, agents);
        assertEveryRowFlushed(c, agents);
        assertEquals(0, total(agents).rowsLost());
      } finally {
        agents.forEach(DataNodeAgent::close);
      }
    }
  }

  @Test
  void aNodeWhoseSessionEndsUnderItDropsItsChannelsAndLosesOnlyWhatItHadNotReported() throws Exception {
    try (LocalQuorum q = new LocalQuorum(dir, 10_000, 8 << 20);
         CoordClient c = CoordClient.builder().peers(q.peersString()).build()) {
      q.awaitLeader(WAIT);
      LocalQuorum.awaitVersionsReported(c, WAIT);
      setUp(c, 300_000);
      List<DataNodeAgent> agents = new ArrayList<>();
      try {
        // Heartbeats an hour apart: its session does not notice the end; the coordinator's channel
        // list (the channels are someone else's) or the fence (STALE_EPOCH) tells it.
        DataNodeAgent a = node(c, 41_200, 400).heartbeatInterval(Duration.ofHours(1)).start();
        agents.add(a);
        LocalQuorum.await(() -> allWatchedBy(channels(c), a.session()), WAIT, "the first node to watch all channels");
        DataNodeAgent b = node(c, 41_201, 400).start();
        agents.add(b);
        LocalQuorum.await(() -> a.stats().rowsReported() > 200, WAIT, "the first node to report rows");

        // The session ends at the quorum (as an expiry would). The fence refuses the node's next
        // report on each channel with STALE_EPOCH at once, while the channel list still names it
        // until the duty gives the channels to the other node (new epoch); it must not take those
        // assignments up again. (Should the duty move a channel before its next report, its poll
        // finds it no longer listed as the owner: either way it drops each channel exactly once.)
        c.sessions().remove(SessionClient.ref(a.session()));
        LocalQuorum.await(() -> allWatchedBy(channels(c), b.session()), WAIT, "the second node to take every channel");
        LocalQuorum.await(() -> a.channels().isEmpty(), WAIT, "the first node to drop its channels");
        DataNodeStats as = a.stats();
        assertEquals(SHARDS, as.channelsLost(), as.toString());
        // What it had not had acknowledged is lost (often a batch or two, possibly nothing), the rest is reported.
        assertEquals(as.rowsIngested(), as.rowsReported() + as.rowsLost(), as.toString());
        assertEquals(0, as.rowsBuffered(), as.toString());

        long before = b.stats().rowsReported();
        LocalQuorum.await(() -> b.stats().rowsReported() > before + 100, WAIT, "the second node to report rows");
        stopIngestAndFlush(c, agents);
        assertEveryRowFlushed(c, agents);
        assertEquals(0, b.stats().rowsLost(), b.stats().toString());
      } finally {
        agents.forEach(DataNodeAgent::close);
      }
    }
  }
}
