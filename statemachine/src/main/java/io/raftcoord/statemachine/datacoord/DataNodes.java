package io.raftcoord.statemachine.datacoord;

import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionState;
import io.raftcoord.statemachine.session.SessionTable;
import java.util.List;

/** Which sessions are data nodes (Milvus 2.5's datanode, 2.6's streamingnode). */
final class DataNodes {
  static final List<String> ROLES = List.of("datanode", "streamingnode");

  private DataNodes() {}

  static boolean isDataRole(String role) {
    return ROLES.contains(role);
  }

  /** Live data nodes, ascending by server id. */
  static List<ChannelPlanner.Node> live(SessionTable sessions) {
    return sessions.live().stream().filter(s -> isDataRole(s.getRole()))
        .map(s -> new ChannelPlanner.Node(s.getServerId(), s.getEpoch(), s.getState() == SessionState.STOPPING))
        .toList();
  }

  /** The apply time of the last data node membership change (register, stop, end): where the balance quiet period starts. */
  static long lastChangeMs(SessionTable sessions) {
    long last = 0;
    for (Session s : sessions.all()) {
      if (isDataRole(s.getRole())) {
        last = Math.max(last, Math.max(s.getRegisteredMs(), s.getStateChangedMs()));
      }
    }
    return last;
  }
}
