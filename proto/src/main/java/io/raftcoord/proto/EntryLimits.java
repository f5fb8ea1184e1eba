package io.raftcoord.proto;

/**
 * The byte limits of one Raft entry, in one place so that the client, the state machine and the
 * server's Ratis settings agree by construction.
 *
 * <p>Invariant: every entry the leader logs is at most {@link #MAX_BATCH_BYTES} plus
 * {@link #MAX_ENVELOPE_BYTES}, and that is at most half of {@link #RAFT_BUFFER_BYTES}. Ratis uses
 * its appender buffer byte limit ({@link #RAFT_BUFFER_BYTES}) three ways: as the largest entry
 * the leader appends, as the batching limit of AppendEntries, and as the largest entry its
 * segment reader reads back. That reader (Ratis 3.2.2 {@code SegmentedRaftLogReader}) grows its
 * scratch buffer by doubling from 4 KiB up to the limit; once the buffer has reached the limit
 * (an entry longer than half of it was read), checking the zero padding that ends a crashed
 * segment reads past its stream mark and fails with "Resetting to invalid mark", and the replica
 * cannot start. Keeping every entry at or below half the limit means the buffer never reaches it.
 */
public final class EntryLimits {
  /**
   * The largest {@code CommandBatch}, serialized as a client sends it, that a replica accepts. The
   * client's batches stay at or below it and a single command that cannot fit is refused.
   */
  public static final int MAX_BATCH_BYTES = 256 * 1024;

  /**
   * Room for what the leader and Ratis add to a batch: the leader's header (term, leader id,
   * clock) and Ratis's log entry framing (term, index, client id, call id, lengths, checksum).
   */
  public static final int MAX_ENVELOPE_BYTES = 4 * 1024;

  /** Ratis's {@code raft.server.log.appender.buffer.byte-limit}; see the class comment. */
  public static final int RAFT_BUFFER_BYTES = 1024 * 1024;

  static {
    if (2L * (MAX_BATCH_BYTES + MAX_ENVELOPE_BYTES) > RAFT_BUFFER_BYTES) {
      throw new ExceptionInInitializerError("an accepted entry could exceed half the Raft buffer limit");
    }
  }

  private EntryLimits() {}

  /** The refusal of a batch or command too large for one entry, naming the size and the limit. */
  public static String tooLarge(String what, long bytes) {
    return what + " is " + bytes + " bytes, over the limit of " + MAX_BATCH_BYTES + " bytes per Raft entry";
  }
}
