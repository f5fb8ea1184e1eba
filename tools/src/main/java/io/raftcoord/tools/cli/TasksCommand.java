package io.raftcoord.tools.cli;

import io.raftcoord.client.CoordClient;
import io.raftcoord.proto.datacoord.CollectionSelector;
import io.raftcoord.proto.datatasks.ListTasks;
import io.raftcoord.proto.datatasks.Task;
import io.raftcoord.proto.datatasks.TaskState;
import io.raftcoord.proto.datatasks.TaskType;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code coordctl tasks}: DataCoord's task table (compactions, index builds, GC) in id order. */
@Command(name = "tasks", mixinStandardHelpOptions = true,
    description = {"List DataCoord's tasks of every type (mix/single/L0 compactions, index builds, GC) in id order: "
        + "type, state, collection id, channel, segments, index id, the worker (server_id/epoch), slots, attempts, "
        + "what made it, age and why it failed; then the count by state.",
        "Terminal tasks stay listed until the clean delay (datatasks settings clean_after_ms) passes."})
final class TasksCommand extends CatalogCommand {
  @Option(names = "--node", paramLabel = "SERVER_ID",
      description = "Only tasks handed to this worker (its server id), in any state.")
  Long node;

  @Option(names = "--type", paramLabel = "TYPE", split = ",", converter = DataTasksArgs.TypeConverter.class,
      description = "Only these types (repeatable or comma-separated): mix, l0, single, index, gc (or the full "
          + "names: mix_compaction, ...).")
  List<TaskType> types = new ArrayList<>();

  @Option(names = "--state", paramLabel = "STATE", split = ",", converter = DataTasksArgs.StateConverter.class,
      description = "Only these states (repeatable or comma-separated): pipelining, executing, completed, failed, "
          + "timeout.")
  List<TaskState> states = new ArrayList<>();

  @Mixin
  DataCoordArgs.CollectionOption collection;

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
    if (node != null && node < 1) {
      throw usage("--node must be a positive server id, got " + node);
    }
    if (afterId < 0) {
      throw usage("--after-id must not be negative, got " + afterId);
    }
    ListTasks.Builder q = ListTasks.newBuilder().addAllTypes(types.stream().distinct().toList())
        .addAllStates(states.stream().distinct().toList());
    // The server's node filter returns only the tasks EXECUTING on the node: filter here instead,
    // so that a worker's finished and failed tasks show too.
    Predicate<Task> keep = node == null ? null : t -> t.getNode().getServerId() == node;
    DataTasksOutput.TaskPage page;
    try (CoordClient client = root().connect()) {
      if (c != null) {
        q.setCollectionId(DataTasksCommands.collectionId(client, c));
      }
      page = DataTasksCommands.list(client.dataTasks()::tasks, q.build(), afterId, limit, keep);
    }
    long now = System.currentTimeMillis();
    print(() -> DataTasksOutput.tasksText(page, now), () -> DataTasksOutput.tasksJson(page));
    return 0;
  }
}
