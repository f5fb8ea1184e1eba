package io.raftcoord.tools.cli;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.datacoord.CollectionSelector;
import io.raftcoord.proto.datatasks.CompactionState;
import io.raftcoord.proto.datatasks.ListTasks;
import io.raftcoord.proto.datatasks.Task;
import io.raftcoord.proto.datatasks.TaskList;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * What the datatasks commands (compaction, index, tasks, gc) share: collection lookups, task
 * paging and the wait of {@code compaction trigger --wait}.
 */
final class DataTasksCommands {
  /** Tasks per read (the server's own cap is 10,000). */
  static final int PAGE = 5_000;

  private DataTasksCommands() {}

  /** The id of the selected collection (a name is looked up in the catalog). */
  static long collectionId(CoordClient client, CollectionSelector sel) {
    if (sel.getId() != 0) {
      return sel.getId();
    }
    return client.catalog().describeCollection(sel.getDb(), sel.getName()).getCollection().getId();
  }

  /**
   * Pages of {@code q} after {@code afterId} until {@code limit} tasks that {@code keep} accepts
   * (null: every task the server returns) have been found or there are no more. With
   * {@code keep}, more is known to match only once one more match has been seen.
   */
  static DataTasksOutput.TaskPage list(Function<ListTasks, TaskList> read, ListTasks q, long afterId, int limit,
      Predicate<Task> keep) {
    List<Task> got = new ArrayList<>();
    long after = afterId;
    boolean more = false;
    while (true) {
      int page = keep == null ? Math.min(PAGE, limit - got.size()) : PAGE;
      TaskList r = read.apply(q.toBuilder().setAfterId(after).setLimit(page).build());
      boolean full = false;
      for (Task t : r.getTasksList()) {
        if (keep != null && !keep.test(t)) {
          continue;
        }
        if (got.size() == limit) {
          full = true;
          break;
        }
        got.add(t);
      }
      if (full) {
        more = true;
        break;
      }
      boolean serverMore = r.getMore() && r.getTasksCount() > 0;
      if (!serverMore) {
        break;
      }
      after = r.getTasks(r.getTasksCount() - 1).getId();
      if (keep == null && got.size() >= limit) {
        more = true;
        break;
      }
    }
    return new DataTasksOutput.TaskPage(got, more, limit);
  }

  /** Polls a compaction trigger's state ({@link PollWait}) until none of its tasks is pipelining or executing. */
  static final class CompactionWait {
    record Result(boolean done, CompactionState last, long waitedMs) {}

    private CompactionWait() {}

    static Result await(Supplier<CompactionState> poll, long timeoutMs, FlushWait.Clock clock,
        Consumer<String> progress) throws InterruptedException {
      PollWait.Result<CompactionState> r = PollWait.await("compaction state", poll, CompactionState::getCompletedAll,
          DataTasksOutput::progressText, timeoutMs, clock, progress);
      return new Result(r.finished(), r.last(), r.waitedMs());
    }

    /**
     * The error a wait ends with (exit code 1): not done before the deadline, or done with tasks
     * that failed or timed out; null when every task completed.
     */
    static CoordException failed(long triggerId, String collection, long timeoutMs, Result r) {
      String what = "compaction " + triggerId + " of " + collection;
      if (!r.done()) {
        return new CoordException(ErrorCode.DEADLINE_EXCEEDED, what + " not finished after "
            + DataCoordOutput.duration(timeoutMs) + ": " + (r.last() == null ? "no compaction state could be read"
            : DataTasksOutput.progressText(r.last())));
      }
      CompactionState s = r.last();
      if (s.getFailed() + s.getTimeout() == 0) {
        return null;
      }
      return new CoordException(ErrorCode.FAILED_PRECONDITION, what + " finished with " + s.getFailed()
          + " task(s) failed and " + s.getTimeout() + " timed out (see 'coordctl compaction list --state failed,timeout')");
    }
  }
}
