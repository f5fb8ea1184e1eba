package io.raftcoord.statemachine.catalog;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.proto.AliasInfo;
import io.raftcoord.proto.CatalogChange;
import io.raftcoord.proto.CatalogLimits;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.DatabaseInfo;
import io.raftcoord.statemachine.store.Bytes;
import io.raftcoord.statemachine.store.ColumnFamily;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.store.StoreBatch;
import io.raftcoord.statemachine.store.StoreException;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The committed catalog in memory, indexed for apply and reads, mirrored in
 * {@link ColumnFamily#CATALOG}. It changes only through {@link #replay}, one
 * {@link CatalogChange} at a time, which writes the same change into the entry's store batch.
 *
 * <p>Invariants: every index is a sorted map (iteration order reaches replies and records);
 * collection and alias names share one namespace per database; the default database always
 * exists (implicitly, with id {@link #DEFAULT_DB_ID}, until altered). Not thread-safe: the
 * caller serialises replay against reads (see CoordState).
 *
 * <p>Store layout: {@code d<id>} → DatabaseInfo, {@code c<id>} → CollectionInfo (with its
 * partitions), {@code a<dbId><alias>} → AliasInfo, {@code L} → CatalogLimits.
 */
public final class Catalog {
  public static final long DEFAULT_DB_ID = 1;
  private static final byte[] LIMITS_KEY = {'L'};

  private final TreeMap<Long, DatabaseInfo> dbById = new TreeMap<>();
  private final TreeMap<String, Long> dbByName = new TreeMap<>();
  private final TreeMap<Long, CollectionInfo> collById = new TreeMap<>();
  private final TreeMap<Long, TreeMap<String, Long>> collNamesByDb = new TreeMap<>();
  private final TreeMap<Long, TreeMap<String, AliasInfo>> aliasesByDb = new TreeMap<>();
  private final TreeMap<Long, TreeSet<String>> aliasesByColl = new TreeMap<>();
  private CatalogLimits limits = CatalogLimitsDefaults.DEFAULTS;

  public Catalog() {
    putDatabase(defaultDatabase());
  }

  static DatabaseInfo defaultDatabase() {
    return DatabaseInfo.newBuilder().setId(DEFAULT_DB_ID).setName(CatalogNames.DEFAULT_DATABASE).build();
  }

  public void load(CoordStore store) {
    store.scan(ColumnFamily.CATALOG, new byte[] {'L'}, (k, v) -> {
      if (k.length == 1 && k[0] == 'L') {
        limits = parse(v, CatalogLimits::parseFrom, "limits");
      }
      return false;
    });
    store.scan(ColumnFamily.CATALOG, new byte[] {'d'}, (k, v) -> {
      if (k[0] != 'd') {
        return false;
      }
      putDatabase(parse(v, DatabaseInfo::parseFrom, "database"));
      return true;
    });
    store.scan(ColumnFamily.CATALOG, new byte[] {'c'}, (k, v) -> {
      if (k[0] != 'c') {
        return false;
      }
      putCollection(parse(v, CollectionInfo::parseFrom, "collection"));
      return true;
    });
    store.scan(ColumnFamily.CATALOG, new byte[] {'a'}, (k, v) -> {
      if (k[0] != 'a') {
        return false;
      }
      putAlias(parse(v, AliasInfo::parseFrom, "alias"));
      return true;
    });
  }

  /** Applies one change to memory and to the entry's store batch. */
  public void replay(CatalogChange c, StoreBatch sb) {
    switch (c.getKind()) {
      case DATABASE_CREATED, DATABASE_ALTERED -> {
        putDatabase(c.getDatabase());
        sb.put(ColumnFamily.CATALOG, dbKey(c.getDatabase().getId()), c.getDatabase().toByteArray());
      }
      case DATABASE_DROPPED -> {
        DatabaseInfo d = dbById.remove(c.getDatabase().getId());
        dbByName.remove(d.getName());
        collNamesByDb.remove(d.getId());
        aliasesByDb.remove(d.getId());
        sb.delete(ColumnFamily.CATALOG, dbKey(d.getId()));
      }
      case COLLECTION_CREATED, COLLECTION_ALTERED, COLLECTION_RENAMED, PARTITION_CREATED, PARTITION_DROPPED -> {
        putCollection(c.getCollection());
        sb.put(ColumnFamily.CATALOG, collKey(c.getCollection().getId()), c.getCollection().toByteArray());
      }
      case COLLECTION_DROPPED -> {
        CollectionInfo old = collById.remove(c.getCollection().getId());
        collNamesByDb.get(old.getDbId()).remove(old.getName());
        aliasesByColl.remove(old.getId());
        sb.delete(ColumnFamily.CATALOG, collKey(old.getId()));
      }
      case ALIAS_CREATED, ALIAS_ALTERED -> {
        putAlias(c.getAlias());
        sb.put(ColumnFamily.CATALOG, aliasKey(c.getAlias().getDbId(), c.getAlias().getName()), c.getAlias().toByteArray());
      }
      case ALIAS_DROPPED -> {
        AliasInfo a = c.getAlias();
        removeAlias(a.getDbId(), a.getName());
        sb.delete(ColumnFamily.CATALOG, aliasKey(a.getDbId(), a.getName()));
      }
      case LIMITS_CHANGED -> {
        limits = c.getLimits();
        sb.put(ColumnFamily.CATALOG, LIMITS_KEY, limits.toByteArray());
      }
      case CHANGE_KIND_NONE, UNRECOGNIZED -> throw new IllegalStateException("catalog record without kind");
    }
  }

  private void putDatabase(DatabaseInfo d) {
    DatabaseInfo old = dbById.put(d.getId(), d);
    if (old != null && !old.getName().equals(d.getName())) {
      dbByName.remove(old.getName());
    }
    dbByName.put(d.getName(), d.getId());
    collNamesByDb.computeIfAbsent(d.getId(), k -> new TreeMap<>());
    aliasesByDb.computeIfAbsent(d.getId(), k -> new TreeMap<>());
  }

  private void putCollection(CollectionInfo c) {
    CollectionInfo old = collById.put(c.getId(), c);
    if (old != null) {
      collNamesByDb.get(old.getDbId()).remove(old.getName());
    }
    collNamesByDb.get(c.getDbId()).put(c.getName(), c.getId());
  }

  private void putAlias(AliasInfo a) {
    AliasInfo old = aliasesByDb.get(a.getDbId()).put(a.getName(), a);
    if (old != null) {
      TreeSet<String> s = aliasesByColl.get(old.getCollectionId());
      s.remove(a.getName());
      if (s.isEmpty()) {
        aliasesByColl.remove(old.getCollectionId());
      }
    }
    aliasesByColl.computeIfAbsent(a.getCollectionId(), k -> new TreeSet<>()).add(a.getName());
  }

  private void removeAlias(long dbId, String name) {
    AliasInfo old = aliasesByDb.get(dbId).remove(name);
    TreeSet<String> s = aliasesByColl.get(old.getCollectionId());
    s.remove(name);
    if (s.isEmpty()) {
      aliasesByColl.remove(old.getCollectionId());
    }
  }

  // ---- reads (callers hold the catalog's read side) ----

  public CatalogLimits limits() {
    return limits;
  }

  public Optional<DatabaseInfo> database(String name) {
    Long id = dbByName.get(name);
    return id == null ? Optional.empty() : Optional.of(dbById.get(id));
  }

  public Optional<DatabaseInfo> database(long id) {
    return Optional.ofNullable(dbById.get(id));
  }

  public NavigableMap<String, Long> databaseNames() {
    return Collections.unmodifiableNavigableMap(dbByName);
  }

  public int databaseCount() {
    return dbById.size();
  }

  public int collectionCount() {
    return collById.size();
  }

  public int collectionCount(long dbId) {
    return collNamesByDb.get(dbId).size();
  }

  public Optional<CollectionInfo> collection(long id) {
    return Optional.ofNullable(collById.get(id));
  }

  /** The collection named {@code name} in the database (not through an alias). */
  public Optional<CollectionInfo> collectionByName(long dbId, String name) {
    Long id = collNamesByDb.get(dbId).get(name);
    return id == null ? Optional.empty() : Optional.of(collById.get(id));
  }

  /** The collection called {@code nameOrAlias} in the database, by name first, then by alias. */
  public Optional<CollectionInfo> resolve(long dbId, String nameOrAlias) {
    Optional<CollectionInfo> byName = collectionByName(dbId, nameOrAlias);
    if (byName.isPresent()) {
      return byName;
    }
    AliasInfo a = aliasesByDb.get(dbId).get(nameOrAlias);
    return a == null ? Optional.empty() : collection(a.getCollectionId());
  }

  public NavigableMap<String, Long> collectionNames(long dbId) {
    return Collections.unmodifiableNavigableMap(collNamesByDb.get(dbId));
  }

  public Optional<AliasInfo> alias(long dbId, String name) {
    return Optional.ofNullable(aliasesByDb.get(dbId).get(name));
  }

  public NavigableMap<String, AliasInfo> aliases(long dbId) {
    return Collections.unmodifiableNavigableMap(aliasesByDb.get(dbId));
  }

  public NavigableSet<String> aliasesOf(long collectionId) {
    TreeSet<String> s = aliasesByColl.get(collectionId);
    return s == null ? Collections.emptyNavigableSet() : Collections.unmodifiableNavigableSet(s);
  }

  /** Every collection by id (for dumps and tests). */
  public NavigableMap<Long, CollectionInfo> collections() {
    return Collections.unmodifiableNavigableMap(collById);
  }

  static byte[] dbKey(long id) {
    return Bytes.concat(new byte[] {'d'}, Bytes.ofLong(id));
  }

  static byte[] collKey(long id) {
    return Bytes.concat(new byte[] {'c'}, Bytes.ofLong(id));
  }

  static byte[] aliasKey(long dbId, String alias) {
    byte[] name = Bytes.utf8(alias);
    return ByteBuffer.allocate(1 + Long.BYTES + name.length).put((byte) 'a').putLong(dbId).put(name).array();
  }

  private interface Parser<T> {
    T parse(byte[] b) throws InvalidProtocolBufferException;
  }

  private static <T> T parse(byte[] v, Parser<T> p, String what) {
    try {
      return p.parse(v);
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException("corrupt catalog " + what, e);
    }
  }
}
