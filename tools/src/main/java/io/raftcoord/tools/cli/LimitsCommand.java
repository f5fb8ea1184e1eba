package io.raftcoord.tools.cli;

import io.raftcoord.proto.CatalogLimits;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code coordctl limits ...}: the replicated catalog limits. */
@Command(name = "limits", mixinStandardHelpOptions = true,
    description = "Catalog limits (replicated; every replica enforces the same values): get, set.",
    subcommands = {LimitsCommand.Get.class, LimitsCommand.Set.class})
final class LimitsCommand extends CatalogCommand.Group {

  @Command(name = "get", mixinStandardHelpOptions = true, description = "Show every limit.")
  static final class Get extends CatalogCommand {
    @Override
    public Integer call() {
      CatalogLimits l = withCatalog(c -> c.limits());
      print(() -> CatalogOutput.limitsText(l), () -> CatalogOutput.limitsJson(l));
      return 0;
    }
  }

  @Command(name = "set", mixinStandardHelpOptions = true,
      description = {"Change the given limits (the others keep their values); prints all limits after the change.",
          "Existing objects over a lowered limit stay; only new ones are refused."})
  static final class Set extends CatalogCommand {
    @Option(names = "--max-databases", paramLabel = "N", description = "max_databases")
    Integer maxDatabases;

    @Option(names = "--max-collections", paramLabel = "N", description = "max_collections (all databases)")
    Integer maxCollections;

    @Option(names = "--max-collections-per-db", paramLabel = "N", description = "max_collections_per_db")
    Integer maxCollectionsPerDb;

    @Option(names = "--max-partitions", paramLabel = "N", description = "max_partitions_per_collection")
    Integer maxPartitions;

    @Option(names = "--max-fields", paramLabel = "N", description = "max_fields (per schema)")
    Integer maxFields;

    @Option(names = "--max-vector-fields", paramLabel = "N", description = "max_vector_fields (per schema)")
    Integer maxVectorFields;

    @Option(names = "--max-shards", paramLabel = "N", description = "max_shards (per collection)")
    Integer maxShards;

    @Option(names = "--watch-retention-events", paramLabel = "N",
        description = "watch_retention_events: change events kept for watchers")
    Integer watchRetentionEvents;

    @Option(names = "--max-text-bytes", paramLabel = "BYTES",
        description = "max_text_bytes: longest description or property value (from apply version 2)")
    Integer maxTextBytes;

    @Option(names = "--watch-retention-ms", paramLabel = "MS",
        description = "watch_retention_ms: how long change events are kept (at least 1000)")
    Long watchRetentionMs;

    @Override
    public Integer call() {
      // 0 means "keep" on the wire, so a 0 here would silently do nothing: refuse it.
      CatalogLimits.Builder b = CatalogLimits.newBuilder();
      if (maxDatabases != null) {
        b.setMaxDatabases(positive("--max-databases", maxDatabases));
      }
      if (maxCollections != null) {
        b.setMaxCollections(positive("--max-collections", maxCollections));
      }
      if (maxCollectionsPerDb != null) {
        b.setMaxCollectionsPerDb(positive("--max-collections-per-db", maxCollectionsPerDb));
      }
      if (maxPartitions != null) {
        b.setMaxPartitionsPerCollection(positive("--max-partitions", maxPartitions));
      }
      if (maxFields != null) {
        b.setMaxFields(positive("--max-fields", maxFields));
      }
      if (maxVectorFields != null) {
        b.setMaxVectorFields(positive("--max-vector-fields", maxVectorFields));
      }
      if (maxShards != null) {
        b.setMaxShards(positive("--max-shards", maxShards));
      }
      if (watchRetentionEvents != null) {
        b.setWatchRetentionEvents(positive("--watch-retention-events", watchRetentionEvents));
      }
      if (maxTextBytes != null) {
        b.setMaxTextBytes(positive("--max-text-bytes", maxTextBytes));
      }
      if (watchRetentionMs != null) {
        if (watchRetentionMs < 1) {
          throw usage("--watch-retention-ms must be at least 1, got " + watchRetentionMs);
        }
        b.setWatchRetentionMs(watchRetentionMs);
      }
      CatalogLimits change = b.build();
      if (change.equals(CatalogLimits.getDefaultInstance())) {
        throw usage("nothing to set: give at least one limit, e.g. --max-partitions 2");
      }
      CatalogLimits l = withCatalog(c -> c.setLimits(change));
      print(() -> CatalogOutput.limitsText(l), () -> CatalogOutput.limitsJson(l));
      return 0;
    }
  }
}
