package io.raftcoord.tools.cli;

import io.raftcoord.proto.PartitionInfo;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code coordctl partition ...}: partitions of a collection without a partition key. */
@Command(name = "partition", mixinStandardHelpOptions = true,
    description = "Partitions: create, drop, list (collections with a partition key manage theirs automatically).",
    subcommands = {PartitionCommand.Create.class, PartitionCommand.Drop.class, PartitionCommand.ListPartitions.class})
final class PartitionCommand extends CatalogCommand.Group {

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a partition in a collection.")
  static final class Create extends CatalogCommand {
    @Mixin
    DbOption db;

    @Parameters(index = "0", paramLabel = "COLLECTION", description = "The collection's name or alias.")
    String collection;

    @Parameters(index = "1", paramLabel = "PARTITION")
    String partition;

    @Override
    public Integer call() {
      PartitionInfo p = withCatalog(c -> c.createPartition(db.db, collection, partition));
      print(() -> CatalogOutput.partitionCreated(dbName(db.db), collection, p), () -> CatalogOutput.partitionJson(p));
      return 0;
    }
  }

  @Command(name = "drop", mixinStandardHelpOptions = true,
      description = "Drop a partition of a collection (not _default).")
  static final class Drop extends CatalogCommand {
    @Mixin
    DbOption db;

    @Parameters(index = "0", paramLabel = "COLLECTION", description = "The collection's name or alias.")
    String collection;

    @Parameters(index = "1", paramLabel = "PARTITION")
    String partition;

    @Override
    public Integer call() {
      PartitionInfo p = withCatalog(c -> c.dropPartition(db.db, collection, partition));
      print(() -> CatalogOutput.partitionDropped(dbName(db.db), collection, p), () -> CatalogOutput.partitionJson(p));
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List a collection's partitions in creation order.")
  static final class ListPartitions extends CatalogCommand {
    @Mixin
    DbOption db;

    @Parameters(index = "0", paramLabel = "COLLECTION", description = "The collection's name or alias.")
    String collection;

    @Override
    public Integer call() {
      List<PartitionInfo> all = withCatalog(c -> c.listPartitions(db.db, collection));
      print(() -> CatalogOutput.partitionsText(all), () -> CatalogOutput.partitionsJson(all));
      return 0;
    }
  }
}
