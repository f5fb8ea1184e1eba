package io.raftcoord.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GapsTest {
  /** Completions every 10 units from 0 to 1000, except none in (500, 1100). */
  private static long[] withHole() {
    long[] t = new long[51 + 40];
    int i = 0;
    for (long x = 0; x <= 500; x += 10) {
      t[i++] = x;
    }
    for (long x = 1100; x < 1500; x += 10) {
      t[i++] = x;
    }
    return t;
  }

  @Test
  void findsTheHoleAroundTheKill() {
    Gaps.Gap g = Gaps.longestGap(withHole(), 450, 1400);
    assertEquals(new Gaps.Gap(500, 1100, false, false), g);
    assertEquals(600, g.length());
    assertTrue(g.exact());
  }

  @Test
  void aGapStraddlingTheWindowCountsWhole() {
    // window starts inside the hole: the gap still runs from the last completion before it
    assertEquals(new Gaps.Gap(500, 1100, false, false), Gaps.longestGap(withHole(), 700, 1400));
    // window ends inside the hole: the gap runs to the first completion after it
    assertEquals(new Gaps.Gap(500, 1100, false, false), Gaps.longestGap(withHole(), 0, 800));
    // window entirely inside the hole
    assertEquals(new Gaps.Gap(500, 1100, false, false), Gaps.longestGap(withHole(), 600, 700));
  }

  @Test
  void steadyTrafficGivesTheSpacing() {
    assertEquals(10, Gaps.longestGap(withHole(), 0, 400).length());
    assertEquals(10, Gaps.longestGap(withHole(), 1200, 1300).length());
  }

  @Test
  void completionsAtTheWindowEdges() {
    long[] t = {10, 12, 30};
    assertEquals(new Gaps.Gap(12, 30, false, false), Gaps.longestGap(t, 10, 20));
    assertEquals(new Gaps.Gap(12, 30, false, false), Gaps.longestGap(t, 10, 30));
  }

  @Test
  void noRecoveryIsAnOpenGapToTheWindowEnd() {
    long[] t = {0, 10, 20};
    Gaps.Gap g = Gaps.longestGap(t, 15, 5000);
    assertEquals(new Gaps.Gap(20, 5000, false, true), g);
    assertFalse(g.exact());
  }

  @Test
  void nothingBeforeTheWindowIsAnOpenStart() {
    long[] t = {700, 710};
    assertEquals(new Gaps.Gap(100, 700, true, false), Gaps.longestGap(t, 100, 705));
  }

  @Test
  void emptyTimelineIsTheWholeWindow() {
    Gaps.Gap g = Gaps.longestGap(new long[0], 100, 900);
    assertEquals(new Gaps.Gap(100, 900, true, true), g);
    assertEquals(800, g.length());
  }

  @Test
  void duplicateTimesAreFine() {
    long[] t = {5, 5, 5, 9, 9, 40, 40};
    assertEquals(new Gaps.Gap(9, 40, false, false), Gaps.longestGap(t, 0, 40));
  }

  @Test
  void rejectsAnInvertedWindow() {
    assertThrows(IllegalArgumentException.class, () -> Gaps.longestGap(new long[] {1}, 10, 5));
  }

  @Test
  void timelineMergesPerThreadBuffersSorted() throws InterruptedException {
    Timeline tl = new Timeline();
    Timeline.Buffer a = tl.newBuffer();
    Timeline.Buffer b = tl.newBuffer();
    Thread ta = new Thread(() -> {
      for (long i = 0; i < 40_000; i += 2) {
        a.record(i);
      }
    });
    Thread tb = new Thread(() -> {
      for (long i = 1; i < 40_000; i += 2) {
        b.record(i);
      }
    });
    ta.start();
    tb.start();
    ta.join();
    tb.join();
    long[] s = tl.sorted();
    assertEquals(40_000, s.length);
    for (int i = 0; i < s.length; i++) {
      assertEquals(i, s[i]);
    }
    assertEquals(39_999, tl.lastCompletion());
  }
}
