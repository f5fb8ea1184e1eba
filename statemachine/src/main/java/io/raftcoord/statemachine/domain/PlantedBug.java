package io.raftcoord.statemachine.domain;

/**
 * Deliberate defects for proving that the fault checkers work. Never enabled outside tests;
 * each one is switched on per replica by a server flag.
 */
public enum PlantedBug {
  /** Hand out timestamps from the replica's memory without the log, on its admin endpoint ({@code /test/unsafe-tso}). */
  TSO_LOCAL,
  /**
   * An acknowledged write not made durable: the ID allocator's advances stay in memory and are
   * never written to the store, so after a restart IDs are handed out again.
   */
  IDS_MEMORY_ONLY,
  /**
   * The session reaper of a new leader skips the grace every session is owed (a full TTL from
   * when the leader became ready): sessions it has not heard from yet are expired at once.
   */
  REAPER_SKIPS_GRACE,
  /**
   * DataCoord does not fence channel writes: a binlog report or checkpoint from a node that no
   * longer owns the channel (an old epoch, a zombie) is accepted.
   */
  DATACOORD_ACCEPTS_STALE_EPOCH,
  /**
   * The Raft log is kept in memory only: an entry is acknowledged to the leader, counts toward
   * commit and is answered to the client without ever reaching the disk. A minority crash loses
   * nothing (the others still hold the entry); a crash of a majority, or of all three, loses
   * acknowledged writes.
   */
  LOG_ACKS_BEFORE_FLUSH,
  /**
   * QueryCoord promotes the next target (and marks a load LOADED) once every segment is placed,
   * without waiting until the replicas report serving it: readers are sent to nodes that do not
   * have the data yet.
   */
  QUERYCOORD_LOADED_BEFORE_SERVED,
  /**
   * A compaction's completion is split in two commands, as Milvus's is: the completion adds the
   * results and completes the task, and the inputs are dropped only by the scheduler's next
   * assignment. In between, readers count the rows twice.
   */
  COMPACTION_SPLIT_SWAP;

  public static PlantedBug parse(String s) {
    for (PlantedBug b : values()) {
      if (b.name().equalsIgnoreCase(s.replace('-', '_'))) {
        return b;
      }
    }
    throw new IllegalArgumentException("unknown planted bug '" + s + "' (known: tso-local, ids-memory-only, reaper-skips-grace, datacoord-accepts-stale-epoch, log-acks-before-flush, querycoord-loaded-before-served, compaction-split-swap)");
  }
}
