package io.raftcoord.statemachine.querycoord;

import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionState;
import io.raftcoord.statemachine.session.SessionTable;
import java.util.Optional;
import java.util.TreeMap;

/** Which sessions are query nodes, and in what state. */
final class QueryNodes {
  static final String ROLE = "querynode";

  private QueryNodes() {}

  /** Live query nodes (ACTIVE or STOPPING) by server id. */
  static TreeMap<Long, Session> live(SessionTable sessions) {
    TreeMap<Long, Session> out = new TreeMap<>();
    for (Session s : sessions.live()) {
      if (ROLE.equals(s.getRole())) {
        out.put(s.getServerId(), s);
      }
    }
    return out;
  }

  static Optional<Session> liveNode(SessionTable sessions, long id) {
    return sessions.get(id).filter(s -> ROLE.equals(s.getRole()) && SessionTable.isLive(s));
  }

  static boolean stopping(Session s) {
    return s.getState() == SessionState.STOPPING;
  }
}
