package io.raftcoord.server.chaos;

import io.raftcoord.tools.bench.Gaps;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Write unavailability around every leader kill and leader pause of a run: for each, the longest
 * interval without a successful write in {@code [fault - 1 s, restart or SIGCONT]} (the bench's
 * failover measure, {@link Gaps}), from the successful calls of a write workload (tso).
 */
final class FailoverGaps {
  /** Before the fault, so that a gap that began just before it counts whole. */
  static final double LEAD_MS = 1000;

  /**
   * One leader fault. {@code openEnded}: no write succeeded until the window's end (or none
   * before its start), so {@code gapMs} is a lower bound. {@code newLeaderMs}: when the run saw
   * another replica lead, after the fault (NaN if it did not before the fault ended).
   */
  record Sample(String fault, int replica, double atMs, double endMs, double gapMs, double gapStartMs,
                boolean openEnded, double newLeaderMs) {}

  record Summary(String source, List<Sample> samples, double medianMs, double maxMs) {
    int count() {
      return samples.size();
    }
  }

  private FailoverGaps() {}

  /**
   * @param events the run's timeline
   * @param okReturnMs when successful writes returned (ms on the run clock), any order
   */
  static Summary compute(String source, List<Timeline.Event> events, double[] okReturnMs) {
    long[] times = Arrays.stream(okReturnMs).mapToLong(ms -> Math.round(ms * 1000)).sorted().toArray(); // µs
    List<Sample> samples = new ArrayList<>();
    for (int k = 0; k < events.size(); k++) {
      Timeline.Event e = events.get(k);
      String endWhat;
      if (e.fault().equals("kill") && e.what().equals("kill9") && "leader".equals(e.get("role"))) {
        endWhat = "restart";
      } else if (e.fault().equals("pause") && e.what().equals("sigstop")) {
        endWhat = "sigcont";
      } else {
        continue;
      }
      Object replica = e.get("replica");
      double end = Double.NaN;
      double newLeader = Double.NaN;
      for (int j = k + 1; j < events.size(); j++) {
        Timeline.Event f = events.get(j);
        if (f.fault().equals(e.fault()) && f.what().equals("new-leader") && Double.isNaN(newLeader)) {
          newLeader = f.atMs() - e.atMs();
        }
        if (f.fault().equals(e.fault()) && f.what().equals(endWhat) && Objects.equals(f.get("replica"), replica)) {
          end = f.atMs();
          break;
        }
      }
      if (Double.isNaN(end)) {
        continue; // the fault did not complete (its error is in the timeline)
      }
      long from = Math.round((e.atMs() - LEAD_MS) * 1000);
      long to = Math.round(end * 1000);
      Gaps.Gap g = Gaps.longestGap(times, from, Math.max(from, to));
      if (g == null) {
        continue;
      }
      samples.add(new Sample(e.fault(), replica instanceof Number n ? n.intValue() : -1, e.atMs(), end,
          g.length() / 1000.0, g.start() / 1000.0, !g.exact(), newLeader));
    }
    double[] gaps = samples.stream().mapToDouble(Sample::gapMs).sorted().toArray();
    return new Summary(source, samples, median(gaps), gaps.length == 0 ? Double.NaN : gaps[gaps.length - 1]);
  }

  static double median(double[] sorted) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }
}
