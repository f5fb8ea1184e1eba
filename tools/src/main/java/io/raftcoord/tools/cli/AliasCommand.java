package io.raftcoord.tools.cli;

import io.raftcoord.proto.AliasInfo;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code coordctl alias ...}: collection aliases (one namespace with collection names per database). */
@Command(name = "alias", mixinStandardHelpOptions = true,
    description = "Aliases of collections: create, alter (repoint), drop, list.",
    subcommands = {AliasCommand.Create.class, AliasCommand.Alter.class, AliasCommand.Drop.class,
        AliasCommand.ListAliases.class})
final class AliasCommand extends CatalogCommand.Group {

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create an alias of a collection.")
  static final class Create extends CatalogCommand {
    @Mixin
    DbOption db;

    @Parameters(index = "0", paramLabel = "ALIAS")
    String alias;

    @Parameters(index = "1", paramLabel = "COLLECTION", description = "The collection's own name.")
    String collection;

    @Override
    public Integer call() {
      AliasInfo a = withCatalog(c -> c.createAlias(db.db, alias, collection));
      print(() -> CatalogOutput.aliasChanged("created", a), () -> CatalogOutput.aliasJson(a));
      return 0;
    }
  }

  @Command(name = "alter", mixinStandardHelpOptions = true, description = "Point an existing alias at another collection.")
  static final class Alter extends CatalogCommand {
    @Mixin
    DbOption db;

    @Parameters(index = "0", paramLabel = "ALIAS")
    String alias;

    @Parameters(index = "1", paramLabel = "COLLECTION", description = "The collection's own name.")
    String collection;

    @Override
    public Integer call() {
      AliasInfo a = withCatalog(c -> c.alterAlias(db.db, alias, collection));
      print(() -> CatalogOutput.aliasChanged("altered", a), () -> CatalogOutput.aliasJson(a));
      return 0;
    }
  }

  @Command(name = "drop", mixinStandardHelpOptions = true, description = "Drop an alias (the collection stays).")
  static final class Drop extends CatalogCommand {
    @Mixin
    DbOption db;

    @Parameters(index = "0", paramLabel = "ALIAS")
    String alias;

    @Override
    public Integer call() {
      AliasInfo a = withCatalog(c -> c.dropAlias(db.db, alias));
      print(() -> CatalogOutput.aliasChanged("dropped", a), () -> CatalogOutput.aliasJson(a));
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "List the aliases of a database, or only those of COLLECTION.")
  static final class ListAliases extends CatalogCommand {
    @Mixin
    DbOption db;

    @Parameters(index = "0", arity = "0..1", paramLabel = "COLLECTION", defaultValue = "",
        description = "Only this collection's aliases (name or alias).")
    String collection;

    @Override
    public Integer call() {
      List<AliasInfo> all = withCatalog(c -> c.listAliases(db.db, collection));
      print(() -> CatalogOutput.aliasesText(dbName(db.db), collection, all), () -> CatalogOutput.aliasesJson(all));
      return 0;
    }
  }
}
