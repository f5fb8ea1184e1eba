package io.raftcoord.server.chaos;

import java.util.List;

/**
 * One checker's result: how many operations it checked, and each violation with the smallest
 * window of the history that shows it (e.g. the ops of one key between two times).
 */
public record Verdict(String checker, long opsChecked, List<String> violations, String smallestWindow) {
  public Verdict {
    violations = List.copyOf(violations);
  }

  public boolean valid() {
    return violations.isEmpty();
  }

  public static Verdict ok(String checker, long opsChecked) {
    return new Verdict(checker, opsChecked, List.of(), "");
  }
}
