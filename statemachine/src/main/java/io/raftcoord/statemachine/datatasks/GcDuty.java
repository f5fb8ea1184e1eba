package io.raftcoord.statemachine.datatasks;

import io.raftcoord.proto.Command;
import io.raftcoord.proto.datacoord.Channel;
import io.raftcoord.proto.datatasks.IndexInfo;
import io.raftcoord.proto.datatasks.PlanGc;
import io.raftcoord.statemachine.datacoord.DataCoordTable;
import io.raftcoord.statemachine.domain.LeaderDuty;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Milvus's metadata GC pass as a leader duty, every {@code gc_interval_ms} (first one as soon as a
 * leader is ready): {@link GcPlanner} over every collection with segments.
 */
final class GcDuty implements LeaderDuty {
  private final DataTasksTable table;
  private final DataCoordTable data;
  private long lastRun = Long.MIN_VALUE;
  private long leaderSince = Long.MIN_VALUE;

  GcDuty(DataTasksTable table, DataCoordTable data) {
    this.table = table;
    this.data = data;
  }

  @Override
  public String name() {
    return "datatasks-gc";
  }

  @Override
  public long intervalMs() {
    return 1000;
  }

  @Override
  public List<Command> plan(When when) {
    if (when.leaderSinceMs() != leaderSince) {
      leaderSince = when.leaderSinceMs();
      lastRun = Long.MIN_VALUE;
    }
    if (lastRun != Long.MIN_VALUE && when.nowMs() - lastRun < table.settings().getGcIntervalMs()) {
      return List.of();
    }
    lastRun = when.nowMs();
    List<Command> out = new ArrayList<>();
    int budget = table.settings().getMaxTasksPerRound() * GcControl.MAX_SEGMENTS;
    for (long collection : data.collectionsWithSegments()) {
      List<IndexInfo> indexes = table.indexesOf(collection);
      if (data.droppedOf(collection).isEmpty()) {
        continue;
      }
      List<PlanGc> plans = GcPlanner.plan(collection, data.droppedOf(collection), data::resultsOf,
          id -> data.segment(id).orElse(null), when.leaderTimeMs(), table.settings().getDropToleranceMs(), id -> table.holder(id).isPresent(),
          id -> indexes.stream().allMatch(i -> table.built(id, i.getId()) || !data.segment(id).map(IndexControl::buildable)
              .orElse(false)),
          channel -> checkpoint(data.channel(channel)), GcControl.MAX_SEGMENTS, budget);
      for (PlanGc p : plans) {
        budget -= p.getSegmentsCount();
        out.add(DutyCommands.of(p));
      }
      if (budget <= 0) {
        break;
      }
    }
    return out;
  }

  private static long checkpoint(Optional<Channel> c) {
    if (c.isEmpty()) {
      return Long.MAX_VALUE; // gone with its collection: nothing will replay from it
    }
    return c.get().hasCheckpoint() ? c.get().getCheckpoint().getTimestamp() : Long.MIN_VALUE;
  }
}
