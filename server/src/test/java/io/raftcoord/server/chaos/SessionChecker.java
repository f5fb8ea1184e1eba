package io.raftcoord.server.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The sessions workload's checker over {@link SessionRecords}: live nodes are not expired
 * ({@link AliveExpiryCheck}), halted ones are ({@link HaltedExpiryCheck}), server IDs are unique
 * ({@link ServerIdCheck}) and an exclusive role has one ACTIVE session at a time
 * ({@link ExclusiveRoleCheck}). A feed cut short, or one that never caught up after healing, is a
 * finding of its own: the feed checks then judged part of the run only. Pure.
 */
final class SessionChecker {
  static final String FEED_INCOMPLETE = "feed-incomplete";
  static final String FEED_BEHIND = "feed-behind";
  /** Violations listed one by one in a verdict; the rest are counted. */
  static final int LISTED = 50;

  /** One violation: which check, what happened, and the stretch of the run that shows it. */
  record Finding(String check, String message, double fromMs, double toMs) {}

  private SessionChecker() {}

  /** Run-clock milliseconds as seconds, for messages. */
  static double s(double ms) {
    return ms / 1000;
  }

  static List<Finding> check(SessionRecords r) {
    List<Finding> out = new ArrayList<>();
    if (!r.feedComplete()) {
      out.add(new Finding(FEED_INCOMPLETE, "the session feed watch was cut short (COMPACTED): the feed checks saw "
          + "only part of the run", r.observedUntilMs(), r.observedUntilMs()));
    }
    if (r.observedUntilMs() == Double.NEGATIVE_INFINITY) {
      out.add(new Finding(FEED_BEHIND, "the session feed watch never caught up with the leader's applied index after "
          + "healing: the halted sessions and registrations could not be judged", 0, 0));
    }
    out.addAll(AliveExpiryCheck.check(r));
    out.addAll(HaltedExpiryCheck.check(r));
    out.addAll(ServerIdCheck.check(r));
    out.addAll(ExclusiveRoleCheck.check(r));
    return out;
  }

  /** The checker's verdict, with the narrowest finding as its smallest window. */
  static Verdict verdict(String checker, long opsChecked, List<Finding> findings) {
    List<String> violations = new ArrayList<>();
    Finding narrowest = null;
    for (Finding f : findings) {
      if (violations.size() < LISTED) {
        violations.add(f.check() + ": " + f.message());
      }
      if (narrowest == null || f.toMs() - f.fromMs() < narrowest.toMs() - narrowest.fromMs()) {
        narrowest = f;
      }
    }
    if (findings.size() > LISTED) {
      violations.add("... " + (findings.size() - LISTED) + " more");
    }
    String window = narrowest == null ? "" : String.format(Locale.ROOT, "%s [%.3f s .. %.3f s]: %s", narrowest.check(),
        narrowest.fromMs() / 1000, narrowest.toMs() / 1000, narrowest.message());
    return new Verdict(checker, opsChecked, violations, window);
  }
}
