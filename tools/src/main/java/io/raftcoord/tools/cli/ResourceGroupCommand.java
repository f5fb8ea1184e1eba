package io.raftcoord.tools.cli;

import com.google.gson.JsonObject;
import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.datacoord.CollectionSelector;
import io.raftcoord.proto.querycoord.ReplicaList;
import io.raftcoord.proto.querycoord.ResourceGroup;
import io.raftcoord.proto.querycoord.ResourceGroupList;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coordctl rg ...}: QueryCoord's resource groups (Milvus's rules). */
@Command(name = "rg", mixinStandardHelpOptions = true,
    description = {"QueryCoord's resource groups: create, drop, update, transfer-node, transfer-replica, list, describe.",
        "Query nodes start in the default group (__default_resource_group); a group takes free nodes from it up to "
            + "its requests and holds at most its limits."},
    subcommands = {ResourceGroupCommand.Create.class, ResourceGroupCommand.Drop.class, ResourceGroupCommand.Update.class,
        ResourceGroupCommand.TransferNodeCommand.class, ResourceGroupCommand.TransferReplicaCommand.class,
        ResourceGroupCommand.ListGroups.class, ResourceGroupCommand.Describe.class})
final class ResourceGroupCommand extends CatalogCommand.Group {

  /** {@code requests} and {@code limits} checked before connecting: both >= 0, requests <= limits. */
  static void counts(CatalogCommand cmd, int requests, int limits) {
    if (requests < 0 || limits < 0) {
      throw cmd.usage("--requests and --limits must not be negative, got " + requests + " and " + limits);
    }
    if (requests > limits) {
      throw cmd.usage("--requests (" + requests + ") must not exceed --limits (" + limits + ")");
    }
  }

  static JsonObject done(String action, String name) {
    JsonObject o = new JsonObject();
    o.addProperty("action", action);
    o.addProperty("name", name);
    return o;
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create a resource group that wants --requests nodes and holds at most --limits (both default 0: "
          + "nodes come with transfer-node).")
  static final class Create extends CatalogCommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "Letters, digits and _, not starting with a digit.")
    String name;

    @Option(names = "--requests", paramLabel = "N", description = "Nodes the group wants (default 0; --limits "
        + "alone sets both).")
    Integer requests;

    @Option(names = "--limits", paramLabel = "N", description = "Nodes the group holds at most (default: --requests).")
    Integer limits;

    @Override
    public Integer call() {
      int req = requests == null ? (limits == null ? 0 : limits) : requests;
      int lim = limits == null ? req : limits;
      counts(this, req, lim);
      try (CoordClient client = root().connect()) {
        client.queryCoord().createResourceGroup(name, req, lim);
      }
      print(() -> "created resource group " + name + " requests=" + req + " limits=" + lim, () -> {
        JsonObject o = done("created", name);
        o.addProperty("requests", req);
        o.addProperty("limits", lim);
        return o;
      });
      return 0;
    }
  }

  @Command(name = "drop", mixinStandardHelpOptions = true,
      description = "Drop a resource group: it must hold no replica and have requests and limits 0 (update it first); "
          + "the default group cannot be dropped.")
  static final class Drop extends CatalogCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      try (CoordClient client = root().connect()) {
        client.queryCoord().dropResourceGroup(name);
      }
      print(() -> "dropped resource group " + name, () -> done("dropped", name));
      return 0;
    }
  }

  @Command(name = "update", mixinStandardHelpOptions = true,
      description = "Change a resource group's requests and limits; nodes move to or from the default group to follow.")
  static final class Update extends CatalogCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Option(names = "--requests", paramLabel = "N", required = true, description = "Nodes the group wants.")
    int requests;

    @Option(names = "--limits", paramLabel = "N", required = true, description = "Nodes the group holds at most.")
    int limits;

    @Override
    public Integer call() {
      counts(this, requests, limits);
      try (CoordClient client = root().connect()) {
        client.queryCoord().updateResourceGroup(name, requests, limits);
      }
      print(() -> "updated resource group " + name + " requests=" + requests + " limits=" + limits, () -> {
        JsonObject o = done("updated", name);
        o.addProperty("requests", requests);
        o.addProperty("limits", limits);
        return o;
      });
      return 0;
    }
  }

  @Command(name = "transfer-node", mixinStandardHelpOptions = true,
      description = "Move --num query nodes from SOURCE to TARGET (Milvus's TransferNode: the groups' requests and "
          + "limits follow; the nodes move within a checker round).")
  static final class TransferNodeCommand extends CatalogCommand {
    @Parameters(index = "0", paramLabel = "SOURCE")
    String source;

    @Parameters(index = "1", paramLabel = "TARGET")
    String target;

    @Option(names = "--num", paramLabel = "N", required = true, description = "Nodes to move.")
    int num;

    @Override
    public Integer call() {
      positive("--num", num);
      try (CoordClient client = root().connect()) {
        client.queryCoord().transferNode(source, target, num);
      }
      print(() -> "transferred " + num + " node(s) from " + source + " to " + target, () -> {
        JsonObject o = new JsonObject();
        o.addProperty("source", source);
        o.addProperty("target", target);
        o.addProperty("num", num);
        return o;
      });
      return 0;
    }
  }

  @Command(name = "transfer-replica", mixinStandardHelpOptions = true,
      description = "Move --num of COLLECTION's replicas from SOURCE to TARGET (Milvus's TransferReplica: TARGET needs "
          + "enough nodes).")
  static final class TransferReplicaCommand extends CatalogCommand {
    @Parameters(index = "0", paramLabel = "SOURCE")
    String source;

    @Parameters(index = "1", paramLabel = "TARGET")
    String target;

    @Parameters(index = "2", paramLabel = "COLLECTION", description = "NAME (or alias) in --db, DB.NAME, or the numeric id.")
    String collection;

    @Option(names = "--db", paramLabel = "DB", description = "Database of COLLECTION (default: default).")
    String db;

    @Option(names = "--num", paramLabel = "N", required = true, description = "Replicas to move.")
    int num;

    @Override
    public Integer call() {
      CollectionSelector sel = QueryCoordCommands.selector(this, collection, db);
      positive("--num", num);
      QueryCoordCommands.Named n;
      try (CoordClient client = root().connect()) {
        n = QueryCoordCommands.resolve(client, sel);
        client.queryCoord().transferReplica(source, target, n.db(), n.name(), num);
      }
      print(() -> "transferred " + num + " replica(s) of " + n.display() + " from " + source + " to " + target, () -> {
        JsonObject o = new JsonObject();
        o.addProperty("source", source);
        o.addProperty("target", target);
        o.addProperty("db", CatalogCommand.dbName(n.db()));
        o.addProperty("collection", n.name());
        o.addProperty("num", num);
        return o;
      });
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "Every resource group: requests, limits, its live query nodes and how many replicas it holds.")
  static final class ListGroups extends CatalogCommand {
    @Override
    public Integer call() {
      ResourceGroupList l;
      try (CoordClient client = root().connect()) {
        l = client.queryCoord().resourceGroups();
      }
      print(() -> QueryCoordOutput.groupsText(l), () -> QueryCoordOutput.groupsJson(l));
      return 0;
    }
  }

  @Command(name = "describe", mixinStandardHelpOptions = true,
      description = "One resource group: requests, limits, nodes, creation time and the replicas in it.")
  static final class Describe extends CatalogCommand {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      ResourceGroupList l;
      try (CoordClient client = root().connect()) {
        l = client.queryCoord().resourceGroups();
      }
      for (int i = 0; i < l.getGroupsCount(); i++) {
        ResourceGroup g = l.getGroups(i);
        if (g.getName().equals(name)) {
          ReplicaList r = i < l.getReplicasCount() ? l.getReplicas(i) : ReplicaList.getDefaultInstance();
          print(() -> QueryCoordOutput.groupText(g, r), () -> QueryCoordOutput.groupJson(g, r));
          return 0;
        }
      }
      throw new CoordException(ErrorCode.NOT_FOUND, "resource group " + name + " does not exist");
    }
  }
}
