package io.raftcoord.statemachine.session;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Leader-local soft state: when this replica last heard each session, on its monotonic clock,
 * also bucketed by second so that the reaper finds the silent ones without looking at every
 * session. Never logged and never read by apply: only the reaper and status reads use it. A
 * replica keeps it across state swaps; a new leader does not trust what it heard before it led
 * (the reaper grants every session a full TTL from the leader's start instead).
 */
public final class HeartbeatTable {
  private static final long BUCKET_MS = 1000;

  private final Map<Long, Long> heardMs = new HashMap<>();
  private final TreeMap<Long, Set<Long>> byBucket = new TreeMap<>();

  public synchronized void heard(long serverId, long nowMs) {
    Long old = heardMs.get(serverId);
    if (old != null && old >= nowMs) {
      return;
    }
    heardMs.put(serverId, nowMs);
    move(serverId, old, nowMs);
  }

  /** Records {@code atMs} for a session this replica has never heard (a new leader's grace). */
  public synchronized void adopt(long serverId, long atMs) {
    if (!heardMs.containsKey(serverId)) {
      heardMs.put(serverId, atMs);
      move(serverId, null, atMs);
    }
  }

  private void move(long serverId, Long fromMs, long toMs) {
    if (fromMs != null) {
      long from = fromMs / BUCKET_MS;
      if (from == toMs / BUCKET_MS) {
        return;
      }
      Set<Long> ids = byBucket.get(from);
      if (ids != null && ids.remove(serverId) && ids.isEmpty()) {
        byBucket.remove(from);
      }
    }
    byBucket.computeIfAbsent(toMs / BUCKET_MS, b -> new HashSet<>()).add(serverId);
  }

  /** When {@code serverId} was last heard, or {@link Long#MIN_VALUE} if never. */
  public synchronized long lastHeard(long serverId) {
    return heardMs.getOrDefault(serverId, Long.MIN_VALUE);
  }

  public synchronized boolean knows(long serverId) {
    return heardMs.containsKey(serverId);
  }

  public synchronized void forget(long serverId) {
    Long old = heardMs.remove(serverId);
    if (old != null) {
      Set<Long> ids = byBucket.get(old / BUCKET_MS);
      if (ids != null && ids.remove(serverId) && ids.isEmpty()) {
        byBucket.remove(old / BUCKET_MS);
      }
    }
  }

  /** Up to {@code max} sessions last heard before {@code beforeMs}, the longest silent first (in no other order). */
  public synchronized List<Long> heardBefore(long beforeMs, int max) {
    List<Long> out = new ArrayList<>();
    for (Map.Entry<Long, Set<Long>> b : byBucket.headMap(Math.floorDiv(beforeMs, BUCKET_MS), true).entrySet()) {
      for (long id : b.getValue()) {
        if (heardMs.get(id) < beforeMs) {
          out.add(id);
          if (out.size() >= max) {
            return out;
          }
        }
      }
    }
    return out;
  }

  public synchronized int size() {
    return heardMs.size();
  }
}
