package io.raftcoord.server.chaos;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Which fault comes next and how long the quiet gap before it is: faults are drawn from a
 * shuffled bag of every available one (refilled when empty), so that the order is random but
 * every kind comes up once per round, also in a short run. Deterministic for a seed.
 */
final class FaultSchedule {
  private final List<String> available;
  private final Random random;
  private final long quietMinMs;
  private final long quietMaxMs;
  private final List<String> bag = new ArrayList<>();

  FaultSchedule(List<String> available, Random random, long quietMinMs, long quietMaxMs) {
    if (quietMinMs < 0 || quietMaxMs < quietMinMs) {
      throw new IllegalArgumentException("bad quiet gap " + quietMinMs + ".." + quietMaxMs);
    }
    this.available = List.copyOf(available);
    this.random = random;
    this.quietMinMs = quietMinMs;
    this.quietMaxMs = quietMaxMs;
  }

  boolean isEmpty() {
    return available.isEmpty();
  }

  /** The next fault's name. */
  String next() {
    if (available.isEmpty()) {
      throw new IllegalStateException("no fault is available");
    }
    if (bag.isEmpty()) {
      bag.addAll(available);
      Collections.shuffle(bag, random);
    }
    return bag.remove(bag.size() - 1);
  }

  /** The quiet gap before the next fault, in ms. */
  long quietMs() {
    return Steps.between(random, quietMinMs, quietMaxMs);
  }
}
