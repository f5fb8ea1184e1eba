package io.raftcoord.tools.cli;

import static io.raftcoord.tools.cli.CoordctlRuns.assertOneLineUsageError;
import static io.raftcoord.tools.cli.CoordctlRuns.parse;
import static io.raftcoord.tools.cli.CoordctlRuns.run;

import io.raftcoord.tools.cli.CoordctlRuns.Run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.ChangeKind;
import io.raftcoord.proto.ConsistencyLevel;
import io.raftcoord.proto.KeyValue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The catalog commands' argument parsing, usage errors and schema file errors. Nothing here
 * reaches a quorum: every run fails (or is only parsed) before the client connects.
 */
class CatalogCommandsTest {
  /** Parses (without running) and returns the innermost command's object. */
  private static Coordctl rootOf(CatalogCommand c) {
    return c.root();
  }

  // ---- parsing ----

  @Test
  void collectionCreateParsesEveryOption() {
    CollectionCommand.Create c = parse("collection", "create", "--db", "library", "--name", "books",
        "--schema", "s.json", "--shards", "2", "--consistency", "strong", "--partitions", "8",
        "--property", "a=b=c", "--property", "empty=");
    assertEquals("library", c.db.db);
    assertEquals("books", c.name);
    assertEquals(Path.of("s.json"), c.schema);
    assertEquals(2, c.shards);
    assertEquals(ConsistencyLevel.STRONG, c.consistency);
    assertEquals(8, c.partitions);
    assertEquals(List.of(KeyValue.newBuilder().setKey("a").setValue("b=c").build(),
        KeyValue.newBuilder().setKey("empty").setValue("").build()), c.properties);
  }

  @Test
  void collectionCreateDefaultsLeaveTheServerDefaults() {
    CollectionCommand.Create c = parse("collection", "create", "--name", "books", "--schema", "s.json");
    assertEquals("", c.db.db, "no --db means the default database");
    assertNull(c.shards);
    assertNull(c.consistency);
    assertNull(c.partitions);
    assertTrue(c.properties.isEmpty());
  }

  @Test
  void consistencyLevelsAreMilvusNamesInAnyCase() {
    for (String[] p : new String[][] {{"Strong", "STRONG"}, {"session", "SESSION"}, {"BOUNDED", "BOUNDED"},
        {"Eventually", "EVENTUALLY"}}) {
      CollectionCommand.Create c = parse("collection", "create", "--name", "b", "--schema", "s", "--consistency", p[0]);
      assertEquals(ConsistencyLevel.valueOf(p[1]), c.consistency);
    }
  }

  @Test
  void globalOptionsWorkBeforeAndAfterNestedSubcommands() {
    CollectionCommand.Describe d = parse("collection", "describe", "books", "--json", "--peers", "h:1,h:2,h:3",
        "--timeout", "7");
    assertTrue(rootOf(d).json);
    assertEquals("h:1,h:2,h:3", rootOf(d).peers);
    assertEquals(7.0, rootOf(d).timeoutSeconds);
    DbCommand.ListDbs l = parse("--timeout", "9", "--json", "db", "list");
    assertEquals(9.0, rootOf(l).timeoutSeconds, "the subcommand's default must not overwrite the global value");
    assertTrue(rootOf(l).json);
    DbCommand.ListDbs plain = parse("db", "list");
    assertEquals(5.0, rootOf(plain).timeoutSeconds);
    assertFalse(rootOf(plain).json);
  }

  @Test
  void describeTakesANameOrAnId() {
    CollectionCommand.Describe byName = parse("collection", "describe", "--db", "library", "novels");
    assertEquals("novels", byName.name);
    assertEquals("library", byName.db.db);
    assertNull(byName.id);
    CollectionCommand.Describe byId = parse("collection", "describe", "--id", "449");
    assertEquals(449L, byId.id);
    assertNull(byId.name);
  }

  @Test
  void renamePartitionAndAliasPositionals() {
    CollectionCommand.Rename r = parse("collection", "rename", "--db", "a", "books", "novels", "--new-db", "b");
    assertEquals(List.of("a", "books", "novels", "b"), List.of(r.db.db, r.name, r.newName, r.newDb));
    CollectionCommand.Rename stay = parse("collection", "rename", "books", "novels");
    assertEquals("", stay.newDb);
    PartitionCommand.Create p = parse("partition", "create", "--db", "library", "books", "p2024");
    assertEquals(List.of("library", "books", "p2024"), List.of(p.db.db, p.collection, p.partition));
    AliasCommand.Alter a = parse("alias", "alter", "novels", "books2", "--db", "library");
    assertEquals(List.of("library", "novels", "books2"), List.of(a.db.db, a.alias, a.collection));
    AliasCommand.ListAliases all = parse("alias", "list");
    assertEquals("", all.collection);
    AliasCommand.ListAliases one = parse("alias", "list", "books");
    assertEquals("books", one.collection);
  }

  @Test
  void alterCollectsSetsAndDeletes() {
    DbCommand.Alter a = parse("db", "alter", "library", "--set", "k=v", "--delete", "x", "--set", "k=w", "--delete", "y");
    assertEquals("library", a.name);
    assertEquals(List.of("x", "y"), a.delete);
    assertEquals(java.util.Map.of("k", "w"), CatalogCommand.toMap(a.set), "the last value of a key wins");
  }

  @Test
  void watchKindsAreRepeatableCommaSeparatedAndCaseInsensitive() {
    WatchCommand w = parse("watch", "--from", "42", "--db", "library", "--collection", "books",
        "--kind", "collection_created,COLLECTION-DROPPED", "--kind", "ALIAS_CREATED", "--max-events", "3");
    assertEquals(42, w.from);
    assertEquals("library", w.db);
    assertEquals("books", w.collection);
    assertEquals(List.of(ChangeKind.COLLECTION_CREATED, ChangeKind.COLLECTION_DROPPED, ChangeKind.ALIAS_CREATED), w.kinds);
    assertEquals(3, w.maxEvents);
    WatchCommand now = parse("watch");
    assertEquals(0, now.from, "default: changes after now");
    assertEquals("", now.db, "default: every database");
    assertTrue(now.kinds.isEmpty());
  }

  @Test
  void limitsSetKeepsUngivenLimitsUnset() {
    LimitsCommand.Set s = parse("limits", "set", "--max-partitions", "2", "--watch-retention-ms", "60000");
    assertEquals(2, s.maxPartitions);
    assertEquals(60000L, s.watchRetentionMs);
    assertNull(s.maxDatabases);
    assertNull(s.maxShards);
  }

  @Test
  void maxEventsIsHiddenFromHelp() {
    Run r = run("watch", "--help");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("--from"), r.out());
    assertFalse(r.out().contains("--max-events"), r.out());
  }

  @Test
  void topLevelHelpListsTheCatalogCommands() {
    Run r = run("--help");
    assertEquals(0, r.code());
    for (String c : List.of("db", "collection", "partition", "alias", "limits", "watch")) {
      assertTrue(r.out().lines().anyMatch(l -> l.startsWith("  " + c + " ")), c + " in " + r.out());
    }
  }

  // ---- usage errors (exit 2, one line, before connecting) ----

  @Test
  void groupWithoutSubcommandIsAUsageError() {
    assertOneLineUsageError(run("db"),
        "coordctl: Missing subcommand: one of create, drop, list, describe, alter (see 'coordctl db --help')");
    assertOneLineUsageError(run("limits"), "coordctl: Missing subcommand: one of get, set (see 'coordctl limits --help')");
  }

  @Test
  void missingAndExtraArgumentsAreUsageErrors() {
    assertOneLineUsageError(run("db", "create"), "coordctl: Missing required parameter: 'NAME' (see 'coordctl db create --help')");
    assertOneLineUsageError(run("db", "drop", "a", "b"), "coordctl: Unmatched argument at index 3: 'b'");
    assertOneLineUsageError(run("collection", "create", "--name", "b"), "coordctl: Missing required option: '--schema=FILE.json'");
    assertOneLineUsageError(run("partition", "create", "books"), "coordctl: Missing required parameter: 'PARTITION'");
    assertOneLineUsageError(run("alias", "create", "novels"), "coordctl: Missing required parameter: 'COLLECTION'");
    assertOneLineUsageError(run("collection", "rename", "books"), "coordctl: Missing required parameter: 'NEW_NAME'");
    assertOneLineUsageError(run("collection", "frob"), "coordctl: Unmatched argument at index 1: 'frob'");
  }

  @Test
  void badOptionValuesAreUsageErrors() {
    assertOneLineUsageError(run("db", "create", "x", "--property", "nokv"),
        "coordctl: Invalid value for option '--property' (KEY=VALUE): 'nokv' is not KEY=VALUE (see 'coordctl db create --help')");
    assertOneLineUsageError(run("db", "alter", "x", "--set", "=v"),
        "coordctl: Invalid value for option '--set' (KEY=VALUE): '=v' has an empty KEY");
    assertOneLineUsageError(run("collection", "create", "--name", "b", "--schema", "s", "--consistency", "weak"),
        "coordctl: Invalid value for option '--consistency': 'weak' is not a consistency level "
            + "(expected one of Strong, Session, Bounded, Eventually)");
    assertOneLineUsageError(run("collection", "create", "--name", "b", "--schema", "s", "--shards", "two"),
        "coordctl: Invalid value for option '--shards': 'two' is not an int");
    assertOneLineUsageError(run("collection", "describe", "--id", "x"), "coordctl: Invalid value for option '--id': 'x' is not a long");
    assertOneLineUsageError(run("watch", "--kind", "COLLECTION_MADE"),
        "coordctl: Invalid value for option '--kind' (KIND): 'COLLECTION_MADE' is not a change kind (expected one of "
            + "DATABASE_CREATED, DATABASE_ALTERED,");
    assertOneLineUsageError(run("watch", "--kind", "CHANGE_KIND_NONE"), "coordctl: Invalid value for option '--kind'");
  }

  @Test
  void zeroMeansDefaultOnTheWireSoItIsRefusedHere() {
    assertOneLineUsageError(run("collection", "create", "--name", "b", "--schema", "s", "--shards", "0"),
        "coordctl: --shards must be at least 1, got 0 (see 'coordctl collection create --help')");
    assertOneLineUsageError(run("collection", "create", "--name", "b", "--schema", "s", "--partitions", "-3"),
        "coordctl: --partitions must be at least 1, got -3");
    assertOneLineUsageError(run("limits", "set", "--max-partitions", "0"),
        "coordctl: --max-partitions must be at least 1, got 0 (see 'coordctl limits set --help')");
    assertOneLineUsageError(run("limits", "set", "--watch-retention-ms", "0"), "coordctl: --watch-retention-ms must be at least 1");
    assertOneLineUsageError(run("limits", "set"),
        "coordctl: nothing to set: give at least one limit, e.g. --max-partitions 2 (see 'coordctl limits set --help')");
  }

  @Test
  void describeNeedsExactlyANameOrAnId() {
    assertOneLineUsageError(run("collection", "describe"),
        "coordctl: give the collection's NAME_OR_ALIAS or --id ID (see 'coordctl collection describe --help')");
    assertOneLineUsageError(run("collection", "describe", "books", "--id", "3"),
        "coordctl: give either NAME_OR_ALIAS or --id, not both");
    assertOneLineUsageError(run("collection", "describe", "--db", "library", "--id", "3"),
        "coordctl: --db cannot be used with --id");
    assertOneLineUsageError(run("collection", "describe", "--id", "0"), "coordctl: --id must be positive, got 0");
  }

  @Test
  void alterNeedsSomethingToChange() {
    assertOneLineUsageError(run("db", "alter", "library"),
        "coordctl: nothing to alter: give --set KEY=VALUE or --delete KEY (see 'coordctl db alter --help')");
    assertOneLineUsageError(run("collection", "alter", "books"),
        "coordctl: nothing to alter: give --set KEY=VALUE or --delete KEY (see 'coordctl collection alter --help')");
  }

  @Test
  void watchArgumentErrors() {
    assertOneLineUsageError(run("watch", "--from", "-1"),
        "coordctl: --from must be 0 (changes after now) or a revision >= 1, got -1 (see 'coordctl watch --help')");
    assertOneLineUsageError(run("watch", "--max-events", "0"), "coordctl: --max-events must be at least 1, got 0");
  }

  @Test
  void badGlobalOptionsOnNestedCommandsAreUsageErrors() {
    assertOneLineUsageError(run("db", "list", "--timeout", "0"), "coordctl: --timeout must be between 0 and 3600 seconds");
    assertOneLineUsageError(run("--timeout", "0", "collection", "list"), "coordctl: --timeout must be between 0 and 3600 seconds");
    assertOneLineUsageError(run("alias", "list", "--peers", "nohostport"), "coordctl: peers: 'nohostport' is not host:port");
    assertOneLineUsageError(run("watch", "--peers", "h:99999"), "coordctl: peers: port of 'h:99999' is out of range");
  }

  // ---- schema files (read before connecting; exit 2, one line naming the file) ----

  private static Run create(Path schema) {
    return run("collection", "create", "--db", "library", "--name", "books", "--schema", schema.toString());
  }

  @Test
  void missingSchemaFile(@TempDir Path dir) {
    Path f = dir.resolve("nope.json");
    assertOneLineUsageError(create(f), "coordctl: schema file '" + f + "': no such file");
  }

  @Test
  void schemaFileThatIsADirectory(@TempDir Path dir) {
    assertOneLineUsageError(create(dir), "coordctl: schema file '" + dir + "': is a directory");
  }

  @Test
  void unreadableSchemaFile(@TempDir Path dir) throws IOException {
    Path f = Files.writeString(dir.resolve("secret.json"), "{}");
    if (!f.toFile().setReadable(false) || Files.isReadable(f)) {
      return; // running as root: every file is readable
    }
    assertOneLineUsageError(create(f), "coordctl: schema file '" + f + "': permission denied");
  }

  @Test
  void schemaFileWithBadJson(@TempDir Path dir) throws IOException {
    Path f = Files.writeString(dir.resolve("bad.json"), "{\"fields\": [\n  {\"fieldName\": \"id\",, }\n]}\n");
    Run r = create(f);
    assertOneLineUsageError(r, "coordctl: schema file '" + f + "': not valid JSON: ");
    assertFalse(r.err().contains("setLenient"), r.err());
  }

  @Test
  void emptySchemaFile(@TempDir Path dir) throws IOException {
    Path f = Files.writeString(dir.resolve("empty.json"), "");
    assertOneLineUsageError(create(f), "coordctl: schema file '" + f + "': not valid JSON");
  }

  @Test
  void schemaFileThatIsNotUtf8(@TempDir Path dir) throws IOException {
    Path f = Files.write(dir.resolve("latin1.json"), "{\"description\": \"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1));
    assertOneLineUsageError(create(f), "coordctl: schema file '" + f + "': not UTF-8 text");
  }

  @Test
  void schemaFileWithAWrongShapeNamesTheFileAndTheLocation(@TempDir Path dir) throws IOException {
    Path f = Files.writeString(dir.resolve("s.json"), """
        {"fields": [{"fieldName": "id", "dataType": "Int64", "isPrimary": true},
                    {"fieldName": "v", "dataType": "FloatVektor", "elementTypeParams": {"dim": "8"}}]}
        """);
    assertOneLineUsageError(create(f),
        "coordctl: schema file '" + f + "': fields[1].dataType: unknown data type \"FloatVektor\" (expected one of Bool,");
    Path noFields = Files.writeString(dir.resolve("nofields.json"), "{\"schema\": {\"fields\": []}}");
    assertOneLineUsageError(create(noFields), "coordctl: schema file '" + noFields + "': \"fields\" must be a non-empty array");
  }

  @Test
  void theExampleSchemaParses() {
    Path example = Path.of("..", "scripts", "examples", "books-schema.json");
    if (!Files.exists(example)) {
      return; // not run from the module directory
    }
    var s = CatalogCommand.readSchema(example);
    assertEquals(List.of("book_id", "title", "meta", "tags", "embedding"),
        s.getFieldsList().stream().map(f -> f.getName()).toList());
    assertTrue(s.getEnableDynamicField());
    assertTrue(s.getFields(0).getIsPrimary());
    assertFalse(s.getFields(0).getAutoId());
    assertTrue(s.getFieldsList().stream().noneMatch(f -> f.getIsPartitionKey()));
    assertEquals(512, s.getFields(1).getMaxLength());
    assertEquals(16, s.getFields(3).getMaxCapacity());
    assertEquals(64, s.getFields(3).getMaxLength());
    assertEquals(768, s.getFields(4).getDim());
  }
}
