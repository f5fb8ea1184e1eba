package io.raftcoord.server.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.server.chaos.KvHistoryOp.Outcome;
import io.raftcoord.server.chaos.KvHistoryOp.Type;
import io.raftcoord.server.chaos.LinearizabilityResult.Finding;
import io.raftcoord.server.chaos.LinearizabilityResult.Status;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The register linearizability checker on hand-made, brute-force-verified and simulated histories. */
class LinearizabilityCheckerTest {
  private static final String K = "kv_1/r2";
  private final List<KvHistoryOp> h = new ArrayList<>();

  // ---- builders: times in ms ----

  private int op(Type type, String value, Outcome outcome, long invokeMs, long completeMs) {
    return op(K, type, value, outcome, invokeMs, completeMs);
  }

  private int op(String key, Type type, String value, Outcome outcome, long invokeMs, long completeMs) {
    int id = h.size();
    h.add(new KvHistoryOp(id, "c" + (id % 3), type, key, value, outcome, invokeMs * 1_000_000L,
        completeMs * 1_000_000L, "n" + (1 + id % 3), ""));
    return id;
  }

  private int w(String v, long from, long to) {
    return op(Type.WRITE, v, Outcome.OK, from, to);
  }

  private int wUnknown(String v, long from, long to) {
    return op(Type.WRITE, v, Outcome.UNKNOWN, from, to);
  }

  private int wFail(String v, long from, long to) {
    return op(Type.WRITE, v, Outcome.FAIL, from, to);
  }

  private int r(String v, long from, long to) {
    return op(Type.READ, v, Outcome.OK, from, to);
  }

  private LinearizabilityResult check() {
    return new LinearizabilityChecker().check(h);
  }

  private void assertLinearizable() {
    LinearizabilityResult res = check();
    assertEquals(Status.LINEARIZABLE, res.status(), () -> res.first().window());
    assertTrue(res.toVerdict("kv-linearizable").valid());
  }

  /** Asserts a violation on K whose window names the key and shows op {@code culprit}. */
  private Finding assertViolation(int culprit) {
    LinearizabilityResult res = check();
    assertEquals(Status.VIOLATION, res.status());
    Finding f = res.first();
    assertEquals(K, f.key());
    assertTrue(f.window().contains("key " + K), f.window());
    assertTrue(f.window().contains("#" + culprit + " "), f.window());
    Verdict v = res.toVerdict("kv-linearizable");
    assertTrue(!v.valid() && v.violations().get(0).startsWith(K) && v.smallestWindow().equals(f.window()));
    return f;
  }

  // ---- must pass ----

  @Test
  void sequentialHistoryPasses() {
    w("a", 0, 1);
    r("a", 2, 3);
    w("b", 4, 5);
    r("b", 6, 7);
    r("b", 8, 9);
    assertLinearizable();
  }

  @Test
  void readsOfTheInitialAbsentValuePass() {
    r(null, 0, 1);
    w("a", 2, 5);
    r(null, 3, 4);
    r("a", 6, 7);
    assertLinearizable();
  }

  @Test
  void concurrentOverlapsPass() {
    w("a", 0, 10);
    r(null, 1, 2);
    r("a", 3, 4);
    w("b", 5, 15);
    r("a", 6, 7);
    r("b", 8, 20);
    w("c", 21, 30);
    w("d", 22, 31);
    r("c", 32, 33);
    r("c", 34, 35);
    assertLinearizable();
  }

  @Test
  void touchingIntervalsAreConcurrent() {
    w("a", 0, 5);
    r(null, 5, 6);
    assertLinearizable();
  }

  @Test
  void unknownWriteAppliedLatePasses() {
    w("a", 0, 1);
    wUnknown("b", 2, 3);
    r("a", 10, 11);
    r("b", 50, 51);
    r("b", 60, 61);
    assertLinearizable();
  }

  @Test
  void unknownWriteNeverAppliedPasses() {
    w("a", 0, 1);
    wUnknown("b", 2, 3);
    r("a", 10, 11);
    wUnknown("c", 12, KvHistoryOp.PENDING / 1_000_000L);
    r("a", 50, 51);
    assertLinearizable();
  }

  @Test
  void failedWritesAndUnansweredReadsAreIgnored() {
    w("a", 0, 1);
    wFail("b", 2, 3);
    op(Type.READ, null, Outcome.UNKNOWN, 3, 9);
    op(Type.READ, null, Outcome.FAIL, 4, 5);
    r("a", 6, 7);
    assertLinearizable();
  }

  @Test
  void keysAreIndependent() {
    op("kv_0/r0", Type.WRITE, "a", Outcome.OK, 0, 1);
    op("kv_0/r1", Type.WRITE, "b", Outcome.OK, 2, 3);
    op("kv_0/r0", Type.READ, "a", Outcome.OK, 4, 5);
    op("kv_0/r1", Type.READ, "b", Outcome.OK, 4, 5);
    op("kv_0/r2", Type.READ, null, Outcome.OK, 4, 5);
    LinearizabilityResult res = check();
    assertEquals(Status.LINEARIZABLE, res.status());
    assertEquals(3, res.keys());
    assertEquals(5, res.opsChecked());
  }

  // ---- must fail ----

  @Test
  void staleReadAfterACompletedWriteFails() {
    w("a", 0, 1);
    w("b", 2, 3);
    int stale = r("a", 4, 5);
    Finding f = assertViolation(stale);
    assertTrue(f.window().contains("\"b\""), f.window());
  }

  @Test
  void readOfAValueNeverWrittenFails() {
    w("a", 0, 1);
    int bad = r("zzz", 2, 3);
    Finding f = assertViolation(bad);
    assertTrue(f.summary().contains("never written"), f.summary());
  }

  @Test
  void readOfAFailedWritesValueFails() {
    w("a", 0, 1);
    wFail("b", 2, 3);
    int bad = r("b", 4, 5);
    Finding f = assertViolation(bad);
    assertTrue(f.summary().contains("failed"), f.summary());
  }

  @Test
  void readBeforeItsWriteWasInvokedFails() {
    int early = r("a", 0, 1);
    w("a", 2, 3);
    assertViolation(early);
  }

  @Test
  void readGoingBackwardsBetweenTwoNonOverlappingReadsFails() {
    w("a", 0, 1);
    w("b", 2, 20);
    r("b", 3, 4);
    int back = r("a", 5, 6);
    Finding f = assertViolation(back);
    assertTrue(f.window().contains("window [3.000ms, 6.000ms]"), f.window());
    assertTrue(f.summary().startsWith("op #" + back + " "), f.summary());
  }

  @Test
  void lostAcknowledgedWriteFails() {
    w("a", 0, 1);
    r("a", 2, 3);
    w("b", 4, 5);
    int lost = r("a", 10, 11);
    r("a", 12, 13);
    Finding f = assertViolation(lost);
    assertTrue(f.summary().contains("is the first op that cannot be linearized: the 2 ops invoked in [4.000ms, 11.000ms]"
        + " have no linearization, whatever the register held before"), f.summary());
  }

  @Test
  void absentAfterAnAcknowledgedWriteFails() {
    w("a", 0, 1);
    int absent = r(null, 2, 3);
    assertViolation(absent);
  }

  @Test
  void unknownWriteSeenThenUnseenFails() {
    w("a", 0, 1);
    wUnknown("b", 2, 3);
    r("b", 10, 11);
    int back = r("a", 12, 13);
    assertViolation(back);
  }

  @Test
  void searchOverBudgetIsUnknownNotAPass() {
    Random rnd = new Random(7);
    h.addAll(LinearizabilityTestHistories.history(rnd, K, 400, 6, 0.1));
    LinearizabilityResult res = new LinearizabilityChecker(50).check(h);
    assertEquals(Status.UNKNOWN, res.status());
    assertTrue(res.first().summary().startsWith("unknown (search budget exceeded"), res.first().summary());
    assertTrue(!res.toVerdict("kv-linearizable").valid());
  }

  // ---- randomized ----

  @Test
  void agreesWithBruteForceOnSmallRandomHistories() {
    Random rnd = new Random(42);
    int violations = 0;
    for (int round = 0; round < 2000; round++) {
      List<KvHistoryOp> ops = LinearizabilityTestHistories.arbitrary(rnd, K, 2 + rnd.nextInt(6));
      boolean expected = LinearizabilityBruteForce.linearizable(ops);
      LinearizabilityResult res = new LinearizabilityChecker().check(ops);
      assertEquals(expected, res.status() == Status.LINEARIZABLE,
          () -> "round history:\n" + String.join("\n", ops.stream().map(KvHistoryOp::describe).toList())
              + (res.first() == null ? "" : "\n" + res.first().window()));
      violations += expected ? 0 : 1;
    }
    System.out.printf("brute force: %d of 2000 random histories not linearizable%n", violations);
    assertTrue(violations > 200 && violations < 1800, "both outcomes exercised: " + violations);
  }

  @Test
  void theFirstOpThatCannotBeLinearizedAgreesWithBruteForce() {
    Random rnd = new Random(9);
    int checked = 0;
    int windows = 0;
    for (int round = 0; round < 2000; round++) {
      List<KvHistoryOp> ops = LinearizabilityTestHistories.arbitrary(rnd, K, 2 + rnd.nextInt(6));
      if (LinearizabilityBruteForce.linearizable(ops)) {
        continue;
      }
      long first = ops.stream().filter(o -> o.outcome() == Outcome.OK).mapToLong(KvHistoryOp::completeNs).sorted()
          .filter(t -> !LinearizabilityBruteForce.linearizable(knownAt(ops, t))).findFirst().orElseThrow();
      Finding f = new LinearizabilityChecker().check(ops).first();
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("#(\\d+)").matcher(f.summary());
      assertTrue(m.find(), f.summary());
      int culprit = Integer.parseInt(m.group(1));
      KvHistoryOp c = ops.stream().filter(o -> o.id() == culprit).findFirst().orElseThrow();
      assertEquals(first, c.completeNs(), () -> f.window() + "\n" + String.join("\n",
          ops.stream().map(KvHistoryOp::describe).toList()));
      LinearizabilityMinimizer.Window w = new LinearizabilityMinimizer(K, ops, 1_000_000).minimize(Long.MIN_VALUE);
      assertEquals(first, w.to());
      if (w.from() != Long.MIN_VALUE) {
        windows++;
        List<String> initials = new ArrayList<>(ops.stream().map(KvHistoryOp::value).distinct().toList());
        initials.add("something else");
        for (String initial : initials) {
          assertTrue(!LinearizabilityBruteForce.linearizable(w.ops(), initial, w.carriedIn()),
              () -> "window from " + w.from() + " with initial " + initial + " is linearizable:\n"
                  + String.join("\n", w.ops().stream().map(KvHistoryOp::describe).toList()));
        }
      }
      checked++;
    }
    System.out.printf("first op: %d violations checked against brute force, %d windows verified%n", checked, windows);
    assertTrue(checked > 500 && windows > 50, "checked " + checked + ", minimized windows " + windows);
  }

  /** The history as known at time t: later ops out, running writes UNKNOWN, running reads out. */
  private static List<KvHistoryOp> knownAt(List<KvHistoryOp> ops, long t) {
    List<KvHistoryOp> out = new ArrayList<>();
    for (KvHistoryOp o : ops) {
      boolean done = o.outcome() == Outcome.OK && o.completeNs() <= t;
      if (o.invokeNs() > t || (!o.isWrite() && !done)) {
        continue;
      }
      out.add(done || !o.isWrite() ? o : new KvHistoryOp(o.id(), o.client(), o.type(), o.key(), o.value(),
          o.outcome() == Outcome.FAIL ? Outcome.FAIL : Outcome.UNKNOWN, o.invokeNs(), KvHistoryOp.PENDING,
          o.replica(), o.error()));
    }
    return out;
  }

  @Test
  void simulatedAtomicRegisterAlwaysPassesAndAnObservableStaleReadAlwaysFails() {
    Random rnd = new Random(1);
    int mutated = 0;
    for (int round = 0; round < 200; round++) {
      List<KvHistoryOp> ops = LinearizabilityTestHistories.history(rnd, K, 20 + rnd.nextInt(200), 1 + rnd.nextInt(8), 0.15);
      LinearizabilityResult ok = new LinearizabilityChecker().check(ops);
      assertEquals(Status.LINEARIZABLE, ok.status(), () -> ok.first().window());
      LinearizabilityTestHistories.Mutation m = LinearizabilityTestHistories.staleRead(rnd, ops);
      if (m == null) {
        continue;
      }
      mutated++;
      LinearizabilityResult bad = new LinearizabilityChecker().check(m.history());
      assertEquals(Status.VIOLATION, bad.status(), "mutated #" + m.readId());
      Finding f = bad.first();
      assertEquals(K, f.key());
      assertTrue(f.window().contains("* #" + m.readId() + " "), f.window());
      assertTrue(f.summary().contains("is the first op that cannot be linearized"), f.summary());
    }
    assertTrue(mutated > 150, "mutations: " + mutated);
  }

  @Test
  void theSearchReductionsNeverChangeTheAnswer() {
    Random rnd = new Random(11);
    int violations = 0;
    for (int round = 0; round < 400; round++) {
      List<KvHistoryOp> ops = round % 2 == 0 ? LinearizabilityTestHistories.arbitrary(rnd, K, 2 + rnd.nextInt(12))
          : LinearizabilityTestHistories.history(rnd, K, 10 + rnd.nextInt(150), 1 + rnd.nextInt(8), 0.2);
      if (round % 4 == 1) {
        LinearizabilityTestHistories.Mutation m = LinearizabilityTestHistories.staleRead(rnd, ops);
        ops = m == null ? ops : m.history();
      }
      LinearizabilityKey key = new LinearizabilityKey(K, ops);
      if (key.problem() != null) {
        continue;
      }
      LinearizabilitySearch.Kind reduced = key.search().run(10_000_000).kind();
      LinearizabilitySearch.Kind plain = new LinearizabilityKey(K, ops).search().withoutReductions().run(10_000_000).kind();
      assertEquals(plain, reduced, "round " + round);
      violations += plain == LinearizabilitySearch.Kind.VIOLATION ? 1 : 0;
    }
    assertTrue(violations > 50, "violations: " + violations);
  }

  @Test
  void twentyKeysOfFiveHundredOpsWithTenPercentUnknownAreFast() {
    Random rnd = new Random(3);
    for (int k = 0; k < 20; k++) {
      h.addAll(LinearizabilityTestHistories.history(rnd, "kv_" + (k / 4) + "/r" + (k % 4), 500, 6, 0.10, h.size()));
    }
    long t0 = System.nanoTime();
    LinearizabilityResult res = check();
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("linearizability: 20 keys x 500 ops (10%% unknown): %s, %d ops, %d steps, %d ms%n",
        res.status(), res.opsChecked(), res.steps(), ms);
    assertEquals(Status.LINEARIZABLE, res.status());
    assertTrue(ms < 20_000, ms + " ms");

    LinearizabilityTestHistories.Mutation m = LinearizabilityTestHistories.staleRead(new Random(4), h.stream().filter(o -> o.key().equals("kv_4/r3"))
        .sorted(Comparator.comparingInt(KvHistoryOp::id)).toList());
    assertNotNull(m);
    List<KvHistoryOp> bad = new ArrayList<>(h.stream().filter(o -> !o.key().equals("kv_4/r3")).toList());
    bad.addAll(m.history());
    t0 = System.nanoTime();
    LinearizabilityResult v = new LinearizabilityChecker().check(bad);
    ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("linearizability: the same with one stale read: %s in %d ms, window:%n%s", v.status(), ms,
        v.first().window());
    assertEquals(Status.VIOLATION, v.status());
    assertEquals("kv_4/r3", v.first().key());
  }

  @Test
  void fiveThousandOpsOnOneKeyAreFast() {
    h.addAll(LinearizabilityTestHistories.history(new Random(5), K, 5000, 8, 0.10));
    long t0 = System.nanoTime();
    LinearizabilityResult res = check();
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.printf("linearizability: 1 key x 5000 ops, 8 clients (10%% unknown): %s, %d steps, %d ms%n",
        res.status(), res.steps(), ms);
    assertEquals(Status.LINEARIZABLE, res.status());
  }
}
