package io.raftcoord.statemachine.datatasks;

import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datatasks.DataTasksSettings;
import io.raftcoord.proto.datatasks.PlannedCompaction;
import io.raftcoord.proto.datatasks.TaskType;
import java.util.ArrayList;
import java.util.List;

/**
 * Milvus's L0 delete compaction, per channel: only L0 segments whose last delete is older than the
 * channel's earliest GROWING segment are eligible (later deletes may still touch growing data).
 * Once they hold {@code l0_trigger_files} deltalog files or {@code l0_trigger_bytes} (or on a
 * manual trigger, any), the oldest are planned up to {@code l0_max_files} / {@code l0_max_bytes},
 * against every FLUSHED L1/L2 segment of the channel that started before the newest of them. A
 * flushed L0 segment counts as one deltalog file (a data node writes one per flush). Pure.
 */
final class L0Planner {
  private L0Planner() {}

  static List<PlannedCompaction> plan(CompactionGroup g, DataTasksSettings s, boolean force, String trigger) {
    if (g.busy() || g.l0().isEmpty()) {
      return List.of();
    }
    List<Segment> eligible = new ArrayList<>();
    long bytes = 0;
    for (Segment seg : g.l0()) {
      if (lastTs(seg) < g.earliestGrowingTs()) {
        eligible.add(seg);
        bytes += seg.getDeltalogBytes();
      }
    }
    if (eligible.isEmpty()
        || !force && eligible.size() < s.getL0TriggerFiles() && bytes < s.getL0TriggerBytes()) {
      return List.of();
    }
    List<Segment> taken = new ArrayList<>();
    long takenBytes = 0;
    for (Segment seg : eligible) {
      if (!taken.isEmpty() && (taken.size() >= s.getL0MaxFiles() || takenBytes + seg.getDeltalogBytes() > s.getL0MaxBytes())) {
        break;
      }
      taken.add(seg);
      takenBytes += seg.getDeltalogBytes();
    }
    long newest = taken.stream().mapToLong(L0Planner::lastTs).max().orElseThrow();
    PlannedCompaction.Builder p = PlannedCompaction.newBuilder().setType(TaskType.L0_COMPACTION)
        .setCollectionId(g.collectionId()).setPartitionId(taken.get(0).getPartitionId()).setChannel(g.channel())
        .addAllSegments(taken.stream().map(Segment::getId).toList()).setTrigger(trigger);
    for (Segment t : g.l1()) {
      if (startTs(t) <= newest) {
        p.addTargets(t.getId());
      }
    }
    return List.of(p.build());
  }

  /** The last delete an L0 segment holds: its checkpoint, else its start. */
  static long lastTs(Segment s) {
    return s.hasDmlPosition() ? s.getDmlPosition().getTimestamp() : startTs(s);
  }

  static long startTs(Segment s) {
    return s.hasStartPosition() ? s.getStartPosition().getTimestamp() : 0;
  }
}
