package io.raftcoord.tools.cli;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.proto.KeyValue;
import io.raftcoord.proto.datacoord.CollectionSelector;
import io.raftcoord.proto.datatasks.DataTasksReply;
import io.raftcoord.proto.datatasks.IndexDescription;
import io.raftcoord.proto.datatasks.IndexDescriptions;
import io.raftcoord.proto.datatasks.IndexInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coordctl index ...}: a collection's indexes and how far their builds are. */
@Command(name = "index", mixinStandardHelpOptions = true,
    description = {"Indexes: create, describe, list, drop.",
        "An index is built on every flushed L1/L2 segment of its collection (compaction results too), one "
            + "INDEX_BUILD task per segment that workers (scripts/simnodes.sh --role worker) do; 'index describe' "
            + "shows how many rows are indexed."},
    subcommands = {IndexCommand.Create.class, IndexCommand.Describe.class, IndexCommand.ListIndexes.class,
        IndexCommand.Drop.class})
final class IndexCommand extends CatalogCommand.Group {

  /** The COLLECTION argument and --db of every index command. */
  abstract static class OnCollection extends CatalogCommand {
    @Parameters(index = "0", paramLabel = "COLLECTION", description = "NAME (or alias) in --db, DB.NAME, or the numeric id.")
    String collection;

    @Option(names = "--db", paramLabel = "DB", description = "Database of COLLECTION (default: default).")
    String db;

    CollectionSelector selector() {
      return QueryCoordCommands.selector(this, collection, db);
    }
  }

  static String nonBlank(CatalogCommand cmd, String option, String value) {
    if (value != null && value.isBlank()) {
      throw cmd.usage(option + " must not be empty");
    }
    return value == null ? null : value.strip();
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = {"Create an index on a field (Milvus's create_index): the type and its parameters are checked "
          + "for the field's type, defaults are filled in; at most one index per field. Creating the same index "
          + "again is not an error.",
          "Vector types: FLAT, IVF_FLAT, IVF_SQ8, IVF_PQ, HNSW, DISKANN, SCANN (metric L2, IP, COSINE), BIN_FLAT, "
              + "BIN_IVF_FLAT (HAMMING, JACCARD), SPARSE_INVERTED_INDEX, SPARSE_WAND (IP, BM25); scalar: INVERTED, "
              + "STL_SORT, TRIE, BITMAP; AUTOINDEX for any.",
          "Example: index create books --field embedding --type HNSW --metric L2 --param M=16 --param "
              + "efConstruction=200"})
  static final class Create extends OnCollection {
    @Option(names = "--field", paramLabel = "FIELD", required = true, description = "The field to index.")
    String field;

    @Option(names = "--name", paramLabel = "NAME", description = "The index's name (default: the field's name).")
    String name;

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "AUTOINDEX",
        description = "Index type, any case (default ${DEFAULT-VALUE}).")
    String type;

    @Option(names = "--param", paramLabel = "KEY=VALUE", converter = CatalogCommand.KeyValueConverter.class,
        description = "An index parameter (repeatable), e.g. --param metric_type=L2 --param M=16.")
    List<KeyValue> params = new ArrayList<>();

    @Option(names = "--metric", paramLabel = "METRIC", description = "Shorthand for --param metric_type=METRIC.")
    String metric;

    @Override
    public Integer call() {
      CollectionSelector sel = selector();
      String f = nonBlank(this, "--field", field);
      String n = nonBlank(this, "--name", name);
      String t = nonBlank(this, "--type", type);
      Map<String, String> p;
      try {
        p = DataTasksArgs.indexParams(params, metric);
      } catch (CliSupport.UsageException e) {
        throw usage(e.getMessage());
      }
      DataTasksReply r;
      String what;
      String shown = n == null ? f : n;
      IndexInfo made = null;
      try (CoordClient client = root().connect()) {
        QueryCoordCommands.Named c = QueryCoordCommands.resolve(client, sel);
        what = c.display();
        r = client.dataTasks().createIndex(c.db(), c.name(), f, n == null ? "" : n, t, p);
        try {
          // What the server made of it: the type as it spells it, the metric and the defaults filled in.
          for (IndexDescription x : client.dataTasks().describeIndexes(c.db(), c.name(), shown).getIndexesList()) {
            made = x.getIndex();
          }
        } catch (CoordException e) {
          // Dropped meanwhile, or the read failed: the creation itself succeeded.
        }
      }
      IndexInfo info = made != null ? made : IndexInfo.newBuilder().setId(r.getIndexId()).setName(shown)
          .setFieldName(f).setIndexType(t).setMetricType(p.getOrDefault("metric_type", "")).build();
      print(() -> DataTasksOutput.indexCreatedText(info, what),
          () -> DataTasksOutput.indexJson("created", r, what, shown));
      return 0;
    }
  }

  @Command(name = "describe", mixinStandardHelpOptions = true,
      description = {"A collection's indexes (or the one named): field, type, metric, parameters (as validated), rows "
          + "of flushed L1/L2 segments indexed of all, build tasks pending and failed, and the state (Finished once "
          + "every such segment is indexed, else InProgress); then per index its id, creation time and the "
          + "parameters as given."})
  static final class Describe extends OnCollection {
    @Option(names = "--name", paramLabel = "NAME", description = "Only this index.")
    String name;

    @Override
    public Integer call() {
      CollectionSelector sel = selector();
      String n = nonBlank(this, "--name", name);
      IndexDescriptions d;
      String what;
      try (CoordClient client = root().connect()) {
        QueryCoordCommands.Named c = QueryCoordCommands.resolve(client, sel);
        what = c.display();
        d = client.dataTasks().describeIndexes(c.db(), c.name(), n == null ? "" : n);
      }
      long now = System.currentTimeMillis();
      print(() -> DataTasksOutput.indexDetailsText(d, what, now), () -> DataTasksOutput.indexesJson(d));
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "Every index of a collection: the table of 'index describe'.")
  static final class ListIndexes extends OnCollection {
    @Override
    public Integer call() {
      CollectionSelector sel = selector();
      IndexDescriptions d;
      String what;
      try (CoordClient client = root().connect()) {
        QueryCoordCommands.Named c = QueryCoordCommands.resolve(client, sel);
        what = c.display();
        d = client.dataTasks().describeIndexes(c.db(), c.name(), "");
      }
      print(() -> DataTasksOutput.indexesText(d, what), () -> DataTasksOutput.indexesJson(d));
      return 0;
    }
  }

  @Command(name = "drop", mixinStandardHelpOptions = true,
      description = "Drop an index: its build tasks go, and its builds with it.")
  static final class Drop extends OnCollection {
    @Option(names = "--name", paramLabel = "NAME", required = true, description = "The index to drop.")
    String name;

    @Override
    public Integer call() {
      CollectionSelector sel = selector();
      String n = nonBlank(this, "--name", name);
      DataTasksReply r;
      String what;
      try (CoordClient client = root().connect()) {
        QueryCoordCommands.Named c = QueryCoordCommands.resolve(client, sel);
        what = c.display();
        r = client.dataTasks().dropIndex(c.db(), c.name(), n);
      }
      print(() -> "dropped index name=" + n + " id=" + r.getIndexId() + " collection=" + what,
          () -> DataTasksOutput.indexJson("dropped", r, what, n));
      return 0;
    }
  }
}
