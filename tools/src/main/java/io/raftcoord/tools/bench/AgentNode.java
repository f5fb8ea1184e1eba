package io.raftcoord.tools.bench;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.NodeAgent;
import io.raftcoord.proto.session.Session;

/**
 * A simulated node that is a real {@link NodeAgent}, as a node embeds it; agents on one
 * {@link CoordClient} share its heartbeat queries (coalesced).
 */
final class AgentNode implements SimNode {
  private final NodeAgent.Builder builder;
  private volatile NodeAgent agent;

  AgentNode(NodeAgent.Builder builder) {
    this.builder = builder;
  }

  @Override
  public void start() {
    agent = builder.start();
  }

  @Override
  public Session session() {
    NodeAgent a = agent;
    return a == null ? null : a.session();
  }

  @Override
  public long lastAckAgeMs() {
    NodeAgent a = agent;
    return a == null ? 0 : a.lastAckAgeMs();
  }

  @Override
  public void halt() {
    NodeAgent a = agent;
    if (a != null) {
      a.halt();
    }
  }
}
