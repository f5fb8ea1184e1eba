package io.raftcoord.statemachine.datacoord;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.proto.datacoord.Channel;
import io.raftcoord.proto.datacoord.DataCoordEvent;
import io.raftcoord.proto.datacoord.DataCoordSettings;
import io.raftcoord.proto.datacoord.FieldBinlog;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentBinlogs;
import io.raftcoord.proto.datacoord.SegmentLevel;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.statemachine.store.Bytes;
import io.raftcoord.statemachine.store.ColumnFamily;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.store.StoreBatch;
import io.raftcoord.statemachine.store.StoreException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The committed DataCoord state in memory and in the {@code datacoord} column family. Changed only
 * by {@link #replay}. Layout: one key per segment ({@code 0x01|id}, the segment without binlogs,
 * kept in memory for every segment) and one per segment's binlog lists ({@code 0x02|id}, in memory
 * only while the segment is active, i.e. not FLUSHED or DROPPED, because only then can a report
 * change it); one key per assigned channel ({@code 0x03|name}); the settings. Indexes: by
 * collection (ordered by id, for lists and paging) and, for active segments, by channel (what the
 * allocator and the seal and flush planners walk), so no read scans every segment.
 */
public final class DataCoordTable {
  public static final ColumnFamily CF = ColumnFamily.named("datacoord");
  private static final byte SEGMENT = 0x01;
  private static final byte BINLOGS = 0x02;
  private static final byte CHANNEL = 0x03;
  /** {@code 0x04|segment|task}: deletes an L0 compaction appended to a FLUSHED segment. */
  private static final byte APPLIED_DELTAS = 0x04;
  private static final byte[] SETTINGS_KEY = Bytes.utf8("settings");

  private final Map<Long, Segment> byId = new HashMap<>();
  /** How many of {@link #byId} are DROPPED (kept until garbage collection removes them). */
  private int dropped;
  private final Map<Long, NavigableMap<Long, Segment>> byCollection = new HashMap<>();
  private final Map<String, NavigableMap<Long, Segment>> activeByChannel = new HashMap<>();
  /**
   * DROPPED segments by collection, then channel: what garbage collection looks at, without walking
   * the rest, and per channel so that it stops at a channel's quota.
   */
  private final Map<Long, TreeMap<String, NavigableMap<Long, Segment>>> droppedByCollection = new HashMap<>();
  /** FLUSHED L1/L2 segments by collection, by {@link #compactionSize} then id: the small ones without a walk. */
  private final Map<Long, TreeMap<SizeId, Segment>> flushedBySize = new HashMap<>();

  /** A segment's place in {@link #flushedBySize}: one entry per segment, however many share a size. */
  private record SizeId(long size, long id) implements Comparable<SizeId> {
    @Override
    public int compareTo(SizeId o) {
      int c = Long.compare(size, o.size);
      return c != 0 ? c : Long.compare(id, o.id);
    }
  }
  /** FLUSHED L1/L2 segments with deletes, by collection. */
  private final Map<Long, TreeMap<Long, Segment>> flushedWithDeletes = new HashMap<>();
  /** FLUSHED L0 segments per collection. */
  private final Map<Long, Integer> flushedL0 = new HashMap<>();
  /** Active segments by collection. */
  private final Map<Long, TreeMap<Long, Segment>> activeByCollection = new HashMap<>();
  /** Compaction results by input: the segments whose {@code compaction_from} names it. */
  private final Map<Long, List<Long>> resultsOf = new HashMap<>();
  /** Leader-side change stamps per collection (see {@link #changeStamp}); never reset, so never reused. */
  private final Map<Long, Long> stamps = new HashMap<>();
  private long stamp;
  private long loadStamp;
  private final Map<Long, SegmentBinlogs> activeBinlogs = new HashMap<>();
  private final TreeMap<String, Channel> channels = new TreeMap<>();
  /** Channel names by owning server id: a node's work list without walking every channel. */
  private final Map<Long, java.util.TreeSet<String>> channelsByNode = new HashMap<>();
  private final List<SegmentWatcher> watchers = new ArrayList<>();
  private DataCoordSettings stored = DataCoordSettings.getDefaultInstance();
  private DataCoordSettings settings = DataCoordSettingsDefaults.effective(stored);
  private CoordStore store;

  /**
   * Leader-side indexes of other domains that follow the segments: told of every committed change
   * of one (under the entry write lock, after the change) and of a load (every segment anew).
   */
  public interface SegmentWatcher {
    void segmentChanged(long collectionId, long segmentId);

    void reloaded();
  }

  /** {@code w} hears of every segment change from now on. */
  public void watch(SegmentWatcher w) {
    watchers.add(w);
  }

  public void load(CoordStore store) {
    this.store = store;
    watchers.forEach(SegmentWatcher::reloaded);
    byId.clear();
    dropped = 0;
    droppedByCollection.clear();
    flushedBySize.clear();
    flushedWithDeletes.clear();
    flushedL0.clear();
    activeByCollection.clear();
    resultsOf.clear();
    stamps.clear();
    loadStamp = ++stamp;
    byCollection.clear();
    activeByChannel.clear();
    activeBinlogs.clear();
    channels.clear();
    channelsByNode.clear();
    byte[] v = store.get(CF, SETTINGS_KEY);
    try {
      stored = v == null ? DataCoordSettings.getDefaultInstance() : DataCoordSettings.parseFrom(v);
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException("corrupt datacoord settings", e);
    }
    settings = DataCoordSettingsDefaults.effective(stored);
    store.scan(CF, new byte[] {SEGMENT}, (key, value) -> {
      if (key.length == 0 || key[0] != SEGMENT) {
        return false;
      }
      index(parseSegment(key, value));
      return true;
    });
    for (NavigableMap<Long, Segment> active : activeByChannel.values()) {
      for (Segment s : active.values()) {
        activeBinlogs.put(s.getId(), readBinlogs(s.getId()));
      }
    }
    store.scan(CF, new byte[] {CHANNEL}, (key, value) -> {
      if (key.length == 0 || key[0] != CHANNEL) {
        return false;
      }
      try {
        putChannel(Channel.parseFrom(value));
      } catch (InvalidProtocolBufferException e) {
        throw new StoreException("corrupt channel under " + Bytes.hex(key), e);
      }
      return true;
    });
  }

  public void replay(DataCoordEvent e, StoreBatch sb) {
    switch (e.getKind()) {
      case SEGMENT_OPENED, SEGMENT_UPDATED, SEGMENT_SEALED, SEGMENT_FLUSHING, SEGMENT_FLUSHED, SEGMENT_DROPPED -> {
        putSegment(e, sb);
        segmentChanged(e.getSegment());
      }
      case SEGMENT_REMOVED -> removeSegment(e.getSegment().getId(), sb).ifPresent(this::segmentChanged);
      case CHANNEL_ASSIGNED, CHANNEL_UPDATED, CHANNEL_CHECKPOINTED -> {
        putChannel(e.getChannel());
        sb.put(CF, channelKey(e.getChannel().getName()), e.getChannel().toByteArray());
      }
      case CHANNEL_REMOVED -> {
        removeChannel(e.getChannel().getName());
        sb.delete(CF, channelKey(e.getChannel().getName()));
      }
      case DATACOORD_SETTINGS_CHANGED -> {
        stored = e.getSettings();
        settings = DataCoordSettingsDefaults.effective(stored);
        sb.put(CF, SETTINGS_KEY, stored.toByteArray());
      }
      case DATACOORD_EVENT_NONE, UNRECOGNIZED -> throw new IllegalStateException("datacoord record without a kind");
    }
  }

  private void putSegment(DataCoordEvent e, StoreBatch sb) {
    Segment s = e.getSegment();
    Segment before = byId.get(s.getId());
    if (before == null) {
      index(s);
    } else {
      reindex(before, s);
    }
    sb.put(CF, key(SEGMENT, s.getId()), s.toByteArray());
    boolean binlogsChanged = e.hasAddedBinlogs() && !e.getAddedBinlogs().equals(SegmentBinlogs.getDefaultInstance());
    SegmentBinlogs logs = activeBinlogs.getOrDefault(s.getId(), SegmentBinlogs.getDefaultInstance());
    if (binlogsChanged) {
      logs = append(logs, e.getAddedBinlogs());
      sb.put(CF, key(BINLOGS, s.getId()), logs.toByteArray());
    }
    if (isActive(s)) {
      activeBinlogs.put(s.getId(), logs);
    } else {
      activeBinlogs.remove(s.getId());
    }
    if (e.hasAppliedDeltas()) {
      // A key of its own per task: a FLUSHED segment's lists are not in memory, and two such
      // appends in one entry must not read each other's unwritten batch.
      sb.put(CF, deltasKey(s.getId(), e.getAppliedByTask()), e.getAppliedDeltas().toByteArray());
    }
  }

  /** Garbage collection: the segment, its binlogs and applied deltas leave the store and every index. */
  private Optional<Segment> removeSegment(long id, StoreBatch sb) {
    Segment s = byId.remove(id);
    if (s == null) {
      return Optional.empty();
    }
    if (s.getState() == SegmentState.DROPPED) {
      dropped--;
    }
    unindexDerived(s);
    NavigableMap<Long, Segment> c = byCollection.get(s.getCollectionId());
    c.remove(id);
    if (c.isEmpty()) {
      byCollection.remove(s.getCollectionId());
    }
    if (isActive(s)) {
      NavigableMap<Long, Segment> ch = activeByChannel.get(s.getChannel());
      ch.remove(id);
      if (ch.isEmpty()) {
        activeByChannel.remove(s.getChannel());
      }
      activeBinlogs.remove(id);
    }
    sb.delete(CF, key(SEGMENT, id));
    sb.delete(CF, key(BINLOGS, id));
    if (s.getAppliedDeltaSets() > 0) {
      appliedDeltaKeys(id).forEach(k -> sb.delete(CF, k));
    }
    return Optional.of(s);
  }

  private void segmentChanged(Segment s) {
    for (SegmentWatcher w : watchers) {
      w.segmentChanged(s.getCollectionId(), s.getId());
    }
  }

  /** {@code base} with {@code added} appended field by field (fields kept in order of first appearance). */
  static SegmentBinlogs append(SegmentBinlogs base, SegmentBinlogs added) {
    return SegmentBinlogs.newBuilder()
        .addAllBinlogs(appendFields(base.getBinlogsList(), added.getBinlogsList()))
        .addAllDeltalogs(appendFields(base.getDeltalogsList(), added.getDeltalogsList()))
        .addAllStatslogs(appendFields(base.getStatslogsList(), added.getStatslogsList()))
        .build();
  }

  private static List<FieldBinlog> appendFields(List<FieldBinlog> base, List<FieldBinlog> added) {
    if (added.isEmpty()) {
      return base;
    }
    java.util.LinkedHashMap<Long, FieldBinlog.Builder> out = new java.util.LinkedHashMap<>();
    for (FieldBinlog f : base) {
      out.put(f.getFieldId(), f.toBuilder());
    }
    for (FieldBinlog f : added) {
      out.computeIfAbsent(f.getFieldId(), id -> FieldBinlog.newBuilder().setFieldId(id)).addAllBinlogs(f.getBinlogsList());
    }
    return out.values().stream().map(FieldBinlog.Builder::build).toList();
  }

  private void putChannel(Channel c) {
    removeChannel(c.getName());
    channels.put(c.getName(), c);
    channelsByNode.computeIfAbsent(c.getNode().getServerId(), n -> new java.util.TreeSet<>()).add(c.getName());
  }

  private void removeChannel(String name) {
    Channel before = channels.remove(name);
    if (before != null) {
      java.util.TreeSet<String> owned = channelsByNode.get(before.getNode().getServerId());
      owned.remove(name);
      if (owned.isEmpty()) {
        channelsByNode.remove(before.getNode().getServerId());
      }
    }
  }

  /** The channels assigned to this server id (any state), sorted. */
  public java.util.SortedSet<String> channelsOf(long serverId) {
    java.util.TreeSet<String> owned = channelsByNode.get(serverId);
    return owned == null ? Collections.emptySortedSet() : Collections.unmodifiableSortedSet(owned);
  }

  private void index(Segment s) {
    byId.put(s.getId(), s);
    if (s.getState() == SegmentState.DROPPED) {
      dropped++;
    }
    indexDerived(s);
    byCollection.computeIfAbsent(s.getCollectionId(), c -> new TreeMap<>()).put(s.getId(), s);
    if (isActive(s)) {
      activeByChannel.computeIfAbsent(s.getChannel(), c -> new TreeMap<>()).put(s.getId(), s);
    }
  }

  /** Replaces {@code before} by {@code s} (same id, collection and channel) in place in every index. */
  private void reindex(Segment before, Segment s) {
    unindexDerived(before);
    indexDerived(s);
    byId.put(s.getId(), s);
    dropped += (s.getState() == SegmentState.DROPPED ? 1 : 0) - (before.getState() == SegmentState.DROPPED ? 1 : 0);
    byCollection.get(s.getCollectionId()).put(s.getId(), s);
    if (isActive(s)) {
      activeByChannel.computeIfAbsent(s.getChannel(), c -> new TreeMap<>()).put(s.getId(), s);
    } else if (isActive(before)) {
      NavigableMap<Long, Segment> ch = activeByChannel.get(s.getChannel());
      ch.remove(s.getId());
      if (ch.isEmpty()) {
        activeByChannel.remove(s.getChannel());
      }
    }
  }

  /** The planners' indexes of {@code s}: its collection's stamp, the DROPPED set, compaction results. */
  private void indexDerived(Segment s) {
    long c = s.getCollectionId();
    stamps.put(c, ++stamp);
    if (s.getState() == SegmentState.DROPPED) {
      droppedByCollection.computeIfAbsent(c, x -> new TreeMap<>()).computeIfAbsent(s.getChannel(), x -> new TreeMap<>())
          .put(s.getId(), s);
    } else if (isActive(s)) {
      activeByCollection.computeIfAbsent(c, x -> new TreeMap<>()).put(s.getId(), s);
    } else if (s.getLevel() == SegmentLevel.L0) {
      flushedL0.merge(c, 1, Integer::sum);
    } else {
      flushedBySize.computeIfAbsent(c, x -> new TreeMap<>()).put(new SizeId(compactionSize(s), s.getId()), s);
      if (s.getDeltalogEntries() > 0) {
        flushedWithDeletes.computeIfAbsent(c, x -> new TreeMap<>()).put(s.getId(), s);
      }
    }
    for (long from : s.getCompactionFromList()) {
      resultsOf.computeIfAbsent(from, x -> new ArrayList<>()).add(s.getId());
    }
  }

  private void unindexDerived(Segment s) {
    long c = s.getCollectionId();
    stamps.put(c, ++stamp);
    TreeMap<String, NavigableMap<Long, Segment>> droppedByChannel = droppedByCollection.get(c);
    if (droppedByChannel != null) {
      NavigableMap<Long, Segment> m = droppedByChannel.get(s.getChannel());
      if (m != null && m.remove(s.getId()) != null && m.isEmpty()) {
        droppedByChannel.remove(s.getChannel());
        if (droppedByChannel.isEmpty()) {
          droppedByCollection.remove(c);
        }
      }
    }
    removeFrom(activeByCollection, c, s.getId());
    removeFrom(flushedWithDeletes, c, s.getId());
    if (s.getState() == SegmentState.FLUSHED && s.getLevel() == SegmentLevel.L0) {
      flushedL0.computeIfPresent(c, (x, n) -> n == 1 ? null : n - 1);
    }
    TreeMap<SizeId, Segment> bySize = flushedBySize.get(c);
    if (bySize != null && bySize.remove(new SizeId(compactionSize(s), s.getId())) != null && bySize.isEmpty()) {
      flushedBySize.remove(c);
    }
    for (long from : s.getCompactionFromList()) {
      List<Long> r = resultsOf.get(from);
      if (r != null && r.remove(s.getId()) && r.isEmpty()) {
        resultsOf.remove(from);
      }
    }
  }

  /** Removes {@code id} from the map under {@code key}, and the map once empty. */
  private static void removeFrom(Map<Long, ? extends NavigableMap<Long, Segment>> maps, long key, long id) {
    NavigableMap<Long, Segment> m = maps.get(key);
    if (m != null && m.remove(id) != null && m.isEmpty()) {
      maps.remove(key);
    }
  }

  /** What a segment weighs for compaction: its binlog bytes, or its rows at the estimated row size if more. */
  public static long compactionSize(Segment s) {
    return Math.max(s.getBinlogBytes(), s.getNumRows() * s.getRowBytes());
  }

  /**
   * FLUSHED L1/L2 segments of the collection smaller than {@code bytes} ({@link #compactionSize}),
   * any order, in a list of the caller's own.
   */
  public List<Segment> flushedSmallerThan(long collectionId, long bytes) {
    TreeMap<SizeId, Segment> bySize = flushedBySize.get(collectionId);
    return bySize == null ? new ArrayList<>()
        : new ArrayList<>(bySize.headMap(new SizeId(bytes, Long.MIN_VALUE), false).values());
  }

  /** FLUSHED L1/L2 segments of the collection with deletes, by id. */
  public NavigableMap<Long, Segment> flushedWithDeletes(long collectionId) {
    NavigableMap<Long, Segment> m = flushedWithDeletes.get(collectionId);
    return m == null ? Collections.emptyNavigableMap() : Collections.unmodifiableNavigableMap(m);
  }

  /** Whether the collection has a FLUSHED L0 segment. */
  public boolean hasFlushedL0(long collectionId) {
    return flushedL0.containsKey(collectionId);
  }

  /** The collection's active segments (GROWING, SEALED, FLUSHING, IMPORTING) by id. */
  public NavigableMap<Long, Segment> activeOf(long collectionId) {
    NavigableMap<Long, Segment> m = activeByCollection.get(collectionId);
    return m == null ? Collections.emptyNavigableMap() : Collections.unmodifiableNavigableMap(m);
  }

  /**
   * A stamp that changes whenever a segment of the collection changes (or the table is loaded
   * again): a leader-side planner may skip a collection whose stamp is that of a round that found
   * nothing to do. Not replicated state: apply never reads it.
   */
  public long changeStamp(long collectionId) {
    return stamps.getOrDefault(collectionId, loadStamp);
  }

  /** A collection's DROPPED segments by channel (in name order), then id (empty if none). */
  public java.util.SortedMap<String, NavigableMap<Long, Segment>> droppedOf(long collectionId) {
    TreeMap<String, NavigableMap<Long, Segment>> m = droppedByCollection.get(collectionId);
    return m == null ? Collections.emptySortedMap() : Collections.unmodifiableSortedMap(m);
  }

  /** The segments a compaction made from {@code segmentId}, ascending (empty if none is kept). */
  public List<Long> resultsOf(long segmentId) {
    List<Long> r = resultsOf.get(segmentId);
    return r == null ? List.of() : r.stream().sorted().toList();
  }

  /** GROWING, SEALED, FLUSHING or IMPORTING: a report may still change it. */
  public static boolean isActive(Segment s) {
    return s.getState() != SegmentState.FLUSHED && s.getState() != SegmentState.DROPPED;
  }

  public Optional<Segment> segment(long id) {
    return Optional.ofNullable(byId.get(id));
  }

  public int segmentCount() {
    return byId.size();
  }

  /** Segments not DROPPED: what the max_segments quota counts. */
  public int liveSegmentCount() {
    return byId.size() - dropped;
  }

  /** Collections with segments (any state), ascending. */
  public List<Long> collectionsWithSegments() {
    return byCollection.keySet().stream().sorted().toList();
  }

  /** A collection's segments by id (empty if none). */
  public NavigableMap<Long, Segment> ofCollection(long collectionId) {
    NavigableMap<Long, Segment> m = byCollection.get(collectionId);
    return m == null ? Collections.emptyNavigableMap() : Collections.unmodifiableNavigableMap(m);
  }

  /** A channel's active segments by id (empty if none). */
  public NavigableMap<Long, Segment> activeOnChannel(String channel) {
    NavigableMap<Long, Segment> m = activeByChannel.get(channel);
    return m == null ? Collections.emptyNavigableMap() : Collections.unmodifiableNavigableMap(m);
  }

  /** Channel names with active segments, sorted (for the planners). */
  public List<String> channelsWithActiveSegments() {
    return activeByChannel.keySet().stream().sorted().toList();
  }

  /** The binlog lists of a segment: from memory while active, else from the store (with applied deltas). */
  public SegmentBinlogs binlogs(long id) {
    SegmentBinlogs b = activeBinlogs.get(id);
    if (b != null) {
      return b;
    }
    SegmentBinlogs out = readBinlogs(id);
    Segment s = byId.get(id);
    if (s != null && s.getAppliedDeltaSets() > 0) {
      for (byte[] k : appliedDeltaKeys(id)) {
        try {
          out = append(out, SegmentBinlogs.parseFrom(store.get(CF, k)));
        } catch (InvalidProtocolBufferException e) {
          throw new StoreException("corrupt applied deltas under " + Bytes.hex(k), e);
        }
      }
    }
    return out;
  }

  private List<byte[]> appliedDeltaKeys(long segmentId) {
    byte[] prefix = key(APPLIED_DELTAS, segmentId);
    List<byte[]> keys = new java.util.ArrayList<>();
    store.scan(CF, prefix, (key, value) -> {
      if (key.length != prefix.length + 8 || !java.util.Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length)) {
        return false;
      }
      keys.add(key);
      return true;
    });
    return keys;
  }

  private static byte[] deltasKey(long segmentId, long taskId) {
    return Bytes.concat(key(APPLIED_DELTAS, segmentId), Bytes.ofLong(taskId));
  }

  private SegmentBinlogs readBinlogs(long id) {
    byte[] v = store.get(CF, key(BINLOGS, id));
    try {
      return v == null ? SegmentBinlogs.getDefaultInstance() : SegmentBinlogs.parseFrom(v);
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException("corrupt binlogs of segment " + id, e);
    }
  }

  public Optional<Channel> channel(String name) {
    return Optional.ofNullable(channels.get(name));
  }

  /** Assigned channels by name. */
  public Collection<Channel> channels() {
    return Collections.unmodifiableCollection(channels.values());
  }

  public DataCoordSettings settings() {
    return settings;
  }

  public DataCoordSettings storedSettings() {
    return stored;
  }

  private static Segment parseSegment(byte[] key, byte[] value) {
    try {
      return Segment.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException("corrupt segment under " + Bytes.hex(key), e);
    }
  }

  private static byte[] key(byte prefix, long id) {
    byte[] k = new byte[9];
    k[0] = prefix;
    System.arraycopy(Bytes.ofLong(id), 0, k, 1, 8);
    return k;
  }

  private static byte[] channelKey(String name) {
    return Bytes.concat(new byte[] {CHANNEL}, Bytes.utf8(name));
  }
}
