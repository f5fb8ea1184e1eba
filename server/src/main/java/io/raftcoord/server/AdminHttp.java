package io.raftcoord.server;

import io.prometheus.client.Collector;
import io.prometheus.client.CounterMetricFamily;
import io.raftcoord.statemachine.domain.PlantedBug;
import java.util.List;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.dropwizard.DropwizardExports;
import io.prometheus.client.exporter.HTTPServer;
import io.raftcoord.proto.ReplicaStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.function.ToLongFunction;

/**
 * The admin endpoint of a replica: {@code /metrics} (Prometheus text), {@code /health} (200 when
 * the replica knows a leader), {@code /status} (JSON {@link ReplicaStatus}); and, only when the
 * replica runs with the test flag, {@code /admin/clock?offsetMs=N} to skew its clock; only with the
 * planted bug tso-local, {@code /test/unsafe-tso} (a timestamp from memory, never logged). Per-duty
 * counters of the leader duties are in {@code /metrics}.
 */
final class AdminHttp implements AutoCloseable {
  private final HttpServer http;
  private final HTTPServer prometheus;

  private AdminHttp(ReplicaServer replica, String host, int port) throws IOException {
    http = HttpServer.create(new InetSocketAddress(host, port), 16);
    http.createContext("/status", ex -> respond(ex, 200, "application/json",
        JsonFormat.printer().alwaysPrintFieldsWithNoPresence().print(ReplicaStatusReader.read(replica))));
    http.createContext("/health", ex -> {
      ReplicaStatus s = ReplicaStatusReader.read(replica);
      boolean ok = s.getError().isEmpty() && !s.getLeaderId().isEmpty();
      respond(ex, ok ? 200 : 503, "text/plain", ok ? "ok\n" : "no leader known\n");
    });
    if (replica.config().testClockControl()) {
      http.createContext("/admin/clock", ex -> clock(replica, ex));
    }
    if (replica.config().plantedBugs().contains(PlantedBug.TSO_LOCAL)) {
      // The planted bug lives here, on the test-only admin surface, never in the protocol.
      http.createContext("/test/unsafe-tso", ex -> {
        try {
          respond(ex, 200, "text/plain", replica.stateMachine().plantedLocalTimestamp() + "\n");
        } catch (IllegalStateException e) {
          respond(ex, 503, "text/plain", e.getMessage() + "\n");
        }
      });
    }
    MetricRegistry metrics = new MetricRegistry();
    gauge(metrics, "raftcoord_term", replica, ReplicaStatus::getTerm);
    gauge(metrics, "raftcoord_commit_index", replica, ReplicaStatus::getCommitIndex);
    gauge(metrics, "raftcoord_applied_index", replica, ReplicaStatus::getAppliedIndex);
    gauge(metrics, "raftcoord_snapshot_index", replica, ReplicaStatus::getSnapshotIndex);
    gauge(metrics, "raftcoord_is_leader", replica, s -> "LEADER".equals(s.getRole()) ? 1 : 0);
    CollectorRegistry registry = new CollectorRegistry();
    registry.register(new DropwizardExports(metrics));
    registry.register(new DutyCollector(replica.duties()));
    prometheus = new HTTPServer.Builder().withHttpServer(http).withRegistry(registry).withDaemonThreads(true).build();
  }

  static AdminHttp start(ReplicaServer replica, String host, int port) throws IOException {
    return new AdminHttp(replica, host, port);
  }

  int port() {
    return http.getAddress().getPort();
  }

  /** Per-duty counters, labelled by duty, read at scrape time (duties appear when they first run). */
  private static final class DutyCollector extends Collector {
    private final LeaderDuties duties;

    DutyCollector(LeaderDuties duties) {
      this.duties = duties;
    }

    @Override
    public List<MetricFamilySamples> collect() {
      CounterMetricFamily runs = new CounterMetricFamily("raftcoord_duty_runs", "Rounds a leader duty planned", List.of("duty"));
      CounterMetricFamily secs = new CounterMetricFamily("raftcoord_duty_seconds", "Time spent planning and proposing", List.of("duty"));
      CounterMetricFamily plan = new CounterMetricFamily("raftcoord_duty_plan_seconds",
          "Time spent planning (under the entry read lock), part of raftcoord_duty_seconds", List.of("duty"));
      CounterMetricFamily proposed = new CounterMetricFamily("raftcoord_duty_commands_proposed", "Commands a duty proposed", List.of("duty"));
      CounterMetricFamily refused = new CounterMetricFamily("raftcoord_duty_commands_refused", "Proposals apply refused as stale", List.of("duty"));
      CounterMetricFamily failed = new CounterMetricFamily("raftcoord_duty_commands_failed", "Proposals not committed or refused otherwise", List.of("duty"));
      duties.metrics().forEach((name, m) -> {
        runs.addMetric(List.of(name), m.runs.get());
        secs.addMetric(List.of(name), m.nanos.get() / 1e9);
        plan.addMetric(List.of(name), m.planNanos.get() / 1e9);
        proposed.addMetric(List.of(name), m.proposed.get());
        refused.addMetric(List.of(name), m.refused.get());
        failed.addMetric(List.of(name), m.failed.get());
      });
      return List.of(runs, secs, plan, proposed, refused, failed);
    }
  }

  private static void gauge(MetricRegistry m, String name, ReplicaServer r, ToLongFunction<ReplicaStatus> f) {
    m.register(name, (Gauge<Long>) () -> f.applyAsLong(ReplicaStatusReader.read(r)));
  }

  private static void clock(ReplicaServer replica, HttpExchange ex) throws IOException {
    URI uri = ex.getRequestURI();
    String q = uri.getQuery() == null ? "" : uri.getQuery();
    for (String kv : q.split("&")) {
      if (kv.startsWith("offsetMs=")) {
        try {
          replica.clock().setOffsetMs(Long.parseLong(kv.substring("offsetMs=".length())));
        } catch (NumberFormatException e) {
          respond(ex, 400, "text/plain", "offsetMs: not a number\n");
          return;
        }
      }
    }
    respond(ex, 200, "text/plain", "offsetMs=" + replica.clock().offsetMs() + "\n");
  }

  private static void respond(HttpExchange ex, int code, String type, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(code, b.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(b);
    }
  }

  @Override
  public void close() {
    prometheus.close();
  }
}
