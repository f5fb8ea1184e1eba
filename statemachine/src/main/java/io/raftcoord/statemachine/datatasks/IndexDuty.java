package io.raftcoord.statemachine.datatasks;

import io.raftcoord.proto.Command;
import io.raftcoord.proto.datatasks.IndexInfo;
import io.raftcoord.proto.datatasks.PlanIndexBuilds;
import io.raftcoord.statemachine.domain.LeaderDuty;
import java.util.ArrayList;
import java.util.List;

/**
 * Milvus's index inspector as a leader duty: every second, each (FLUSHED L1/L2 segment with rows,
 * index of its collection) pair without a build task or a finished build gets a build planned, at
 * most {@code max_tasks_per_round} per round (in commands of at most {@link IndexControl#MAX_BUILDS})
 * and none while the queue already holds four rounds' worth (the scheduler drains it first).
 * Segments that flush later and compaction results are found the same way. The pairs come from
 * {@link PendingBuilds}, so a round reads what is left to build, not every segment.
 */
final class IndexDuty implements LeaderDuty {
  private final DataTasksTable table;
  private final PendingBuilds pending;

  IndexDuty(DataTasksTable table, PendingBuilds pending) {
    this.table = table;
    this.pending = pending;
  }

  @Override
  public String name() {
    return "datatasks-index";
  }

  @Override
  public long intervalMs() {
    return 1000;
  }

  @Override
  public List<Command> plan(When when) {
    int max = table.settings().getMaxTasksPerRound();
    if (table.indexes().isEmpty() || table.pipeliningBuilds() >= 4L * max) {
      return List.of();
    }
    List<Command> out = new ArrayList<>();
    PlanIndexBuilds.Builder b = PlanIndexBuilds.newBuilder();
    int planned = 0;
    for (IndexInfo index : table.indexes().values()) {
      for (long segment : pending.of(index.getId())) {
        if (planned >= max) {
          break;
        }
        b.addBuilds(PlanIndexBuilds.Build.newBuilder().setSegmentId(segment).setIndexId(index.getId()));
        planned++;
        if (b.getBuildsCount() == IndexControl.MAX_BUILDS) {
          out.add(DutyCommands.of(b.build()));
          b = PlanIndexBuilds.newBuilder();
        }
      }
    }
    if (b.getBuildsCount() > 0) {
      out.add(DutyCommands.of(b.build()));
    }
    return out;
  }
}
