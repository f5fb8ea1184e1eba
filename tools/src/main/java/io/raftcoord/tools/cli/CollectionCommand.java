package io.raftcoord.tools.cli;

import io.raftcoord.client.CatalogClient;

import io.raftcoord.proto.CollectionBrief;
import io.raftcoord.proto.CollectionDescription;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.ConsistencyLevel;
import io.raftcoord.proto.CreateCollectionRequest;
import io.raftcoord.proto.KeyValue;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coordctl collection ...}: collections. */
@Command(name = "collection", mixinStandardHelpOptions = true,
    description = "Collections: create (from a Milvus RESTful v2 schema JSON file), describe, list, drop, rename, alter.",
    subcommands = {CollectionCommand.Create.class, CollectionCommand.Describe.class, CollectionCommand.ListCollections.class,
        CollectionCommand.Drop.class, CollectionCommand.Rename.class, CollectionCommand.Alter.class})
final class CollectionCommand extends CatalogCommand.Group {

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = {"Create a collection from a schema JSON file.",
          "The file holds the \"schema\" object of a Milvus RESTful v2 create-collection request (or the whole "
              + "request body); see scripts/examples/books-schema.json."})
  static final class Create extends CatalogCommand {
    @Mixin
    DbOption db;

    @Option(names = "--name", paramLabel = "NAME", required = true, description = "The collection's name.")
    String name;

    @Option(names = "--schema", paramLabel = "FILE.json", required = true, description = "The schema (JSON).")
    Path schema;

    @Option(names = "--shards", paramLabel = "N", description = "Shards, i.e. virtual channels (default 1).")
    Integer shards;

    @Option(names = "--consistency", paramLabel = "LEVEL", converter = ConsistencyConverter.class,
        description = "Strong, Session, Bounded or Eventually (default Bounded).")
    ConsistencyLevel consistency;

    @Option(names = "--partitions", paramLabel = "N",
        description = "Partitions made for the partition key (default 16); only with a partition key field.")
    Integer partitions;

    @Option(names = "--property", paramLabel = "KEY=VALUE", converter = KeyValueConverter.class,
        description = "A property (repeatable).")
    List<KeyValue> properties = new ArrayList<>();

    @Override
    public Integer call() {
      // 0 means "the default" on the wire: refuse it here rather than silently meaning 1 or 16.
      CreateCollectionRequest.Builder req = CreateCollectionRequest.newBuilder().setDb(db.db).setName(name);
      if (shards != null) {
        req.setShardsNum(positive("--shards", shards));
      }
      if (partitions != null) {
        req.setNumPartitions(positive("--partitions", partitions));
      }
      if (consistency != null) {
        req.setConsistencyLevel(consistency);
      }
      toMap(properties).forEach((k, v) -> req.addProperties(KeyValue.newBuilder().setKey(k).setValue(v)));
      CollectionSchema s = readSchema(schema);
      CollectionInfo c = withCatalog(cat -> cat.createCollection(req.setSchema(s).build()));
      print(() -> CatalogOutput.collectionCreated(c), () -> CatalogOutput.collectionJson(c));
      return 0;
    }
  }

  @Command(name = "describe", mixinStandardHelpOptions = true,
      description = {"Show a collection by name or alias, or by id: fields, partitions, aliases, channels.",
          "With --json: the Milvus RESTful describe shape; its \"schema\" works as a --schema file."})
  static final class Describe extends CatalogCommand {
    @Mixin
    DbOption db;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME_OR_ALIAS")
    String name;

    @Option(names = "--id", paramLabel = "ID", description = "Describe the collection with this id instead.")
    Long id;

    @Option(names = "--replica", paramLabel = "n1|n2|n3",
        description = "Serve the read from this replica (a follower confirms with the leader first: ReadIndex).")
    String replica;

    @Override
    public Integer call() {
      if (replica != null && !replica.matches("n[1-9][0-9]*")) {
        throw usage("--replica must be a replica id like n1, got '" + replica + "'");
      }
      if ((name == null) == (id == null)) {
        throw usage(name == null ? "give the collection's NAME_OR_ALIAS or --id ID"
            : "give either NAME_OR_ALIAS or --id, not both");
      }
      if (id != null && !db.db.isEmpty()) {
        throw usage("--db cannot be used with --id (an id names one collection in any database)");
      }
      if (id != null && id <= 0) {
        throw usage("--id must be positive, got " + id);
      }
      CollectionDescription d = withCatalog(all -> {
        CatalogClient c = replica == null ? all : all.at(replica);
        return id != null ? c.describeCollection(id) : c.describeCollection(db.db, name);
      });
      print(() -> CatalogOutput.collectionText(d), () -> CatalogOutput.collectionJson(d));
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the collections of a database.")
  static final class ListCollections extends CatalogCommand {
    @Mixin
    DbOption db;

    @Override
    public Integer call() {
      List<CollectionBrief> all = withCatalog(c -> c.listCollections(db.db));
      print(() -> CatalogOutput.collectionsText(dbName(db.db), all), () -> CatalogOutput.collectionsJson(all));
      return 0;
    }
  }

  @Command(name = "drop", mixinStandardHelpOptions = true,
      description = "Drop a collection (by its own name; drop its aliases first).")
  static final class Drop extends CatalogCommand {
    @Mixin
    DbOption db;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      CollectionInfo c = withCatalog(cat -> cat.dropCollection(db.db, name));
      print(() -> CatalogOutput.collectionDropped(c), () -> CatalogOutput.collectionJson(c));
      return 0;
    }
  }

  @Command(name = "rename", mixinStandardHelpOptions = true,
      description = "Rename a collection, optionally moving it to another database (--new-db).")
  static final class Rename extends CatalogCommand {
    @Mixin
    DbOption db;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1", paramLabel = "NEW_NAME")
    String newName;

    @Option(names = "--new-db", paramLabel = "DB", defaultValue = "",
        description = "Move it to this database (default: stay in --db).")
    String newDb;

    @Override
    public Integer call() {
      CollectionInfo c = withCatalog(cat -> cat.renameCollection(db.db, name, newDb, newName));
      print(() -> CatalogOutput.collectionRenamed(c, dbName(db.db), name), () -> CatalogOutput.collectionJson(c));
      return 0;
    }
  }

  @Command(name = "alter", mixinStandardHelpOptions = true,
      description = "Set and delete properties of a collection (deletes apply first).")
  static final class Alter extends CatalogCommand {
    @Mixin
    DbOption db;

    @Parameters(index = "0", paramLabel = "NAME_OR_ALIAS")
    String name;

    @Option(names = "--set", paramLabel = "KEY=VALUE", converter = KeyValueConverter.class,
        description = "Set a property (repeatable).")
    List<KeyValue> set = new ArrayList<>();

    @Option(names = "--delete", paramLabel = "KEY", description = "Delete a property (repeatable).")
    List<String> delete = new ArrayList<>();

    @Override
    public Integer call() {
      if (set.isEmpty() && delete.isEmpty()) {
        throw usage("nothing to alter: give --set KEY=VALUE or --delete KEY");
      }
      CollectionInfo c = withCatalog(cat -> cat.alterCollection(db.db, name, toMap(set), delete));
      print(() -> CatalogOutput.collectionAltered(c), () -> CatalogOutput.collectionJson(c));
      return 0;
    }
  }
}
