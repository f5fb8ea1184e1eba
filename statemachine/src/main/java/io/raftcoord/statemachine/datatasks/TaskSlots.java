package io.raftcoord.statemachine.datatasks;

import io.raftcoord.proto.datatasks.TaskType;

/**
 * Milvus's slot accounting: what a task occupies on its worker. An index build costs by the size of
 * its segment (64 per 512 MiB, 16 above 100 MiB, 4 above 10 MiB, else 1); a mix or single
 * compaction 4; an L0 compaction 8; a GC task 1.
 */
final class TaskSlots {
  private static final long MIB = 1024L * 1024;

  private TaskSlots() {}

  static int cost(TaskType type, long segmentBytes) {
    return switch (type) {
      case MIX_COMPACTION, SINGLE_COMPACTION -> 4;
      case L0_COMPACTION -> 8;
      case INDEX_BUILD -> indexCost(segmentBytes);
      case GC -> 1;
      case TASK_TYPE_NONE, UNRECOGNIZED -> throw new IllegalArgumentException("no slot cost for " + type);
    };
  }

  static int indexCost(long bytes) {
    if (bytes > 512 * MIB) {
      return (int) Math.min(64L * (bytes / (512 * MIB)), 1 << 20);
    }
    if (bytes > 100 * MIB) {
      return 16;
    }
    if (bytes > 10 * MIB) {
      return 4;
    }
    return 1;
  }
}
