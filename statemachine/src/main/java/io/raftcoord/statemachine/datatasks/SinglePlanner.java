package io.raftcoord.statemachine.datatasks;

import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datatasks.DataTasksSettings;
import io.raftcoord.proto.datatasks.PlannedCompaction;
import io.raftcoord.proto.datatasks.TaskType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Milvus's single (prioritised) compaction: a FLUSHED segment whose deleted rows reach
 * {@code single_delete_ratio} of its rows, or whose deltalogs exceed {@code single_deltalog_bytes},
 * is rewritten alone without them. Runs before {@link MixPlanner}, which then skips the segments
 * it took. Pure; segments in id order.
 */
final class SinglePlanner {
  private SinglePlanner() {}

  static List<PlannedCompaction> plan(CompactionGroup g, DataTasksSettings s) {
    List<PlannedCompaction> out = new ArrayList<>();
    for (Segment seg : g.l1()) {
      reason(seg, s).ifPresent(why -> out.add(PlannedCompaction.newBuilder().setType(TaskType.SINGLE_COMPACTION)
          .setCollectionId(g.collectionId()).setPartitionId(seg.getPartitionId()).setChannel(g.channel())
          .addSegments(seg.getId()).setTrigger("single:" + why).build()));
    }
    return out;
  }

  static Optional<String> reason(Segment seg, DataTasksSettings s) {
    if (seg.getDeltalogEntries() <= 0) {
      return Optional.empty();
    }
    if (seg.getNumRows() > 0 && seg.getDeltalogEntries() * 1000 >= seg.getNumRows() * (long) s.getSingleDeleteRatioPermille()) {
      return Optional.of("delete-ratio");
    }
    if (seg.getDeltalogBytes() > s.getSingleDeltalogBytes()) {
      return Optional.of("deltalog-size");
    }
    return Optional.empty();
  }
}
