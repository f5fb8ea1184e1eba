package io.raftcoord.server.chaos;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.proto.ChangeEvent;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionEvent;
import io.raftcoord.proto.session.SessionEventKind;
import io.raftcoord.proto.session.SessionState;
import io.raftcoord.server.chaos.SessionRecords.Ack;
import io.raftcoord.server.chaos.SessionRecords.Agent;
import io.raftcoord.server.chaos.SessionRecords.FeedEvent;
import io.raftcoord.server.chaos.SessionRecords.Loss;
import io.raftcoord.server.chaos.SessionRecords.Registration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the sessions workload saw, as it happened: the agents' registrations, losses, acknowledged
 * heartbeats and halts, and the session events of the change feed with when each arrived. Times
 * are ms on the run clock; a leader's stamp (wall clock) is put on it with the wall-clock offset
 * measured at the start. Every record is also one line of {@code history.jsonl}. Thread-safe.
 */
final class SessionHistory {
  private final HistoryLines lines;
  private final double wallMinusRunMs;
  private final Map<String, AgentLog> agents = new LinkedHashMap<>();
  private final List<FeedEvent> feed = new ArrayList<>();
  private final Map<Long, Session> current = new TreeMap<>();
  private long ttlMs;
  private boolean compacted;
  private int acks;

  private static final class AgentLog {
    final String role;
    final String address;
    final List<Registration> registrations = new ArrayList<>();
    final List<Loss> losses = new ArrayList<>();
    final List<Ack> acks = new ArrayList<>();
    double haltMs = Double.NaN;

    AgentLog(String role, String address) {
      this.role = role;
      this.address = address;
    }
  }

  SessionHistory(long originNanos) {
    this.lines = new HistoryLines("sessions", "atMs", originNanos);
    this.wallMinusRunMs = System.currentTimeMillis() - nowMs();
  }

  double nowMs() {
    return lines.nowMs();
  }

  synchronized void settings(long ttlMs) {
    this.ttlMs = ttlMs;
    lines.add("settings", nowMs(), "ttlMs", ttlMs);
  }

  synchronized long ttlMs() {
    return ttlMs;
  }

  synchronized void agent(String name, String role, String address) {
    agents.putIfAbsent(name, new AgentLog(role, address));
  }

  synchronized void registered(String agent, Session s) {
    double at = nowMs();
    agents.get(agent).registrations.add(new Registration(s.getServerId(), s.getEpoch(), s.getState(), at));
    lines.add("register", at, "agent", agent, "role", s.getRole(), "serverId", s.getServerId(), "epoch", s.getEpoch(),
        "state", s.getState().name());
  }

  synchronized void registerFailed(String agent, String error) {
    lines.add("register-failed", nowMs(), "agent", agent, "error", error);
  }

  synchronized void lost(String agent, Session s) {
    double at = nowMs();
    agents.get(agent).losses.add(new Loss(s.getServerId(), s.getEpoch(), at));
    lines.add("lost", at, "agent", agent, "serverId", s.getServerId(), "epoch", s.getEpoch());
  }

  synchronized void ack(String agent, long serverId, double atMs) {
    agents.get(agent).acks.add(new Ack(serverId, atMs));
    acks++;
    lines.add("ack", atMs, "agent", agent, "serverId", serverId);
  }

  /** The agent stopped heartbeating on purpose (or never got going): it must be expired. */
  synchronized void halted(String agent, String why) {
    double at = nowMs();
    AgentLog a = agents.get(agent);
    if (Double.isNaN(a.haltMs)) {
      a.haltMs = at;
      lines.add("halt", at, "agent", agent, "why", why);
    }
  }

  /** Events of one watch reply, in order; those of other domains and settings changes carry no session. */
  synchronized void watched(List<ChangeEvent> events) {
    double at = nowMs();
    for (ChangeEvent e : events) {
      if (!e.getDomain().equals("session")) {
        continue;
      }
      SessionEvent s;
      try {
        s = e.getBody().unpack(SessionEvent.class);
      } catch (InvalidProtocolBufferException ex) {
        throw new IllegalStateException("unreadable session event at revision " + e.getRevision(), ex);
      }
      if (!s.hasSession()) {
        lines.add("feed", at, "revision", e.getRevision(), "kind", s.getKind().name(), "ttlMs",
            s.getSettings().getTtlMs());
        continue;
      }
      FeedEvent f = new FeedEvent(e.getRevision(), e.getOrdinal(), s.getKind(), s.getSession(),
          e.getNowMs() - wallMinusRunMs, at);
      feed.add(f);
      if (s.getKind() == SessionEventKind.SESSION_FORGOTTEN) {
        current.remove(f.serverId());
      } else {
        current.put(f.serverId(), f.session());
      }
      lines.add("feed", at, "revision", f.revision(), "ordinal", f.ordinal(), "kind", f.kind().name(), "serverId",
          f.serverId(), "epoch", f.session().getEpoch(), "role", f.session().getRole(), "address",
          f.session().getAddress(), "state", f.session().getState().name(), "stampMs",
          HistoryLines.round(f.stampMs()));
    }
  }

  synchronized void compacted(String why) {
    compacted = true;
    lines.add("feed-compacted", nowMs(), "error", why);
  }

  /** The server ID of the ACTIVE session of {@code role} as the feed has it so far. */
  synchronized Optional<Long> active(String role) {
    return current.values().stream().filter(s -> s.getRole().equals(role) && s.getState() == SessionState.ACTIVE)
        .map(Session::getServerId).findFirst();
  }

  synchronized SessionRecords records(boolean stampsTrusted, List<FaultWindows.Window> windows,
                                      double observedUntilMs) {
    List<Agent> out = new ArrayList<>();
    agents.forEach((name, a) -> out.add(new Agent(name, a.role, a.address, a.registrations, a.losses, a.acks,
        a.haltMs)));
    return new SessionRecords(ttlMs, stampsTrusted, out, feed, !compacted, windows, observedUntilMs);
  }

  synchronized List<String> lines() {
    return lines.copy();
  }

  synchronized String summary() {
    long halted = agents.values().stream().filter(a -> !Double.isNaN(a.haltMs)).count();
    long registrations = agents.values().stream().mapToLong(a -> a.registrations.size()).sum();
    long losses = agents.values().stream().mapToLong(a -> a.losses.size()).sum();
    Map<SessionEventKind, Integer> kinds = new TreeMap<>();
    feed.forEach(e -> kinds.merge(e.kind(), 1, Integer::sum));
    return String.format("ttl %d ms; %d agents (%d halted), %d registrations, %d losses, %d acknowledged heartbeats; "
        + "feed %s", ttlMs, agents.size(), halted, registrations, losses, acks, kinds);
  }

  /** Records seen so far (the verdict's operation count). */
  synchronized long size() {
    return lines.size();
  }
}
