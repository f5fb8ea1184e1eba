package io.raftcoord.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Flags and the pure parts of {@code bench.sh tasks}; nothing reaches a quorum. */
class TasksBenchTest {
  private static BenchRun run(String... args) {
    return BenchRun.of(args);
  }

  private static void assertUsage(BenchRun r, String fragment) {
    r.assertUsage(fragment);
  }

  @Test
  void rejectsBadTasksFlagsWithOneLine() {
    assertUsage(run("tasks", "--phases", "plan,frob"), "--phases: unknown tasks phase 'frob'");
    assertUsage(run("tasks", "--segments", "0"), "--segments must be 1..10000000, got 0");
    assertUsage(run("tasks", "--segments", "100", "--small-segments", "100"),
        "--small-segments must be 0..--segments - 1 (99), got 100");
    assertUsage(run("tasks", "--nodes", "0"), "--nodes must be 1..1000, got 0");
    assertUsage(run("tasks", "--slots", "0"), "--slots must be 1..100000, got 0");
    assertUsage(run("tasks", "--tasks-per-round", "100001"), "--tasks-per-round must be 1..100000");
    assertUsage(run("tasks", "--nodes", "5", "--halt", "5"), "--halt must be 1..--nodes - 1 (4), got 5");
    assertUsage(run("tasks", "--max-segment-bytes", "100"), "--max-segment-bytes must be at least 8576 (16 rows)");
    assertUsage(run("tasks", "--concurrency", "4"), "tasks takes no --merge or --concurrency");
    assertUsage(run("tasks", "--shards", "17"), "--shards must be 1..16");
  }

  @Test
  void plansDefaultsForAMillionSegmentsAndAHundredWorkers() {
    Bench b = new Bench();
    new picocli.CommandLine(b).parseArgs("tasks");
    TasksPlan p = TasksPlan.of(b, b.tasksOptions);
    assertEquals(List.of(TasksPlan.Phase.PLAN, TasksPlan.Phase.COMPLETE, TasksPlan.Phase.EXPIRY,
        TasksPlan.Phase.INDEXED), List.copyOf(p.phases()));
    assertEquals(1_000_000, p.segments());
    assertEquals(100_000, p.smallSegments());
    assertEquals(100, p.workers());
    assertEquals(64, p.slots());
    assertEquals(5, p.halt());
    assertEquals(1, p.binlogs());
    assertEquals(64L << 20, p.maxSegmentBytes());
    assertEquals(125_203, p.bigRows(), "64 MiB at 536 bytes per row");
    assertEquals(7_825, p.smallRows());

    new picocli.CommandLine(b = new Bench()).parseArgs("tasks", "--phases", "expiry,plan", "--segments", "5000",
        "--halt", "2");
    p = TasksPlan.of(b, b.tasksOptions);
    assertEquals(List.of(TasksPlan.Phase.PLAN, TasksPlan.Phase.EXPIRY), List.copyOf(p.phases()), "run in their order");
    assertEquals(500, p.smallSegments(), "a tenth by default below a million");
    assertEquals(2, p.halt());
  }

  @Test
  void planRoundsSumTheDutiesMediansAndMaxima() {
    List<PlanRounds.Duty> w = List.of(new PlanRounds.Duty("datatasks-scheduler", 10, new double[] {1, 2, 9}),
        new PlanRounds.Duty("datatasks-compaction", 2, new double[] {100, 140}),
        new PlanRounds.Duty("datatasks-gc", 0, new double[0]));
    assertEquals(2 + 120, PlanRounds.sum(w, false), 1e-9, "no rounds: no figure, not a zero");
    assertEquals(9 + 140, PlanRounds.sum(w, true), 1e-9);
    JsonObject j = PlanRounds.json(w);
    assertEquals(120.0, j.getAsJsonObject("datatasks-compaction").get("medianMs").getAsDouble());
    assertTrue(j.getAsJsonObject("datatasks-gc").get("medianMs").isJsonNull());
    assertEquals(149.0, j.get("sumOfMaximaMs").getAsDouble());
    String text = PlanRounds.text(w);
    assertTrue(text.contains("one round of every planner: 122.0 ms (sum of medians), 149.0 ms (sum of maxima)"), text);
  }
}
