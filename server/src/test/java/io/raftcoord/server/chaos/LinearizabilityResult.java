package io.raftcoord.server.chaos;

import java.util.Comparator;
import java.util.List;

/**
 * The linearizability checker's answer for a whole history. Invariants: {@link Status#LINEARIZABLE}
 * only when every key's search completed and succeeded; a key whose search ran out of budget
 * makes the whole result {@link Status#UNKNOWN} (unless another key is a violation), never a pass.
 */
public record LinearizabilityResult(Status status, int keys, long opsChecked, long steps, List<Finding> findings) {
  public enum Status { LINEARIZABLE, VIOLATION, UNKNOWN }

  /** One key that is not (or could not be shown to be) linearizable, with the window that shows it. */
  public record Finding(String key, Status status, String summary, String window, long windowStartNs) {}

  public LinearizabilityResult {
    findings = findings.stream()
        .sorted(Comparator.comparing((Finding f) -> f.status() != Status.VIOLATION)
            .thenComparingLong(Finding::windowStartNs))
        .toList();
  }

  static LinearizabilityResult of(int keys, long opsChecked, long steps, List<Finding> findings) {
    Status s = findings.stream().anyMatch(f -> f.status() == Status.VIOLATION) ? Status.VIOLATION
        : findings.isEmpty() ? Status.LINEARIZABLE : Status.UNKNOWN;
    return new LinearizabilityResult(s, keys, opsChecked, steps, findings);
  }

  /** The first violation (earliest window), or else the first unknown key; null when linearizable. */
  public Finding first() {
    return findings.isEmpty() ? null : findings.get(0);
  }

  /** As a suite verdict: one violation line per key; the window of the earliest violation. */
  public Verdict toVerdict(String checker) {
    List<String> lines = findings.stream().map(f -> f.key() + ": " + f.summary()).toList();
    return new Verdict(checker, opsChecked, lines, findings.isEmpty() ? "" : first().window());
  }
}
