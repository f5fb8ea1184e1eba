package io.raftcoord.statemachine.store;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A column family of the store, by its on-disk name. The core's are constants here; a domain
 * declares its own with {@link #named} (see {@code Domain#columnFamilies}). Names are on-disk
 * format: renaming one orphans its data.
 */
public final class ColumnFamily {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,31}");

  /** Applied term/index, the apply clock and other bookkeeping counters. */
  public static final ColumnFamily META = new ColumnFamily("meta");
  public static final ColumnFamily TSO = new ColumnFamily("tso");
  public static final ColumnFamily IDS = new ColumnFamily("ids");
  /** Remembered replies for idempotency keys, plus their expiry order. */
  public static final ColumnFamily IDEMPOTENCY = new ColumnFamily("idempotency");
  /** The change feed by revision (log index): events of every domain. */
  public static final ColumnFamily CHANGES = new ColumnFamily("changes");
  /** RootCoord's catalog: databases, collections (with their partitions), aliases, limits. */
  public static final ColumnFamily CATALOG = new ColumnFamily("catalog");

  /** Opened by every store, in this order (the dump's digest order starts with them). */
  public static final List<ColumnFamily> CORE = List.of(META, TSO, IDS, IDEMPOTENCY, CHANGES, CATALOG);

  private final String dbName;

  private ColumnFamily(String dbName) {
    if (!NAME.matcher(dbName).matches()) {
      throw new IllegalArgumentException("column family name '" + dbName + "' must match " + NAME);
    }
    this.dbName = dbName;
  }

  /** A domain's column family. */
  public static ColumnFamily named(String name) {
    for (ColumnFamily cf : CORE) {
      if (cf.dbName.equals(name)) {
        return cf;
      }
    }
    return new ColumnFamily(name);
  }

  public String dbName() {
    return dbName;
  }

  byte[] nameBytes() {
    return dbName.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ColumnFamily other && other.dbName.equals(dbName);
  }

  @Override
  public int hashCode() {
    return dbName.hashCode();
  }

  @Override
  public String toString() {
    return dbName;
  }
}
