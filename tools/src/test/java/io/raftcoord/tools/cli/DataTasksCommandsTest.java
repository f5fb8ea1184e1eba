package io.raftcoord.tools.cli;

import static io.raftcoord.tools.cli.CoordctlRuns.assertOneLineUsageError;
import static io.raftcoord.tools.cli.CoordctlRuns.parse;
import static io.raftcoord.tools.cli.CoordctlRuns.run;

import io.raftcoord.tools.cli.CoordctlRuns.Run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.client.CoordException;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.KeyValue;
import io.raftcoord.proto.datacoord.CollectionSelector;
import io.raftcoord.proto.datatasks.CompactionState;
import io.raftcoord.proto.datatasks.DataTasksSettings;
import io.raftcoord.proto.datatasks.ListTasks;
import io.raftcoord.proto.datatasks.Task;
import io.raftcoord.proto.datatasks.TaskList;
import io.raftcoord.proto.datatasks.TaskState;
import io.raftcoord.proto.datatasks.TaskType;
import io.raftcoord.proto.session.SessionRef;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The datatasks commands' parsing (compaction, index, tasks, gc, datatasks settings), their usage
 * errors (before connecting), task paging and the compaction wait's polling; nothing here reaches
 * a quorum.
 */
class DataTasksCommandsTest {
  // ---- types and states ----

  @Test
  void typesParseByShortOrFullNameInAnyCase() {
    assertEquals(TaskType.MIX_COMPACTION, DataTasksArgs.type("mix"));
    assertEquals(TaskType.MIX_COMPACTION, DataTasksArgs.type("MIX_COMPACTION"));
    assertEquals(TaskType.L0_COMPACTION, DataTasksArgs.type("L0"));
    assertEquals(TaskType.L0_COMPACTION, DataTasksArgs.type("l0-compaction"));
    assertEquals(TaskType.SINGLE_COMPACTION, DataTasksArgs.type("Single"));
    assertEquals(TaskType.INDEX_BUILD, DataTasksArgs.type("index"));
    assertEquals(TaskType.INDEX_BUILD, DataTasksArgs.type("index_build"));
    assertEquals(TaskType.GC, DataTasksArgs.type(" gc "));
    assertNull(DataTasksArgs.type("task_type_none"));
    assertNull(DataTasksArgs.type("compaction"));
    for (TaskType t : DataTasksArgs.TYPES) {
      assertEquals(t, DataTasksArgs.type(t.name().toLowerCase()));
      assertEquals(t, DataTasksArgs.type(DataTasksArgs.shortName(t)));
    }
  }

  @Test
  void statesParseInAnyCaseWithMilvusIndexNames() {
    TasksCommand t = parse("tasks", "--state", "pipelining,Executing", "--state", "COMPLETED", "--state", "failed",
        "--state", "timeout");
    assertEquals(List.of(TaskState.PIPELINING, TaskState.EXECUTING, TaskState.COMPLETED, TaskState.FAILED,
        TaskState.TIMEOUT), t.states);
    TasksCommand m = parse("tasks", "--state", "Unissued,InProgress,Finished");
    assertEquals(List.of(TaskState.PIPELINING, TaskState.EXECUTING, TaskState.COMPLETED), m.states);
    assertFalse(DataTasksArgs.STATE_NAMES.contains("cleaned"), "cleaned tasks are gone from the table");
    assertFalse(DataTasksArgs.STATE_NAMES.contains("none"));
  }

  // ---- parsing ----

  @Test
  void tasksParsesEveryFilter() {
    TasksCommand t = parse("tasks", "--node", "7", "--type", "mix,index", "--type", "GC", "--state", "executing",
        "--collection", "library.books", "--limit", "20", "--after-id", "100", "--json");
    assertEquals(7L, t.node);
    assertEquals(List.of(TaskType.MIX_COMPACTION, TaskType.INDEX_BUILD, TaskType.GC), t.types);
    assertEquals(List.of(TaskState.EXECUTING), t.states);
    assertEquals(CollectionSelector.newBuilder().setDb("library").setName("books").build(), t.collection.selector());
    assertEquals(20, t.limit);
    assertEquals(100L, t.afterId);
    assertTrue(t.root().json);
    TasksCommand d = parse("tasks");
    assertNull(d.node);
    assertTrue(d.types.isEmpty());
    assertTrue(d.states.isEmpty());
    assertNull(d.collection.selector());
    assertEquals(1000, d.limit);
  }

  @Test
  void compactionCommandsParse() {
    CompactionCommand.Trigger t = parse("compaction", "trigger", "books", "--db", "library", "--wait",
        "--wait-timeout", "5m");
    assertEquals("books", t.collection);
    assertEquals("library", t.db);
    assertTrue(t.await);
    assertEquals(300_000L, t.waitTimeoutMs);
    assertEquals(5.0, t.root().timeoutSeconds, "the global --timeout stays the per-request deadline");
    CompactionCommand.Trigger plain = parse("compaction", "trigger", "library.books");
    assertFalse(plain.await);
    assertNull(plain.waitTimeoutMs);
    CompactionCommand.ListCompactions l = parse("compaction", "list", "--collection", "449", "--state", "failed,timeout",
        "--type", "l0");
    assertEquals(CollectionSelector.newBuilder().setId(449).build(), l.collection.selector());
    assertEquals(List.of(TaskState.FAILED, TaskState.TIMEOUT), l.states);
    assertEquals(List.of(TaskType.L0_COMPACTION), l.types);
    CompactionCommand.Describe d = parse("compaction", "describe", "2099");
    assertEquals(2099L, d.id);
  }

  @Test
  void indexCreateTakesParamsAndTheMetricShorthand() {
    IndexCommand.Create c = parse("index", "create", "library.books", "--field", "embedding", "--name", "vec",
        "--type", "hnsw", "--param", "M=16", "--param", "efConstruction=200", "--metric", "l2");
    assertEquals("library.books", c.collection);
    assertEquals("embedding", c.field);
    assertEquals("vec", c.name);
    assertEquals("hnsw", c.type, "sent as given: the server reads index types in any case");
    assertEquals(Map.of("M", "16", "efConstruction", "200", "metric_type", "L2"),
        DataTasksArgs.indexParams(c.params, c.metric));
    IndexCommand.Create d = parse("index", "create", "books", "--field", "title");
    assertEquals("AUTOINDEX", d.type, "Milvus's default index type");
    assertNull(d.name);
    assertTrue(DataTasksArgs.indexParams(d.params, d.metric).isEmpty());
  }

  @Test
  void indexParamsCatchRepeatsAndContradictions() {
    KeyValue l2 = KeyValue.newBuilder().setKey("metric_type").setValue("L2").build();
    assertEquals(Map.of("metric_type", "L2"), DataTasksArgs.indexParams(List.of(l2), "l2"),
        "--metric agreeing with --param metric_type is fine");
    assertEquals("--metric IP contradicts --param metric_type=L2",
        assertThrows(CliSupport.UsageException.class, () -> DataTasksArgs.indexParams(List.of(l2), "IP")).getMessage());
    assertEquals("--param metric_type is given twice ('L2' and 'IP')",
        assertThrows(CliSupport.UsageException.class, () -> DataTasksArgs.indexParams(List.of(l2,
            l2.toBuilder().setValue("IP").build()), null)).getMessage());
  }

  @Test
  void indexDescribeListAndDropParse() {
    IndexCommand.Describe d = parse("index", "describe", "books", "--name", "vec");
    assertEquals("vec", d.name);
    assertNull(((IndexCommand.Describe) parse("index", "describe", "books")).name);
    IndexCommand.ListIndexes l = parse("index", "list", "books", "--db", "library");
    assertEquals("library", l.db);
    IndexCommand.Drop x = parse("index", "drop", "books", "--name", "vec");
    assertEquals("vec", x.name);
  }

  // ---- settings ----

  @Test
  void settingsSetTakesUnitsBooleansZeroAndSeveralValuesPerOption() {
    DataTasksCommand.Settings s = parse("datatasks", "settings", "--set", "drop_tolerance_ms=0", "gc_interval_ms=1s",
        "--set", "AUTO-COMPACTION=off", "--set", "single_deltalog_bytes=16MiB", "--set",
        "single_delete_ratio_permille=25%", "--set", "max_attempts=5", "--set", "clean_after_ms=2h",
        "--set", "gc_interval_ms=1500");
    assertEquals(DataTasksSettings.newBuilder().setDropToleranceMs(0).setGcIntervalMs(1_500).setAutoCompaction(false)
            .setSingleDeltalogBytes(16L << 20).setSingleDeleteRatioPermille(250).setMaxAttempts(5)
            .setCleanAfterMs(7_200_000).build(),
        DataTasksArgs.settingsChange(s.set), "a later value for the same setting wins");
    assertTrue(DataTasksArgs.settingsChange(s.set).hasDropToleranceMs(), "0 is sent as a value, not as 'keep'");
    DataTasksCommand.Settings show = parse("datatasks", "settings");
    assertTrue(show.set.isEmpty());
  }

  @Test
  void settingsHelpNamesEverySettingWithItsUnit() {
    Run r = run("datatasks", "settings", "--help");
    assertEquals(0, r.code());
    for (var f : DataTasksArgs.settingFields()) {
      String unit = DataTasksArgs.Unit.of(f).label();
      assertTrue(r.out().lines().anyMatch(l -> l.matches("\\s+" + f.getName() + "\\s+"
          + java.util.regex.Pattern.quote(unit) + "\\s.*")), "help names " + f.getName() + " with unit " + unit
          + ":\n" + r.out());
    }
  }

  @Test
  void topLevelHelpListsTheDataTasksCommands() {
    Run r = run("--help");
    for (String c : List.of("compaction", "index", "tasks", "gc", "datatasks")) {
      assertTrue(r.out().contains("\n  " + c + " "), c + " in:\n" + r.out());
    }
  }

  // ---- usage errors (exit 2, one line, before connecting) ----

  @Test
  void badInputIsAOneLineUsageError() {
    assertOneLineUsageError(run("tasks", "--type", "frob"),
        "coordctl: Invalid value for option '--type' (TYPE): 'frob' is not a task type (expected one of mix "
            + "(mix_compaction), l0 (l0_compaction), single (single_compaction), index (index_build), gc)");
    assertOneLineUsageError(run("tasks", "--state", "done"),
        "coordctl: Invalid value for option '--state' (STATE): 'done' is not a task state (expected one of "
            + "pipelining, executing, completed, failed, timeout)");
    assertOneLineUsageError(run("tasks", "--state", "cleaned"),
        "coordctl: Invalid value for option '--state' (STATE): 'cleaned' is not a task state");
    assertOneLineUsageError(run("tasks", "--limit", "0"), "coordctl: --limit must be at least 1, got 0");
    assertOneLineUsageError(run("tasks", "--node", "0"), "coordctl: --node must be a positive server id, got 0");
    assertOneLineUsageError(run("tasks", "--after-id", "-1"), "coordctl: --after-id must not be negative, got -1");
    assertOneLineUsageError(run("tasks", "--db", "x"), "coordctl: --db needs --collection NAME");
    assertOneLineUsageError(run("tasks", "--collection", "a.b.c"), "coordctl: collection 'a.b.c' is not DB.NAME");
    assertOneLineUsageError(run("compaction"), "coordctl: Missing subcommand: one of trigger, list, describe");
    assertOneLineUsageError(run("compaction", "trigger"), "coordctl: Missing required parameter: 'COLLECTION'");
    assertOneLineUsageError(run("compaction", "trigger", "449", "--db", "x"),
        "coordctl: --db cannot be used with a collection id");
    assertOneLineUsageError(run("compaction", "trigger", "b", "--wait-timeout", "10s"),
        "coordctl: --wait-timeout needs --wait");
    assertOneLineUsageError(run("compaction", "trigger", "b", "--wait", "--wait-timeout", "never"),
        "coordctl: Invalid value for option '--wait-timeout': 'never' is not a positive duration");
    assertOneLineUsageError(run("compaction", "list", "--type", "index"),
        "coordctl: Invalid value for option '--type' (TYPE): 'index' is not a compaction type (expected one of mix "
            + "(mix_compaction), l0 (l0_compaction), single (single_compaction))");
    assertOneLineUsageError(run("compaction", "list", "--state", "x"),
        "coordctl: Invalid value for option '--state' (STATE): 'x' is not a task state");
    assertOneLineUsageError(run("compaction", "describe", "0"), "coordctl: TASK_ID must be a positive id, got 0");
    assertOneLineUsageError(run("compaction", "describe", "abc"),
        "coordctl: Invalid value for positional parameter at index 0 (TASK_ID): 'abc' is not a long");
    assertOneLineUsageError(run("index"), "coordctl: Missing subcommand: one of create, describe, list, drop");
    assertOneLineUsageError(run("index", "create", "books"), "coordctl: Missing required option: '--field=FIELD'");
    assertOneLineUsageError(run("index", "create", "books", "--field", " "), "coordctl: --field must not be empty");
    assertOneLineUsageError(run("index", "create", "books", "--field", "v", "--param", "metric_type"),
        "coordctl: Invalid value for option '--param' (KEY=VALUE): 'metric_type' is not KEY=VALUE");
    assertOneLineUsageError(run("index", "create", "books", "--field", "v", "--param", "M=8", "--param", "M=16"),
        "coordctl: --param M is given twice ('8' and '16')");
    assertOneLineUsageError(run("index", "create", "books", "--field", "v", "--param", "metric_type=L2",
        "--metric", "IP"), "coordctl: --metric IP contradicts --param metric_type=L2");
    assertOneLineUsageError(run("index", "create", "x.y.z", "--field", "v"), "coordctl: collection 'x.y.z' is not DB.NAME");
    assertOneLineUsageError(run("index", "describe", "books", "--name", ""), "coordctl: --name must not be empty");
    assertOneLineUsageError(run("index", "drop", "books"), "coordctl: Missing required option: '--name=NAME'");
    assertOneLineUsageError(run("gc"), "coordctl: Missing subcommand: one of status");
    assertOneLineUsageError(run("datatasks"), "coordctl: Missing subcommand: one of settings");
  }

  @Test
  void badSettingsAreOneLineUsageErrors() {
    assertOneLineUsageError(run("datatasks", "settings", "--set", "foo=1"),
        "coordctl: Invalid value for option '--set' at index 0 (NAME=VALUE): unknown setting 'foo' (expected one of "
            + "auto_compaction, mix_interval_ms,");
    assertOneLineUsageError(run("datatasks", "settings", "--set", "gc_interval_ms"),
        "coordctl: Invalid value for option '--set' at index 0 (NAME=VALUE): 'gc_interval_ms' is not NAME=VALUE");
    assertOneLineUsageError(run("datatasks", "settings", "--set", "auto_compaction=maybe"),
        "coordctl: Invalid value for option '--set' at index 0 (NAME=VALUE): auto_compaction: 'maybe' is not true or false");
    assertOneLineUsageError(run("datatasks", "settings", "--set", "gc_interval_ms=soon"),
        "coordctl: Invalid value for option '--set' at index 0 (NAME=VALUE): gc_interval_ms: 'soon' is not a duration in ms");
    assertOneLineUsageError(run("datatasks", "settings", "--set", "l0_max_bytes=1.5KB"),
        "coordctl: Invalid value for option '--set' at index 0 (NAME=VALUE): l0_max_bytes: '1.5KB' is not a size in bytes");
    assertOneLineUsageError(run("datatasks", "settings", "--set", "small_proportion_permille=0.5"),
        "coordctl: Invalid value for option '--set' at index 0 (NAME=VALUE): small_proportion_permille: '0.5' is not thousandths");
    assertOneLineUsageError(run("datatasks", "settings", "--set", "max_attempts=-1"),
        "coordctl: Invalid value for option '--set' at index 0 (NAME=VALUE): max_attempts: '-1' is not a whole number");
    assertOneLineUsageError(run("datatasks", "settings", "--set", "max_tasks_per_round=3000000000"),
        "coordctl: Invalid value for option '--set' at index 0 (NAME=VALUE): max_tasks_per_round must be at most 2147483647");
  }

  // ---- task paging ----

  private static Task task(long id) {
    return Task.newBuilder().setId(id).setType(TaskType.INDEX_BUILD).setState(TaskState.COMPLETED)
        .setNode(SessionRef.newBuilder().setServerId(id % 2 == 0 ? 7 : 8).setEpoch(1)).build();
  }

  /** A fake server holding tasks 1..n, honouring after_id and limit (0: 1,000) and recording the reads. */
  private static final class FakeTasks implements Function<ListTasks, TaskList> {
    final long n;
    final List<ListTasks> reads = new ArrayList<>();

    FakeTasks(long n) {
      this.n = n;
    }

    @Override
    public TaskList apply(ListTasks q) {
      reads.add(q);
      int limit = q.getLimit() == 0 ? 1_000 : q.getLimit();
      TaskList.Builder b = TaskList.newBuilder();
      long id = q.getAfterId() + 1;
      for (; id <= n && b.getTasksCount() < limit; id++) {
        b.addTasks(task(id));
      }
      return b.setMore(id <= n).build();
    }
  }

  private static final ListTasks Q = ListTasks.newBuilder().addTypes(TaskType.INDEX_BUILD).setCollectionId(449).build();

  private static List<Long> ids(DataTasksOutput.TaskPage p) {
    return p.tasks().stream().map(Task::getId).toList();
  }

  @Test
  void listStopsAtTheLastPage() {
    FakeTasks f = new FakeTasks(3);
    DataTasksOutput.TaskPage p = DataTasksCommands.list(f, Q, 0, 1000, null);
    assertEquals(List.of(1L, 2L, 3L), ids(p));
    assertFalse(p.more());
    assertEquals(1, f.reads.size());
    assertEquals(1000, f.reads.get(0).getLimit());
    assertEquals(449, f.reads.get(0).getCollectionId(), "the filters go along");
    assertEquals(List.of(TaskType.INDEX_BUILD), f.reads.get(0).getTypesList());
  }

  @Test
  void listPagesByAfterIdUpToTheLimit() {
    FakeTasks f = new FakeTasks(12_345);
    DataTasksOutput.TaskPage p = DataTasksCommands.list(f, Q, 0, 7_000, null);
    assertEquals(7_000, p.tasks().size());
    assertTrue(p.more());
    assertEquals(List.of(0L, 5_000L), f.reads.stream().map(ListTasks::getAfterId).toList());
    assertEquals(List.of(5_000, 2_000), f.reads.stream().map(ListTasks::getLimit).toList());
  }

  @Test
  void listExactlyAtTheLimitWithNothingLeftHasNoMore() {
    DataTasksOutput.TaskPage p = DataTasksCommands.list(new FakeTasks(5), Q, 0, 5, null);
    assertEquals(5, p.tasks().size());
    assertFalse(p.more());
    assertEquals(List.of(9L, 10L), ids(DataTasksCommands.list(new FakeTasks(10), Q, 8, 5, null)));
  }

  @Test
  void aNodeFilterIsAppliedHereAcrossPages() {
    FakeTasks f = new FakeTasks(12_000);
    DataTasksOutput.TaskPage p = DataTasksCommands.list(f, Q, 0, 3_000, t -> t.getNode().getServerId() == 7);
    assertEquals(3_000, p.tasks().size());
    assertTrue(p.tasks().stream().allMatch(t -> t.getId() % 2 == 0));
    assertTrue(p.more(), "a further match was seen");
    assertEquals(List.of(0L, 5_000L), f.reads.stream().map(ListTasks::getAfterId).toList());
    assertTrue(f.reads.stream().allMatch(q -> q.getNodeId() == 0), "the server's node filter is not used");
    DataTasksOutput.TaskPage all = DataTasksCommands.list(new FakeTasks(9), Q, 0, 100,
        t -> t.getNode().getServerId() == 8);
    assertEquals(List.of(1L, 3L, 5L, 7L, 9L), ids(all));
    assertFalse(all.more());
  }

  @Test
  void aServerSayingMoreWithAnEmptyPageDoesNotLoop() {
    List<ListTasks> reads = new ArrayList<>();
    DataTasksOutput.TaskPage p = DataTasksCommands.list(q -> {
      reads.add(q);
      return TaskList.newBuilder().setMore(true).build();
    }, Q, 0, 10, null);
    assertTrue(p.tasks().isEmpty());
    assertFalse(p.more());
    assertEquals(1, reads.size());
  }

  // ---- compaction wait ----

  private static final class FakeClock implements FlushWait.Clock {
    long now = 1_000_000;
    final List<Long> sleeps = new ArrayList<>();

    @Override
    public long nowMs() {
      return now;
    }

    @Override
    public void sleep(long ms) {
      sleeps.add(ms);
      now += ms;
    }
  }

  private static CompactionState state(long executing, long pipelining, long completed) {
    return CompactionState.newBuilder().setExecuting(executing).setPipelining(pipelining).setCompleted(completed)
        .setCompletedAll(executing + pipelining == 0).build();
  }

  @Test
  void waitReturnsOnceCompletedAllAndReportsChangesOnly() throws InterruptedException {
    FakeClock clock = new FakeClock();
    Deque<CompactionState> states = new ArrayDeque<>(List.of(state(0, 3, 0), state(0, 3, 0), state(2, 0, 1),
        state(0, 0, 3)));
    List<String> progress = new ArrayList<>();
    DataTasksCommands.CompactionWait.Result r = DataTasksCommands.CompactionWait.await(states::removeFirst, 60_000,
        clock, progress::add);
    assertTrue(r.done());
    assertEquals(List.of(100L, 150L, 225L), clock.sleeps);
    assertEquals(475, r.waitedMs());
    assertEquals(List.of("waiting (0.0s): 0 executing, 3 pipelining, 0 completed, 0 failed, 0 timed out",
        "waiting (0.3s): 2 executing, 0 pipelining, 1 completed, 0 failed, 0 timed out"), progress);
    assertNull(DataTasksCommands.CompactionWait.failed(7, "default.books", 60_000, r), "every task completed");
  }

  @Test
  void waitEndsInAnErrorOnTimeoutOrFailedTasks() throws InterruptedException {
    FakeClock clock = new FakeClock();
    DataTasksCommands.CompactionWait.Result r = DataTasksCommands.CompactionWait.await(() -> state(1, 0, 0), 30_000,
        clock, s -> { });
    assertFalse(r.done());
    assertEquals(30_000, r.waitedMs(), "never sleeps past the deadline");
    CoordException e = DataTasksCommands.CompactionWait.failed(501, "default.books", 30_000, r);
    assertEquals("DEADLINE_EXCEEDED: compaction 501 of default.books not finished after 30s: 1 executing, 0 "
        + "pipelining, 0 completed, 0 failed, 0 timed out", CliSupport.describe(e));
    assertEquals(CliSupport.EXIT_FAILED, CliSupport.exitCode(e));
    DataTasksCommands.CompactionWait.Result bad = DataTasksCommands.CompactionWait.await(() -> state(0, 0, 1)
        .toBuilder().setFailed(1).setTimeout(2).build(), 30_000, new FakeClock(), s -> { });
    assertTrue(bad.done());
    assertEquals("FAILED_PRECONDITION: compaction 501 of default.books finished with 1 task(s) failed and 2 timed out "
            + "(see 'coordctl compaction list --state failed,timeout')",
        CliSupport.describe(DataTasksCommands.CompactionWait.failed(501, "default.books", 30_000, bad)));
  }

  @Test
  void waitRetriesUnavailableButNotOtherErrors() throws InterruptedException {
    Deque<Object> answers = new ArrayDeque<>(List.of(new CoordException(ErrorCode.UNAVAILABLE, "no leader"),
        state(0, 0, 2)));
    List<String> progress = new ArrayList<>();
    DataTasksCommands.CompactionWait.Result r = DataTasksCommands.CompactionWait.await(() -> {
      Object a = answers.removeFirst();
      if (a instanceof CoordException e) {
        throw e;
      }
      return (CompactionState) a;
    }, 60_000, new FakeClock(), progress::add);
    assertTrue(r.done());
    assertEquals(List.of("compaction state: UNAVAILABLE: no leader (retrying)"), progress);
    assertEquals(ErrorCode.INVALID_ARGUMENT, assertThrows(CoordException.class,
        () -> DataTasksCommands.CompactionWait.await(() -> {
          throw new CoordException(ErrorCode.INVALID_ARGUMENT, "bad");
        }, 60_000, new FakeClock(), progress::add)).code());
    DataTasksCommands.CompactionWait.Result none = DataTasksCommands.CompactionWait.await(() -> {
      throw new CoordException(ErrorCode.UNAVAILABLE, "no leader");
    }, 1_000, new FakeClock(), s -> { });
    assertEquals("compaction 3 of id 9 not finished after 1s: no compaction state could be read",
        DataTasksCommands.CompactionWait.failed(3, "id 9", 1_000, none).getMessage());
  }
}
