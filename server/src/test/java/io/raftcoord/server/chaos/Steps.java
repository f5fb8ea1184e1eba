package io.raftcoord.server.chaos;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Small helpers the fault plug-ins share. */
final class Steps {
  private Steps() {}

  /** An ordered map of {@code key, value, key, value, ...} for timeline details. */
  static Map<String, Object> m(Object... kv) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; i + 1 < kv.length; i += 2) {
      out.put(String.valueOf(kv[i]), kv[i + 1]);
    }
    return out;
  }

  static void sleep(long ms) {
    if (ms <= 0) {
      return;
    }
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** A uniform long in {@code [lo, hi]}. */
  static long between(Random random, long lo, long hi) {
    return lo + (long) (random.nextDouble() * (hi - lo + 1));
  }

  /** A replica other than {@code a} (and {@code b}), at random. */
  static int other(Random random, int a, int b) {
    int[] c = new int[3];
    int n = 0;
    for (int i = 1; i <= 3; i++) {
      if (i != a && i != b) {
        c[n++] = i;
      }
    }
    return c[random.nextInt(n)];
  }

  static long ms(long sinceNanos) {
    return (System.nanoTime() - sinceNanos) / 1_000_000;
  }
}
