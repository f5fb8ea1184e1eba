package io.raftcoord.tools.bench;

import io.raftcoord.proto.session.Session;

/** One simulated node of the sessions bench: a registered session kept alive by heartbeats. */
interface SimNode {
  /** Registers (blocking; throws CoordException if refused) and starts heartbeating. */
  void start();

  /** The current session (a new one after each re-registration); null before the first. */
  Session session();

  /** Milliseconds since the leader last acknowledged one of this node's heartbeats. */
  long lastAckAgeMs();

  /** Stops heartbeating without a word, as a crashed node would: the session expires after the TTL. */
  void halt();
}
