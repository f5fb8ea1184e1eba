package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.QueryCoordWorkload.COLLECTIONS;
import static io.raftcoord.server.chaos.QueryCoordWorkload.DB;
import static io.raftcoord.server.chaos.QueryCoordWorkload.HEARTBEAT;
import static io.raftcoord.server.chaos.QueryCoordWorkload.LOAD_PER_SEGMENT;
import static io.raftcoord.server.chaos.QueryCoordWorkload.MAX_SEGMENT_BYTES;
import static io.raftcoord.server.chaos.QueryCoordWorkload.NODES;
import static io.raftcoord.server.chaos.QueryCoordWorkload.SETUP;
import static io.raftcoord.server.chaos.QueryCoordWorkload.SETUP_ROWS_PER_SECOND;
import static io.raftcoord.server.chaos.QueryCoordWorkload.SHARDS;
import static io.raftcoord.server.chaos.QueryCoordWorkload.TTL_MS;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.DataNodeAgent;
import io.raftcoord.proto.datacoord.DataCoordReply;
import io.raftcoord.proto.datacoord.DataCoordSettings;
import io.raftcoord.proto.session.SessionSettings;
import java.time.Duration;

/**
 * What the querycoord workload sets up before the faults begin: the short session TTL and small
 * segments, the database and its collections, and flushed segments in them made by a simulated
 * data node ({@code DataNodeAgent}), so that there is something to load. Every call is retried
 * through leader changes ({@link SetupCalls}), and each result is a setup line in the history.
 */
final class QueryCoordSetup {
  private final QueryCoordHistory history;
  private final CoordClient admin;
  private final CoordClient dataClient;
  private final SetupCalls calls;

  /** {@code dataClient}: the data nodes' client. */
  QueryCoordSetup(QueryCoordHistory history, CoordClient admin, CoordClient dataClient) {
    this.history = history;
    this.admin = admin;
    this.dataClient = dataClient;
    this.calls = new SetupCalls("querycoord", admin, SETUP);
  }

  /** Sets the session TTL and the segment size; the TTL the cluster took. */
  long settings() {
    long ttl = calls.retry("set the session TTL", () -> admin.sessions().setSettings(SessionSettings.newBuilder()
        .setTtlMs(TTL_MS).build()).getTtlMs());
    DataCoordSettings dcs = calls.retry("set the DataCoord settings", () -> admin.dataCoord().setSettings(
        DataCoordSettings.newBuilder().setMaxSegmentBytes(MAX_SEGMENT_BYTES).build()));
    history.setup("settings", "ttlMs", ttl, "maxSegmentBytes", dcs.getMaxSegmentBytes(), "loadPerSegmentMs",
        LOAD_PER_SEGMENT.toMillis(), "nodes", NODES);
    return ttl;
  }

  void collections() {
    calls.createDatabase(DB);
    for (String name : COLLECTIONS) {
      long id = calls.createCollection(DB, name, SHARDS).getId();
      history.setup("collection", "name", name, "id", id);
    }
  }

  /** A data node ingesting into {@code collection} at the setup rate; the caller closes it. */
  DataNodeAgent startDataNode(String collection, String address) {
    return calls.retry("start the data node of " + collection, () -> DataNodeAgent.builder(dataClient, address)
        .heartbeatInterval(HEARTBEAT).pollInterval(Duration.ofMillis(100)).syncInterval(Duration.ofMillis(200))
        .batchInterval(Duration.ofMillis(50)).ingest(DB, collection).rowsPerSecond(SETUP_ROWS_PER_SECOND).start());
  }

  /** Ingests until {@code segments} segments are flushed, then flushes the collection and waits for it. */
  void flushedSegments(DataNodeAgent data, String collection, int segments) {
    if (!BoundedWait.until("querycoord", () -> data.stats().segmentsFlushed() >= segments, SETUP,
        segments + " flushed segments of " + collection)) {
      throw new IllegalStateException("querycoord: " + collection + " did not get " + segments + " flushed segments "
          + "within " + SETUP + ": " + data.stats());
    }
    DataCoordReply flush = calls.retry("flush " + collection, () -> admin.dataCoord().flush(DB, collection));
    BoundedWait.until("querycoord", () -> {
      try {
        return admin.dataCoord().flushState(flush).getFlushed();
      } catch (CoordException e) {
        return false;
      }
    }, Duration.ofSeconds(30), "the flush of " + collection);
    history.setup("segments", "collection", collection, "flushedByNode", data.stats().segmentsFlushed());
  }
}
