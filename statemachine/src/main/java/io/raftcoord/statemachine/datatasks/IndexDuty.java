package io.raftcoord.statemachine.datatasks;

import io.raftcoord.proto.Command;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datatasks.DataTasksSettings;
import io.raftcoord.proto.datatasks.IndexInfo;
import io.raftcoord.proto.datatasks.PlanIndexBuilds;
import io.raftcoord.statemachine.datacoord.DataCoordTable;
import io.raftcoord.statemachine.domain.LeaderDuty;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Milvus's index inspector as a leader duty: every second, each (FLUSHED L1/L2 segment with rows,
 * index of its collection) pair without a build task or a finished build gets a build planned, at
 * most {@code max_tasks_per_round} per round (in commands of at most {@link IndexControl#MAX_BUILDS})
 * and none while the queue already holds four rounds' worth (the scheduler drains it first).
 * Segments that flush later and compaction results are found the same way. A collection whose
 * change stamps (and the settings) are those of a walk that found nothing to build is not walked
 * again.
 */
final class IndexDuty implements LeaderDuty {
  private final DataTasksTable table;
  private final DataCoordTable data;
  /** Per index, its collection's stamps and the settings when a walk last found nothing to build. */
  private final Map<Long, Quiet> quiet = new HashMap<>();

  private record Quiet(long dataStamp, long tasksStamp, DataTasksSettings settings) {}

  IndexDuty(DataTasksTable table, DataCoordTable data) {
    this.table = table;
    this.data = data;
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
    quiet.keySet().retainAll(table.indexes().keySet());
    List<Command> out = new ArrayList<>();
    PlanIndexBuilds.Builder b = PlanIndexBuilds.newBuilder();
    int planned = 0;
    for (IndexInfo index : table.indexes().values()) {
      if (planned >= max) {
        break;
      }
      Quiet stamps = new Quiet(data.changeStamp(index.getCollectionId()), table.changeStamp(index.getCollectionId()),
          table.settings());
      if (stamps.equals(quiet.get(index.getId()))) {
        continue;
      }
      int before = planned;
      boolean walkedAll = true;
      Set<Long> built = table.builtSegments(index.getId());
      for (Segment s : data.ofCollection(index.getCollectionId()).values()) {
        if (planned >= max) {
          walkedAll = false;
          break;
        }
        if (IndexControl.buildable(s) && !built.contains(s.getId())
            && table.buildTask(s.getId(), index.getId()).isEmpty()) {
          b.addBuilds(PlanIndexBuilds.Build.newBuilder().setSegmentId(s.getId()).setIndexId(index.getId()));
          planned++;
          if (b.getBuildsCount() == IndexControl.MAX_BUILDS) {
            out.add(DutyCommands.of(b.build()));
            b = PlanIndexBuilds.newBuilder();
          }
        }
      }
      if (walkedAll && planned == before) {
        quiet.put(index.getId(), stamps);
      } else {
        quiet.remove(index.getId());
      }
    }
    if (b.getBuildsCount() > 0) {
      out.add(DutyCommands.of(b.build()));
    }
    return out;
  }
}
