package io.raftcoord.server.chaos;

import java.util.ArrayList;
import java.util.List;

/**
 * When a run's quorum was disturbed, from its timeline: each window runs from a fault's
 * {@code begin} to the next {@code heal}/{@code whole} (the cluster whole again: no cut, nothing
 * frozen, a leader, every replica caught up); a window never followed by one stays open. Between
 * windows the quorum was whole. Pure.
 */
final class FaultWindows {
  /** One disturbance; {@code wholeMs} is infinite when the cluster was never whole again. */
  record Window(String fault, double beginMs, double wholeMs) {
    boolean covers(double atMs, double extraAfterMs) {
      return atMs >= beginMs && atMs <= wholeMs + extraAfterMs;
    }
  }

  private FaultWindows() {}

  static List<Window> from(List<Timeline.Event> events) {
    List<Window> out = new ArrayList<>();
    String open = null;
    double openedAt = 0;
    for (Timeline.Event e : events) {
      if (e.what().equals("begin") && ChaosRun.ALL_FAULTS.contains(e.fault())) {
        if (open != null) {
          out.add(new Window(open, openedAt, e.atMs())); // never healed on its own: the next fault takes over
        }
        open = e.fault();
        openedAt = e.atMs();
      } else if (e.fault().equals("heal") && e.what().equals("whole") && open != null) {
        out.add(new Window(open, openedAt, e.atMs()));
        open = null;
      }
    }
    if (open != null) {
      out.add(new Window(open, openedAt, Double.POSITIVE_INFINITY));
    }
    return out;
  }

  /**
   * Whether a replica's clock was ever moved: leader stamps (apply time never goes back, so a
   * stamp from a skewed clock also lifts the ones after it) then say nothing about real time.
   */
  static boolean clockMoved(List<Timeline.Event> events) {
    return events.stream().anyMatch(e -> e.fault().equals("clock") && e.what().equals("begin"));
  }
}
