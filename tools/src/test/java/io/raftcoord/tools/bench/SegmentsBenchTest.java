package io.raftcoord.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.datacoord.FieldBinlog;
import io.raftcoord.tools.cli.CliSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Flags, plans and the pure parts of {@code bench.sh segments} and {@code segments-scale}; nothing reaches a quorum. */
class SegmentsBenchTest {
  private static BenchRun run(String... args) {
    return BenchRun.of(args);
  }

  private static void assertUsage(BenchRun r, String fragment) {
    r.assertUsage(fragment);
  }

  private static Bench bench(String workload) {
    Bench b = new Bench();
    b.workload = workload;
    b.batching = "on";
    b.count = 1;
    b.rows = 100;
    b.maxSegmentBytes = 8L << 20;
    b.settleSeconds = 2;
    b.db = "bench";
    b.segments = 1_000_000;
    b.binlogs = 10;
    b.listCollectionSegments = 10_000;
    b.listRuns = 7;
    b.pageSize = 1000;
    b.inFlight = 8;
    b.requestsPerAssign = 64;
    b.restarts = "follower,cluster";
    b.catchupTimeoutSeconds = 120;
    return b;
  }

  @Test
  void rejectsBadSegmentsFlagsWithOneLine() {
    assertUsage(run("segments", "--nodes", "0"), "--nodes must be 1..10000, got 0");
    assertUsage(run("segments", "--nodes", "100", "--collections", "10", "--shards", "4"),
        "(40 channels) must be at least --nodes (100)");
    assertUsage(run("segments", "--shards", "17"), "--shards must be 1..16");
    assertUsage(run("segments", "--mix", "assign=1,frob=2"), "--mix: unknown kind 'frob'");
    assertUsage(run("segments", "--mix", "flush=1"), "--mix: assign or save needs a positive weight");
    assertUsage(run("segments", "--rows", "0"), "--rows must be 1..1000000");
    assertUsage(run("segments", "--max-segment-bytes", "100"), "--max-segment-bytes must be at least 4096");
    assertUsage(run("segments", "--merge", "on"), "segments does not call tso().next()");
    assertUsage(run("segments", "--concurrency", "0"), "--concurrency: 0 is out of range");
  }

  @Test
  void rejectsBadScaleFlagsWithOneLine() {
    assertUsage(run("segments-scale", "--segments", "100", "--list-collection-segments", "100"),
        "--list-collection-segments must be 1..--segments - 1 (99), got 100");
    assertUsage(run("segments-scale", "--concurrency", "4"), "segments-scale takes no --merge or --concurrency");
    assertUsage(run("segments-scale", "--restarts", "leader"), "--restarts: unknown 'leader'");
    assertUsage(run("segments-scale", "--page-size", "0"), "--page-size must be 1..100000");
    assertUsage(run("segments-scale", "--binlogs", "0"), "--binlogs must be 1..1000");
    assertUsage(run("segments-scale", "--requests-per-assign", "2000"), "--requests-per-assign must be 1..1024");
    assertUsage(run("segments-scale", "--cluster-script", "/nonexistent/cluster.sh"), "is not an executable file");
  }

  @Test
  void plansSegmentsDefaults() {
    Bench b = bench("segments");
    SegmentsPlan p = SegmentsPlan.of(b, null);
    assertEquals(100, p.nodes());
    assertEquals(4, p.shards());
    assertEquals(50, p.collections()); // 2 channels per node
    assertEquals(200, p.channels());
    assertEquals(List.of(64), p.concurrency());
    assertEquals(30_000, p.durationMs());
    assertEquals(60_000, p.warmupMs());
    assertEquals(8L << 20, p.maxSegmentBytes());
    assertEquals(Map.of(SegmentOps.Kind.ASSIGN, 50.0, SegmentOps.Kind.SAVE, 50.0, SegmentOps.Kind.FLUSH, 0.05), p.mix());
    assertEquals("segops", b.plan().itemName());
    b.nodes = 7;
    b.shards = 3;
    assertEquals(5, SegmentsPlan.of(b, List.of(8, 64)).collections());
    assertEquals(List.of(8, 64), SegmentsPlan.of(b, List.of(8, 64)).concurrency());
  }

  @Test
  void parsesTheMix() {
    Map<SegmentOps.Kind, Double> m = SegmentsPlan.parseMix(" save = 3 , assign=1 ");
    assertEquals(1.0, m.get(SegmentOps.Kind.ASSIGN));
    assertEquals(3.0, m.get(SegmentOps.Kind.SAVE));
    assertEquals(0.0, m.get(SegmentOps.Kind.FLUSH));
    assertThrows(CliSupport.UsageException.class, () -> SegmentsPlan.parseMix("assign=1,assign=2"));
    assertThrows(CliSupport.UsageException.class, () -> SegmentsPlan.parseMix("assign=-1,save=1"));
    assertThrows(CliSupport.UsageException.class, () -> SegmentsPlan.parseMix("assign"));
    assertThrows(CliSupport.UsageException.class, () -> SegmentsPlan.parseMix("assign=x"));
    assertThrows(CliSupport.UsageException.class, () -> SegmentsPlan.parseMix(""));
  }

  @Test
  void drawsKindsByWeight() {
    SegmentOps ops = new SegmentOps(null, "bench", null, null, null, null, 100,
        SegmentsPlan.parseMix("assign=2,save=1,flush=1"), null, null);
    assertEquals(SegmentOps.Kind.ASSIGN, ops.kindFor(0.0));
    assertEquals(SegmentOps.Kind.ASSIGN, ops.kindFor(0.49));
    assertEquals(SegmentOps.Kind.SAVE, ops.kindFor(0.5));
    assertEquals(SegmentOps.Kind.SAVE, ops.kindFor(0.74));
    assertEquals(SegmentOps.Kind.FLUSH, ops.kindFor(0.75));
    assertEquals(SegmentOps.Kind.FLUSH, ops.kindFor(0.999));
    SegmentOps noFlush = new SegmentOps(null, "bench", null, null, null, null, 100,
        SegmentsPlan.parseMix("assign=1,save=1"), null, null);
    assertEquals(SegmentOps.Kind.SAVE, noFlush.kindFor(0.9999));
  }

  @Test
  void plansScaleDefaults() {
    Bench b = bench("segments-scale");
    ScalePlan p = ScalePlan.of(b);
    assertEquals(1_000_000, p.segments());
    assertEquals(990_000, p.fillSegments());
    assertEquals(10, p.binlogs());
    assertEquals(10_000, p.listSegments());
    assertEquals(8, p.nodes());
    assertEquals(100, p.collections());
    assertEquals(2, p.shards());
    assertTrue(p.restartFollower() && p.restartCluster() && p.restartsAny());
    b.restarts = "none";
    assertFalse(ScalePlan.of(b).restartsAny());
    b.restarts = "cluster";
    assertTrue(ScalePlan.of(b).restartCluster());
    assertFalse(ScalePlan.of(b).restartFollower());
    b.dataDir = Path.of("/tmp/x");
    assertEquals(Path.of("/tmp/x"), ScalePlan.of(b).dataDir());
  }

  @Test
  void spreadsBinlogsOverFields() {
    List<FieldBinlog> logs = Binlogs.spread(List.of(0L, 1L, 100L, 101L), 10, 500, 1000, 7, 9);
    assertEquals(List.of(0L, 1L, 100L, 101L), logs.stream().map(FieldBinlog::getFieldId).toList());
    assertEquals(List.of(3, 3, 2, 2), logs.stream().map(FieldBinlog::getBinlogsCount).toList());
    assertEquals(List.of(1000L, 1004L, 1008L), logs.get(0).getBinlogsList().stream().map(l -> l.getLogId()).toList());
    assertEquals(500, logs.get(1).getBinlogs(0).getEntries());
    assertEquals(7, logs.get(1).getBinlogs(0).getTimestampFrom());
    assertEquals(9, logs.get(1).getBinlogs(0).getTimestampTo());
    assertEquals(500 * SegmentCollections.ROW_BYTES / 4, logs.get(1).getBinlogs(0).getSize());
  }

  @Test
  void booksPendingAndReportedRows() {
    SegmentCollections.Coll c = new SegmentCollections.Coll("c", 1, 2, List.of("ch0"), List.of(0L, 1L, 100L));
    SegmentBook book = new SegmentBook(List.of(c));
    SegmentBook.Channel ch = book.channel("ch0");
    assertNull(ch.firstPending());
    ch.assigned(7, 100);
    ch.assigned(5, 30);
    ch.assigned(7, 50);
    assertEquals(new SegmentBook.Rows(5, 30, 0), ch.firstPending());
    ch.reported(5, 30, 30);
    assertEquals(new SegmentBook.Rows(7, 150, 0), ch.firstPending());
    assertEquals(new SegmentBook.Rows(5, 0, 30), ch.rows(5));
    assertEquals(new SegmentBook.Rows(9, 0, -1), ch.rows(9));
    ch.forget(7);
    assertNull(ch.firstPending());
    assertEquals(1, book.tracked());
    ch.assigned(8, 10);
    assertEquals(10, ch.forgetAll());
    assertEquals(0, book.tracked());
    assertTrue(ch.tryBegin());
    assertFalse(ch.tryBegin());
    ch.end();
    assertTrue(ch.tryBegin());
    ch.end();
  }

  @Test
  void readsHeapInfo() {
    String parallel = """
        12849:
         PSYoungGen      total 293888K, used 198639K [0x00000000eab00000, 0x0000000100000000, 0x0000000100000000)
          eden space 234496K, 78% used [0x00000000eab00000,0x00000000f5faaa90,0x00000000f9000000)
          from space 59392K, 22% used [0x00000000fc600000,0x00000000fd351180,0x0000000100000000)
         ParOldGen       total 699392K, used 50317K [0x00000000c0000000, 0x00000000eab00000, 0x00000000eab00000)
          object space 699392K, 7% used [0x00000000c0000000,0x00000000c3123460,0x00000000eab00000)
         Metaspace       used 44220K, committed 44608K, reserved 1114112K
          class space    used 5128K, committed 5312K, reserved 1048576K
        """;
    assertEquals((198639L + 50317L) * 1024, ScaleProbe.heapUsed(parallel).getAsLong());
    String g1 = """
         garbage-first heap   total 1048576K, used 23456K [0x00000000c0000000, 0x0000000100000000)
          region size 1024K, 3 young (3072K), 0 survivors (0K)
         Metaspace       used 51234K, committed 52000K, reserved 1097728K
        """;
    assertEquals(23456L * 1024, ScaleProbe.heapUsed(g1).getAsLong());
    assertTrue(ScaleProbe.heapUsed("nothing here").isEmpty());
  }

  @Test
  void findsTheLatestSnapshot(@TempDir Path dir) throws IOException {
    Path sm = Files.createDirectories(dir.resolve("n1/raft/9f7f9028/sm"));
    Files.createDirectories(sm.resolve("snapshot.3_900"));
    Path latest = Files.createDirectories(sm.resolve("snapshot.4_1200"));
    Files.createDirectories(sm.resolve("snapshot.4_1300.tmp"));
    Files.write(latest.resolve("000001.sst"), new byte[1234]);
    Files.write(latest.resolve("MANIFEST-000002"), new byte[66]);
    assertEquals(latest, ScaleProbe.latestSnapshot(dir.resolve("n1")).orElseThrow());
    assertEquals(1200, ScaleProbe.snapshotIndex(latest));
    assertEquals(1300, ScaleProbe.sizeOnDisk(latest));
    assertTrue(ScaleProbe.latestSnapshot(dir.resolve("n2")).isEmpty());
  }
}
