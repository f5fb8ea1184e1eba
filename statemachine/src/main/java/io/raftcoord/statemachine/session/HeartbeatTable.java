package io.raftcoord.statemachine.session;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Leader-local soft state: when this replica last heard each session, on its monotonic clock.
 * Never logged and never read by apply: only the reaper's planner and status reads use it. A
 * replica keeps it across state swaps; a new leader does not trust what it heard before it led
 * (the planner grants every session a full TTL from the leader's start instead).
 */
public final class HeartbeatTable {
  private final Map<Long, Long> heardMs = new ConcurrentHashMap<>();

  public void heard(long serverId, long nowMs) {
    heardMs.merge(serverId, nowMs, Math::max);
  }

  /** When {@code serverId} was last heard, or {@link Long#MIN_VALUE} if never. */
  public long lastHeard(long serverId) {
    return heardMs.getOrDefault(serverId, Long.MIN_VALUE);
  }

  public void forget(long serverId) {
    heardMs.remove(serverId);
  }

  public int size() {
    return heardMs.size();
  }
}
