package io.raftcoord.statemachine.datatasks;

import io.raftcoord.proto.datacoord.Segment;
import java.util.List;

/**
 * What the compaction planners see of one channel of one collection: its FLUSHED segments that no
 * open task holds, split by level and ascending by id, and when its earliest GROWING segment
 * started (L0 deletes after that may still touch growing data). A view, built by the duty from
 * committed state; planners never read tables.
 *
 * @param earliestGrowingTs start timestamp of the channel's earliest growing segment, or
 *     {@link Long#MAX_VALUE} when none grows
 * @param busy some segment of the channel is held by an open L0 compaction, or an L0 target
 *     is held by another task: no new compaction on this channel this round
 */
record CompactionGroup(long collectionId, String channel, List<Segment> l1, List<Segment> l0,
                       long earliestGrowingTs, long expectedBytes, boolean busy) {
}
