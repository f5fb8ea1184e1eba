package io.raftcoord.statemachine.store;

import java.nio.charset.StandardCharsets;

/** The column families of the store: one per domain plus bookkeeping. Names are on-disk format. */
public enum ColumnFamily {
  /** Applied term/index, the apply clock and other bookkeeping counters. */
  META("meta"),
  TSO("tso"),
  IDS("ids"),
  /** Remembered replies for idempotency keys, plus their expiry order. */
  IDEMPOTENCY("idempotency"),
  /** The change feed by revision (log index); filled by the catalog domains. */
  CHANGES("changes"),
  /** RootCoord's catalog: databases, collections (with their partitions), aliases, limits. */
  CATALOG("catalog");

  private final String dbName;

  ColumnFamily(String dbName) {
    this.dbName = dbName;
  }

  public String dbName() {
    return dbName;
  }

  byte[] nameBytes() {
    return dbName.getBytes(StandardCharsets.UTF_8);
  }
}
