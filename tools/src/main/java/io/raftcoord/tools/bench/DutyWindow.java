package io.raftcoord.tools.bench;

import com.google.gson.JsonObject;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The leader's QueryCoord duties over one window of {@code bench.sh load plan}: the
 * querycoord-balance and -checker counters' deltas (empty where a counter was not found), the
 * leader-duties thread's CPU ticks (-1 where unknown) and the profile samples taken meanwhile.
 * The counters' seconds are planning and proposing (the JSON's {@code *ProposeSeconds}); rounds the
 * checkers skip because they already planned from the same state count as runs that cost almost
 * nothing, so the thread's CPU per round is an average over planned and skipped rounds.
 */
record DutyWindow(long ms, Optional<DutyMetrics> balance, Optional<DutyMetrics> checker, long ticks,
    Map<String, Integer> profile) {

  /** Measures {@code ms} of the leader's duties, taking {@code samples} thread dumps meanwhile. */
  static DutyWindow measure(LoadProbe probe, long ms, int samples) {
    Optional<DutyMetrics> b0 = probe.duty("querycoord-balance");
    Optional<DutyMetrics> c0 = probe.duty("querycoord-checker");
    long k0 = probe.dutyThreadTicks();
    long t0 = System.nanoTime();
    Map<String, Integer> prof = Map.of();
    if (samples > 0) {
      prof = probe.profile(samples, ms);
    }
    long left = ms - (System.nanoTime() - t0) / 1_000_000;
    if (left > 0) {
      ClosedLoop.sleepQuietly(left);
    }
    long k1 = probe.dutyThreadTicks();
    long took = (System.nanoTime() - t0) / 1_000_000;
    Optional<DutyMetrics> b1 = probe.duty("querycoord-balance");
    Optional<DutyMetrics> c1 = probe.duty("querycoord-checker");
    return new DutyWindow(took, b1.flatMap(x -> b0.map(x::minus)), c1.flatMap(x -> c0.map(x::minus)),
        ProcCpu.delta(k0, k1), prof);
  }

  double cpuMsPerRound() {
    double rounds = balance.map(DutyMetrics::runs).orElse(0.0) + checker.map(DutyMetrics::runs).orElse(0.0);
    return ticks < 0 || rounds <= 0 ? Double.NaN : ticks * 1000.0 / ProcCpu.TICKS_PER_SEC / rounds;
  }

  double cpuPercent() {
    return ProcCpu.percentOfCore(ticks, ms * 1_000_000);
  }

  JsonObject json() {
    JsonObject o = new JsonObject();
    o.addProperty("windowMs", ms);
    balance.ifPresent(b -> {
      o.addProperty("balanceRuns", b.runs());
      o.addProperty("balanceCommands", b.proposed());
      o.addProperty("balanceRefused", b.refused());
      o.addProperty("balanceProposeSeconds", BenchOutput.round1(b.seconds()));
      o.addProperty("balanceProposeMsPerRound", b.runs() > 0 ? BenchOutput.round1(b.seconds() * 1000 / b.runs()) : null);
    });
    checker.ifPresent(c -> {
      o.addProperty("checkerRuns", c.runs());
      o.addProperty("checkerCommands", c.proposed());
      o.addProperty("checkerProposeSeconds", BenchOutput.round1(c.seconds()));
    });
    o.addProperty("dutyThreadCpuPercent", BenchOutput.round1(cpuPercent()));
    o.addProperty("dutyThreadCpuMsPerRound", BenchOutput.round1(cpuMsPerRound()));
    if (!profile.isEmpty()) {
      JsonObject p = new JsonObject();
      profile.forEach(p::addProperty);
      o.add("profile", p);
    }
    return o;
  }

  String text() {
    String b = balance.map(x -> String.format(Locale.ROOT, "balance %.0f rounds, %.0f commands (%.0f refused), plan+propose"
        + " %.1f ms/round", x.runs(), x.proposed(), x.refused(), x.runs() > 0 ? x.seconds() * 1000 / x.runs() : 0))
        .orElse("balance n/a");
    String c = checker.map(x -> String.format(Locale.ROOT, "checker %.0f rounds, %.0f commands, plan+propose %.1f ms/round",
        x.runs(), x.proposed(), x.runs() > 0 ? x.seconds() * 1000 / x.runs() : 0)).orElse("checker n/a");
    return String.format(Locale.ROOT, "%.0f s: %s; %s; leader-duties thread CPU %.0f%% of a core, %.1f ms per"
        + " (balance + checker) round", ms / 1000.0, b, c, cpuPercent(), cpuMsPerRound());
  }

  /** The profile, most frequent first, one indented line per place. */
  String profileText() {
    StringBuilder sb = new StringBuilder();
    profile.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue())
        .forEach(e -> sb.append(String.format(Locale.ROOT, "\n    %3d  %s", e.getValue(), e.getKey())));
    return sb.toString();
  }
}
