package io.raftcoord.statemachine.datatasks;

import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datatasks.IndexInfo;
import io.raftcoord.statemachine.datacoord.DataCoordTable;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * The (index, segment) pairs the index duty has to plan: buildable segments of an index's
 * collection ({@link IndexControl#buildable}) with neither a finished build nor a build task, so
 * that a round reads what is left to build instead of every segment. Leader-side: apply never
 * reads it, so it needs no apply version. Both tables tell it of every change (under the entry
 * write lock, after the change) and it re-derives the pairs touched; after a load of either table
 * it is stale, and so is a new index, until the index duty's next round walks what is stale once.
 * Only apply and the index duty touch it, both under the entry lock.
 */
final class PendingBuilds implements DataCoordTable.SegmentWatcher {
  private final DataTasksTable tasks;
  private final DataCoordTable data;
  private final Map<Long, TreeSet<Long>> byIndex = new HashMap<>();
  /** Indexes not walked since they were created. */
  private final Set<Long> unwalked = new HashSet<>();
  private boolean stale = true;

  PendingBuilds(DataTasksTable tasks, DataCoordTable data) {
    this.tasks = tasks;
    this.data = data;
  }

  @Override
  public void segmentChanged(long collectionId, long segmentId) {
    if (!stale) {
      for (IndexInfo i : tasks.indexesOf(collectionId)) {
        refresh(segmentId, i.getId());
      }
    }
  }

  @Override
  public void reloaded() {
    stale = true;
    byIndex.clear();
    unwalked.clear();
  }

  void buildChanged(long segmentId, long indexId) {
    if (!stale && !unwalked.contains(indexId)) {
      refresh(segmentId, indexId);
    }
  }

  void indexCreated(long indexId) {
    unwalked.add(indexId);
  }

  void indexDropped(long indexId) {
    byIndex.remove(indexId);
    unwalked.remove(indexId);
  }

  /** The segments still to build for this index, ascending (a view; walks what is stale first). */
  NavigableSet<Long> of(long indexId) {
    if (stale) {
      byIndex.clear();
      unwalked.clear();
      tasks.indexes().keySet().forEach(this::walk);
      stale = false;
    } else if (unwalked.remove(indexId)) {
      walk(indexId);
    }
    TreeSet<Long> s = byIndex.get(indexId);
    return s == null ? Collections.emptyNavigableSet() : Collections.unmodifiableNavigableSet(s);
  }

  private void walk(long indexId) {
    byIndex.remove(indexId);
    IndexInfo index = tasks.indexes().get(indexId);
    if (index != null) {
      for (Segment s : data.ofCollection(index.getCollectionId()).values()) {
        refresh(s.getId(), indexId);
      }
    }
  }

  private void refresh(long segmentId, long indexId) {
    if (!tasks.indexes().containsKey(indexId)) {
      byIndex.remove(indexId); // a dropped index's build tasks leave after it: nothing to keep for it
      return;
    }
    boolean pending = data.segment(segmentId).filter(IndexControl::buildable).isPresent()
        && !tasks.built(segmentId, indexId) && tasks.buildTask(segmentId, indexId).isEmpty();
    if (pending) {
      byIndex.computeIfAbsent(indexId, x -> new TreeSet<>()).add(segmentId);
    } else {
      TreeSet<Long> s = byIndex.get(indexId);
      if (s != null && s.remove(segmentId) && s.isEmpty()) {
        byIndex.remove(indexId);
      }
    }
  }
}
