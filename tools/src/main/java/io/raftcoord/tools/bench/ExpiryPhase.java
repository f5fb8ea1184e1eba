package io.raftcoord.tools.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.raftcoord.tools.cli.Output;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Phase 3 of {@code bench.sh sessions}: how soon a silent node is expired. Halts K running
 * nodes of the fleet at once (they stop heartbeating without a word) and waits for each one's
 * SESSION_EXPIRED event; a node's detection time is the leader's stamp of the entry that expired
 * it minus the moment it was halted (this host's wall clock, which the local replicas share;
 * a replica's clock offset set through its admin /clock would skew it). The target is at most
 * TTL + 1 s. Also given from the node's last acknowledged heartbeat, which is what the TTL counts
 * from (between 0 and one interval before the halt).
 */
final class ExpiryPhase {
  /** One halted node; {@code stampMs} is 0 if it never expired within the wait. */
  record Detection(NodeFleet.Halt halt, long stampMs, long revision) {
    boolean expired() {
      return stampMs != 0;
    }

    long fromHaltMs() {
      return stampMs - halt.haltWallMs();
    }

    long fromLastAckMs() {
      return stampMs - (halt.haltWallMs() - halt.ackAgeMs());
    }
  }

  record Result(int nodes, long ttlMs, List<Detection> detections, long unexpectedExpiries, boolean leaderChanged) {
    double[] fromHalt() {
      return detections.stream().filter(Detection::expired).mapToDouble(Detection::fromHaltMs).toArray();
    }

    double[] fromLastAck() {
      return detections.stream().filter(Detection::expired).mapToDouble(Detection::fromLastAckMs).toArray();
    }

    long missing() {
      return detections.stream().filter(d -> !d.expired()).count();
    }
  }

  private final Bench opts;
  private final AdminProbe probe;

  ExpiryPhase(Bench opts, AdminProbe probe) {
    this.opts = opts;
    this.probe = probe;
  }

  Result run(NodeFleet fleet, SessionEvents events, int k, long ttlMs) {
    long waitMs = ttlMs + 15_000;
    int leader0 = probe.leader(0);
    long term0 = leader0 == 0 ? -1 : probe.status(leader0).map(s -> s.getTerm()).orElse(-1L);
    int from = events.count();
    List<NodeFleet.Halt> halts = fleet.halt(k);
    log("expiry: halted %d of %d nodes; waiting up to %d s for their SESSION_EXPIRED events", halts.size(),
        fleet.size(), waitMs / 1000);
    Map<Long, NodeFleet.Halt> byId = new HashMap<>();
    halts.forEach(h -> byId.put(h.serverId(), h));
    boolean all = events.await(from, list -> list.stream().filter(e -> byId.containsKey(e.serverId())).count()
        >= byId.size(), waitMs);
    if (!all) {
      log("expiry: not every halted node expired within %d s", waitMs / 1000);
    }
    Map<Long, SessionEvents.Expired> seen = new HashMap<>();
    long unexpected = 0;
    for (SessionEvents.Expired e : events.since(from)) {
      if (byId.containsKey(e.serverId())) {
        seen.putIfAbsent(e.serverId(), e);
      } else {
        Integer n = fleet.owner(e.serverId());
        if (n != null && !fleet.isHalted(n)) {
          unexpected++;
        }
      }
    }
    List<Detection> out = new ArrayList<>();
    for (NodeFleet.Halt h : halts) {
      SessionEvents.Expired e = seen.get(h.serverId());
      out.add(new Detection(h, e == null ? 0 : e.stampMs(), e == null ? 0 : e.revision()));
    }
    int leader1 = probe.leader(0);
    long term1 = leader1 == 0 ? -1 : probe.status(leader1).map(s -> s.getTerm()).orElse(-1L);
    return new Result(fleet.size(), ttlMs, out, unexpected, leader0 == 0 || leader0 != leader1 || term0 != term1);
  }

  void print(Result r) {
    PrintWriter out = opts.out;
    double[] fromHalt = r.fromHalt();
    double[] fromAck = r.fromLastAck();
    long target = r.ttlMs() + 1000;
    if (opts.json) {
      JsonObject o = new JsonObject();
      o.addProperty("workload", "sessions");
      o.addProperty("phase", "expiry");
      o.addProperty("nodes", r.nodes());
      o.addProperty("halted", r.detections().size());
      o.addProperty("ttlMs", r.ttlMs());
      o.addProperty("targetMs", target);
      o.add("fromHaltMedianMs", PointResult.jsonNumber(Stats.median(fromHalt)));
      o.add("fromHaltMaxMs", PointResult.jsonNumber(Stats.max(fromHalt)));
      o.add("fromLastAckMedianMs", PointResult.jsonNumber(Stats.median(fromAck)));
      o.add("fromLastAckMaxMs", PointResult.jsonNumber(Stats.max(fromAck)));
      JsonArray each = new JsonArray();
      r.detections().forEach(d -> each.add(d.expired() ? Output.number(Long.toString(d.fromHaltMs())) : null));
      o.add("fromHaltMs", each);
      o.addProperty("notExpired", r.missing());
      o.addProperty("unexpectedExpiries", r.unexpectedExpiries());
      o.addProperty("leaderChanged", r.leaderChanged());
      out.println(Output.json(o));
      out.flush();
      return;
    }
    out.printf(Locale.ROOT, "# expiry: %d of %d nodes halted at once; TTL %,d ms; times to the leader's stamp of the"
        + " SESSION_EXPIRED entry%n", r.detections().size(), r.nodes(), r.ttlMs());
    out.printf(Locale.ROOT, "%5s %10s %8s %16s %14s %18s%n", "node", "server_id", "epoch", "ack age at halt",
        "halt->expired", "last ack->expired");
    for (Detection d : r.detections()) {
      NodeFleet.Halt h = d.halt();
      out.printf(Locale.ROOT, "%5d %10d %8d %16s %14s %18s%n", h.node(), h.serverId(), h.epoch(),
          String.format(Locale.ROOT, "%,d ms", h.ackAgeMs()),
          d.expired() ? String.format(Locale.ROOT, "%,d ms", d.fromHaltMs()) : "never",
          d.expired() ? String.format(Locale.ROOT, "%,d ms", d.fromLastAckMs()) : "never");
    }
    double max = Stats.max(fromHalt);
    out.printf(Locale.ROOT, "expiry: from halt median %s ms, max %s ms (target <= TTL + 1 s = %,d ms: %s);"
            + " from the last ack median %s ms, max %s ms%n", num(Stats.median(fromHalt)), num(max), target,
        Double.isNaN(max) ? "no data" : max <= target && r.missing() == 0 ? "met" : "MISSED",
        num(Stats.median(fromAck)), num(Stats.max(fromAck)));
    out.printf(Locale.ROOT, "%d halted node(s) not expired within TTL + 15 s; %d expiries of running nodes%s%n",
        r.missing(), r.unexpectedExpiries(), r.leaderChanged()
            ? "; THE LEADER CHANGED during the phase (a new leader grants every session a full TTL)" : "");
    out.flush();
  }

  private static String num(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%,.0f", v);
  }

  private void log(String fmt, Object... args) {
    opts.err.println(String.format(Locale.ROOT, fmt, args));
    opts.err.flush();
  }
}
