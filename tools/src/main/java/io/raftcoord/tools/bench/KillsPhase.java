package io.raftcoord.tools.bench;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.raftcoord.tools.cli.Output;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Phase 4 of {@code bench.sh sessions}: no session of a live node may expire because the leader
 * died. With the fleet heartbeating, SIGKILLs the leader {@code --kills} times through
 * scripts/cluster.sh (as the failover bench does): kill, wait for a new leader, watch for
 * max(--observe, TTL + 2 s) after it is seen (long enough for a new leader that failed to
 * grant the full TTL to expire someone), restart the killed replica, wait for it to catch up,
 * then --between seconds of steady state. Counts SESSION_EXPIRED events of nodes that were never
 * halted (target 0) and the nodes' lost() callbacks, and the longest time any node went without
 * an acknowledged heartbeat (how close it came to its TTL).
 */
final class KillsPhase {
  private static final long SEC = 1_000_000_000L;

  /** One kill; times in ms, NaN when it never happened. */
  record Kill(int n, int victim, int newLeader, double electedMs, double catchUpMs, long falseExpiries, long lost,
      long maxAckAgeMs) {}

  record Result(int nodes, long ttlMs, List<Kill> kills, long foreignExpiries, boolean watchCompacted) {
    long falseExpiries() {
      return kills.stream().mapToLong(Kill::falseExpiries).sum();
    }

    long lost() {
      return kills.stream().mapToLong(Kill::lost).sum();
    }

    long maxAckAgeMs() {
      return kills.stream().mapToLong(Kill::maxAckAgeMs).max().orElse(0);
    }
  }

  private final Bench opts;
  private final ClusterControl cluster;
  /** Where the previous kill stopped counting events and lost() callbacks: nothing falls between two kills. */
  private int eventCursor;
  private int lostCursor;

  KillsPhase(Bench opts, ClusterControl cluster) {
    this.opts = opts;
    this.cluster = cluster;
  }

  Result run(NodeFleet fleet, SessionEvents events, long ttlMs) throws IOException {
    List<Kill> kills = new ArrayList<>();
    long[] foreign = {0};
    eventCursor = events.count();
    lostCursor = fleet.losses().size();
    try (AckSampler acks = new AckSampler(fleet)) {
      for (int k = 1; k <= opts.kills; k++) {
        kills.add(killOnce(k, fleet, events, acks, ttlMs, foreign));
      }
    }
    return new Result(fleet.size(), ttlMs, kills, foreign[0], events.compacted());
  }

  private Kill killOnce(int k, NodeFleet fleet, SessionEvents events, AckSampler acks, long ttlMs, long[] foreign)
      throws IOException {
    cluster.waitHealthy("kill " + k);
    int victim = cluster.leader("kill " + k);
    acks.reset();
    long kill = System.nanoTime();
    cluster.run("kill", Integer.toString(victim));
    log("kill %d: n%d (leader) SIGKILLed", k, victim);

    AdminProbe probe = cluster.probe();
    int newLeader = 0;
    long elected = 0;
    while (System.nanoTime() < kill + 60 * SEC) {
      newLeader = probe.leader(victim);
      if (newLeader != 0) {
        elected = System.nanoTime();
        break;
      }
      ClosedLoop.sleepQuietly(10);
    }
    long observeMs = Math.max(Math.round(opts.observeSeconds * 1000), ttlMs + 2_000);
    if (newLeader == 0) {
      log("kill %d: no new leader within 60 s", k);
    } else {
      log("kill %d: n%d leads %d ms after the kill command; watching the sessions for %.1f s", k, newLeader,
          (elected - kill) / 1_000_000, observeMs / 1000.0);
      ClosedLoop.sleepQuietly(observeMs);
    }

    long restart = System.nanoTime();
    cluster.run("restart", Integer.toString(victim));
    ClusterControl.Rejoin rejoin = cluster.awaitCatchUp(victim, probe.leader(victim),
        restart + Math.round(opts.catchupTimeoutSeconds * SEC));
    if (rejoin.caughtUp() == 0) {
      log("kill %d: n%d did not catch up within %.0f s", k, victim, opts.catchupTimeoutSeconds);
    } else {
      log("kill %d: n%d restarted and caught up after %d ms", k, victim, (rejoin.caughtUp() - restart) / 1_000_000);
    }
    ClosedLoop.sleepQuietly(Math.round(opts.betweenSeconds * 1000));

    long falseExpiries = 0;
    List<SessionEvents.Expired> expired = events.since(eventCursor);
    eventCursor += expired.size();
    for (SessionEvents.Expired e : expired) {
      Integer n = fleet.owner(e.serverId());
      if (n == null) {
        foreign[0]++;
      } else if (!fleet.isHalted(n)) {
        falseExpiries++;
        log("kill %d: FALSE EXPIRY of node %d (server_id %d epoch %d, revision %d)", k, n, e.serverId(), e.epoch(),
            e.revision());
      }
    }
    int lostNow = fleet.losses().size();
    long lost = lostNow - lostCursor;
    lostCursor = lostNow;
    return new Kill(k, victim, newLeader, elected == 0 ? Double.NaN : (elected - kill) / 1e6,
        rejoin.caughtUp() == 0 ? Double.NaN : (rejoin.caughtUp() - restart) / 1e6, falseExpiries, lost, acks.max());
  }

  void print(Result r) {
    PrintWriter out = opts.out;
    if (opts.json) {
      for (Kill k : r.kills()) {
        JsonObject o = new JsonObject();
        o.addProperty("workload", "sessions");
        o.addProperty("phase", "kills");
        o.addProperty("kill", k.n());
        o.addProperty("victim", "n" + k.victim());
        o.add("newLeader", k.newLeader() == 0 ? JsonNull.INSTANCE : new JsonPrimitive("n" + k.newLeader()));
        o.add("electedMs", PointResult.jsonNumber(k.electedMs()));
        o.add("catchupMs", PointResult.jsonNumber(k.catchUpMs()));
        o.addProperty("falseExpiries", k.falseExpiries());
        o.addProperty("lost", k.lost());
        o.addProperty("maxAckAgeMs", k.maxAckAgeMs());
        out.println(Output.json(o));
      }
      JsonObject o = new JsonObject();
      o.addProperty("workload", "sessions");
      o.addProperty("phase", "kills");
      o.addProperty("summary", true);
      o.addProperty("nodes", r.nodes());
      o.addProperty("kills", r.kills().size());
      o.addProperty("ttlMs", r.ttlMs());
      o.addProperty("falseExpiries", r.falseExpiries());
      o.addProperty("lost", r.lost());
      o.addProperty("maxAckAgeMs", r.maxAckAgeMs());
      o.addProperty("otherExpiries", r.foreignExpiries());
      o.addProperty("watchCompacted", r.watchCompacted());
      out.println(Output.json(o));
      out.flush();
      return;
    }
    out.printf(Locale.ROOT, "# kills: %d nodes heartbeating while the leader is SIGKILLed %d times; TTL %,d ms%n",
        r.nodes(), r.kills().size(), r.ttlMs());
    out.printf(Locale.ROOT, "%4s %6s %6s %11s %12s %14s %6s %15s%n", "kill", "victim", "leader", "elected ms",
        "catch-up ms", "false expiries", "lost()", "max ack age ms");
    for (Kill k : r.kills()) {
      out.printf(Locale.ROOT, "%4d %6s %6s %11s %12s %14d %6d %15s%n", k.n(), "n" + k.victim(),
          k.newLeader() == 0 ? "-" : "n" + k.newLeader(), num(k.electedMs()), num(k.catchUpMs()), k.falseExpiries(),
          k.lost(), String.format(Locale.ROOT, "%,d", k.maxAckAgeMs()));
    }
    out.printf(Locale.ROOT, "kills: %d false expiries (target 0), %d lost() callbacks; longest a node went without an"
            + " acknowledged heartbeat %,d ms (TTL %,d ms)%s%n", r.falseExpiries(), r.lost(), r.maxAckAgeMs(), r.ttlMs(),
        r.foreignExpiries() > 0 ? "; " + r.foreignExpiries() + " expiries of sessions not ours" : "");
    if (r.watchCompacted()) {
      out.println("WARNING: the session watch ended (compacted): the counts are incomplete");
    }
    out.println("(elected: from 'cluster.sh kill' until a replica reports LEADER; catch-up: from 'cluster.sh restart'"
        + " until the replica's appliedIndex >= the leader's commitIndex)");
    out.flush();
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f", v);
  }

  private void log(String fmt, Object... args) {
    opts.err.println(String.format(Locale.ROOT, fmt, args));
    opts.err.flush();
  }
}
