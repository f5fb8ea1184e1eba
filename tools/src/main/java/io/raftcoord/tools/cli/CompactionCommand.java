package io.raftcoord.tools.cli;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.proto.datacoord.CollectionSelector;
import io.raftcoord.proto.datatasks.DataTasksReply;
import io.raftcoord.proto.datatasks.ListTasks;
import io.raftcoord.proto.datatasks.Task;
import io.raftcoord.proto.datatasks.TaskList;
import io.raftcoord.proto.datatasks.TaskState;
import io.raftcoord.proto.datatasks.TaskType;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coordctl compaction ...}: DataCoord's compactions (mix, single, L0). */
@Command(name = "compaction", mixinStandardHelpOptions = true,
    description = {"DataCoord's compactions: trigger, list, describe.",
        "Mix compactions pack a partition's small flushed segments toward the expected size, single compactions "
            + "rewrite one segment without its deleted rows, L0 compactions apply a channel's L0 deletes to the "
            + "segments they touch. The planners run by themselves (see 'coordctl datatasks settings'); workers "
            + "(scripts/simnodes.sh --role worker) do the tasks."},
    subcommands = {CompactionCommand.Trigger.class, CompactionCommand.ListCompactions.class,
        CompactionCommand.Describe.class})
final class CompactionCommand extends CatalogCommand.Group {

  @Command(name = "trigger", mixinStandardHelpOptions = true,
      description = {"Compact a collection now (Milvus's compact()): the planners run for it at once, ignoring their "
          + "intervals and thresholds. Prints the trigger id and the tasks it made.",
          "With --wait: poll the trigger's state until none of its tasks is pipelining or executing; the progress is "
              + "printed on stderr meanwhile. Exit code 1 when --wait-timeout passes first (the compaction goes on "
              + "without us) or when a task failed or timed out.",
          "Workers do the compacting: without one, --wait times out."})
  static final class Trigger extends CatalogCommand {
    @Parameters(index = "0", paramLabel = "COLLECTION", description = "NAME (or alias) in --db, DB.NAME, or the numeric id.")
    String collection;

    @Option(names = "--db", paramLabel = "DB", description = "Database of COLLECTION (default: default).")
    String db;

    @Option(names = "--wait", description = "Wait until every task of the trigger has ended.")
    boolean await;

    @Option(names = "--wait-timeout", paramLabel = "DURATION", converter = DataCoordArgs.DurationConverter.class,
        description = "Longest --wait waits: e.g. 90s, 5m, 1500ms; a bare number is seconds (default 120s). The "
            + "global --timeout bounds each request.")
    Long waitTimeoutMs;

    static final long DEFAULT_WAIT_MS = 120_000;

    @Override
    public Integer call() throws InterruptedException {
      CollectionSelector sel = QueryCoordCommands.selector(this, collection, db);
      if (waitTimeoutMs != null && !await) {
        throw usage("--wait-timeout needs --wait");
      }
      long waitMs = waitTimeoutMs == null ? DEFAULT_WAIT_MS : waitTimeoutMs;
      boolean json = root().json;
      PrintWriter out = out();
      PrintWriter err = err();
      try (CoordClient client = root().connect()) {
        QueryCoordCommands.Named n = QueryCoordCommands.resolve(client, sel);
        String what = n.display();
        DataTasksReply r = client.dataTasks().compact(n.db(), n.name());
        if (!await) {
          print(() -> DataTasksOutput.triggerText(r, what), () -> DataTasksOutput.triggerJson(r, what, null, null, 0));
          return 0;
        }
        if (!json) {
          out.println(DataTasksOutput.triggerText(r, what));
          out.flush();
        }
        DataTasksCommands.CompactionWait.Result res = DataTasksCommands.CompactionWait.await(
            () -> client.dataTasks().compactionState(r.getTriggerId()), waitMs, FlushWait.SYSTEM, line -> {
              err.println("coordctl: compaction: " + line);
              err.flush();
            });
        CoordException failed = DataTasksCommands.CompactionWait.failed(r.getTriggerId(), what, waitMs, res);
        if (json) {
          out.println(Output.json(DataTasksOutput.triggerJson(r, what, res.last(), res.done(), res.waitedMs())));
        } else if (res.done()) {
          out.println(DataTasksOutput.compactedText(res.last(), res.waitedMs()));
        }
        out.flush();
        if (failed != null) {
          throw failed;
        }
      }
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = {"List compaction tasks in id order: type, state, collection id, channel, input segments (an L0 "
          + "compaction: its L0 segments -> the segments it applies them to), result segments, the worker "
          + "(server_id/epoch), attempts, what made it (manual #TRIGGER_ID, mix, single:..., l0), age and why it "
          + "failed; then the count by state.",
          "Terminal tasks stay listed until the clean delay (datatasks settings clean_after_ms) passes."})
  static final class ListCompactions extends CatalogCommand {
    @Mixin
    DataCoordArgs.CollectionOption collection;

    @Option(names = "--state", paramLabel = "STATE", split = ",", converter = DataTasksArgs.StateConverter.class,
        description = "Only these states (repeatable or comma-separated): pipelining, executing, completed, failed, "
            + "timeout.")
    List<TaskState> states = new ArrayList<>();

    @Option(names = "--type", paramLabel = "TYPE", split = ",", converter = DataTasksArgs.CompactionTypeConverter.class,
        description = "Only these types (repeatable or comma-separated): mix, l0, single.")
    List<TaskType> types = new ArrayList<>();

    @Option(names = "--limit", paramLabel = "N", defaultValue = "1000",
        description = "Show at most N tasks (default ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--after-id", paramLabel = "ID", defaultValue = "0",
        description = "Start after this task id (to page on from a previous list).")
    long afterId;

    @Override
    public Integer call() {
      CollectionSelector c = DataCoordCommands.selector(this, collection);
      positive("--limit", limit);
      if (afterId < 0) {
        throw usage("--after-id must not be negative, got " + afterId);
      }
      ListTasks.Builder q = ListTasks.newBuilder()
          .addAllTypes(types.isEmpty() ? DataTasksArgs.COMPACTION_TYPES : types.stream().distinct().toList())
          .addAllStates(states.stream().distinct().toList());
      DataTasksOutput.TaskPage page;
      try (CoordClient client = root().connect()) {
        if (c != null) {
          q.setCollectionId(DataTasksCommands.collectionId(client, c));
        }
        page = DataTasksCommands.list(client.dataTasks()::tasks, q.build(), afterId, limit, null);
      }
      long now = System.currentTimeMillis();
      print(() -> DataTasksOutput.compactionsText(page, now), () -> DataTasksOutput.tasksJson(page));
      return 0;
    }
  }

  @Command(name = "describe", mixinStandardHelpOptions = true,
      description = {"Show every field of a task: type, state, collection, partition, channel, its segments (and an "
          + "L0 compaction's targets), results, index, worker, slots, attempts and the workers tried, what made it, "
          + "when it was made, started and ended, and why it failed; for a GC task, the files of each of its segments "
          + "(binlog, deltalog and statslog ids, index file ids) its worker removes.",
          "Any task id works (index builds and GC tasks too)."})
  static final class Describe extends CatalogCommand {
    @Parameters(index = "0", paramLabel = "TASK_ID", description = "The task's id.")
    long id;

    @Override
    public Integer call() {
      if (id < 1) {
        throw usage("TASK_ID must be a positive id, got " + id);
      }
      TaskList d;
      try (CoordClient client = root().connect()) {
        d = client.dataTasks().describeTaskWithFiles(id);
      }
      long now = System.currentTimeMillis();
      print(() -> DataTasksOutput.taskText(d.getTasks(0), d.getGcFilesList(), now), () -> DataTasksOutput.taskJson(d));
      return 0;
    }
  }
}
