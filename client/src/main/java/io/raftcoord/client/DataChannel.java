package io.raftcoord.client;

/**
 * What a data node holds for one virtual channel it owns: where it is in the watch/release
 * handshake, the rows it received and has not reported, and a report whose outcome is unknown
 * (sent again, identical, before anything new is reported). Not thread-safe (the agent's lock
 * guards it).
 *
 * <p>Invariants: rows are only added while {@link State#WATCHED}; {@link #unreportedRows()} is
 * the buffered rows plus those of the unacknowledged report; a channel leaves the agent either
 * released (RELEASE_SUCCESS acknowledged, nothing unreported) or dropped, its unreported rows
 * then counted as lost.
 */
final class DataChannel {
  /** The node's side of the watch/release handshake. */
  enum State {
    /** TO_WATCH seen; WATCH_SUCCESS not yet acknowledged. */
    WATCHING,
    /** Owned: rows are written to it, its segments reported and flushed. */
    WATCHED,
    /** TO_RELEASE seen: no new rows; report what is buffered, then RELEASE_SUCCESS. */
    RELEASING
  }

  final String name;
  final long collectionId;
  State state;
  /** The coordinator's state_changed_ms of the assignment, as of the last poll. */
  long stateChangedMs;
  final SegmentBuffer buffer = new SegmentBuffer();
  /** Sent, outcome unknown: sent again as it is at the next sync. */
  ChannelReport unacknowledged;

  DataChannel(String name, long collectionId, State state) {
    this.name = name;
    this.collectionId = collectionId;
    this.state = state;
  }

  long unreportedRows() {
    return buffer.rows() + (unacknowledged == null ? 0 : unacknowledged.takenRows());
  }

  /** Whether the agent reports its segments and checkpoint (owned and confirmed). */
  boolean syncs() {
    return state != State.WATCHING;
  }
}
