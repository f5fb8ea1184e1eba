package io.raftcoord.statemachine.datacoord;

import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.DatabaseInfo;
import io.raftcoord.statemachine.catalog.Catalog;
import java.util.Optional;

/** Finds a collection by id, or by database (empty: {@code default}) and name or alias. */
public final class CollectionLookup {
  private CollectionLookup() {}

  public static Optional<CollectionInfo> resolve(Catalog catalog, String db, String name, long id) {
    if (id > 0) {
      return catalog.collection(id);
    }
    Optional<DatabaseInfo> d = catalog.database(db.isEmpty() ? "default" : db);
    return d.flatMap(info -> catalog.resolve(info.getId(), name));
  }
}
