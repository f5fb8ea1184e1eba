package io.raftcoord.tools.cli;

import io.raftcoord.client.internal.Futures;
import io.raftcoord.proto.DatabaseInfo;
import io.raftcoord.proto.KeyValue;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coordctl db ...}: databases. */
@Command(name = "db", mixinStandardHelpOptions = true,
    description = "Databases: create, drop, list, describe, alter (properties).",
    subcommands = {DbCommand.Create.class, DbCommand.Drop.class, DbCommand.ListDbs.class, DbCommand.Describe.class,
        DbCommand.Alter.class})
final class DbCommand extends CatalogCommand.Group {

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a database.")
  static final class Create extends CatalogCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "Letters, digits and underscores; not a digit first.")
    String name;

    @Option(names = "--property", paramLabel = "KEY=VALUE", converter = KeyValueConverter.class,
        description = "A property (repeatable).")
    List<KeyValue> properties = new ArrayList<>();

    @Override
    public Integer call() {
      DatabaseInfo d = withCatalog(c -> Futures.join(c.createDatabaseAsync(name, toMap(properties))));
      print(() -> CatalogOutput.databaseCreated(d), () -> CatalogOutput.databaseJson(d));
      return 0;
    }
  }

  @Command(name = "drop", mixinStandardHelpOptions = true,
      description = "Drop a database; it must hold no collections. The default database cannot be dropped.")
  static final class Drop extends CatalogCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      DatabaseInfo d = withCatalog(c -> c.dropDatabase(name));
      print(() -> CatalogOutput.databaseDropped(d), () -> CatalogOutput.databaseJson(d));
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the databases.")
  static final class ListDbs extends CatalogCommand {
    @Override
    public Integer call() {
      List<DatabaseInfo> all = withCatalog(c -> c.listDatabases());
      print(() -> CatalogOutput.databasesText(all), () -> CatalogOutput.databasesJson(all));
      return 0;
    }
  }

  @Command(name = "describe", mixinStandardHelpOptions = true, description = "Show a database: id, created, properties.")
  static final class Describe extends CatalogCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      DatabaseInfo d = withCatalog(c -> c.describeDatabase(name));
      print(() -> CatalogOutput.databaseText(d), () -> CatalogOutput.databaseJson(d));
      return 0;
    }
  }

  @Command(name = "alter", mixinStandardHelpOptions = true,
      description = "Set and delete properties of a database (deletes apply first).")
  static final class Alter extends CatalogCommand {
    @Parameters(index = "0", paramLabel = "NAME")
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
      DatabaseInfo d = withCatalog(c -> c.alterDatabase(name, toMap(set), delete));
      print(() -> CatalogOutput.databaseAltered(d), () -> CatalogOutput.databaseJson(d));
      return 0;
    }
  }
}
