package io.raftcoord.statemachine.datatasks;

import io.raftcoord.proto.datatasks.DataTasksSettings;
import io.raftcoord.proto.datatasks.PlannedCompaction;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One planning pass over a collection's channels: L0 first, then single, then mix over what single
 * left, so that no segment is in two plans. Pure.
 */
final class CompactionPlanner {
  private CompactionPlanner() {}

  static List<PlannedCompaction> plan(CompactionGroups.Groups groups, DataTasksSettings s, boolean mix, boolean l0,
                                      boolean force, String trigger) {
    return plan(groups, s, mix, l0, force, trigger, Integer.MAX_VALUE);
  }

  /**
   * As above, stopping at {@code limit} plans: a leader round proposes only so many, and packing
   * a hundred thousand small segments into plans it would drop costs more than the round may.
   */
  static List<PlannedCompaction> plan(CompactionGroups.Groups groups, DataTasksSettings s, boolean mix, boolean l0,
                                      boolean force, String trigger, int limit) {
    List<PlannedCompaction> out = new ArrayList<>();
    Set<String> withL0 = new HashSet<>();
    if (l0) {
      for (CompactionGroup g : groups.forL0()) {
        List<PlannedCompaction> plans = L0Planner.plan(g, s, force, force ? trigger : "l0");
        plans.forEach(p -> withL0.add(p.getChannel()));
        out.addAll(plans);
      }
    }
    if (mix) {
      for (CompactionGroup g : groups.forMix()) {
        if (out.size() >= limit) {
          break;
        }
        if (withL0.contains(g.channel())) {
          continue; // an L0 plan on the channel holds its L1 segments as targets
        }
        List<PlannedCompaction> singles = SinglePlanner.plan(g, s);
        out.addAll(singles);
        Set<Long> taken = new HashSet<>();
        singles.forEach(p -> taken.addAll(p.getSegmentsList()));
        CompactionGroup rest = taken.isEmpty() ? g : new CompactionGroup(g.collectionId(), g.channel(),
            g.l1().stream().filter(x -> !taken.contains(x.getId())).toList(), g.l0(), g.earliestGrowingTs(),
            g.expectedBytes(), g.busy());
        out.addAll(MixPlanner.plan(rest, s, force, force ? trigger : "mix", Math.max(0, limit - out.size())));
      }
    }
    return out.size() > limit ? out.subList(0, limit) : out;
  }
}
