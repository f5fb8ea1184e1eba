package io.raftcoord.statemachine.datatasks;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.proto.datatasks.DataTasksEvent;
import io.raftcoord.proto.datatasks.DataTasksSettings;
import io.raftcoord.proto.datatasks.IndexInfo;
import io.raftcoord.proto.datatasks.SegmentIndex;
import io.raftcoord.proto.datatasks.Task;
import io.raftcoord.proto.datatasks.TaskState;
import io.raftcoord.proto.datatasks.TaskType;
import io.raftcoord.statemachine.store.Bytes;
import io.raftcoord.statemachine.store.ColumnFamily;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.store.StoreBatch;
import io.raftcoord.statemachine.store.StoreException;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The committed task, index and segment-index state, in memory and in the {@code datatasks} column
 * family; changed only by {@link #replay}. Keys: {@code 0x01|task}, {@code 0x02|index},
 * {@code 0x03|segment|index} (a finished build), and the
 * settings. Indexes kept so that no planner scans everything: open tasks by state and by worker, the
 * segments an open compaction holds (a segment is in at most one), the (segment, index) pairs with
 * an open build, and per index the segments built.
 */
public final class DataTasksTable {
  public static final ColumnFamily CF = ColumnFamily.named("datatasks");
  private static final byte TASK = 0x01;
  private static final byte INDEX = 0x02;
  private static final byte SEGMENT_INDEX = 0x03;
  private static final byte[] SETTINGS_KEY = Bytes.utf8("settings");

  private final TreeMap<Long, Task> tasks = new TreeMap<>();
  private final TreeSet<Long> pipelining = new TreeSet<>();
  private final java.util.EnumMap<TaskType, TreeSet<Long>> pipeliningByType = new java.util.EnumMap<>(TaskType.class);
  private final Map<Long, TreeSet<Long>> executingByNode = new HashMap<>();
  /** Terminal tasks by when they ended: what the cleaner walks from the oldest. */
  private final TreeMap<Long, TreeSet<Long>> terminalByEnd = new TreeMap<>();
  /** Segments an open compaction or GC task holds (inputs and L0 targets), by the task. */
  private final Map<Long, Long> heldBy = new HashMap<>();
  /** Index build tasks (any state, until cleaned) by segment, then index. */
  private final Map<Long, Map<Long, Long>> buildTasks = new HashMap<>();
  private final TreeMap<Long, IndexInfo> indexes = new TreeMap<>();
  private final Map<Long, java.util.List<IndexInfo>> indexesByCollection = new HashMap<>();
  private final Map<Long, Set<Long>> builtByIndex = new HashMap<>();
  /** PIPELINING index builds: the index planner stops adding while the queue holds enough. */
  private int pipeliningBuilds;
  /** Leader-side change stamps per collection (see {@link #changeStamp}); never reset, so never reused. */
  private final Map<Long, Long> stamps = new HashMap<>();
  private long stamp;
  private long loadStamp;
  private DataTasksSettings stored = DataTasksSettings.getDefaultInstance();
  private DataTasksSettings settings = DataTasksSettingsDefaults.effective(stored);
  private long segmentsCollected;
  private CoordStore store;
  /** Told of every change of a build or an index (leader-side; may be absent in tools reading a store). */
  private PendingBuilds pending;

  /** Keeps {@code p} up to date with this table from now on. */
  void track(PendingBuilds p) {
    this.pending = p;
  }

  public void load(CoordStore store) {
    stamps.clear();
    loadStamp = ++stamp;
    pipeliningBuilds = 0;
    this.store = store;
    tasks.clear();
    pipelining.clear();
    pipeliningByType.clear();
    executingByNode.clear();
    terminalByEnd.clear();
    heldBy.clear();
    buildTasks.clear();
    indexes.clear();
    indexesByCollection.clear();
    builtByIndex.clear();
    segmentsCollected = 0;
    if (pending != null) {
      pending.reloaded();
    }
    byte[] v = store.get(CF, SETTINGS_KEY);
    try {
      stored = v == null ? DataTasksSettings.getDefaultInstance() : DataTasksSettings.parseFrom(v);
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException("corrupt datatasks settings", e);
    }
    settings = DataTasksSettingsDefaults.effective(stored);
    scan(TASK, (key, value) -> putTask(Task.parseFrom(value)));
    scan(INDEX, (key, value) -> putIndex(IndexInfo.parseFrom(value)));
    scan(SEGMENT_INDEX, (key, value) -> {
      SegmentIndex si = SegmentIndex.parseFrom(value);
      builtByIndex.computeIfAbsent(si.getIndexId(), x -> new HashSet<>()).add(si.getSegmentId());
    });
  }

  private interface Visitor {
    void visit(byte[] key, byte[] value) throws InvalidProtocolBufferException;
  }

  private void scan(byte prefix, Visitor v) {
    store.scan(CF, new byte[] {prefix}, (key, value) -> {
      if (key.length == 0 || key[0] != prefix) {
        return false;
      }
      try {
        v.visit(key, value);
      } catch (InvalidProtocolBufferException e) {
        throw new StoreException("corrupt datatasks value under " + Bytes.hex(key), e);
      }
      return true;
    });
  }

  public void replay(DataTasksEvent e, StoreBatch sb) {
    switch (e.getKind()) {
      case TASK_CHANGED -> {
        Task before = tasks.get(e.getTask().getId());
        if (e.getTask().getType() == TaskType.GC && e.getTask().getState() == TaskState.COMPLETED
            && (before == null || before.getState() != TaskState.COMPLETED)) {
          segmentsCollected += e.getTask().getSegmentsCount();
        }
        putTask(e.getTask());
        sb.put(CF, key(TASK, e.getTask().getId()), e.getTask().toByteArray());
      }
      case TASK_REMOVED -> {
        unindex(e.getTask().getId());
        tasks.remove(e.getTask().getId());
        sb.delete(CF, key(TASK, e.getTask().getId()));
      }
      case INDEX_CREATED -> {
        touch(e.getIndex().getCollectionId());
        putIndex(e.getIndex());
        sb.put(CF, key(INDEX, e.getIndex().getId()), e.getIndex().toByteArray());
        if (pending != null) {
          pending.indexCreated(e.getIndex().getId());
        }
      }
      case INDEX_DROPPED -> {
        touch(e.getIndex().getCollectionId());
        IndexInfo gone = indexes.remove(e.getIndex().getId());
        if (gone != null) {
          java.util.List<IndexInfo> rest = indexesByCollection.get(gone.getCollectionId()).stream()
              .filter(i -> i.getId() != gone.getId()).toList();
          if (rest.isEmpty()) {
            indexesByCollection.remove(gone.getCollectionId());
          } else {
            indexesByCollection.put(gone.getCollectionId(), rest);
          }
        }
        sb.delete(CF, key(INDEX, e.getIndex().getId()));
        if (pending != null) {
          pending.indexDropped(e.getIndex().getId());
        }
        Set<Long> built = builtByIndex.remove(e.getIndex().getId());
        if (built != null) {
          // Sorted, so that every replica writes the same batch.
          new TreeSet<>(built).forEach(seg -> sb.delete(CF, segmentIndexKey(seg, e.getIndex().getId())));
        }
      }
      case SEGMENT_INDEXED -> {
        SegmentIndex si = e.getSegmentIndex();
        touchIndex(si.getIndexId());
        builtByIndex.computeIfAbsent(si.getIndexId(), x -> new HashSet<>()).add(si.getSegmentId());
        sb.put(CF, segmentIndexKey(si.getSegmentId(), si.getIndexId()), si.toByteArray());
        buildChanged(si.getSegmentId(), si.getIndexId());
      }
      case SEGMENT_INDEX_REMOVED -> {
        SegmentIndex si = e.getSegmentIndex();
        touchIndex(si.getIndexId());
        Set<Long> built = builtByIndex.get(si.getIndexId());
        if (built != null) {
          built.remove(si.getSegmentId());
          if (built.isEmpty()) {
            builtByIndex.remove(si.getIndexId());
          }
        }
        sb.delete(CF, segmentIndexKey(si.getSegmentId(), si.getIndexId()));
        buildChanged(si.getSegmentId(), si.getIndexId());
      }
      case DATATASKS_SETTINGS_CHANGED -> {
        stored = e.getSettings();
        settings = DataTasksSettingsDefaults.effective(stored);
        sb.put(CF, SETTINGS_KEY, stored.toByteArray());
      }
      case DATATASKS_EVENT_NONE, UNRECOGNIZED -> throw new IllegalStateException("datatasks record without a kind");
    }
  }

  private void putIndex(IndexInfo i) {
    indexes.put(i.getId(), i);
    // Replaced, never changed in place: a caller may hold the list while apply goes on.
    java.util.List<IndexInfo> same = new java.util.ArrayList<>(indexesOf(i.getCollectionId()));
    same.removeIf(x -> x.getId() == i.getId());
    same.add(i);
    same.sort(java.util.Comparator.comparingLong(IndexInfo::getId));
    indexesByCollection.put(i.getCollectionId(), java.util.List.copyOf(same));
  }

  private void buildChanged(long segmentId, long indexId) {
    if (pending != null) {
      pending.buildChanged(segmentId, indexId);
    }
  }

  private void touch(long collectionId) {
    stamps.put(collectionId, ++stamp);
  }

  private void touchIndex(long indexId) {
    IndexInfo i = indexes.get(indexId);
    if (i != null) {
      touch(i.getCollectionId());
    }
  }

  /**
   * A stamp that changes whenever a task, index or build of the collection changes (or the table
   * is loaded again): a leader-side planner may skip a collection whose stamps are those of a round
   * that found nothing to do. Not replicated state: apply never reads it.
   */
  public long changeStamp(long collectionId) {
    return stamps.getOrDefault(collectionId, loadStamp);
  }

  public int pipeliningBuilds() {
    return pipeliningBuilds;
  }

  private void putTask(Task t) {
    unindex(t.getId());
    touch(t.getCollectionId());
    tasks.put(t.getId(), t);
    if (t.getType() == TaskType.INDEX_BUILD && t.getState() == TaskState.PIPELINING) {
      pipeliningBuilds++;
    }
    switch (t.getState()) {
      case PIPELINING -> {
        pipelining.add(t.getId());
        pipeliningByType.computeIfAbsent(t.getType(), x -> new TreeSet<>()).add(t.getId());
      }
      case EXECUTING -> executingByNode.computeIfAbsent(t.getNode().getServerId(), n -> new TreeSet<>()).add(t.getId());
      case COMPLETED, FAILED, TIMEOUT -> terminalByEnd.computeIfAbsent(t.getEndedMs(), n -> new TreeSet<>()).add(t.getId());
      case TASK_STATE_NONE, CLEANED, UNRECOGNIZED -> { }
    }
    if (t.getType() == TaskType.INDEX_BUILD) {
      buildTasks.computeIfAbsent(t.getSegments(0), s -> new HashMap<>()).put(t.getIndexId(), t.getId());
      buildChanged(t.getSegments(0), t.getIndexId());
    } else if (isOpen(t)) {
      t.getSegmentsList().forEach(s -> heldBy.put(s, t.getId()));
      t.getTargetsList().forEach(s -> heldBy.put(s, t.getId()));
    }
  }

  private void unindex(long id) {
    Task t = tasks.get(id);
    if (t == null) {
      return;
    }
    touch(t.getCollectionId());
    if (t.getType() == TaskType.INDEX_BUILD && t.getState() == TaskState.PIPELINING) {
      pipeliningBuilds--;
    }
    if (pipelining.remove(id)) {
      TreeSet<Long> same = pipeliningByType.get(t.getType());
      if (same != null && same.remove(id) && same.isEmpty()) {
        pipeliningByType.remove(t.getType());
      }
    }
    TreeSet<Long> ended = terminalByEnd.get(t.getEndedMs());
    if (ended != null && ended.remove(id) && ended.isEmpty()) {
      terminalByEnd.remove(t.getEndedMs());
    }
    TreeSet<Long> onNode = executingByNode.get(t.getNode().getServerId());
    if (onNode != null && onNode.remove(id) && onNode.isEmpty()) {
      executingByNode.remove(t.getNode().getServerId());
    }
    if (t.getType() == TaskType.INDEX_BUILD) {
      Map<Long, Long> open = buildTasks.get(t.getSegments(0));
      if (open != null && open.remove(t.getIndexId(), id) && open.isEmpty()) {
        buildTasks.remove(t.getSegments(0));
      }
      buildChanged(t.getSegments(0), t.getIndexId());
    } else {
      t.getSegmentsList().forEach(s -> heldBy.remove(s, id));
      t.getTargetsList().forEach(s -> heldBy.remove(s, id));
    }
  }

  /** PIPELINING or EXECUTING: the task still holds its segments. */
  public static boolean isOpen(Task t) {
    return t.getState() == TaskState.PIPELINING || t.getState() == TaskState.EXECUTING;
  }

  public Optional<Task> task(long id) {
    return Optional.ofNullable(tasks.get(id));
  }

  public NavigableMap<Long, Task> tasks() {
    return Collections.unmodifiableNavigableMap(tasks);
  }

  /** PIPELINING task ids, oldest first: the scheduler's queue. */
  public java.util.NavigableSet<Long> pipelining() {
    return Collections.unmodifiableNavigableSet(pipelining);
  }

  /** PIPELINING task ids of one type, oldest first. */
  public java.util.NavigableSet<Long> pipelining(TaskType type) {
    TreeSet<Long> s = pipeliningByType.get(type);
    return s == null ? Collections.emptyNavigableSet() : Collections.unmodifiableNavigableSet(s);
  }

  /** EXECUTING task ids of one worker. */
  public Set<Long> executingOn(long serverId) {
    TreeSet<Long> s = executingByNode.get(serverId);
    return s == null ? Set.of() : Collections.unmodifiableSet(s);
  }

  /** Up to {@code max} terminal tasks that ended at or before {@code endedByMs}, oldest first. */
  public java.util.List<Long> endedBy(long endedByMs, int max) {
    java.util.List<Long> out = new java.util.ArrayList<>();
    for (TreeSet<Long> ids : terminalByEnd.headMap(endedByMs, true).values()) {
      for (long id : ids) {
        if (out.size() >= max) {
          return out;
        }
        out.add(id);
      }
    }
    return out;
  }

  /** Worker server ids with EXECUTING tasks, ascending. */
  public java.util.List<Long> busyNodes() {
    return executingByNode.keySet().stream().sorted().toList();
  }

  /** The open compaction or GC task that holds this segment, if any. */
  public Optional<Long> holder(long segmentId) {
    return Optional.ofNullable(heldBy.get(segmentId));
  }

  /** The build task of this index on this segment (open, or terminal and not yet cleaned), if any. */
  public Optional<Long> buildTask(long segmentId, long indexId) {
    Map<Long, Long> m = buildTasks.get(segmentId);
    return m == null ? Optional.empty() : Optional.ofNullable(m.get(indexId));
  }

  public boolean built(long segmentId, long indexId) {
    Set<Long> s = builtByIndex.get(indexId);
    return s != null && s.contains(segmentId);
  }

  /** The segments with a finished build of this index (a read-only view; empty if none). */
  public Set<Long> builtSegments(long indexId) {
    Set<Long> s = builtByIndex.get(indexId);
    return s == null ? Set.of() : Collections.unmodifiableSet(s);
  }

  /** Whether an open compaction or GC task holds any segment at all. */
  public boolean anyHeld() {
    return !heldBy.isEmpty();
  }

  /** Segments with a finished build of this index. */
  public int builtCount(long indexId) {
    Set<Long> s = builtByIndex.get(indexId);
    return s == null ? 0 : s.size();
  }

  public Optional<SegmentIndex> segmentIndex(long segmentId, long indexId) {
    byte[] v = store.get(CF, segmentIndexKey(segmentId, indexId));
    try {
      return v == null ? Optional.empty() : Optional.of(SegmentIndex.parseFrom(v));
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException("corrupt segment index " + segmentId + "/" + indexId, e);
    }
  }

  public NavigableMap<Long, IndexInfo> indexes() {
    return Collections.unmodifiableNavigableMap(indexes);
  }

  /** The collection's indexes, ascending by id. */
  public java.util.List<IndexInfo> indexesOf(long collectionId) {
    java.util.List<IndexInfo> same = indexesByCollection.get(collectionId);
    return same == null ? java.util.List.of() : same;
  }

  public long segmentsCollected() {
    return segmentsCollected;
  }

  public DataTasksSettings settings() {
    return settings;
  }

  public DataTasksSettings storedSettings() {
    return stored;
  }

  private static byte[] key(byte prefix, long id) {
    return Bytes.concat(new byte[] {prefix}, Bytes.ofLong(id));
  }

  private static byte[] segmentIndexKey(long segmentId, long indexId) {
    return Bytes.concat(key(SEGMENT_INDEX, segmentId), Bytes.ofLong(indexId));
  }
}
