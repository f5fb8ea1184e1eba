package io.raftcoord.statemachine.datatasks;

import io.raftcoord.proto.Command;
import io.raftcoord.proto.datatasks.DataTasksSettings;
import io.raftcoord.proto.datatasks.PlanCompactions;
import io.raftcoord.proto.datatasks.PlannedCompaction;
import io.raftcoord.statemachine.datacoord.DataCoordTable;
import io.raftcoord.statemachine.domain.LeaderDuty;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Milvus's compaction triggers as a leader duty: L0 every {@code l0_interval_ms}, single and mix
 * every {@code mix_interval_ms}, over every collection with segments, while auto compaction is
 * on. When each last ran is leader-local: a new leader runs both at once, which plans nothing twice
 * because apply refuses inputs an open task holds. The planners are pure functions of a
 * collection's segments, its tasks and builds and the settings (no clock), so a collection whose
 * change stamps and settings are those of a round that planned nothing for it is skipped. A round
 * plans at most {@code max_tasks_per_round} compactions; what is left is planned next round.
 */
final class CompactionDuty implements LeaderDuty {
  private final DataTasksTable table;
  private final DataCoordTable data;
  private long lastMix = Long.MIN_VALUE;
  private long lastL0 = Long.MIN_VALUE;
  private long leaderSince = Long.MIN_VALUE;
  /** Per collection, the last round that planned nothing for it: its stamps, settings and kinds. */
  private final Map<Long, Quiet> quiet = new HashMap<>();

  private record Quiet(long dataStamp, long tasksStamp, DataTasksSettings settings, long expectedBytes, boolean mix,
      boolean l0) {
    boolean covers(Quiet now) {
      return dataStamp == now.dataStamp && tasksStamp == now.tasksStamp && expectedBytes == now.expectedBytes
          && settings.equals(now.settings) && (mix || !now.mix) && (l0 || !now.l0);
    }
  }

  CompactionDuty(DataTasksTable table, DataCoordTable data) {
    this.table = table;
    this.data = data;
  }

  @Override
  public String name() {
    return "datatasks-compaction";
  }

  @Override
  public long intervalMs() {
    return 1000;
  }

  @Override
  public List<Command> plan(When when) {
    DataTasksSettings s = table.settings();
    if (!s.getAutoCompaction()) {
      return List.of();
    }
    if (when.leaderSinceMs() != leaderSince) {
      leaderSince = when.leaderSinceMs();
      lastMix = Long.MIN_VALUE;
      lastL0 = Long.MIN_VALUE;
      quiet.clear();
    }
    boolean mix = lastMix == Long.MIN_VALUE || when.nowMs() - lastMix >= s.getMixIntervalMs();
    boolean l0 = lastL0 == Long.MIN_VALUE || when.nowMs() - lastL0 >= s.getL0IntervalMs();
    if (!mix && !l0) {
      return List.of();
    }
    lastMix = mix ? when.nowMs() : lastMix;
    lastL0 = l0 ? when.nowMs() : lastL0;
    List<PlannedCompaction> plans = new ArrayList<>();
    List<Long> collections = data.collectionsWithSegments();
    quiet.keySet().retainAll(collections);
    int max = s.getMaxTasksPerRound();
    for (long collection : collections) {
      if (plans.size() >= max) {
        break; // the rest next round: one round's proposals must not keep the scheduler waiting
      }
      Quiet now = new Quiet(data.changeStamp(collection), table.changeStamp(collection), s,
          data.settings().getMaxSegmentBytes(), mix, l0);
      Quiet last = quiet.get(collection);
      if (last != null && last.covers(now)) {
        continue;
      }
      List<PlannedCompaction> planned = CompactionPlanner.plan(CompactionGroups.of(collection, data, table), s, mix, l0,
          false, "", max - plans.size());
      if (planned.isEmpty()) {
        quiet.put(collection, now);
      } else {
        quiet.remove(collection);
        plans.addAll(planned);
      }
    }
    if (plans.size() > max) {
      plans = plans.subList(0, max);
    }
    List<Command> out = new ArrayList<>();
    for (int i = 0; i < plans.size(); i += CompactionControl.MAX_PLANS) {
      out.add(DutyCommands.of(PlanCompactions.newBuilder()
          .addAllPlans(plans.subList(i, Math.min(plans.size(), i + CompactionControl.MAX_PLANS)))
          .setPlannedRevision(when.revision()).build()));
    }
    return out;
  }
}
