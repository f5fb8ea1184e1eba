package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.SessionChecker.s;

import io.raftcoord.proto.session.SessionEventKind;
import io.raftcoord.server.chaos.SessionChecker.Finding;
import io.raftcoord.server.chaos.SessionRecords.Ack;
import io.raftcoord.server.chaos.SessionRecords.Agent;
import io.raftcoord.server.chaos.SessionRecords.FeedEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * A node that stopped heartbeating (halted, as a crash) is expired within TTL + {@link #SLACK_MS}
 * of the quorum being whole: from the later of its halt and the end of the disturbance it fell
 * in, provided the quorum then stayed whole that long (a fault in between moves the deadline to
 * after that fault healed, since a new leader grants a full TTL again). Every session registered
 * under the agent's address counts, also one whose registration the agent never saw answered.
 * A heartbeat the agent saw acknowledged after its halt (one in flight at the halt) moves the halt
 * to then. A session must end (EXPIRED, or REMOVED when the agent deregistered it) no later
 * than its deadline; one that has not ended is a violation once the feed is known past it.
 */
final class HaltedExpiryCheck {
  static final String NAME = "halted-not-expired";
  /** The reaper's round (200 ms), proposing and committing the expiry, and a leader slow to be ready. */
  static final double SLACK_MS = 2000;

  private HaltedExpiryCheck() {}

  /** One session that must end, and by when (infinite: the quorum was never whole long enough). */
  record Due(Agent agent, long serverId, double haltMs, double deadlineMs, FeedEvent added, FeedEvent end) {}

  static List<Finding> check(SessionRecords r) {
    List<Finding> out = new ArrayList<>();
    for (Due d : due(r)) {
      if (Double.isInfinite(d.deadlineMs())) {
        continue;
      }
      if (d.end() != null && d.end().earliestMs(r.stampsTrusted()) > d.deadlineMs()) {
        out.add(new Finding(NAME, String.format(Locale.ROOT, "agent %s halted at %.3f s; %s came only at %.3f s "
                + "(stamp), %.0f ms after its deadline %.3f s (TTL %d ms + %.0f ms from when the quorum was whole)",
            d.agent().name(), s(d.haltMs()), d.end().describe(), s(d.end().stampMs()),
            d.end().stampMs() - d.deadlineMs(), s(d.deadlineMs()), r.ttlMs(), SLACK_MS), d.haltMs(), d.end().stampMs()));
      } else if (d.end() == null && r.observedUntilMs() > d.deadlineMs()) {
        out.add(new Finding(NAME, String.format(Locale.ROOT, "agent %s halted at %.3f s; its session %d (%s) had "
                + "still not ended at %.3f s, past its deadline %.3f s (TTL %d ms + %.0f ms from when the quorum was "
                + "whole)", d.agent().name(), s(d.haltMs()), d.serverId(), d.added().describe(), s(r.observedUntilMs()),
            s(d.deadlineMs()), r.ttlMs(), SLACK_MS), d.haltMs(), r.observedUntilMs()));
      }
    }
    return out;
  }

  /** The latest deadline of a halted session that has not ended yet: how long a check should wait. */
  static OptionalDouble latestPending(SessionRecords r) {
    return due(r).stream().filter(d -> d.end() == null && !Double.isInfinite(d.deadlineMs()))
        .mapToDouble(Due::deadlineMs).max();
  }

  static List<Due> due(SessionRecords r) {
    Map<String, List<FeedEvent>> addedAt = new HashMap<>();
    Map<Long, FeedEvent> ends = new HashMap<>();
    for (FeedEvent e : r.feed()) {
      if (e.kind() == SessionEventKind.SESSION_ADDED) {
        addedAt.computeIfAbsent(e.session().getAddress(), x -> new ArrayList<>()).add(e);
      } else if (e.ends()) {
        ends.putIfAbsent(e.serverId(), e);
      }
    }
    List<Due> out = new ArrayList<>();
    for (Agent a : r.agents()) {
      if (!a.halted()) {
        continue;
      }
      double halt = a.haltMs();
      for (Ack k : a.acks()) {
        halt = Math.max(halt, k.atMs());
      }
      for (FeedEvent added : addedAt.getOrDefault(a.address(), List.of())) {
        FeedEvent end = ends.get(added.serverId());
        if (end != null && end.latestMs(r.stampsTrusted()) < halt) {
          continue; // over before the halt
        }
        double from = Math.max(halt, added.latestMs(r.stampsTrusted()));
        out.add(new Due(a, added.serverId(), halt, deadline(from, r.windows(), r.ttlMs()), added, end));
      }
    }
    return out;
  }

  /**
   * The first moment by which a session silent since {@code fromMs} must have expired: TTL +
   * slack into a stretch in which the quorum was whole throughout.
   */
  static double deadline(double fromMs, List<FaultWindows.Window> windows, long ttlMs) {
    double t = fromMs;
    for (FaultWindows.Window w : windows) {
      if (w.wholeMs() <= t) {
        continue;
      }
      if (w.beginMs() <= t || t + ttlMs + SLACK_MS > w.beginMs()) {
        t = w.wholeMs(); // disturbed before the deadline: a leader elected meanwhile grants a full TTL again
        continue;
      }
      return t + ttlMs + SLACK_MS;
    }
    return t + ttlMs + SLACK_MS;
  }
}
