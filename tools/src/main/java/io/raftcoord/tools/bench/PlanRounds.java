package io.raftcoord.tools.bench;

import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * How long the leader's planning rounds of some duties take, from its {@code /metrics}
 * ({@code raftcoord_duty_runs} and {@code raftcoord_duty_plan_seconds}, the time a round holds the
 * entry read lock while it plans, proposing excluded). The counters are scraped every
 * {@value #SCRAPE_MS} ms; a scrape interval in which a duty ran gives one figure, its planning
 * seconds over its runs: exact for a duty that runs once a second, the mean of the few rounds in
 * the interval for the 100 ms scheduler. Scrapes from a replica that is no longer the leader are
 * dropped (the counters only grow on the leader).
 */
final class PlanRounds implements AutoCloseable {
  static final long SCRAPE_MS = 200;

  /** One duty over a window: per-interval mean ms per round, and its total runs. */
  record Duty(String name, double runs, double[] msPerRound) {
    double median() {
      return Stats.median(msPerRound);
    }

    double max() {
      return Stats.max(msPerRound);
    }
  }

  private final AdminProbe admin;
  private final List<String> duties;
  private final Map<String, List<Double>> samples = new LinkedHashMap<>();
  private final Map<String, Double> runs = new LinkedHashMap<>();
  private final Map<String, DutyMetrics> last = new LinkedHashMap<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "bench-plan-rounds");
    t.setDaemon(true);
    return t;
  });
  private int leader;

  PlanRounds(AdminProbe admin, List<String> duties) {
    this.admin = admin;
    this.duties = List.copyOf(duties);
    duties.forEach(d -> {
      samples.put(d, new ArrayList<>());
      runs.put(d, 0.0);
    });
    timer.scheduleWithFixedDelay(this::scrape, 0, SCRAPE_MS, TimeUnit.MILLISECONDS);
  }

  private void scrape() {
    int l = admin.leader(0);
    Optional<String> text = l <= 0 ? Optional.empty() : admin.get(l, "/metrics");
    synchronized (this) {
      if (l != leader) {
        last.clear();
        leader = l;
      }
      if (text.isEmpty()) {
        return;
      }
      for (String d : duties) {
        Optional<DutyMetrics> now = DutyMetrics.parse(text.get(), d);
        if (now.isEmpty()) {
          continue;
        }
        DutyMetrics before = last.put(d, now.get());
        if (before == null) {
          continue;
        }
        DutyMetrics delta = now.get().minus(before);
        if (delta.runs() >= 1 && !Double.isNaN(delta.planSeconds())) {
          samples.get(d).add(delta.planSeconds() * 1000 / delta.runs());
          runs.merge(d, delta.runs(), Double::sum);
        }
      }
    }
  }

  /** Forgets what was sampled so far: a window starts. */
  synchronized void reset() {
    samples.values().forEach(List::clear);
    runs.replaceAll((d, v) -> 0.0);
  }

  /** Every duty's figures since the last {@link #reset}. */
  synchronized List<Duty> window() {
    List<Duty> out = new ArrayList<>();
    for (String d : duties) {
      out.add(new Duty(d, runs.get(d), samples.get(d).stream().mapToDouble(Double::doubleValue).toArray()));
    }
    return out;
  }

  /** The sum over duties of each duty's median (or max) ms per round: one round of every planner. */
  static double sum(List<Duty> window, boolean max) {
    return window.stream().mapToDouble(d -> max ? d.max() : d.median()).filter(v -> !Double.isNaN(v)).sum();
  }

  static String text(List<Duty> window) {
    StringBuilder b = new StringBuilder();
    for (Duty d : window) {
      b.append(String.format(Locale.ROOT, "  %-22s %5.0f rounds  median %7.2f ms  max %7.2f ms%n", d.name(), d.runs(),
          d.median(), d.max()));
    }
    b.append(String.format(Locale.ROOT, "  one round of every planner: %.1f ms (sum of medians), %.1f ms (sum of maxima)",
        sum(window, false), sum(window, true)));
    return b.toString();
  }

  static JsonObject json(List<Duty> window) {
    JsonObject o = new JsonObject();
    for (Duty d : window) {
      JsonObject x = new JsonObject();
      x.addProperty("rounds", d.runs());
      x.addProperty("medianMs", round2(d.median()));
      x.addProperty("maxMs", round2(d.max()));
      o.add(d.name(), x);
    }
    o.addProperty("sumOfMediansMs", round2(sum(window, false)));
    o.addProperty("sumOfMaximaMs", round2(sum(window, true)));
    return o;
  }

  private static Double round2(double v) {
    return Double.isNaN(v) ? null : Math.round(v * 100) / 100.0;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
