package io.raftcoord.statemachine.changes;

import io.raftcoord.proto.CatalogChange;
import io.raftcoord.proto.ChangeEvent;
import io.raftcoord.proto.ChangeKind;
import io.raftcoord.proto.WatchQuery;
import java.util.EnumSet;
import java.util.Set;

/**
 * Which events a watcher wants (an empty filter wants everything): by domain and the domain's
 * kind name, and for catalog events by database name, collection name and kind. Any catalog
 * filter (db, collection, kinds) excludes other domains' events. A collection filter matches
 * the collection's name before and after a rename and the changes of its partitions and aliases.
 */
public record WatchFilter(Set<String> domains, Set<String> kindNames, String db, String collection, Set<ChangeKind> kinds) {
  public static final String CATALOG = "catalog";

  public static WatchFilter of(WatchQuery q) {
    Set<ChangeKind> kinds = q.getKindsCount() == 0 ? Set.of() : EnumSet.copyOf(q.getKindsList());
    return new WatchFilter(Set.copyOf(q.getDomainsList()), Set.copyOf(q.getKindNamesList()), q.getDb(),
        q.getCollection(), kinds);
  }

  /** The domain of a stored event: catalog events written before other domains had events carry none. */
  public static String domainOf(ChangeEvent e) {
    return e.getDomain().isEmpty() && e.hasChange() ? CATALOG : e.getDomain();
  }

  public static String kindOf(ChangeEvent e) {
    return e.hasChange() ? e.getChange().getKind().name() : e.getKind();
  }

  public boolean matches(ChangeEvent e) {
    String domain = domainOf(e);
    if (!domains.isEmpty() && !domains.contains(domain)) {
      return false;
    }
    if (!kindNames.isEmpty() && !kindNames.contains(kindOf(e))) {
      return false;
    }
    boolean catalogFilter = !db.isEmpty() || !collection.isEmpty() || !kinds.isEmpty();
    if (!domain.equals(CATALOG)) {
      return !catalogFilter;
    }
    return matches(e.getChange());
  }

  private boolean matches(CatalogChange c) {
    if (!kinds.isEmpty() && !kinds.contains(c.getKind())) {
      return false;
    }
    if (!db.isEmpty() && !db.equals(c.getDatabase().getName()) && !db.equals(c.getCollection().getDbName())
        && !db.equals(c.getAlias().getDbName()) && !db.equals(c.getPreviousDbName())) {
      return false;
    }
    if (!collection.isEmpty()) {
      return collection.equals(c.getCollection().getName()) || collection.equals(c.getPreviousName())
          || collection.equals(c.getAlias().getCollectionName()) || collection.equals(c.getAlias().getName());
    }
    return true;
  }
}
