package io.raftcoord.statemachine.catalog;

import io.raftcoord.proto.AliasInfo;
import io.raftcoord.proto.AliasList;
import io.raftcoord.proto.CollectionBrief;
import io.raftcoord.proto.CollectionDescription;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.CollectionList;
import io.raftcoord.proto.CollectionRef;
import io.raftcoord.proto.DatabaseInfo;
import io.raftcoord.proto.DatabaseList;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.PartitionInfo;
import io.raftcoord.proto.PartitionList;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryReply;
import java.util.Map;
import java.util.Optional;

/**
 * Answers catalog reads from the committed {@link Catalog}. Pure: the caller holds the read
 * side of the catalog lock and stamps the revision. Aliases resolve wherever a collection name
 * is accepted.
 */
public final class CatalogReads {
  private final Catalog catalog;

  public CatalogReads(Catalog catalog) {
    this.catalog = catalog;
  }

  /** The answer to a catalog query, or empty when {@code q} is not a catalog query. */
  public Optional<QueryReply.Builder> answer(Query q) {
    return Optional.ofNullable(switch (q.getBodyCase()) {
      case LIST_DATABASES -> listDatabases();
      case DESCRIBE_DATABASE -> describeDatabase(q.getDescribeDatabase().getName());
      case LIST_COLLECTIONS -> listCollections(q.getListCollections().getDb());
      case DESCRIBE_COLLECTION -> describeCollection(q.getDescribeCollection().getCollection());
      case LIST_PARTITIONS -> listPartitions(q.getListPartitions().getCollection());
      case DESCRIBE_PARTITION -> describePartition(q.getDescribePartition().getCollection(),
          q.getDescribePartition().getName());
      case LIST_ALIASES -> listAliases(q.getListAliases().getDb(), q.getListAliases().getCollection());
      case DESCRIBE_ALIAS -> describeAlias(q.getDescribeAlias().getDb(), q.getDescribeAlias().getAlias());
      case GET_CATALOG_LIMITS -> QueryReply.newBuilder().setLimits(catalog.limits());
      default -> null;
    });
  }

  private QueryReply.Builder listDatabases() {
    DatabaseList.Builder out = DatabaseList.newBuilder();
    for (Long id : catalog.databaseNames().values()) {
      out.addDatabases(catalog.database(id).orElseThrow());
    }
    return QueryReply.newBuilder().setDatabases(out);
  }

  private QueryReply.Builder describeDatabase(String name) {
    String db = CatalogNames.dbOrDefault(name);
    return catalog.database(db).map(d -> QueryReply.newBuilder().setDatabase(d))
        .orElseGet(() -> notFound("database \"" + db + "\" not found"));
  }

  private QueryReply.Builder listCollections(String dbRaw) {
    String db = CatalogNames.dbOrDefault(dbRaw);
    Optional<DatabaseInfo> d = catalog.database(db);
    if (d.isEmpty()) {
      return notFound("database \"" + db + "\" not found");
    }
    CollectionList.Builder out = CollectionList.newBuilder();
    for (Map.Entry<String, Long> e : catalog.collectionNames(d.get().getId()).entrySet()) {
      CollectionInfo c = catalog.collection(e.getValue()).orElseThrow();
      out.addCollections(CollectionBrief.newBuilder().setId(c.getId()).setName(c.getName())
          .setCreatedTimestamp(c.getCreatedTimestamp()));
    }
    return QueryReply.newBuilder().setCollections(out);
  }

  private QueryReply.Builder describeCollection(CollectionRef ref) {
    Lookup l = find(ref);
    if (l.error != null) {
      return l.error;
    }
    return QueryReply.newBuilder().setCollection(CollectionDescription.newBuilder().setCollection(l.collection)
        .addAllAliases(catalog.aliasesOf(l.collection.getId())));
  }

  private QueryReply.Builder listPartitions(CollectionRef ref) {
    Lookup l = find(ref);
    if (l.error != null) {
      return l.error;
    }
    return QueryReply.newBuilder().setPartitions(PartitionList.newBuilder().addAllPartitions(l.collection.getPartitionsList()));
  }

  private QueryReply.Builder describePartition(CollectionRef ref, String name) {
    Lookup l = find(ref);
    if (l.error != null) {
      return l.error;
    }
    for (PartitionInfo p : l.collection.getPartitionsList()) {
      if (p.getName().equals(name)) {
        return QueryReply.newBuilder().setPartition(p);
      }
    }
    return notFound("partition \"" + name + "\" not found in collection \"" + l.collection.getName() + "\"");
  }

  private QueryReply.Builder listAliases(String dbRaw, String collection) {
    String db = CatalogNames.dbOrDefault(dbRaw);
    Optional<DatabaseInfo> d = catalog.database(db);
    if (d.isEmpty()) {
      return notFound("database \"" + db + "\" not found");
    }
    long dbId = d.get().getId();
    AliasList.Builder out = AliasList.newBuilder();
    if (collection.isEmpty()) {
      catalog.aliases(dbId).values().forEach(a -> out.addAliases(current(a)));
    } else {
      Optional<CollectionInfo> c = catalog.resolve(dbId, collection);
      if (c.isEmpty()) {
        return notFound("collection \"" + collection + "\" not found in database \"" + db + "\"");
      }
      for (String a : catalog.aliasesOf(c.get().getId())) {
        out.addAliases(current(catalog.alias(dbId, a).orElseThrow()));
      }
    }
    return QueryReply.newBuilder().setAliases(out);
  }

  private QueryReply.Builder describeAlias(String dbRaw, String alias) {
    String db = CatalogNames.dbOrDefault(dbRaw);
    Optional<DatabaseInfo> d = catalog.database(db);
    if (d.isEmpty()) {
      return notFound("database \"" + db + "\" not found");
    }
    return catalog.alias(d.get().getId(), alias).map(a -> QueryReply.newBuilder().setAlias(current(a)))
        .orElseGet(() -> notFound("alias \"" + alias + "\" not found in database \"" + db + "\""));
  }

  /** The alias with its collection's current name (a rename does not rewrite aliases). */
  private AliasInfo current(AliasInfo a) {
    return catalog.collection(a.getCollectionId())
        .map(c -> a.toBuilder().setCollectionName(c.getName()).build()).orElse(a);
  }

  private record Lookup(CollectionInfo collection, QueryReply.Builder error) {}

  private Lookup find(CollectionRef ref) {
    if (ref.getId() != 0) {
      return catalog.collection(ref.getId()).map(c -> new Lookup(c, null))
          .orElseGet(() -> new Lookup(null, notFound("collection with id " + ref.getId() + " not found")));
    }
    String db = CatalogNames.dbOrDefault(ref.getDb());
    Optional<DatabaseInfo> d = catalog.database(db);
    if (d.isEmpty()) {
      return new Lookup(null, notFound("database \"" + db + "\" not found"));
    }
    if (ref.getName().isEmpty()) {
      return new Lookup(null, QueryReply.newBuilder().setCode(ErrorCode.INVALID_ARGUMENT)
          .setMessage("a collection name (or id) is required"));
    }
    return catalog.resolve(d.get().getId(), ref.getName()).map(c -> new Lookup(c, null))
        .orElseGet(() -> new Lookup(null, notFound("collection \"" + ref.getName() + "\" not found in database \"" + db + "\"")));
  }

  private static QueryReply.Builder notFound(String message) {
    return QueryReply.newBuilder().setCode(ErrorCode.NOT_FOUND).setMessage(message);
  }
}
