package io.raftcoord.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.NodeAgent;
import io.raftcoord.client.SessionClient;
import io.raftcoord.client.catalog.Schemas;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.CreateCollectionRequest;
import io.raftcoord.proto.datacoord.Binlog;
import io.raftcoord.proto.datacoord.Channel;
import io.raftcoord.proto.datacoord.ChannelCheckpoint;
import io.raftcoord.proto.datacoord.ChannelWatchState;
import io.raftcoord.proto.datacoord.DataCoordReply;
import io.raftcoord.proto.datacoord.FieldBinlog;
import io.raftcoord.proto.datacoord.ListChannels;
import io.raftcoord.proto.datacoord.ListSegments;
import io.raftcoord.proto.datacoord.Position;
import io.raftcoord.proto.datacoord.SaveBinlogPaths;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentAssignment;
import io.raftcoord.proto.datacoord.SegmentReport;
import io.raftcoord.proto.datacoord.SegmentRequest;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.proto.session.SessionRef;
import io.raftcoord.statemachine.version.ApplyVersions;
import io.raftcoord.tools.cli.Coordctl;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * coordctl's DataCoord commands (channels, segments list/describe, flush, datacoord settings)
 * against three in-process replicas, with the test acting as the data node: it registers a
 * datanode session, answers the channel watches, reports binlogs and saves checkpoints.
 */
class DataCoordCoordctlIntegrationTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private static Run coordctl(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Coordctl.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  /** coordctl with --peers; its stdout, or an assertion error with its stderr. */
  private static String ok(LocalQuorum q, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--peers";
    all[1] = q.peersString();
    System.arraycopy(args, 0, all, 2, args.length);
    Run r = coordctl(all);
    assertEquals(0, r.code(), () -> String.join(" ", args) + ": " + r.err());
    return r.out();
  }

  private static Run failing(LocalQuorum q, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--peers";
    all[1] = q.peersString();
    System.arraycopy(args, 0, all, 2, args.length);
    Run r = coordctl(all);
    assertEquals(1, r.code(), () -> String.join(" ", args) + " should fail: " + r.out() + r.err());
    assertFalse(r.err().contains("\tat "), r.err());
    // One line; a flush --wait prints its progress before it.
    assertTrue(r.err().strip().lines().allMatch(l -> l.startsWith("coordctl: ")), r.err());
    assertEquals(1, r.err().strip().lines().filter(l -> !l.startsWith("coordctl: flush: ")).count(), r.err());
    return r;
  }

  private static void awaitVersion(CoordClient c) {
    LocalQuorum.await(() -> {
      try {
        return c.admin().version().getReplicasList().stream()
            .filter(r -> r.getMaxVersion() >= ApplyVersions.THIS_BINARY.max()).count() == 3;
      } catch (CoordException e) {
        return false;
      }
    }, WAIT, "every replica to report its versions");
  }

  private static List<Channel> channelsOf(CoordClient c, long node) {
    return c.dataCoord().channels(ListChannels.newBuilder().setNodeId(node).build()).getChannelsList();
  }

  /** One binlog per field of the schema (ids 100..102) for {@code rows} rows. */
  private static List<FieldBinlog> binlogs(CoordClient c, long rows, long fromTs, long toTs) {
    long first = c.ids().allocate(3).start();
    List<FieldBinlog> out = new ArrayList<>();
    for (int f = 0; f < 3; f++) {
      out.add(FieldBinlog.newBuilder().setFieldId(100 + f).addBinlogs(Binlog.newBuilder().setLogId(first + f)
          .setEntries(rows).setTimestampFrom(fromTs).setTimestampTo(toTs).setSize(rows * 8)).build());
    }
    return out;
  }

  @Test
  void channelsSegmentsFlushAndSettingsThroughCoordctl() throws Exception {
    try (LocalQuorum q = new LocalQuorum(dir, 10_000, 8 << 20);
         CoordClient c = CoordClient.builder().peers(q.peersString()).build()) {
      q.awaitLeader(WAIT);
      awaitVersion(c);

      // ---- settings ----
      String settings = ok(q, "datacoord", "settings", "--set", "allocation_expire_ms=300ms",
          "--set", "max_segment_bytes=1MiB");
      assertTrue(settings.contains("allocation_expire_ms       300         (300ms)"), settings);
      assertTrue(settings.contains("max_segment_bytes          1048576     (1.0 MiB)"), settings);
      JsonObject sj = JsonParser.parseString(ok(q, "--json", "datacoord", "settings")).getAsJsonObject();
      assertEquals("300", sj.get("allocationExpireMs").getAsString());
      System.out.println("$ coordctl datacoord settings --set allocation_expire_ms=300ms --set max_segment_bytes=1MiB\n"
          + settings);

      // ---- a collection with two channels, and a data node watching them ----
      CollectionInfo books = c.catalog().createCollection(CreateCollectionRequest.newBuilder().setName("books")
          .setShardsNum(2).setSchema(Schemas.schema().field(Schemas.int64("id").primary())
              .field(Schemas.varChar("title", 64)).field(Schemas.floatVector("embedding", 8)).build()).build());
      long partition = books.getPartitions(0).getId();
      String ch0 = books.getVirtualChannels(0);
      String ch1 = books.getVirtualChannels(1);

      String unowned = ok(q, "channels", "--collection", "books");
      System.out.println("$ coordctl channels --collection books   (before a data node)\n" + unowned);

      try (NodeAgent node = NodeAgent.builder(c, "datanode", "127.0.0.1:21124")
          .heartbeatInterval(Duration.ofMillis(300)).start()) {
        SessionRef me = SessionClient.ref(node.session());
        LocalQuorum.await(() -> channelsOf(c, me.getServerId()).size() == 2, WAIT, "both channels assigned");
        String toWatch = ok(q, "channels", "--collection", "default.books");
        assertTrue(toWatch.contains("TO_WATCH"), toWatch);
        for (Channel ch : channelsOf(c, me.getServerId())) {
          c.dataCoord().reportChannelStateAsync(me, ch.getName(), ChannelWatchState.WATCH_SUCCESS).get(10, TimeUnit.SECONDS);
        }
        String watched = ok(q, "channels", "--node", Long.toString(me.getServerId()));
        System.out.println("$ coordctl channels --node " + me.getServerId() + "\n" + watched);
        assertEquals(2, watched.lines().filter(l -> l.contains("WATCH_SUCCESS")
            && l.contains(" " + me.getServerId() + " ") && l.contains(" " + me.getEpoch() + " ")).count(), watched);
        assertTrue(watched.endsWith("2 channel(s) assigned; 0 unassigned\n"), watched);

        // ---- rows allocated, then reported ----
        DataCoordReply assigned = c.dataCoord().assign(List.of(
            SegmentRequest.newBuilder().setCollectionId(books.getId()).setPartitionId(partition).setChannel(ch0)
                .setRows(100).build(),
            SegmentRequest.newBuilder().setCollectionId(books.getId()).setPartitionId(partition).setChannel(ch1)
                .setRows(50).build()));
        List<Long> ids = assigned.getAssignmentsList().stream().map(SegmentAssignment::getSegmentId).distinct().sorted()
            .toList();
        assertEquals(2, ids.size(), assigned.toString());
        long ts0 = c.tso().allocate(1).first();
        long ts1 = c.tso().allocate(1).first();
        SaveBinlogPaths.Builder sync = SaveBinlogPaths.newBuilder().setNode(me);
        for (SegmentAssignment a : assigned.getAssignmentsList()) {
          sync.addSegments(SegmentReport.newBuilder().setSegmentId(a.getSegmentId()).setNumRows(a.getRows())
              .addAllBinlogs(binlogs(c, a.getRows(), ts0, ts1)));
        }
        c.dataCoord().saveBinlogPaths(sync.build());

        String list = ok(q, "segments", "list", "--collection", "books");
        System.out.println("$ coordctl segments list --collection books\n" + list);
        assertEquals(2, list.lines().filter(l -> ids.stream().anyMatch(id -> l.startsWith(id + " "))
            && l.contains(" GROWING ")).count(), list);
        assertTrue(list.contains("2 segment(s), 150 rows: GROWING 2 (150 rows)"), list);

        String limited = ok(q, "segments", "list", "--collection", "books", "--limit", "1");
        System.out.println("$ coordctl segments list --collection books --limit 1\n" + limited);
        System.out.println("$ coordctl --json channels --collection books\n" + ok(q, "--json", "channels", "--collection",
            "books"));
        assertTrue(limited.contains("limit 1 reached: 1 more segment(s) match"), limited);
        assertTrue(ok(q, "segments", "list", "--collection", "books", "--state", "flushed").contains("no segments match"));
        assertTrue(ok(q, "segments", "list", "--channel", ch0).contains(" 100/"));
        String ljs = ok(q, "--json", "segments", "list", "--node", Long.toString(me.getServerId()));
        System.out.println("$ coordctl --json segments list --node " + me.getServerId() + "\n" + ljs);
        JsonObject lj = JsonParser.parseString(ljs).getAsJsonObject();
        assertEquals(2, lj.getAsJsonArray("segments").size());
        assertEquals(150, lj.getAsJsonObject("totals").get("rows").getAsLong());
        assertFalse(lj.get("more").getAsBoolean());

        String described = ok(q, "segments", "describe", Long.toString(ids.get(0)));
        System.out.println("$ coordctl segments describe " + ids.get(0) + "\n" + described);
        assertTrue(described.contains("channel owner:   server_id " + me.getServerId() + ", epoch " + me.getEpoch()),
            described);
        assertTrue(described.contains("binlogs per field (3):"), described);
        String djs = ok(q, "--json", "segments", "describe", Long.toString(ids.get(0)));
        System.out.println("$ coordctl --json segments describe " + ids.get(0) + "\n" + djs);
        JsonObject dj = JsonParser.parseString(djs).getAsJsonObject();
        assertEquals(3, dj.getAsJsonObject("binlogs").getAsJsonArray("binlogs").size());

        // ---- flush --wait while the test plays the data node ----
        CompletableFuture<Run> flush = CompletableFuture.supplyAsync(() -> coordctl("--peers", q.peersString(), "flush",
            "books", "--wait", "--wait-timeout", "60s"));
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!flush.isDone()) {
          assertTrue(System.nanoTime() < deadline, "flush --wait did not finish");
          actAsDataNode(c, me, List.of(ch0, ch1));
          try {
            flush.get(100, TimeUnit.MILLISECONDS);
          } catch (java.util.concurrent.TimeoutException notYet) {
            // Poll again: report what became FLUSHING, move the checkpoints on.
          }
        }
        Run f = flush.get();
        System.out.println("$ coordctl flush books --wait\n" + f.out() + f.err());
        assertEquals(0, f.code(), f.err());
        List<String> lines = f.out().lines().toList();
        assertTrue(lines.get(0).startsWith("flush collection_id=" + books.getId() + " segments=2 "), f.out());
        assertTrue(lines.get(1).startsWith("flushed: 2 segment(s) flushed or dropped"), f.out());
        assertTrue(f.err().contains("coordctl: flush: waiting"), f.err());
        String flushed = ok(q, "segments", "list", "--collection", "books", "--state", "flushed");
        System.out.println("$ coordctl segments list --collection books --state flushed\n" + flushed);
        System.out.println("$ coordctl channels\n" + ok(q, "channels"));
        assertTrue(flushed.contains("2 segment(s), 150 rows: FLUSHED 2 (150 rows)"), flushed);
        String sealedBy = ok(q, "segments", "describe", Long.toString(ids.get(1)));
        assertTrue(sealedBy.contains("state:           FLUSHED (sealed by flush)"), sealedBy);

        // ---- flush --wait that nobody finishes: exit 1 on time, naming what is pending ----
        c.dataCoord().assign(List.of(SegmentRequest.newBuilder().setCollectionId(books.getId())
            .setPartitionId(partition).setChannel(ch0).setRows(10).build()));
        Run late = failing(q, "flush", "default.books", "--wait", "--wait-timeout", "1500ms");
        System.out.println("$ coordctl flush default.books --wait --wait-timeout 1500ms\n" + late.out() + late.err());
        assertTrue(late.err().lines().reduce((a, b) -> b).orElse("")
            .startsWith("coordctl: DEADLINE_EXCEEDED: flush of default.books not finished after 1500ms: "), late.err());
        String fjs = ok(q, "--json", "flush", Long.toString(books.getId()));
        System.out.println("$ coordctl --json flush " + books.getId() + "\n" + fjs);
        JsonObject fj = JsonParser.parseString(fjs).getAsJsonObject();
        assertEquals(books.getId(), fj.get("collectionId").getAsLong());
      }

      // ---- server-side errors: one line, exit 1 ----
      for (String[] args : new String[][] {{"segments", "describe", "987654321"}, {"flush", "nosuch"},
          {"segments", "list", "--collection", "library.nosuch"}, {"channels", "--collection", "nosuch"}}) {
        Run r = failing(q, args);
        System.out.println("$ coordctl " + String.join(" ", args) + "\n" + r.err());
        assertTrue(r.err().startsWith("coordctl: NOT_FOUND: "), r.err());
      }
    }
  }

  /**
   * One round of a data node: FLUSHING segments reported flushed (with their rows), and each
   * channel's checkpoint moved to a fresh timestamp (nothing is buffered).
   */
  private static void actAsDataNode(CoordClient c, SessionRef me, List<String> channels) {
    List<Segment> flushing = c.dataCoord().segments(ListSegments.newBuilder().setNodeId(me.getServerId())
        .addStates(SegmentState.FLUSHING).build()).getSegmentsList();
    long ts = c.tso().allocate(1).first();
    SaveBinlogPaths.Builder r = SaveBinlogPaths.newBuilder().setNode(me);
    for (Segment s : flushing) {
      r.addSegments(SegmentReport.newBuilder().setSegmentId(s.getId()).setNumRows(s.getNumRows()).setFlushed(true)
          .setCheckpoint(Position.newBuilder().setTimestamp(ts)));
    }
    for (String ch : channels) {
      r.addCheckpoints(ChannelCheckpoint.newBuilder().setChannel(ch).setPosition(Position.newBuilder().setTimestamp(ts)));
    }
    c.dataCoord().saveBinlogPaths(r.build());
  }
}
