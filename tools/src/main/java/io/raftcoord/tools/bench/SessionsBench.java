package io.raftcoord.tools.bench;

import io.raftcoord.client.CoordClient;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code bench.sh sessions}: node sessions (service discovery) under load. The phases run in a
 * fixed order, each only if selected: heartbeat (what N heartbeating nodes cost), expiry (how
 * soon halted nodes expire), kills (no false expiries while the leader is SIGKILLed), all three
 * with one fleet of N nodes; then register (registrations/s), after the fleet is gone. A watch
 * of the session change feed runs from before the first fleet phase to after the last.
 */
final class SessionsBench {
  private final Bench opts;
  private final CoordClient client;
  private final SessionsPlan plan;
  private final String peers;
  private final long deadlineMs;
  private final String tag = "run-" + Long.toString(System.currentTimeMillis(), 36);

  SessionsBench(Bench opts, CoordClient client, SessionsPlan plan, String peers, long deadlineMs) {
    this.opts = opts;
    this.client = client;
    this.plan = plan;
    this.peers = peers;
    this.deadlineMs = deadlineMs;
  }

  int run() throws IOException {
    AdminProbe probe = new AdminProbe(peers, opts.adminPortOffset);
    long ttlMs = RegisterPhase.settings(client).getTtlMs();
    if (!opts.json) {
      String fleet = !plan.needsFleet() ? "" : String.format(Locale.ROOT, "%d nodes, heartbeat every %d ms, coalesce %s"
              + " (%s); ", plan.nodes(), plan.heartbeatMs(), Bench.onOff(plan.coalesce()),
          plan.coalesce() ? "NodeAgents sharing one client" : "one heartbeat query per node per round");
      opts.out.printf(Locale.ROOT, "# sessions: phases %s; %sTTL %,d ms; label bench=%s; peers %s%n", plan.phaseList(),
          fleet, ttlMs, tag, peers);
      opts.out.flush();
    }
    if (plan.needsFleet()) {
      runFleetPhases(probe, ttlMs);
    }
    if (plan.has(SessionsPlan.Phase.REGISTER)) {
      new RegisterPhase(opts, client, plan, tag, probe).run(deadlineMs);
    }
    return 0;
  }

  private void runFleetPhases(AdminProbe probe, long ttlMs) throws IOException {
    NodeFleet fleet = new NodeFleet(client, peers, plan.coalesce(), plan.nodes(), plan.heartbeatMs(), opts.raftClients,
        Duration.ofMillis(deadlineMs), tag);
    try (SessionEvents events = SessionEvents.start(client)) {
      try {
        if (plan.has(SessionsPlan.Phase.HEARTBEAT)) {
          HeartbeatPhase hb = new HeartbeatPhase(opts, plan, new CostMeter(probe));
          hb.print(hb.run(fleet, events, deadlineMs));
        } else {
          fleet.start(opts.err, deadlineMs);
          long warm = Math.max(plan.warmupMs(), 2 * plan.heartbeatMs());
          opts.err.printf(Locale.ROOT, "sessions: warm-up %.1f s with the nodes heartbeating%n", warm / 1000.0);
          opts.err.flush();
          ClosedLoop.sleepQuietly(warm);
        }
        if (plan.has(SessionsPlan.Phase.EXPIRY)) {
          ExpiryPhase ex = new ExpiryPhase(opts, probe);
          ex.print(ex.run(fleet, events, plan.halt(), ttlMs));
        }
        if (plan.has(SessionsPlan.Phase.KILLS)) {
          KillsPhase k = new KillsPhase(opts, new ClusterControl(ClusterControl.script(opts.clusterScript), peers, probe));
          k.print(k.run(fleet, events, ttlMs));
        }
      } finally {
        opts.err.println("sessions: deregistering the nodes");
        opts.err.flush();
        fleet.close();
      }
    }
  }
}
