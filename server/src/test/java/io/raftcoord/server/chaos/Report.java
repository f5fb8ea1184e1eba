package io.raftcoord.server.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The outcome of a chaos run and how it is written: {@code verdict.json} (everything, for
 * tools) and {@code verdict.txt} (the same, to read). Pure: {@link #json()} and {@link #text()}
 * depend only on the fields.
 *
 * @param faultCounts injections started per fault kind (in the requested order)
 * @param faultErrors faults that failed part way (the run healed and went on)
 * @param summaries per workload a one-line summary (ok/failed/unknown counts), where it has one
 * @param observations notable things the faults saw (disk full, snapshot installs, exits)
 * @param livenessProblems heals that did not bring the cluster back in time
 */
record Report(long seed, long timeSeconds, long runtimeMs, String reportDir, String startedAt,
              List<String> faultsRequested, Map<String, String> faultsUnavailable, List<String> workloads,
              String network, List<String> plantedBugs, boolean expectViolation,
              Map<String, Integer> faultCounts, List<String> faultErrors, List<Verdict> verdicts,
              Map<String, String> summaries, FailoverGaps.Summary failover, List<String> observations,
              String error) {

  /** Every checker passed (and the run completed). */
  boolean valid() {
    return error == null && verdicts.stream().allMatch(Verdict::valid);
  }

  boolean anyViolation() {
    return verdicts.stream().anyMatch(v -> !v.valid());
  }

  /** 0 when all checkers pass; with --expect-violation, 0 only if some checker found a violation; else 1. */
  int exitCode() {
    if (expectViolation) {
      return anyViolation() ? 0 : 1;
    }
    return valid() ? 0 : 1;
  }

  String outcome() {
    if (expectViolation) {
      return anyViolation() ? "EXPECTED VIOLATION FOUND" : "NO VIOLATION FOUND (one was expected)";
    }
    if (error != null) {
      return "RUN FAILED";
    }
    return valid() ? "VALID" : "INVALID";
  }

  int totalFaults() {
    return faultCounts.values().stream().mapToInt(Integer::intValue).sum();
  }

  String json() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("outcome", outcome());
    m.put("valid", valid());
    m.put("exitCode", exitCode());
    m.put("expectViolation", expectViolation);
    m.put("plantedBugs", plantedBugs);
    m.put("seed", seed);
    m.put("timeSeconds", timeSeconds);
    m.put("runtimeMs", runtimeMs);
    m.put("startedAt", startedAt);
    m.put("reportDir", reportDir);
    m.put("network", network);
    m.put("faultsRequested", faultsRequested);
    m.put("faultsUnavailable", faultsUnavailable);
    m.put("workloads", workloads);
    m.put("faultCounts", faultCounts);
    m.put("faultsTotal", totalFaults());
    m.put("faultErrors", faultErrors);
    List<Map<String, Object>> checkers = new ArrayList<>();
    for (Verdict v : verdicts) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("checker", v.checker());
      c.put("valid", v.valid());
      c.put("opsChecked", v.opsChecked());
      if (summaries.containsKey(v.checker())) {
        c.put("summary", summaries.get(v.checker()));
      }
      c.put("violations", v.violations());
      c.put("smallestWindow", v.smallestWindow());
      checkers.add(c);
    }
    m.put("checkers", checkers);
    m.put("smallestViolatingWindow", smallestWindow());
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("source", failover.source());
    f.put("measure", "longest interval without a successful write in [fault - 1 s, restart/SIGCONT]");
    f.put("count", failover.count());
    f.put("medianMs", num(failover.medianMs()));
    f.put("maxMs", num(failover.maxMs()));
    List<Map<String, Object>> samples = new ArrayList<>();
    for (FailoverGaps.Sample s : failover.samples()) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("fault", s.fault());
      x.put("replica", s.replica());
      x.put("atMs", num(s.atMs()));
      x.put("endMs", num(s.endMs()));
      x.put("gapMs", num(s.gapMs()));
      x.put("gapStartMs", num(s.gapStartMs()));
      x.put("openEnded", s.openEnded());
      x.put("newLeaderAfterMs", num(s.newLeaderMs()));
      samples.add(x);
    }
    Map<String, Object> byFault = new LinkedHashMap<>();
    for (String kind : faultKinds()) {
      double[] g = gaps(kind);
      Map<String, Object> k = new LinkedHashMap<>();
      k.put("count", g.length);
      k.put("medianMs", num(FailoverGaps.median(g)));
      k.put("maxMs", num(g.length == 0 ? Double.NaN : g[g.length - 1]));
      byFault.put(kind, k);
    }
    f.put("byFault", byFault);
    f.put("samples", samples);
    m.put("failover", f);
    m.put("observations", observations);
    m.put("error", error);
    return new com.google.gson.GsonBuilder().disableHtmlEscaping().serializeNulls().setPrettyPrinting()
        .serializeSpecialFloatingPointValues().create().toJson(m) + "\n";
  }

  private static Object num(double d) {
    return Double.isNaN(d) ? null : Math.round(d * 10) / 10.0;
  }

  /** The smallest violating window over all checkers (the first checker's that reports one). */
  String smallestWindow() {
    for (Verdict v : verdicts) {
      if (!v.valid() && !v.smallestWindow().isBlank()) {
        return v.checker() + ": " + v.smallestWindow();
      }
    }
    for (Verdict v : verdicts) {
      if (!v.valid()) {
        return v.checker() + ": " + v.violations().get(0);
      }
    }
    return "";
  }

  String text() {
    StringBuilder b = new StringBuilder();
    b.append("raftcoord chaos run: ").append(outcome()).append('\n');
    b.append(String.format(Locale.ROOT, "seed %d, --time %d s, runtime %.1f s, started %s%n", seed, timeSeconds,
        runtimeMs / 1000.0, startedAt));
    b.append("report: ").append(reportDir).append('\n');
    if (!plantedBugs.isEmpty()) {
      b.append("planted bugs: ").append(String.join(",", plantedBugs))
          .append(expectViolation ? " (a violation is expected)" : "").append('\n');
    }
    b.append("network: ").append(network).append('\n');
    b.append("workloads: ").append(String.join(",", workloads)).append('\n');
    b.append("faults requested: ").append(String.join(",", faultsRequested)).append('\n');
    if (!faultsUnavailable.isEmpty()) {
      faultsUnavailable.forEach((k, v) -> b.append("  unavailable: ").append(k).append(" - ").append(v).append('\n'));
    }
    b.append("faults injected (").append(totalFaults()).append("):");
    faultCounts.forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
    b.append('\n');
    for (String e : faultErrors) {
      b.append("  fault error: ").append(e).append('\n');
    }
    b.append('\n');
    b.append(String.format(Locale.ROOT, "failover (write gap around each leader kill/pause, from the %s history): "
            + "%d samples, median %s, max %s%n", failover.source(), failover.count(), msText(failover.medianMs()),
        msText(failover.maxMs())));
    if (faultKinds().size() > 1) {
      for (String kind : faultKinds()) {
        double[] g = gaps(kind);
        b.append(String.format(Locale.ROOT, "  %s: %d samples, median %s, max %s%n", kind, g.length,
            msText(FailoverGaps.median(g)), msText(g[g.length - 1])));
      }
    }
    for (FailoverGaps.Sample s : failover.samples()) {
      b.append(String.format(Locale.ROOT, "  %-5s n%d at %7.1f s: gap %s%s (from %.1f s); new leader seen after %s%n",
          s.fault(), s.replica(), s.atMs() / 1000, msText(s.gapMs()), s.openEnded() ? "+" : "", s.gapStartMs() / 1000,
          msText(s.newLeaderMs())));
    }
    b.append('\n');
    b.append("checkers:\n");
    for (Verdict v : verdicts) {
      b.append(String.format(Locale.ROOT, "  %-14s %-8s %8d ops checked", v.checker(), v.valid() ? "VALID" : "INVALID",
          v.opsChecked()));
      if (summaries.containsKey(v.checker()) && !summaries.get(v.checker()).isBlank()) {
        b.append("  (").append(summaries.get(v.checker())).append(')');
      }
      b.append('\n');
    }
    if (error != null) {
      b.append("\nthe run failed: ").append(error).append('\n');
    }
    if (anyViolation()) {
      b.append("\nsmallest violating window: ").append(smallestWindow()).append('\n');
      b.append("\nviolations:\n");
      for (Verdict v : verdicts) {
        for (String x : v.violations()) {
          b.append("  [").append(v.checker()).append("] ").append(x).append('\n');
        }
      }
    }
    if (!observations.isEmpty()) {
      b.append("\nobservations:\n");
      for (String o : observations) {
        b.append("  ").append(o).append('\n');
      }
    }
    b.append("\nfiles: history.jsonl (every operation), faults.jsonl (fault timeline), driver.log, "
        + "replicas/n<i>/replica.log and replicas/n<i>/data\n");
    return b.toString();
  }

  /** The fault kinds with failover samples, in order of first appearance. */
  private List<String> faultKinds() {
    return failover.samples().stream().map(FailoverGaps.Sample::fault).distinct().toList();
  }

  /** The gaps of one fault kind, ascending. */
  private double[] gaps(String kind) {
    return failover.samples().stream().filter(x -> x.fault().equals(kind)).mapToDouble(FailoverGaps.Sample::gapMs)
        .sorted().toArray();
  }

  private static String msText(double ms) {
    return Double.isNaN(ms) ? "-" : String.format(Locale.ROOT, "%.0f ms", ms);
  }

  void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("verdict.json"), json(), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("verdict.txt"), text(), StandardCharsets.UTF_8);
  }
}
