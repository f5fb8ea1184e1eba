package io.raftcoord.server.chaos;

/**
 * Cuts between replicas, each in its own network namespace. A cut drops packets with iptables
 * inside the namespaces; {@link #healAll()} removes every cut. Clients (in the root namespace)
 * keep reaching every replica unless {@link #isolateFromClients} is used.
 */
public interface ChaosNetwork {
  /** Drops traffic from {@code from} to {@code to} (one way). */
  void cutOneWay(int from, int to) throws Exception;

  /** Drops traffic both ways between the two replicas. */
  void cut(int a, int b) throws Exception;

  /** Cuts the replica from both others (e.g. isolate the leader). */
  void isolate(int replica) throws Exception;

  void healAll() throws Exception;
}
