package io.raftcoord.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.DataNodeAgent;
import io.raftcoord.client.TaskWorkerAgent;
import io.raftcoord.proto.CreateCollectionRequest;
import io.raftcoord.proto.datacoord.CollectionSelector;
import io.raftcoord.proto.datacoord.DataCoordReply;
import io.raftcoord.proto.datacoord.DataCoordSettings;
import io.raftcoord.proto.datacoord.ListSegments;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.proto.datatasks.DataTasksSettings;
import io.raftcoord.proto.datatasks.IndexDescription;
import io.raftcoord.proto.datatasks.ListTasks;
import io.raftcoord.proto.datatasks.TaskState;
import io.raftcoord.proto.datatasks.TaskType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DataCoord's background work against three in-process replicas with simulated data nodes and
 * workers: ingest → seal → flush → automatic mix compactions merge the small segments → an index
 * builds on the results → the collection is dropped → GC empties it. At every step the
 * collection's live rows (FLUSHED rows less deletes) equal what was ingested.
 */
class DataTasksIntegrationTest {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final String COLLECTION = "docs";

  @TempDir Path dir;

  private static List<Segment> segments(CoordClient c, long collectionId) {
    return c.dataCoord().segments(ListSegments.newBuilder()
        .setCollection(CollectionSelector.newBuilder().setId(collectionId))
        .addAllStates(EnumSet.complementOf(EnumSet.of(SegmentState.UNRECOGNIZED, SegmentState.SEGMENT_STATE_NONE)))
        .build()).getSegmentsList();
  }

  private static long liveRows(List<Segment> segments) {
    return segments.stream().filter(s -> s.getState() == SegmentState.FLUSHED)
        .mapToLong(s -> s.getNumRows() - s.getDeltalogEntries()).sum();
  }

  @Test
  void ingestFlushCompactIndexDropAndCollectConserveRows() throws Exception {
    try (LocalQuorum q = new LocalQuorum(dir, 10_000, 8 << 20);
         CoordClient c = CoordClient.builder().peers(q.peersString()).build()) {
      LocalQuorum.awaitVersionsReported(c, WAIT);
      c.dataCoord().setSettings(DataCoordSettings.newBuilder().setMaxSegmentBytes(65_536).build());
      c.dataTasks().setSettings(DataTasksSettings.newBuilder().setMixIntervalMs(500).setL0IntervalMs(500)
          .setDropToleranceMs(0).setGcIntervalMs(500).build());
      long id = c.catalog().createCollection(CreateCollectionRequest.newBuilder().setName(COLLECTION)
          .setSchema(CatalogIntegrationTest.schema()).setShardsNum(2).build()).getId();

      long ingested;
      DataNodeAgent data = DataNodeAgent.builder(c, "127.0.0.1:43000").heartbeatInterval(Duration.ofMillis(300))
          .pollInterval(Duration.ofMillis(100)).syncInterval(Duration.ofMillis(100)).batchInterval(Duration.ofMillis(20))
          .ingest("", COLLECTION).rowsPerSecond(3_000).start();
      try {
        LocalQuorum.await(() -> data.stats().segmentsFlushed() >= 12, WAIT, "12 flushed segments");
        data.stopIngest().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        DataCoordReply flush = c.dataCoord().flush("", COLLECTION);
        LocalQuorum.await(() -> c.dataCoord().flushState(flush).getFlushed(), WAIT, "the final flush");
        // Every row the node was assigned and wrote is reported and in a FLUSHED segment.
        LocalQuorum.await(() -> data.stats().rowsReported() == data.stats().rowsIngested()
            && liveRows(segments(c, id)) == data.stats().rowsIngested(), WAIT, "every ingested row flushed");
        ingested = data.stats().rowsIngested();
      } finally {
        data.close();
      }
      List<Segment> flushed = segments(c, id);
      long smallBefore = flushed.stream().filter(s -> s.getState() == SegmentState.FLUSHED).count();

      try (TaskWorkerAgent w1 = TaskWorkerAgent.builder(c, "127.0.0.1:43101").heartbeatInterval(Duration.ofMillis(300))
               .slots(16).start();
           TaskWorkerAgent w2 = TaskWorkerAgent.builder(c, "127.0.0.1:43102").heartbeatInterval(Duration.ofMillis(300))
               .slots(16).work(Duration.ofMillis(50)).start()) {
        try {
          LocalQuorum.await(() -> c.dataTasks().tasks(ListTasks.newBuilder().addTypes(TaskType.MIX_COMPACTION)
              .addStates(TaskState.COMPLETED).build()).getTasksCount() > 0, WAIT, "a completed mix compaction");
        } catch (AssertionError e) {
          throw new AssertionError(e.getMessage() + "; tasks: " + c.dataTasks().tasks(ListTasks.getDefaultInstance())
              + "; sessions: " + c.sessions().list("", false)
              + "; workers completed " + w1.completed() + " and " + w2.completed() + "; segments: "
              + segments(c, id).stream().map(s -> s.getId() + ":" + s.getState() + ":" + s.getNumRows()).toList(), e);
        }
        LocalQuorum.await(() -> c.dataTasks().compactionStateOfCollection(id).getCompletedAll(), WAIT,
            "no compaction open");
        List<Segment> after = segments(c, id);
        assertEquals(ingested, liveRows(after), "compactions conserve rows");
        assertTrue(after.stream().anyMatch(s -> s.getCompactionFromCount() > 0), "a compaction result");
        assertTrue(after.stream().filter(s -> s.getState() == SegmentState.FLUSHED).count() < smallBefore,
            "fewer segments than the " + smallBefore + " flushed");
        for (Segment s : after) {
          if (s.getState() == SegmentState.DROPPED) {
            assertTrue(s.getCompacted(), "dropped only by compaction: " + s);
          }
        }

        c.dataTasks().createIndex("", COLLECTION, "embedding", "", "HNSW", Map.of("metric_type", "L2", "M", "16"));
        LocalQuorum.await(() -> {
          IndexDescription d = c.dataTasks().describeIndexes("", COLLECTION, "").getIndexes(0);
          return d.getTotalRows() == ingested && d.getIndexedRows() == ingested;
        }, WAIT, "the index built on every flushed segment");
        assertEquals(ingested, liveRows(segments(c, id)));

        c.catalog().dropCollection("", COLLECTION);
        CoordException gone = org.junit.jupiter.api.Assertions.assertThrows(CoordException.class,
            () -> c.dataTasks().describeIndexes("", COLLECTION, ""));
        assertEquals(io.raftcoord.proto.ErrorCode.NOT_FOUND, gone.code());
        // The collection is gone, so its segments are listed by GC's figures: none kept, none dropped.
        LocalQuorum.await(() -> c.dataTasks().gcStatus().getDroppedSegments() == 0, WAIT, "GC to collect every segment");
        assertEquals(0, c.dataCoord().channels(io.raftcoord.proto.datacoord.ListChannels.getDefaultInstance())
            .getChannelsCount(), "the channels went with the collection");
        assertTrue(w1.completed() + w2.completed() > 0);
        assertEquals(0, c.dataTasks().tasks(ListTasks.newBuilder().setCollectionId(id).addTypes(TaskType.INDEX_BUILD)
            .addTypes(TaskType.MIX_COMPACTION).build()).getTasksCount(), "the drop took the collection's tasks");
      }
    }
  }
}
