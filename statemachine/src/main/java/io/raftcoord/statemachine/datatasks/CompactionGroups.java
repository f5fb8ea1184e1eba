package io.raftcoord.statemachine.datatasks;

import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentLevel;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.proto.datatasks.Task;
import io.raftcoord.proto.datatasks.TaskType;
import io.raftcoord.statemachine.datacoord.DataCoordTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds the planners' view of a collection's channels from committed state: a collection with
 * FLUSHED L0 segments is walked once, one without reads only its single and mix candidates from
 * DataCoord's indexes. The mix groups hold only what a single or mix planner could take (segments
 * with deletes, or small ones), the L0 groups every unheld L1 segment. A channel where
 * an L0 compaction is open takes no mix or single compaction, and one where any FLUSHED L1 segment
 * is held takes no L0 compaction, so that deletes never miss a segment that is being rewritten
 * (Milvus keeps the two apart per channel too). As with Milvus's {@code indexBasedCompaction}, a
 * segment is a mix or single candidate only once every index of its collection is built on it: a
 * rewrite before that wastes the build.
 */
final class CompactionGroups {
  private CompactionGroups() {}

  record Groups(List<CompactionGroup> forMix, List<CompactionGroup> forL0) {}

  static Groups of(long collectionId, DataCoordTable data, DataTasksTable tasks) {
    return data.hasFlushedL0(collectionId) ? walk(collectionId, data, tasks) : withoutL0(collectionId, data, tasks);
  }

  /**
   * A collection without FLUSHED L0 segments has no L0 work and no open L0 task (its inputs would
   * be FLUSHED L0 segments), so only the single and mix candidates matter: the small segments and
   * those with deletes, read from DataCoord's indexes instead of a walk of every segment. Gives
   * the same plans as {@link #walk}: channels in name order, candidates in id order.
   */
  static Groups withoutL0(long collectionId, DataCoordTable data, DataTasksTable tasks) {
    List<Set<Long>> indexes = tasks.indexesOf(collectionId).stream().map(i -> tasks.builtSegments(i.getId())).toList();
    boolean anyHeld = tasks.anyHeld();
    long expected = data.settings().getMaxSegmentBytes();
    long small = expected * tasks.settings().getSmallProportionPermille() / 1000;
    List<Segment> candidates = data.flushedSmallerThan(collectionId, small);
    for (Segment s : data.flushedWithDeletes(collectionId).values()) {
      if (DataCoordTable.compactionSize(s) >= small) { // the smaller ones are in already
        candidates.add(s);
      }
    }
    candidates.sort(java.util.Comparator.comparingLong(Segment::getId));
    Map<String, Acc> byChannel = new TreeMap<>();
    for (Segment s : data.activeOf(collectionId).values()) {
      Acc a = byChannel.computeIfAbsent(s.getChannel(), c -> new Acc());
      if (s.getState() == SegmentState.GROWING && s.hasStartPosition()) {
        a.earliestGrowing = Math.min(a.earliestGrowing, s.getStartPosition().getTimestamp());
      }
    }
    for (Segment s : candidates) {
      Acc a = byChannel.computeIfAbsent(s.getChannel(), c -> new Acc());
      if (anyHeld && tasks.holder(s.getId()).isPresent()) {
        continue;
      }
      if (builtAll(s.getId(), indexes)) {
        a.indexed.add(s);
      }
    }
    List<CompactionGroup> mix = new ArrayList<>();
    byChannel.forEach((channel, a) -> mix.add(new CompactionGroup(collectionId, channel, a.indexed, List.of(),
        a.earliestGrowing, expected, false)));
    return new Groups(mix, List.of());
  }

  /** Every segment of the collection once: what L0 planning needs (its targets are every free L1 segment). */
  static Groups walk(long collectionId, DataCoordTable data, DataTasksTable tasks) {
    List<Set<Long>> indexes = tasks.indexesOf(collectionId).stream().map(i -> tasks.builtSegments(i.getId())).toList();
    boolean anyHeld = tasks.anyHeld();
    long expected = data.settings().getMaxSegmentBytes();
    long small = expected * tasks.settings().getSmallProportionPermille() / 1000;
    Map<String, Acc> unordered = new HashMap<>();
    for (Segment s : data.ofCollection(collectionId).values()) {
      Acc a = unordered.computeIfAbsent(s.getChannel(), c -> new Acc());
      if (s.getState() == SegmentState.GROWING && s.hasStartPosition()) {
        a.earliestGrowing = Math.min(a.earliestGrowing, s.getStartPosition().getTimestamp());
      }
      if (s.getState() != SegmentState.FLUSHED) {
        continue;
      }
      Optional<Task> holder = anyHeld ? tasks.holder(s.getId()).flatMap(tasks::task) : Optional.empty();
      boolean l0 = s.getLevel() == SegmentLevel.L0;
      if (holder.isPresent()) {
        if (holder.get().getType() == TaskType.L0_COMPACTION) {
          a.l0Open = true;
        }
        if (!l0) {
          a.l1Held = true;
        }
        continue;
      }
      (l0 ? a.l0 : a.l1).add(s);
      // Only what a single (deletes) or mix (small) compaction could take goes to the mix group:
      // the planners skip the rest anyway, and at a million segments it is most of them.
      if (!l0 && (s.getDeltalogEntries() > 0 || MixPlanner.size(s) < small) && builtAll(s.getId(), indexes)) {
        a.indexed.add(s);
      }
    }
    Map<String, Acc> byChannel = new TreeMap<>(unordered);
    List<CompactionGroup> mix = new ArrayList<>();
    List<CompactionGroup> l0 = new ArrayList<>();
    byChannel.forEach((channel, a) -> {
      if (!a.l0Open) {
        mix.add(new CompactionGroup(collectionId, channel, a.indexed, List.of(), a.earliestGrowing, expected, false));
      }
      l0.add(new CompactionGroup(collectionId, channel, a.l1, a.l0, a.earliestGrowing, expected, a.l0Open || a.l1Held));
    });
    return new Groups(mix, l0);
  }

  /** Whether every index's built set holds the segment (true when the collection has none). */
  private static boolean builtAll(long segmentId, List<Set<Long>> builtByIndex) {
    for (Set<Long> built : builtByIndex) {
      if (!built.contains(segmentId)) {
        return false;
      }
    }
    return true;
  }

  private static final class Acc {
    final List<Segment> l1 = new ArrayList<>();
    final List<Segment> l0 = new ArrayList<>();
    /** Single or mix candidates with every index built. */
    final List<Segment> indexed = new ArrayList<>();
    long earliestGrowing = Long.MAX_VALUE;
    boolean l0Open;
    boolean l1Held;
  }
}
