package io.raftcoord.tools.cli;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.datacoord.CollectionSelector;
import io.raftcoord.proto.querycoord.DistributionList;
import io.raftcoord.proto.querycoord.LoadCollection;
import io.raftcoord.proto.querycoord.LoadState;
import io.raftcoord.proto.querycoord.LoadStateReply;
import io.raftcoord.proto.querycoord.QueryCoordReply;
import io.raftcoord.proto.querycoord.ReplicaList;
import io.raftcoord.proto.querycoord.SearchPlan;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * QueryCoord's commands for users: {@code load}, {@code release}, {@code load-state},
 * {@code replicas}, {@code distribution} and {@code search-plan} (resource groups: {@link ResourceGroupCommand}).
 * A collection is {@code NAME} (or alias) in {@code --db}, {@code DB.NAME}, or its numeric id.
 */
final class QueryCoordCommands {
  private QueryCoordCommands() {}

  /** A collection by database and name, as the QueryCoord client names it. */
  record Named(String db, String name) {
    String display() {
      return CatalogCommand.dbName(db) + "." + name;
    }
  }

  /** The selector of a COLLECTION argument; bad input is a usage error of {@code cmd}. */
  static CollectionSelector selector(CatalogCommand cmd, String collection, String db) {
    try {
      return DataCoordArgs.collection(collection, db);
    } catch (CliSupport.UsageException e) {
      throw cmd.usage(e.getMessage());
    }
  }

  /** Database and name of the selected collection (an id is looked up in the catalog). */
  static Named resolve(CoordClient client, CollectionSelector sel) {
    if (sel.getId() != 0) {
      CollectionInfo c = client.catalog().describeCollection(sel.getId()).getCollection();
      return new Named(c.getDbName(), c.getName());
    }
    return new Named(sel.getDb(), sel.getName());
  }

  static List<String> nonBlank(CatalogCommand cmd, String option, List<String> values) {
    for (String v : values) {
      if (v.isBlank()) {
        throw cmd.usage(option + " must not be empty");
      }
    }
    return values.stream().distinct().toList();
  }

  @Command(name = "load", mixinStandardHelpOptions = true,
      description = {"Load a collection (or, with --partition, some of its partitions) into query nodes: N replicas "
          + "in the given resource groups. Prints the collection id and the replica ids.",
          "With --wait: poll the load state until it is LOADED; the progress is printed on stderr meanwhile. Exit "
              + "code 1 when --wait-timeout passes first (the load goes on without us) or the load is cancelled.",
          "Query nodes do the loading: without live query nodes in the groups, the load stays LOADING."})
  static final class Load extends CatalogCommand {
    @Parameters(index = "0", paramLabel = "COLLECTION", description = "NAME (or alias) in --db, DB.NAME, or the numeric id.")
    String collection;

    @Option(names = "--db", paramLabel = "DB", description = "Database of COLLECTION (default: default).")
    String db;

    @Option(names = "--replicas", paramLabel = "N", defaultValue = "1",
        description = "Replicas (default ${DEFAULT-VALUE}); each needs at least one query node of its group.")
    int replicas;

    @Option(names = "--resource-group", paramLabel = "GROUP",
        description = "Resource group(s) the replicas go to (repeatable; default: the default group).")
    List<String> groups = new ArrayList<>();

    @Option(names = "--partition", paramLabel = "NAME", description = "Load only these partitions (repeatable).")
    List<String> partitions = new ArrayList<>();

    @Option(names = "--field", paramLabel = "NAME", description = "Load only these fields (repeatable; default: all).")
    List<String> fields = new ArrayList<>();

    @Option(names = "--wait", description = "Wait until the load state is LOADED.")
    boolean await;

    @Option(names = "--wait-timeout", paramLabel = "DURATION", converter = DataCoordArgs.DurationConverter.class,
        description = "Longest --wait waits: e.g. 90s, 5m; a bare number is seconds (default 120s). The global "
            + "--timeout bounds each request.")
    Long waitTimeoutMs;

    static final long DEFAULT_WAIT_MS = 120_000;

    @Override
    public Integer call() throws InterruptedException {
      CollectionSelector sel = selector(this, collection, db);
      positive("--replicas", replicas);
      List<String> g = nonBlank(this, "--resource-group", groups);
      List<String> p = nonBlank(this, "--partition", partitions);
      List<String> f = nonBlank(this, "--field", fields);
      if (waitTimeoutMs != null && !await) {
        throw usage("--wait-timeout needs --wait");
      }
      long waitMs = waitTimeoutMs == null ? DEFAULT_WAIT_MS : waitTimeoutMs;
      boolean json = root().json;
      PrintWriter out = out();
      PrintWriter err = err();
      try (CoordClient client = root().connect()) {
        Named n = resolve(client, sel);
        QueryCoordReply r = client.queryCoord().load(LoadCollection.newBuilder()
            .setCollection(io.raftcoord.client.QueryCoordClient.collection(n.db(), n.name())).setReplicaNumber(replicas)
            .addAllResourceGroups(g).addAllPartitions(p).addAllFields(f).build());
        if (!await) {
          print(() -> QueryCoordOutput.loadText(r), () -> QueryCoordOutput.loadJson(r, null, null, 0));
          return 0;
        }
        if (!json) {
          out.println(QueryCoordOutput.loadText(r));
          out.flush();
        }
        LoadWait.Result res = LoadWait.await(() -> client.queryCoord().loadState(n.db(), n.name(), true), waitMs,
            FlushWait.SYSTEM, line -> {
              err.println("coordctl: load: " + line);
              err.flush();
            });
        if (!res.loaded()) {
          if (json) {
            out.println(Output.json(QueryCoordOutput.loadJson(r, res.last(), false, res.waitedMs())));
            out.flush();
          }
          throw LoadWait.failed(n.display(), waitMs, res);
        }
        print(() -> QueryCoordOutput.loadedText(res.last(), res.waitedMs()),
            () -> QueryCoordOutput.loadJson(r, res.last(), true, res.waitedMs()));
      }
      return 0;
    }
  }

  /**
   * Polls a load's state ({@link PollWait}) until it is LOADED, NOT_LOAD (released or cancelled) or a
   * deadline passes.
   */
  static final class LoadWait {
    record Result(boolean loaded, LoadStateReply last, long waitedMs) {}

    private LoadWait() {}

    static Result await(Supplier<LoadStateReply> poll, long timeoutMs, FlushWait.Clock clock, Consumer<String> progress)
        throws InterruptedException {
      PollWait.Result<LoadStateReply> r = PollWait.await("load state", poll,
          s -> s.getState() == LoadState.LOADED || s.getState() == LoadState.NOT_LOAD, QueryCoordOutput::progressText,
          timeoutMs, clock, progress);
      return new Result(r.finished() && r.last().getState() == LoadState.LOADED, r.last(), r.waitedMs());
    }

    /** The error a wait that did not reach LOADED ends with (exit code 1). */
    static CoordException failed(String collection, long timeoutMs, Result r) {
      if (r.last() != null && r.last().getState() == LoadState.NOT_LOAD) {
        return new CoordException(ErrorCode.FAILED_PRECONDITION, "load of " + collection
            + " ended without reaching LOADED: the collection is not loaded (released, or the load timed out)");
      }
      String what = r.last() == null ? "no load state could be read" : QueryCoordOutput.progressText(r.last());
      return new CoordException(ErrorCode.DEADLINE_EXCEEDED, "load of " + collection + " not LOADED after "
          + DataCoordOutput.duration(timeoutMs) + ": " + what);
    }
  }

  @Command(name = "release", mixinStandardHelpOptions = true,
      description = "Release a collection (or, with --partition, some of its partitions) from the query nodes; its "
          + "replicas go away with the last partition.")
  static final class Release extends CatalogCommand {
    @Parameters(index = "0", paramLabel = "COLLECTION", description = "NAME (or alias) in --db, DB.NAME, or the numeric id.")
    String collection;

    @Option(names = "--db", paramLabel = "DB", description = "Database of COLLECTION (default: default).")
    String db;

    @Option(names = "--partition", paramLabel = "NAME", description = "Release only these partitions (repeatable).")
    List<String> partitions = new ArrayList<>();

    @Override
    public Integer call() {
      CollectionSelector sel = selector(this, collection, db);
      List<String> p = nonBlank(this, "--partition", partitions);
      QueryCoordReply r;
      try (CoordClient client = root().connect()) {
        Named n = resolve(client, sel);
        r = client.queryCoord().release(n.db(), n.name(), p);
      }
      print(() -> QueryCoordOutput.releaseText(r, p), () -> QueryCoordOutput.releaseJson(r, p));
      return 0;
    }
  }

  @Command(name = "load-state", mixinStandardHelpOptions = true,
      description = {"A collection's load state (NOT_LOAD, LOADING, LOADED) and what its load asked for (replicas, "
          + "resource groups, partitions, fields, target version).",
          "With --progress: the percent loaded (Milvus's formula: served channels and segments of the next target, "
              + "over all replicas) and the percent of each partition."})
  static final class LoadStateCommand extends CatalogCommand {
    @Parameters(index = "0", paramLabel = "COLLECTION", description = "NAME (or alias) in --db, DB.NAME, or the numeric id.")
    String collection;

    @Option(names = "--db", paramLabel = "DB", description = "Database of COLLECTION (default: default).")
    String db;

    @Option(names = "--progress", description = "Also the percent loaded, in total and per partition.")
    boolean progress;

    @Override
    public Integer call() {
      CollectionSelector sel = selector(this, collection, db);
      LoadStateReply s;
      try (CoordClient client = root().connect()) {
        Named n = resolve(client, sel);
        s = client.queryCoord().loadState(n.db(), n.name(), progress);
      }
      print(() -> QueryCoordOutput.loadStateText(s, progress), () -> QueryCoordOutput.loadStateJson(s));
      return 0;
    }
  }

  @Command(name = "replicas", mixinStandardHelpOptions = true,
      description = "Replicas of a collection (or of every loaded collection): id, collection id, resource group and "
          + "query nodes.")
  static final class Replicas extends CatalogCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "COLLECTION",
        description = "NAME (or alias) in --db, DB.NAME, or the numeric id (default: every loaded collection).")
    String collection;

    @Option(names = "--db", paramLabel = "DB", description = "Database of COLLECTION (default: default).")
    String db;

    @Override
    public Integer call() {
      if (collection == null && db != null) {
        throw usage("--db needs COLLECTION");
      }
      CollectionSelector sel = collection == null ? null : selector(this, collection, db);
      ReplicaList l;
      try (CoordClient client = root().connect()) {
        if (sel == null) {
          l = client.queryCoord().replicas(null, null);
        } else {
          Named n = resolve(client, sel);
          l = client.queryCoord().replicas(n.db(), n.name());
        }
      }
      print(() -> QueryCoordOutput.replicasText(l), () -> QueryCoordOutput.replicasJson(l));
      return 0;
    }
  }

  @Command(name = "distribution", mixinStandardHelpOptions = true,
      description = {"What the query nodes report they serve: per node its session epoch, segment count, segment ids "
          + "and the channels it is the delegator of.",
          "Text cuts long id lists (… (+N)); --json lists them all."})
  static final class Distribution extends CatalogCommand {
    @Option(names = "--node", paramLabel = "SERVER_ID", description = "Only this query node.")
    Long node;

    @Override
    public Integer call() {
      if (node != null && node < 1) {
        throw usage("--node must be a positive server id, got " + node);
      }
      DistributionList l;
      try (CoordClient client = root().connect()) {
        l = client.queryCoord().distribution(node == null ? 0 : node);
      }
      print(() -> QueryCoordOutput.distributionText(l), () -> QueryCoordOutput.distributionJson(l));
      return 0;
    }
  }

  @Command(name = "search-plan", mixinStandardHelpOptions = true,
      description = {"How a search of a loaded collection would be routed: per channel and replica, the delegator and "
          + "the nodes serving the channel's sealed segments of the current target (with each node's capacity).",
          "Node 0 means not served: the delegator or the segments have no serving node right now."})
  static final class SearchPlanCommand extends CatalogCommand {
    @Parameters(index = "0", paramLabel = "COLLECTION", description = "NAME (or alias) in --db, DB.NAME, or the numeric id.")
    String collection;

    @Option(names = "--db", paramLabel = "DB", description = "Database of COLLECTION (default: default).")
    String db;

    @Override
    public Integer call() {
      CollectionSelector sel = selector(this, collection, db);
      SearchPlan p;
      try (CoordClient client = root().connect()) {
        Named n = resolve(client, sel);
        p = client.queryCoord().searchPlan(n.db(), n.name());
      }
      print(() -> QueryCoordOutput.searchPlanText(p), () -> QueryCoordOutput.searchPlanJson(p));
      return 0;
    }
  }
}
