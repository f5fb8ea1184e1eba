package io.raftcoord.statemachine.changes;

import io.raftcoord.proto.CatalogChange;
import io.raftcoord.proto.ChangeKind;
import io.raftcoord.proto.WatchQuery;
import java.util.EnumSet;
import java.util.Set;

/**
 * Which changes a watcher wants: by database name, collection name and kind (an empty filter
 * wants everything). A collection filter matches the collection's name before and after a
 * rename and the changes of its partitions and aliases.
 */
public record WatchFilter(String db, String collection, Set<ChangeKind> kinds) {
  public static WatchFilter of(WatchQuery q) {
    Set<ChangeKind> kinds = q.getKindsCount() == 0 ? Set.of() : EnumSet.copyOf(q.getKindsList());
    return new WatchFilter(q.getDb(), q.getCollection(), kinds);
  }

  public boolean matches(CatalogChange c) {
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
