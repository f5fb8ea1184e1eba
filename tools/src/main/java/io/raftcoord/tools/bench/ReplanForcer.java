package io.raftcoord.tools.bench;

import io.raftcoord.client.CoordClient;
import io.raftcoord.proto.datatasks.DataTasksSettings;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the leader's compaction and index planners walk every collection each round: they skip a
 * collection whose segments, tasks and settings are those of a round that planned nothing, so
 * while one runs, compactable_proportion_permille steps through 40 values from {@code base}
 * every {@value #PERIOD_MS} ms (a setting that only matters for mix leftovers; no value comes
 * back within a one-second round) and is left at {@code base} by {@link #close}.
 */
final class ReplanForcer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplanForcer.class);
  static final long PERIOD_MS = 250;

  private final CoordClient client;
  private final int base;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "bench-replan-forcer");
    t.setDaemon(true);
    return t;
  });
  private int step;

  ReplanForcer(CoordClient client, int base) {
    this.client = client;
    this.base = base;
    timer.scheduleWithFixedDelay(this::flip, PERIOD_MS, PERIOD_MS, TimeUnit.MILLISECONDS);
  }

  private void flip() {
    step = (step + 1) % 40;
    set(base > 900 ? base - step : base + step); // within the setting's bounds 0..1000
  }

  private void set(int permille) {
    try {
      client.dataTasks().setSettings(DataTasksSettings.newBuilder().setCompactableProportionPermille(permille).build());
    } catch (RuntimeException e) {
      LOG.debug("setting compactable_proportion_permille failed: {}", e.toString());
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    set(base);
  }
}
