package io.raftcoord.client;

import io.raftcoord.proto.session.Session;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the parts of a {@link DataNodeAgent} share: the channels it holds, the assignments fenced
 * by STALE_EPOCH, the counters, the session and the generation, all guarded by {@link #lock}.
 * Not thread-safe by itself: every field is read and written under {@link #lock} (except
 * {@link #serverId()}, which is for log lines only).
 *
 * <p>Invariants: a channel leaves {@link #channels} either released or through
 * {@link #dropLocked}/{@link #fenceLocked}, which count its unreported rows as lost in the same
 * critical section, so the counters and the buffers always satisfy ingested = reported + lost +
 * buffered; {@link #generation} is bumped whenever the channels are dropped wholesale, and a
 * completion of an older generation changes nothing.
 */
final class DataNodeState {
  // The parts log as the agent: one logger to tune for the whole data node.
  private static final Logger LOG = LoggerFactory.getLogger(DataNodeAgent.class);

  final Object lock = new Object();
  final Map<String, DataChannel> channels = new TreeMap<>();
  /**
   * Channels refused with STALE_EPOCH, by name, with the assignment's state_changed_ms: the
   * coordinator may list them as this node's until its channel duty moves them (the session
   * ended under the node), and that assignment is not taken up again.
   */
  final Map<String, Long> fenced = new HashMap<>();
  final DataNodeCounters counters = new DataNodeCounters();
  final GracefulStop stop = new GracefulStop();
  /** The session the channels belong to; null while the NodeAgent registers again. */
  Session session;
  /** Bumped whenever the channels are dropped wholesale; a completion of an older generation is ignored. */
  long generation;

  long serverId() {
    Session s = session;
    return s == null ? 0 : s.getServerId();
  }

  DataNodeStats statsLocked() {
    long buffered = 0;
    for (DataChannel c : channels.values()) {
      buffered += c.unreportedRows();
    }
    return counters.snapshot(buffered, channels.size());
  }

  void checkReleasedLocked() {
    stop.checkLocked(channels.isEmpty());
  }

  /** Forgets {@code c} (the caller removes it from the map); its unreported rows are lost. */
  void dropLocked(DataChannel c, String why) {
    long lost = c.unreportedRows();
    counters.rowsLost += lost;
    counters.channelsLost++;
    LOG.info("data node {}: dropped channel {} ({}); {} unreported row(s) lost", serverId(), c.name, why, lost);
  }

  /** Drops {@code c} after STALE_EPOCH and remembers the assignment, so the next poll does not take it up again. */
  void fenceLocked(DataChannel c, String why) {
    dropLocked(c, why);
    fenced.put(c.name, c.stateChangedMs);
  }

  void dropAllLocked(String why) {
    generation++;
    fenced.clear();
    for (DataChannel c : channels.values()) {
      dropLocked(c, why);
    }
    channels.clear();
  }
}
