package io.raftcoord.tools.bench;

import com.google.gson.JsonObject;
import io.raftcoord.client.CoordClient;
import io.raftcoord.client.SessionClient;
import io.raftcoord.proto.session.Label;
import io.raftcoord.proto.session.RegisterSession;
import io.raftcoord.proto.session.SessionSettings;
import io.raftcoord.tools.cli.Output;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Phase 2 of {@code bench.sh sessions}: registrations per second. Per concurrency level, a
 * closed loop of C callers each registering a new session (worker roles in turn, a unique
 * address each) and waiting for the reply; ops/s, latency percentiles and Raft entries/s as in
 * the other workloads. The sessions never heartbeat. For the phase the replicated TTL is raised
 * to its ceiling (600 s), so that the window measures registrations and not the reaper's
 * expiries of the sessions registered before, and {@code max_sessions} to its ceiling
 * (1,000,000), so that no registration meets QUOTA_EXCEEDED; afterwards both are put back, the
 * reaper expires the sessions, and the phase waits until the log is quiet again.
 */
final class RegisterPhase {
  private static final Logger LOG = LoggerFactory.getLogger(RegisterPhase.class);
  static final long MAX_SESSIONS_DURING = 1_000_000;
  static final long TTL_DURING = 600_000;
  /** A role no session has: listing it returns the settings and nothing else. */
  private static final String NO_ROLE = "-bench-no-such-role-";

  private final Bench opts;
  private final CoordClient client;
  private final SessionsPlan plan;
  private final String tag;
  private final AdminProbe probe;
  private final AtomicLong seq = new AtomicLong();

  RegisterPhase(Bench opts, CoordClient client, SessionsPlan plan, String tag, AdminProbe probe) {
    this.opts = opts;
    this.probe = probe;
    this.client = client;
    this.plan = plan;
    this.tag = tag;
  }

  static SessionSettings settings(CoordClient client) {
    return client.sessions().list(NO_ROLE, false).getSettings();
  }

  private RegisterSession request(long n) {
    String role = NodeFleet.ROLES.get((int) (n % NodeFleet.ROLES.size()));
    String address = "10.78." + (n / 62_500) % 250 + "." + (n / 250) % 250 + ":" + (20_000 + n % 250);
    return RegisterSession.newBuilder().setRole(role).setAddress(address).setVersion("bench")
        .addLabels(Label.newBuilder().setKey("bench").setValue(tag)).build();
  }

  void run(long deadlineMs) {
    SessionClient sessions = client.sessions();
    SessionSettings before = settings(client);
    Thread restoreOnExit = new Thread(() -> restore(before), "bench-restore-session-settings");
    sessions.setSettings(SessionSettings.newBuilder().setMaxSessions(MAX_SESSIONS_DURING).setTtlMs(TTL_DURING).build());
    Runtime.getRuntime().addShutdownHook(restoreOnExit);
    log("register: for the phase, max_sessions %,d -> %,d and TTL %,d -> %,d ms", before.getMaxSessions(),
        MAX_SESSIONS_DURING, before.getTtlMs(), TTL_DURING);
    ClosedLoop.Op op = () -> {
      sessions.register(request(seq.getAndIncrement()));
      return 1;
    };
    try {
      if (!opts.json) {
        opts.out.printf(Locale.ROOT, "# register: C callers each registering a new session (never heartbeating; TTL"
                + " %,d ms during the phase, so no expiries in the window); %.0f s settle + %.0f s measured per point%n",
            TTL_DURING, plan.settleMs() / 1000.0, plan.durationMs() / 1000.0);
        opts.out.println(String.format(Locale.ROOT, Bench.ROW, (Object[]) PointResult.header("regs")));
        opts.out.flush();
      }
      if (plan.warmupMs() > 0) {
        int c = plan.concurrency().stream().max(Integer::compare).orElseThrow();
        log("register: warm-up %d s at C=%d", plan.warmupMs() / 1000, c);
        ClosedLoop warm = new ClosedLoop(c, op, null).start();
        try {
          ClosedLoop.sleepQuietly(plan.warmupMs());
        } finally {
          warm.stopOrFail(deadlineMs + 5_000, "the register warm-up");
        }
      }
      for (int c : plan.concurrency()) {
        PointResult r = point(op, c, deadlineMs);
        if (opts.json) {
          JsonObject o = r.toJsonObject();
          o.addProperty("phase", "register");
          opts.out.println(Output.json(o));
        } else {
          opts.out.println(String.format(Locale.ROOT, Bench.ROW, (Object[]) r.row()));
        }
        opts.out.flush();
      }
    } finally {
      restore(before);
      try {
        Runtime.getRuntime().removeShutdownHook(restoreOnExit);
      } catch (IllegalStateException e) {
        // shutting down already
      }
      long ttl = before.getTtlMs();
      log("register: %,d sessions registered in all; waiting for the reaper to expire them (TTL %,d ms) and the log"
          + " to go quiet", seq.get(), ttl);
      ClosedLoop.sleepQuietly(ttl + 1_000);
      long quietAfter = waitQuiet(2_000, 180_000);
      log(quietAfter < 0 ? "register: the log did not go quiet within 180 s"
          : String.format(Locale.ROOT, "register: the log went quiet after %.1f s more", quietAfter / 1000.0));
    }
  }

  private PointResult point(ClosedLoop.Op op, int c, long deadlineMs) {
    ClosedLoop loop = new ClosedLoop(c, op, null).start();
    long term0 = leaderTerm();
    try {
      ClosedLoop.sleepQuietly(plan.settleMs());
      long s0 = System.nanoTime();
      long commit0 = Bench.maxCommitIndex(client);
      long m0 = (s0 + System.nanoTime()) / 2;
      long cmd0 = client.commandsSent();
      long b0 = client.batchesSent();
      loop.reset();
      ClosedLoop.sleepQuietly(plan.durationMs());
      ClosedLoop.Interval iv = loop.sample();
      long cmd1 = client.commandsSent();
      long b1 = client.batchesSent();
      long s1 = System.nanoTime();
      long commit1 = Bench.maxCommitIndex(client);
      long m1 = (s1 + System.nanoTime()) / 2;
      long entries = commit0 < 0 || commit1 < 0 ? -1 : commit1 - commit0;
      long term1 = leaderTerm();
      if (term0 < 0 || term1 != term0) {
        log("register: the leader changed during the point at C=%d (term %d -> %d): its latencies include an election",
            c, term0, term1);
      }
      var h = iv.latencyUs();
      boolean empty = h.getTotalCount() == 0;
      boolean batching = Stats.parseOnOff("--batching", opts.batching);
      return new PointResult("sessions", c, batching, false, 1, iv.nanos(), iv.ops(), iv.items(),
          empty ? 0 : h.getValueAtPercentile(50), empty ? 0 : h.getValueAtPercentile(99),
          empty ? 0 : h.getValueAtPercentile(99.9), empty ? 0 : h.getMaxValue(), empty ? 0 : h.getMean(), entries,
          m1 - m0, cmd1 - cmd0, b1 - b0, iv.errors());
    } finally {
      loop.stopOrFail(deadlineMs + 5_000, "the register point at C=" + c);
    }
  }

  /** The current leader's term from the admin /status, or -1. */
  private long leaderTerm() {
    int l = probe.leader(0);
    return l == 0 ? -1 : probe.status(l).map(s -> s.getTerm()).orElse(-1L);
  }

  /** Waits until the commit index stays put for {@code quietMs}; returns how long that took, or -1 after {@code maxMs}. */
  private long waitQuiet(long quietMs, long maxMs) {
    long t0 = System.nanoTime();
    long last = Bench.maxCommitIndex(client);
    long since = System.nanoTime();
    while ((System.nanoTime() - t0) / 1_000_000 < maxMs) {
      ClosedLoop.sleepQuietly(250);
      long now = Bench.maxCommitIndex(client);
      if (now != last) {
        last = now;
        since = System.nanoTime();
      } else if ((System.nanoTime() - since) / 1_000_000 >= quietMs) {
        return (since - t0) / 1_000_000;
      }
    }
    return -1;
  }

  private void restore(SessionSettings before) {
    try {
      client.sessions().setSettings(SessionSettings.newBuilder().setMaxSessions(before.getMaxSessions())
          .setTtlMs(before.getTtlMs()).build());
      log("register: max_sessions back to %,d, TTL back to %,d ms", before.getMaxSessions(), before.getTtlMs());
    } catch (RuntimeException e) {
      LOG.warn("could not put the session settings back to {}: {}; set them again with SessionClient.setSettings",
          before, e.toString());
    }
  }

  private void log(String fmt, Object... args) {
    opts.err.println(String.format(Locale.ROOT, fmt, args));
    opts.err.flush();
  }
}
