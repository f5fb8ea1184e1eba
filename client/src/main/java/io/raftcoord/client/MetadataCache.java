package io.raftcoord.client;

import io.raftcoord.client.internal.Futures;
import io.raftcoord.proto.AliasInfo;
import io.raftcoord.proto.CatalogChange;
import io.raftcoord.proto.ChangeEvent;
import io.raftcoord.proto.CollectionDescription;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.CollectionRef;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.WatchQuery;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Collection descriptions by name or alias, kept fresh by a watch of the change feed (like
 * Milvus's proxy meta cache): a hit costs no round trip, a change reaches the cache within one
 * watch round. Invariants: an entry only ever moves to a newer revision; a describe answered at
 * revision R is cached only if the watch has not yet applied anything past R (otherwise it may
 * miss a later drop or rename); while the watch is failing for longer than
 * {@link #STALE_AFTER_MS} or after COMPACTED, lookups bypass the cache until it is rebuilt.
 */
public final class MetadataCache implements AutoCloseable {
  static final long STALE_AFTER_MS = 3_000;

  private record Entry(CollectionDescription description, long revision) {}

  private final CatalogClient catalog;
  private final CoordClient client;
  private final Map<Long, Entry> byId = new ConcurrentHashMap<>();
  /** {@code db \0 name-or-alias} → collection id. */
  private final Map<String, Long> names = new ConcurrentHashMap<>();
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private volatile CatalogWatch watch;
  /** Every change below this revision has been applied to the cache. */
  private volatile long appliedRevision;
  private volatile long lastGoodPollNanos = System.nanoTime();
  private volatile boolean usable;

  MetadataCache(CoordClient client, CatalogClient catalog) {
    this.client = client;
    this.catalog = catalog;
    restart();
  }

  /** The collection {@code nameOrAlias} in {@code db} ("" = default), from memory when cached. */
  public CollectionDescription describe(String db, String nameOrAlias) {
    CollectionDescription hit = lookup(db, nameOrAlias);
    return hit != null ? hit : Futures.join(fetch(db, nameOrAlias));
  }

  public CompletableFuture<CollectionDescription> describeAsync(String db, String nameOrAlias) {
    CollectionDescription hit = lookup(db, nameOrAlias);
    return hit != null ? CompletableFuture.completedFuture(hit) : fetch(db, nameOrAlias);
  }

  /** The cached description, or null (no round trip either way). */
  public CollectionDescription lookup(String db, String nameOrAlias) {
    if (!fresh()) {
      return null;
    }
    Long id = names.get(key(db, nameOrAlias));
    Entry e = id == null ? null : byId.get(id);
    if (e == null) {
      return null;
    }
    hits.increment();
    return e.description();
  }

  private CompletableFuture<CollectionDescription> fetch(String db, String nameOrAlias) {
    misses.increment();
    return catalog.describeAt(CollectionRef.newBuilder().setDb(db).setName(nameOrAlias).build()).thenApply(r -> {
      fill(r);
      return r.getCollection();
    });
  }

  /**
   * Caches a description read at revision R only while the watch has applied nothing past R:
   * every later change to it is then still to come through the watch.
   */
  private synchronized void fill(QueryReply r) {
    if (usable && appliedRevision <= r.getRevision() + 1) {
      put(r.getCollection(), r.getRevision());
    }
  }

  private void put(CollectionDescription d, long revision) {
    CollectionInfo c = d.getCollection();
    Entry old = byId.get(c.getId());
    if (old != null && old.revision() > revision) {
      return;
    }
    if (old != null) {
      CollectionInfo o = old.description().getCollection();
      names.remove(key(o.getDbName(), o.getName()), c.getId());
    }
    byId.put(c.getId(), new Entry(d, revision));
    names.put(key(c.getDbName(), c.getName()), c.getId());
    for (String a : d.getAliasesList()) {
      names.put(key(c.getDbName(), a), c.getId());
    }
  }

  private synchronized void apply(List<ChangeEvent> events, long nextRevision) {
    lastGoodPollNanos = System.nanoTime();
    for (ChangeEvent e : events) {
      CatalogChange c = e.getChange();
      switch (c.getKind()) {
        case COLLECTION_CREATED -> put(CollectionDescription.newBuilder().setCollection(c.getCollection()).build(),
            e.getRevision());
        case COLLECTION_ALTERED, COLLECTION_RENAMED, PARTITION_CREATED, PARTITION_DROPPED -> {
          Entry old = byId.get(c.getCollection().getId());
          CollectionDescription.Builder d = CollectionDescription.newBuilder().setCollection(c.getCollection());
          if (old != null) {
            d.addAllAliases(old.description().getAliasesList());
          }
          put(d.build(), e.getRevision());
        }
        case COLLECTION_DROPPED -> {
          // A collection with aliases cannot be dropped, so its own name is its only key.
          CollectionInfo gone = c.getCollection();
          byId.remove(gone.getId());
          names.remove(key(gone.getDbName(), gone.getName()), gone.getId());
        }
        case ALIAS_CREATED, ALIAS_ALTERED, ALIAS_DROPPED -> applyAlias(c.getAlias(), c.getKind().name(), e.getRevision());
        default -> { }
      }
    }
    appliedRevision = Math.max(appliedRevision, nextRevision);
  }

  private void applyAlias(AliasInfo a, String kind, long revision) {
    String k = key(a.getDbName(), a.getName());
    Long previous = names.remove(k);
    if (previous != null) {
      editAliases(previous, a.getName(), false, revision);
    }
    if (!kind.equals("ALIAS_DROPPED")) {
      // The entry first, then the name: lookups are not synchronized, and one that resolves the
      // alias must find the entry already listing it.
      editAliases(a.getCollectionId(), a.getName(), true, revision);
      names.put(k, a.getCollectionId());
    }
  }

  private void editAliases(long collectionId, String alias, boolean add, long revision) {
    Entry e = byId.get(collectionId);
    if (e == null) {
      return;
    }
    java.util.TreeSet<String> s = new java.util.TreeSet<>(e.description().getAliasesList());
    if (add) {
      s.add(alias);
    } else {
      s.remove(alias);
    }
    byId.put(collectionId, new Entry(e.description().toBuilder().clearAliases().addAllAliases(s).build(),
        Math.max(e.revision(), revision)));
  }

  private boolean fresh() {
    return usable && System.nanoTime() - lastGoodPollNanos < TimeUnit.MILLISECONDS.toNanos(STALE_AFTER_MS);
  }

  /** Drops everything and watches again from now (after COMPACTED). */
  private synchronized void restart() {
    usable = false;
    byId.clear();
    names.clear();
    appliedRevision = 0;
    CatalogWatch old = watch;
    if (old != null) {
      old.close();
    }
    watch = client.watch(WatchQuery.newBuilder().addDomains("catalog").build(), new CatalogWatch.Listener() {
      @Override
      public void onEvents(List<ChangeEvent> events, long nextRevision) {
        apply(events, nextRevision);
        usable = true;
      }

      @Override
      public void onCompacted(CoordException e) {
        restart();
      }
    });
  }

  public long hits() {
    return hits.sum();
  }

  public long misses() {
    return misses.sum();
  }

  /** Every change below this revision is reflected in the cache. */
  public long revision() {
    return appliedRevision;
  }

  private static String key(String db, String name) {
    return (db.isEmpty() ? "default" : db) + "\0" + name;
  }

  @Override
  public void close() {
    CatalogWatch w = watch;
    if (w != null) {
      w.close();
    }
  }
}
