package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.Steps.m;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The nemesis suite's pure parts: fault selection, failover gaps, the report, the command line, history merging. */
class ChaosSuiteTest {

  @Test
  void everyAvailableFaultComesUpOncePerRoundInASeededOrder() {
    List<String> kinds = List.of("kill", "pause", "partition", "clock", "disk", "snapshot");
    FaultSchedule s = new FaultSchedule(kinds, new Random(7), 1000, 3000);
    List<String> drawn = new ArrayList<>();
    for (int i = 0; i < 4 * kinds.size(); i++) {
      drawn.add(s.next());
    }
    for (int round = 0; round < 4; round++) {
      List<String> r = drawn.subList(round * kinds.size(), (round + 1) * kinds.size());
      assertEquals(kinds.size(), r.stream().distinct().count(), "round " + round + ": " + r);
    }
    assertFalse(drawn.subList(0, 6).equals(drawn.subList(6, 12)) && drawn.subList(6, 12).equals(drawn.subList(12, 18)),
        "the order should vary between rounds: " + drawn);
    FaultSchedule again = new FaultSchedule(kinds, new Random(7), 1000, 3000);
    List<String> drawnAgain = new ArrayList<>();
    for (int i = 0; i < drawn.size(); i++) {
      drawnAgain.add(again.next());
    }
    assertEquals(drawn, drawnAgain, "the same seed gives the same schedule");
    for (int i = 0; i < 200; i++) {
      long q = s.quietMs();
      assertTrue(q >= 1000 && q <= 3000, "quiet gap " + q);
    }
    assertTrue(new FaultSchedule(List.of(), new Random(1), 0, 0).isEmpty());
    assertThrows(IllegalStateException.class, () -> new FaultSchedule(List.of(), new Random(1), 0, 0).next());
    assertThrows(IllegalArgumentException.class, () -> new FaultSchedule(kinds, new Random(1), 5, 4));
  }

  private static Timeline.Event ev(double at, String fault, String what, Object... kv) {
    return new Timeline.Event(at, fault, what, m(kv));
  }

  @Test
  void failoverGapIsTheLongestSilenceAroundEachLeaderKillOrPause() {
    List<Timeline.Event> events = List.of(
        ev(1000, "kill", "kill9", "replica", 1, "role", "leader"),
        ev(1350, "kill", "new-leader", "replica", 2),
        ev(3000, "kill", "restart", "replica", 1),
        ev(5000, "kill", "kill9", "replica", 2, "role", "follower"), // not a leader: no sample
        ev(6000, "kill", "restart", "replica", 2),
        ev(10_000, "pause", "sigstop", "replica", 3, "role", "leader"),
        ev(12_000, "pause", "sigcont", "replica", 3),
        ev(20_000, "kill", "kill9", "replica", 2, "role", "leader")); // never restarted: no sample
    List<Double> ok = new ArrayList<>();
    for (double t = 0; t <= 25_000; t += 10) {
      boolean silentAfterKill = t > 990 && t < 1600;      // 990 -> 1600: 610 ms
      boolean silentAfterPause = t > 10_050 && t < 11_500; // 10050 -> 11500: 1450 ms
      boolean silentFollower = t > 5000 && t < 5100;
      if (!silentAfterKill && !silentAfterPause && !silentFollower) {
        ok.add(t);
      }
    }
    double[] times = ok.stream().mapToDouble(Double::doubleValue).toArray();
    FailoverGaps.Summary s = FailoverGaps.compute("tso", events, times);
    assertEquals(2, s.count(), s.toString());
    assertEquals("kill", s.samples().get(0).fault());
    assertEquals(1, s.samples().get(0).replica());
    assertEquals(610, s.samples().get(0).gapMs(), 0.01);
    assertEquals(990, s.samples().get(0).gapStartMs(), 0.01);
    assertFalse(s.samples().get(0).openEnded());
    assertEquals(350, s.samples().get(0).newLeaderMs(), 0.01);
    assertTrue(Double.isNaN(s.samples().get(1).newLeaderMs()));
    assertEquals("pause", s.samples().get(1).fault());
    assertEquals(1450, s.samples().get(1).gapMs(), 0.01);
    assertEquals((610 + 1450) / 2.0, s.medianMs(), 0.01);
    assertEquals(1450, s.maxMs(), 0.01);

    // No write succeeded after the kill until the end of the window: an open-ended lower bound.
    FailoverGaps.Summary open = FailoverGaps.compute("tso", List.of(ev(1000, "kill", "kill9", "replica", 1,
        "role", "leader"), ev(3000, "kill", "restart", "replica", 1)), new double[] {100, 500, 900});
    assertEquals(1, open.count());
    assertTrue(open.samples().get(0).openEnded());
    assertEquals(2100, open.samples().get(0).gapMs(), 0.01);

    FailoverGaps.Summary none = FailoverGaps.compute("tso", List.of(), times);
    assertEquals(0, none.count());
    assertTrue(Double.isNaN(none.medianMs()));
    assertEquals(2.5, FailoverGaps.median(new double[] {1, 2, 3, 4}), 1e-9);
  }

  private static Report report(boolean expectViolation, List<Verdict> verdicts, String error) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    counts.put("kill", 3);
    counts.put("pause", 2);
    counts.put("partition", 0);
    FailoverGaps.Summary f = new FailoverGaps.Summary("tso", List.of(
        new FailoverGaps.Sample("kill", 1, 1000, 3000, 610, 990, false, 400),
        new FailoverGaps.Sample("pause", 3, 10_000, 12_000, 1450, 10_050, true, Double.NaN)), 1030, 1450);
    return new Report(42, 60, 75_000, "/tmp/r", "2026-01-01T00:00:00Z", List.of("kill", "pause", "partition"),
        Map.of("partition", "not running as root"), List.of("tso", "ids"), "loopback", List.of(), expectViolation,
        counts, List.of("pause #2 at 30.0 s: boom"), verdicts, Map.of("tso", "ok=10 failed=0 unknown=1"), f,
        List.of("disk 12.0 s: n2 exited"), error);
  }

  @Test
  void reportWritesVerdictJsonAndTextAndChoosesTheExitCode(@TempDir Path dir) throws Exception {
    Verdict tsoOk = Verdict.ok("tso", 1234);
    Verdict idsBad = new Verdict("ids", 99, List.of("IDS_DISJOINT: id 5 handed out twice", "second"),
        "IDS_DISJOINT [1.000 ms .. 2.000 ms]: op#1 | op#2");

    Report valid = report(false, List.of(tsoOk, Verdict.ok("ids", 99)), null);
    assertTrue(valid.valid());
    assertEquals(0, valid.exitCode());
    assertEquals(1, report(true, List.of(tsoOk), null).exitCode(), "expected a violation, none found");

    Report invalid = report(false, List.of(tsoOk, idsBad), null);
    assertFalse(invalid.valid());
    assertEquals(1, invalid.exitCode());
    assertEquals(0, report(true, List.of(tsoOk, idsBad), null).exitCode(), "the expected violation was found");
    assertEquals(1, report(false, List.of(tsoOk), "setup failed").exitCode(), "a run that failed is not valid");

    invalid.write(dir);
    JsonObject j = JsonParser.parseString(Files.readString(dir.resolve("verdict.json"))).getAsJsonObject();
    assertEquals("INVALID", j.get("outcome").getAsString());
    assertFalse(j.get("valid").getAsBoolean());
    assertEquals(1, j.get("exitCode").getAsInt());
    assertEquals(5, j.get("faultsTotal").getAsInt());
    assertEquals(3, j.getAsJsonObject("faultCounts").get("kill").getAsInt());
    assertEquals("not running as root", j.getAsJsonObject("faultsUnavailable").get("partition").getAsString());
    assertEquals(2, j.getAsJsonArray("checkers").size());
    JsonObject ids = j.getAsJsonArray("checkers").get(1).getAsJsonObject();
    assertEquals(99, ids.get("opsChecked").getAsLong());
    assertEquals(2, ids.getAsJsonArray("violations").size());
    assertTrue(j.get("smallestViolatingWindow").getAsString().startsWith("ids: IDS_DISJOINT [1.000 ms"));
    JsonObject f = j.getAsJsonObject("failover");
    assertEquals(2, f.get("count").getAsInt());
    assertEquals(1030.0, f.get("medianMs").getAsDouble(), 1e-9);
    assertEquals(1450.0, f.get("maxMs").getAsDouble(), 1e-9);
    assertTrue(f.getAsJsonArray("samples").get(1).getAsJsonObject().get("openEnded").getAsBoolean());

    String text = Files.readString(dir.resolve("verdict.txt"));
    assertTrue(text.startsWith("raftcoord chaos run: INVALID\n"), text);
    assertTrue(text.contains("faults injected (5): kill=3 pause=2 partition=0"), text);
    assertTrue(text.contains("unavailable: partition - not running as root"), text);
    assertTrue(text.contains("2 samples, median 1030 ms, max 1450 ms"), text);
    assertTrue(text.contains("gap 1450 ms+"), text);
    assertTrue(text.contains("  kill: 1 samples, median 610 ms, max 610 ms\n  pause: 1 samples, median 1450 ms"), text);
    assertEquals(610.0, f.getAsJsonObject("byFault").getAsJsonObject("kill").get("maxMs").getAsDouble(), 1e-9);
    assertTrue(text.contains("gap 610 ms (from 1.0 s); new leader seen after 400 ms"), text);
    assertTrue(text.contains("ids            INVALID        99 ops checked"), text);
    assertTrue(text.contains("tso            VALID        1234 ops checked  (ok=10 failed=0 unknown=1)"), text);
    assertTrue(text.contains("smallest violating window: ids: IDS_DISJOINT"), text);
    assertTrue(text.contains("[ids] second"), text);
    assertTrue(text.contains("fault error: pause #2"), text);

    // No samples: medians are absent, not NaN.
    Report empty = new Report(1, 1, 1, "/r", "t", List.of(), Map.of(), List.of(), "-", List.of(), false, Map.of(),
        List.of(), List.of(), Map.of(), new FailoverGaps.Summary("none", List.of(), Double.NaN, Double.NaN), List.of(),
        null);
    JsonObject e = JsonParser.parseString(empty.json()).getAsJsonObject();
    assertTrue(e.getAsJsonObject("failover").get("medianMs").isJsonNull());
    assertTrue(empty.text().contains("0 samples, median -, max -"), empty.text());
  }

  @Test
  void commandLineUsageErrorsExitTwo() {
    assertEquals(2, ChaosMain.execute("--faults", "kill,bogus"));
    assertEquals(2, ChaosMain.execute("--workloads", "tso,nope"));
    assertEquals(2, ChaosMain.execute("--time", "0"));
    assertEquals(2, ChaosMain.execute("--planted-bug", "no-such-bug"));
    assertEquals(2, ChaosMain.execute("--quiet-ms", "5-1"));
    assertEquals(2, ChaosMain.execute("--no-such-flag"));
    assertEquals(2, ChaosMain.execute("--time", "ten"));
    assertEquals(0, ChaosMain.execute("--help"));
    assertEquals(List.of("kill", "clock"), ChaosRun.parseList(" kill, clock,kill ", ChaosRun.ALL_FAULTS, "fault"));
    assertThrows(IllegalArgumentException.class, () -> ChaosRun.parseList(" , ", ChaosRun.ALL_FAULTS, "fault"));
  }

  /** A workload that only has a history. */
  private record Fixed(String name, List<String> historyLines) implements ChaosWorkload {
    @Override
    public void start(ChaosEnv env) {}

    @Override
    public void stop() {}

    @Override
    public List<Verdict> check(ChaosEnv env) {
      return List.of();
    }
  }

  @Test
  void historyMergesWorkloadsByInvokeTime(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("history.jsonl");
    ChaosRun.writeHistory(List.of(
        new Fixed("tso", List.of("{\"workload\":\"tso\",\"invokeMs\":1.0}", "{\"workload\":\"tso\",\"invokeMs\":5.0}")),
        new Fixed("kv", List.of("{\"workload\":\"kv\",\"invokeMs\":3.0}", "{\"workload\":\"kv\",\"note\":1}",
            "{\"workload\":\"kv\",\"invokeMs\":0.5}"))), file);
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertEquals(List.of("{\"workload\":\"kv\",\"invokeMs\":0.5}", "{\"workload\":\"tso\",\"invokeMs\":1.0}",
        "{\"workload\":\"kv\",\"invokeMs\":3.0}", "{\"workload\":\"kv\",\"note\":1}",
        "{\"workload\":\"tso\",\"invokeMs\":5.0}"), lines);
  }

  @Test
  void timelineWritesOneJsonObjectPerStep(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("faults.jsonl");
    try (Timeline t = new Timeline(file)) {
      t.add(12.34, "kill", "kill9", m("replica", 2, "role", "leader"));
      t.add(99.0, "run", "end", null);
      assertEquals(2, t.events().size());
      assertEquals(2, t.events().get(0).get("replica"));
    }
    List<String> lines = Files.readAllLines(file);
    assertEquals("{\"atMs\":12.3,\"fault\":\"kill\",\"what\":\"kill9\",\"replica\":2,\"role\":\"leader\"}", lines.get(0));
    assertEquals("{\"atMs\":99.0,\"fault\":\"run\",\"what\":\"end\"}", lines.get(1));
    Map<String, Object> nulls = new HashMap<>();
    nulls.put("x", null);
    assertEquals("{\"atMs\":1.0,\"fault\":\"f\",\"what\":\"w\",\"x\":null}", new Timeline.Event(1, "f", "w", nulls).json());
  }

  @Test
  void firstLogIndexReadsRatisSegmentNames(@TempDir Path dir) throws Exception {
    Path current = dir.resolve("raft").resolve("02511d47-d67c-49a3-9011-abb3109a44c1").resolve("current");
    Files.createDirectories(current);
    assertTrue(SnapshotFault.firstLogIndex(dir).isEmpty());
    Files.createFile(current.resolve("log_4521-6000"));
    Files.createFile(current.resolve("log_6001-7999"));
    Files.createFile(current.resolve("log_inprogress_8000"));
    Files.createFile(current.resolve("raft-meta"));
    assertEquals(4521, SnapshotFault.firstLogIndex(dir).getAsLong());
    Files.delete(current.resolve("log_4521-6000"));
    Files.delete(current.resolve("log_6001-7999"));
    assertEquals(8000, SnapshotFault.firstLogIndex(dir).getAsLong());
    assertTrue(SnapshotFault.firstLogIndex(dir.resolve("nothing")).isEmpty());
  }
}
