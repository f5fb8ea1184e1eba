package io.raftcoord.server.chaos;

import io.raftcoord.client.QueryNodeAgent;
import io.raftcoord.proto.session.Session;

/**
 * One query node of the querycoord workload and what was done to it. The flags only ever go from
 * false to true: a halted, stopping or closed node never counts as alive again, whatever its
 * agent's session does. {@code lastServerId} is the session the workload last recorded for it
 * (0: none), so that each change is recorded once.
 */
final class QueryCoordNode {
  final String name;
  final QueryNodeAgent agent;
  volatile boolean halted;
  volatile boolean stopping;
  volatile boolean closed;
  volatile long lastServerId;

  QueryCoordNode(String name, QueryNodeAgent agent) {
    this.name = name;
    this.agent = agent;
  }

  /** The server id while it counts as alive (not halted, stopping or closed, and registered), else 0. */
  long aliveId() {
    if (halted || stopping || closed) {
      return 0;
    }
    return sessionId();
  }

  /** The agent's current server id, 0 while it has no session. */
  long sessionId() {
    Session s = agent.session();
    return s == null ? 0 : s.getServerId();
  }
}
