package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.SessionChecker.s;

import io.raftcoord.proto.session.SessionEventKind;
import io.raftcoord.server.chaos.SessionChecker.Finding;
import io.raftcoord.server.chaos.SessionRecords.Ack;
import io.raftcoord.server.chaos.SessionRecords.Agent;
import io.raftcoord.server.chaos.SessionRecords.FeedEvent;
import io.raftcoord.server.chaos.SessionRecords.Loss;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * A node whose heartbeats a leader keeps acknowledging is never expired. The reaper of a correct
 * leader expires a session only after a full TTL without hearing it, counted from the later of
 * its last heartbeat and the moment that leader became ready; an acknowledgement from an earlier
 * leader came before that moment. So an expiry (a SESSION_EXPIRED event, or the agent's
 * {@code lost} callback) decided less than {@code TTL - MARGIN_MS} after an acknowledgement of the
 * same session is a violation.
 *
 * <p>What keeps it sound: the expiry's time is the latest it can have been decided (the leader's
 * stamp, or when it arrived), and the margin covers the reply's way back and a driver that was
 * slow to see it. A leader cut off from its quorum or frozen and woken (pause, partition, and the
 * other faults that are not kills) may still answer heartbeats after its successor took over;
 * acknowledgements from then, until {@link #DISTRUST_AFTER_MS} after the cluster was whole
 * again, are not counted. A killed leader answers nothing, so kills leave every acknowledgement
 * counted, and a new leader that skips the grace it owes is caught right at the failover.
 */
final class AliveExpiryCheck {
  static final String EXPIRED = "expired-while-heartbeating";
  static final String LOST = "lost-while-heartbeating";
  /** Room for the acknowledgement's way back to the agent and a busy driver noting it late. */
  static final double MARGIN_MS = 1500;
  /** How long after a disturbance a deposed leader may still answer (it learns the new term at once). */
  static final double DISTRUST_AFTER_MS = 1000;

  private AliveExpiryCheck() {}

  static List<Finding> check(SessionRecords r) {
    Map<Long, Agent> owner = new HashMap<>();
    Map<Long, double[]> acks = trustedAcks(r, owner);
    double limit = r.ttlMs() - MARGIN_MS;
    List<Finding> out = new ArrayList<>();
    Map<Long, FeedEvent> ends = new HashMap<>();
    for (FeedEvent e : r.feed()) {
      if (e.ends()) {
        ends.putIfAbsent(e.serverId(), e);
      }
      if (e.kind() != SessionEventKind.SESSION_EXPIRED || !owner.containsKey(e.serverId())) {
        continue;
      }
      double at = e.latestMs(r.stampsTrusted());
      OptionalDouble ack = lastAtOrBefore(acks.get(e.serverId()), at);
      if (ack.isPresent() && at - ack.getAsDouble() < limit) {
        Agent a = owner.get(e.serverId());
        out.add(new Finding(EXPIRED, String.format(Locale.ROOT, "agent %s: %s, decided by %.3f s (leader stamp "
                + "%.3f s, received %.3f s), only %.0f ms after a leader acknowledged its heartbeat at %.3f s; a node "
                + "that keeps heartbeating is owed the TTL of %d ms (judged with a margin of %.0f ms)", a.name(),
            e.describe(), s(at), s(e.stampMs()), s(e.receivedMs()), at - ack.getAsDouble(), s(ack.getAsDouble()), r.ttlMs(),
            MARGIN_MS), ack.getAsDouble(), at));
      }
    }
    for (Agent a : r.agents()) {
      for (Loss l : a.losses()) {
        OptionalDouble ack = lastAtOrBefore(acks.get(l.serverId()), l.atMs());
        if (ack.isPresent() && l.atMs() - ack.getAsDouble() < limit) {
          FeedEvent end = ends.get(l.serverId());
          out.add(new Finding(LOST, String.format(Locale.ROOT, "agent %s: told at %.3f s that session %d (epoch %d) "
                  + "is gone, only %.0f ms after a leader acknowledged its heartbeat at %.3f s (TTL %d ms, margin "
                  + "%.0f ms); the feed %s", a.name(), s(l.atMs()), l.serverId(), l.epoch(), l.atMs() - ack.getAsDouble(),
              s(ack.getAsDouble()), r.ttlMs(), MARGIN_MS, end == null ? "never ended that session"
                  : String.format(Locale.ROOT, "has %s stamped %.3f s", end.describe(), s(end.stampMs()))),
              ack.getAsDouble(), l.atMs()));
        }
      }
    }
    return out;
  }

  /** Each session's acknowledgements that no disturbed window makes doubtful, ascending. */
  private static Map<Long, double[]> trustedAcks(SessionRecords r, Map<Long, Agent> owner) {
    List<FaultWindows.Window> doubtful = r.windows().stream().filter(w -> !w.fault().equals("kill")).toList();
    Map<Long, List<Double>> by = new HashMap<>();
    for (Agent a : r.agents()) {
      a.registrations().forEach(reg -> owner.put(reg.serverId(), a));
      for (Ack k : a.acks()) {
        if (doubtful.stream().noneMatch(w -> w.covers(k.atMs(), DISTRUST_AFTER_MS))) {
          by.computeIfAbsent(k.serverId(), x -> new ArrayList<>()).add(k.atMs());
        }
      }
    }
    Map<Long, double[]> out = new HashMap<>();
    by.forEach((id, times) -> out.put(id, times.stream().mapToDouble(Double::doubleValue).sorted().toArray()));
    return out;
  }

  private static OptionalDouble lastAtOrBefore(double[] sorted, double at) {
    if (sorted == null) {
      return OptionalDouble.empty();
    }
    int i = Arrays.binarySearch(sorted, at);
    int idx = i >= 0 ? i : -i - 2;
    while (idx + 1 < sorted.length && sorted[idx + 1] == at) {
      idx++;
    }
    return idx < 0 ? OptionalDouble.empty() : OptionalDouble.of(sorted[idx]);
  }
}
