package io.raftcoord.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Flag validation and output of the load generator; nothing here reaches a quorum. */
class BenchTest {
  private static BenchRun run(String... args) {
    return BenchRun.of(args);
  }

  private static void assertUsage(BenchRun r, String fragment) {
    r.assertUsage(fragment);
  }

  @Test
  void rejectsBadFlagsWithOneLine() {
    assertUsage(run("nope"), "unknown workload 'nope'");
    assertUsage(run("tso", "--concurrency", "1,x"), "--concurrency: 'x' is not a number");
    assertUsage(run("tso", "--batching", "sometimes"), "--batching: expected on or off");
    assertUsage(run("tso-merge", "--merge", "off"), "tso-merge always merges");
    assertUsage(run("tso-alloc", "--merge", "on"), "--merge on has no effect");
    assertUsage(run("failover", "--concurrency", "8,16"), "failover runs one concurrency level");
    assertUsage(run("ids", "--count", "0"), "--count must be positive");
    assertUsage(run("tso", "--duration", "0"), "--duration: 0.0 is out of range");
    assertUsage(run("tso", "--peers", "x"), "peers: 'x' is not host:port");
    assertUsage(run("failover", "--cluster-script", "/nonexistent/cluster.sh"), "is not an executable file");
    assertUsage(run(), "Missing required parameter: 'WORKLOAD'");
  }

  @Test
  void plansDefaults() {
    Bench b = new Bench();
    b.workload = "tso";
    b.batching = "on";
    b.count = 1;
    Bench.Plan p = b.plan();
    assertEquals(List.of(1, 16, 64), p.concurrency());
    assertTrue(p.merge());
    b.workload = "tso-alloc";
    b.batching = "off";
    p = b.plan();
    assertFalse(p.merge());
    assertFalse(p.batching());
    b.workload = "failover";
    b.kills = 5;
    assertEquals(List.of(8), b.plan().concurrency());
    b.workload = "ids";
    assertEquals("ids", b.plan().itemName());
  }

  @Test
  void pointJsonIsOneLineWithTheFigures() {
    PointResult r = new PointResult("tso", 64, true, true, 1, 10_000_000_000L, 300_000, 300_000, 1_500, 12_345,
        40_000, 51_000, 2_100.4, 20_000, 10_000_000_000L, 30_000, 20_000, Map.of("UNAVAILABLE", 2L));
    String j = r.toJson();
    assertFalse(j.contains("\n"));
    assertTrue(j.startsWith("{\"workload\":\"tso\",\"concurrency\":64,\"batching\":true,\"merge\":true"), j);
    assertTrue(j.contains("\"opsPerSec\":30000.0,\"itemsPerSec\":30000.0,\"p50Ms\":1.500,\"p99Ms\":12.345,"
        + "\"p999Ms\":40.000,\"maxMs\":51.000,\"meanMs\":2.100"), j);
    assertTrue(j.contains("\"entriesPerSec\":2000.0"), j);
    assertTrue(j.contains("\"commandsPerBatch\":1.50,\"opsPerCommand\":10.00"), j);
    assertTrue(j.endsWith("\"errors\":{\"UNAVAILABLE\":2}}"), j);
    assertEquals(List.of("64", "30,000", "30,000", "1.50", "12.35", "40.00", "51.00", "2,000", "1.5", "10.0",
        "UNAVAILABLE=2"), List.of(r.row()));
  }
}
