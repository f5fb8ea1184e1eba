package io.raftcoord.server.chaos;

import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionEventKind;
import io.raftcoord.proto.session.SessionState;
import io.raftcoord.server.chaos.SessionChecker.Finding;
import io.raftcoord.server.chaos.SessionRecords.FeedEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An exclusive role never has two ACTIVE sessions at once. The sessions are rebuilt from the
 * feed's events in revision order (each event carries the session after the change) and judged
 * after each revision: one log entry applies as a whole, so a hand-over inside one entry (the
 * active expires, a standby is activated) is never seen half done.
 */
final class ExclusiveRoleCheck {
  static final String NAME = "two-active";
  static final Set<String> EXCLUSIVE_ROLES = Set.of("rootcoord", "datacoord", "querycoord", "mixcoord");

  private ExclusiveRoleCheck() {}

  static List<Finding> check(SessionRecords r) {
    List<FeedEvent> ordered = new ArrayList<>(r.feed());
    ordered.sort(Comparator.comparingLong(FeedEvent::revision).thenComparingInt(FeedEvent::ordinal));
    Map<Long, Session> live = new TreeMap<>();
    Set<String> reported = new HashSet<>();
    List<Finding> out = new ArrayList<>();
    for (int i = 0; i < ordered.size(); ) {
      long rev = ordered.get(i).revision();
      double at = ordered.get(i).receivedMs();
      Set<Integer> ordinals = new HashSet<>();
      for (; i < ordered.size() && ordered.get(i).revision() == rev; i++) {
        FeedEvent e = ordered.get(i);
        if (!ordinals.add(e.ordinal())) {
          continue; // delivered twice: the watcher's own check would say so, not this one
        }
        if (e.kind() == SessionEventKind.SESSION_FORGOTTEN) {
          live.remove(e.serverId());
        } else {
          live.put(e.serverId(), e.session());
        }
      }
      Map<String, Set<Long>> active = new TreeMap<>();
      for (Session s : live.values()) {
        if (s.getState() == SessionState.ACTIVE && (s.getExclusive() || EXCLUSIVE_ROLES.contains(s.getRole()))) {
          active.computeIfAbsent(s.getRole(), x -> new TreeSet<>()).add(s.getServerId());
        }
      }
      for (Map.Entry<String, Set<Long>> a : active.entrySet()) {
        if (a.getValue().size() > 1 && reported.add(a.getKey() + a.getValue())) {
          out.add(new Finding(NAME, String.format(Locale.ROOT, "role %s has %d ACTIVE sessions %s after revision %d",
              a.getKey(), a.getValue().size(), a.getValue(), rev), at, at));
        }
      }
    }
    return out;
  }
}
