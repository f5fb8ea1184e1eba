package io.raftcoord.statemachine.querycoord;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.raftcoord.proto.querycoord.CollectionLoad;
import io.raftcoord.proto.querycoord.NodeDistribution;
import io.raftcoord.proto.querycoord.NodeGroup;
import io.raftcoord.proto.querycoord.Placement;
import io.raftcoord.proto.querycoord.QueryCoordEvent;
import io.raftcoord.proto.querycoord.QueryCoordSettings;
import io.raftcoord.proto.querycoord.Replica;
import io.raftcoord.proto.querycoord.ResourceGroup;
import io.raftcoord.proto.querycoord.TargetChannel;
import io.raftcoord.proto.querycoord.TargetSegment;
import io.raftcoord.statemachine.store.Bytes;
import io.raftcoord.statemachine.store.ColumnFamily;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.store.StoreBatch;
import io.raftcoord.statemachine.store.StoreException;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The committed QueryCoord state in memory and in the {@code querycoord} column family, changed
 * only by {@link #replay}. One key per resource group, per node placed outside the default group,
 * per replica, per loaded collection, per target segment and channel (with its placements) and
 * per query node's reported distribution: nothing grows per collection. Indexes by collection
 * and by node keep reads and the checkers from walking everything. The default group always
 * exists; a live query node with no group record is in it.
 */
public final class QueryCoordTable {
  public static final ColumnFamily CF = ColumnFamily.named("querycoord");
  public static final String DEFAULT_GROUP = "__default_resource_group";
  static final ResourceGroup DEFAULT_GROUP_CONFIG =
      ResourceGroup.newBuilder().setName(DEFAULT_GROUP).setRequests(0).setLimits(1_000_000).build();

  private static final byte GROUP = 0x01;
  private static final byte NODE_GROUP = 0x02;
  private static final byte REPLICA = 0x03;
  private static final byte LOAD = 0x04;
  private static final byte SEGMENT = 0x05;
  private static final byte CHANNEL = 0x06;
  private static final byte DISTRIBUTION = 0x07;
  private static final byte[] SETTINGS_KEY = Bytes.utf8("settings");

  private final TreeMap<String, ResourceGroup> groups = new TreeMap<>();
  private final TreeMap<Long, String> nodeGroups = new TreeMap<>();
  private final TreeMap<Long, Replica> replicas = new TreeMap<>();
  private final Map<Long, TreeMap<Long, Replica>> replicasByCollection = new HashMap<>();
  private final TreeMap<Long, CollectionLoad> loads = new TreeMap<>();
  private final Map<Long, TargetSegment> segments = new HashMap<>();
  private final Map<Long, TreeMap<Long, TargetSegment>> segmentsByCollection = new HashMap<>();
  private final TreeMap<String, TargetChannel> channels = new TreeMap<>();
  private final Map<Long, TreeMap<String, TargetChannel>> channelsByCollection = new HashMap<>();
  private final TreeMap<Long, NodeDistribution> distributions = new TreeMap<>();
  /** Each node's reported segment ids, ascending (as the distribution lists them): searched without boxing. */
  private final Map<Long, long[]> served = new HashMap<>();
  /** Segment ids placed on a node (as node or previous node) in any replica. */
  private final Map<Long, TreeSet<Long>> segmentWork = new HashMap<>();
  private final Map<Long, TreeSet<String>> channelWork = new HashMap<>();
  /** Rows of the segments in {@link #segmentWork}, per node: what the balancers' global score reads. */
  private final Map<Long, Long> rowsByNode = new HashMap<>();
  private QueryCoordSettings stored = QueryCoordSettings.getDefaultInstance();
  private QueryCoordSettings settings = QueryCoordSettingsDefaults.effective(stored);
  /** Records replayed since this table was loaded: lets the checkers skip rounds when nothing changed. */
  private long changes;

  public void load(CoordStore store) {
    groups.clear();
    nodeGroups.clear();
    replicas.clear();
    replicasByCollection.clear();
    loads.clear();
    segments.clear();
    segmentsByCollection.clear();
    channels.clear();
    channelsByCollection.clear();
    distributions.clear();
    served.clear();
    segmentWork.clear();
    channelWork.clear();
    rowsByNode.clear();
    groups.put(DEFAULT_GROUP, DEFAULT_GROUP_CONFIG);
    changes++;
    byte[] v = store.get(CF, SETTINGS_KEY);
    stored = v == null ? QueryCoordSettings.getDefaultInstance() : parse(QueryCoordSettings.parser(), v, "settings");
    settings = QueryCoordSettingsDefaults.effective(stored);
    scan(store, GROUP, ResourceGroup.parser(), g -> groups.put(g.getName(), g));
    scan(store, NODE_GROUP, NodeGroup.parser(), n -> nodeGroups.put(n.getNodeId(), n.getGroup()));
    scan(store, REPLICA, Replica.parser(), this::putReplica);
    scan(store, LOAD, CollectionLoad.parser(), l -> loads.put(l.getCollectionId(), l));
    scan(store, SEGMENT, TargetSegment.parser(), this::putSegment);
    scan(store, CHANNEL, TargetChannel.parser(), this::putChannel);
    scan(store, DISTRIBUTION, NodeDistribution.parser(), this::putDistribution);
  }

  private static <T extends Message> void scan(CoordStore store, byte prefix, Parser<T> parser, Consumer<T> sink) {
    store.scan(CF, new byte[] {prefix}, (key, value) -> {
      if (key.length == 0 || key[0] != prefix) {
        return false;
      }
      sink.accept(parse(parser, value, Bytes.hex(key)));
      return true;
    });
  }

  private static <T> T parse(Parser<T> parser, byte[] value, String what) {
    try {
      return parser.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException("corrupt querycoord value under " + what, e);
    }
  }

  public void replay(QueryCoordEvent e, StoreBatch sb) {
    changes++;
    switch (e.getKind()) {
      case GROUP_PUT -> {
        groups.put(e.getGroup().getName(), e.getGroup());
        sb.put(CF, key(GROUP, e.getGroup().getName()), e.getGroup().toByteArray());
      }
      case GROUP_REMOVED -> {
        groups.remove(e.getGroup().getName());
        sb.delete(CF, key(GROUP, e.getGroup().getName()));
      }
      case NODE_GROUP_PUT -> {
        nodeGroups.put(e.getNodeGroup().getNodeId(), e.getNodeGroup().getGroup());
        sb.put(CF, key(NODE_GROUP, e.getNodeGroup().getNodeId()), e.getNodeGroup().toByteArray());
      }
      case NODE_GROUP_REMOVED -> {
        nodeGroups.remove(e.getNodeGroup().getNodeId());
        sb.delete(CF, key(NODE_GROUP, e.getNodeGroup().getNodeId()));
      }
      case REPLICA_PUT -> {
        removeReplica(e.getReplica().getId());
        putReplica(e.getReplica());
        sb.put(CF, key(REPLICA, e.getReplica().getId()), e.getReplica().toByteArray());
      }
      case REPLICA_REMOVED -> {
        removeReplica(e.getReplica().getId());
        sb.delete(CF, key(REPLICA, e.getReplica().getId()));
      }
      case LOAD_PUT -> {
        loads.put(e.getLoad().getCollectionId(), e.getLoad());
        sb.put(CF, key(LOAD, e.getLoad().getCollectionId()), e.getLoad().toByteArray());
      }
      case LOAD_REMOVED -> {
        loads.remove(e.getLoad().getCollectionId());
        sb.delete(CF, key(LOAD, e.getLoad().getCollectionId()));
      }
      case TARGET_SEGMENT_PUT -> {
        removeSegment(e.getSegment().getSegmentId());
        putSegment(e.getSegment());
        sb.put(CF, key(SEGMENT, e.getSegment().getSegmentId()), e.getSegment().toByteArray());
      }
      case TARGET_SEGMENT_REMOVED -> {
        removeSegment(e.getSegment().getSegmentId());
        sb.delete(CF, key(SEGMENT, e.getSegment().getSegmentId()));
      }
      case TARGET_CHANNEL_PUT -> {
        removeChannel(e.getChannel().getName());
        putChannel(e.getChannel());
        sb.put(CF, key(CHANNEL, e.getChannel().getName()), e.getChannel().toByteArray());
      }
      case TARGET_CHANNEL_REMOVED -> {
        removeChannel(e.getChannel().getName());
        sb.delete(CF, key(CHANNEL, e.getChannel().getName()));
      }
      case DISTRIBUTION_PUT -> {
        putDistribution(e.getDistribution());
        sb.put(CF, key(DISTRIBUTION, e.getDistribution().getNodeId()), e.getDistribution().toByteArray());
      }
      case DISTRIBUTION_REMOVED -> {
        distributions.remove(e.getDistribution().getNodeId());
        served.remove(e.getDistribution().getNodeId());
        sb.delete(CF, key(DISTRIBUTION, e.getDistribution().getNodeId()));
      }
      case QUERYCOORD_SETTINGS_CHANGED -> {
        stored = e.getSettings();
        settings = QueryCoordSettingsDefaults.effective(stored);
        sb.put(CF, SETTINGS_KEY, stored.toByteArray());
      }
      case QUERYCOORD_EVENT_NONE, UNRECOGNIZED -> throw new IllegalStateException("querycoord record without a kind");
    }
  }

  private void putReplica(Replica r) {
    replicas.put(r.getId(), r);
    replicasByCollection.computeIfAbsent(r.getCollectionId(), c -> new TreeMap<>()).put(r.getId(), r);
  }

  private void removeReplica(long id) {
    Replica r = replicas.remove(id);
    if (r != null) {
      TreeMap<Long, Replica> of = replicasByCollection.get(r.getCollectionId());
      of.remove(id);
      if (of.isEmpty()) {
        replicasByCollection.remove(r.getCollectionId());
      }
    }
  }

  private void putSegment(TargetSegment s) {
    segments.put(s.getSegmentId(), s);
    segmentsByCollection.computeIfAbsent(s.getCollectionId(), c -> new TreeMap<>()).put(s.getSegmentId(), s);
    for (Placement p : s.getPlacementsList()) {
      work(segmentWork, p, s.getSegmentId(), true);
      rows(p, s.getRows());
    }
  }

  private void rows(Placement p, long delta) {
    for (long node : new long[] {p.getNodeId(), p.getPreviousNodeId()}) {
      if (node != 0) {
        rowsByNode.merge(node, delta, (a, b) -> a + b == 0 ? null : a + b);
      }
    }
  }

  private void removeSegment(long id) {
    TargetSegment s = segments.remove(id);
    if (s == null) {
      return;
    }
    TreeMap<Long, TargetSegment> of = segmentsByCollection.get(s.getCollectionId());
    of.remove(id);
    if (of.isEmpty()) {
      segmentsByCollection.remove(s.getCollectionId());
    }
    for (Placement p : s.getPlacementsList()) {
      work(segmentWork, p, id, false);
      rows(p, -s.getRows());
    }
  }

  private void putChannel(TargetChannel c) {
    channels.put(c.getName(), c);
    channelsByCollection.computeIfAbsent(c.getCollectionId(), x -> new TreeMap<>()).put(c.getName(), c);
    for (Placement p : c.getPlacementsList()) {
      work(channelWork, p, c.getName(), true);
    }
  }

  private void removeChannel(String name) {
    TargetChannel c = channels.remove(name);
    if (c == null) {
      return;
    }
    TreeMap<String, TargetChannel> of = channelsByCollection.get(c.getCollectionId());
    of.remove(name);
    if (of.isEmpty()) {
      channelsByCollection.remove(c.getCollectionId());
    }
    for (Placement p : c.getPlacementsList()) {
      work(channelWork, p, name, false);
    }
  }

  private static <K> void work(Map<Long, TreeSet<K>> index, Placement p, K item, boolean add) {
    for (long node : new long[] {p.getNodeId(), p.getPreviousNodeId()}) {
      if (node == 0) {
        continue;
      }
      if (add) {
        index.computeIfAbsent(node, n -> new TreeSet<>()).add(item);
      } else {
        TreeSet<K> set = index.get(node);
        if (set != null) {
          set.remove(item);
          if (set.isEmpty()) {
            index.remove(node);
          }
        }
      }
    }
  }

  private void putDistribution(NodeDistribution d) {
    distributions.put(d.getNodeId(), d);
    served.put(d.getNodeId(), d.getSegmentIdsList().stream().mapToLong(Long::longValue).sorted().toArray());
  }

  private static byte[] key(byte prefix, long id) {
    return Bytes.concat(new byte[] {prefix}, Bytes.ofLong(id));
  }

  private static byte[] key(byte prefix, String name) {
    return Bytes.concat(new byte[] {prefix}, Bytes.utf8(name));
  }

  // ---- reads of committed state ----

  public NavigableMap<String, ResourceGroup> groups() {
    return Collections.unmodifiableNavigableMap(groups);
  }

  public Optional<ResourceGroup> group(String name) {
    return Optional.ofNullable(groups.get(name));
  }

  /** Explicit node → group records (nodes without one are in the default group). */
  public NavigableMap<Long, String> nodeGroups() {
    return Collections.unmodifiableNavigableMap(nodeGroups);
  }

  public NavigableMap<Long, Replica> replicas() {
    return Collections.unmodifiableNavigableMap(replicas);
  }

  public NavigableMap<Long, Replica> replicasOf(long collectionId) {
    TreeMap<Long, Replica> of = replicasByCollection.get(collectionId);
    return of == null ? Collections.emptyNavigableMap() : Collections.unmodifiableNavigableMap(of);
  }

  public NavigableMap<Long, CollectionLoad> loads() {
    return Collections.unmodifiableNavigableMap(loads);
  }

  public Optional<CollectionLoad> load(long collectionId) {
    return Optional.ofNullable(loads.get(collectionId));
  }

  public Optional<TargetSegment> segment(long id) {
    return Optional.ofNullable(segments.get(id));
  }

  public NavigableMap<Long, TargetSegment> segmentsOf(long collectionId) {
    TreeMap<Long, TargetSegment> of = segmentsByCollection.get(collectionId);
    return of == null ? Collections.emptyNavigableMap() : Collections.unmodifiableNavigableMap(of);
  }

  public int segmentCount() {
    return segments.size();
  }

  public Optional<TargetChannel> channel(String name) {
    return Optional.ofNullable(channels.get(name));
  }

  public NavigableMap<String, TargetChannel> channelsOf(long collectionId) {
    TreeMap<String, TargetChannel> of = channelsByCollection.get(collectionId);
    return of == null ? Collections.emptyNavigableMap() : Collections.unmodifiableNavigableMap(of);
  }

  public NavigableMap<Long, NodeDistribution> distributions() {
    return Collections.unmodifiableNavigableMap(distributions);
  }

  public Optional<NodeDistribution> distribution(long nodeId) {
    return Optional.ofNullable(distributions.get(nodeId));
  }

  /** Whether {@code nodeId} reports serving {@code segmentId}. */
  public boolean serves(long nodeId, long segmentId) {
    long[] s = served.get(nodeId);
    return s != null && java.util.Arrays.binarySearch(s, segmentId) >= 0;
  }

  /** The segment ids the node reports serving, ascending (empty if none); callers must not change it. */
  long[] servedBy(long nodeId) {
    return served.getOrDefault(nodeId, NONE);
  }

  private static final long[] NONE = new long[0];

  /** Whether {@code nodeId} reports serving {@code channel} as its delegator. */
  public boolean servesChannel(long nodeId, String channel) {
    NodeDistribution d = distributions.get(nodeId);
    return d != null && d.getChannelsList().contains(channel);
  }

  /** Segments placed on the node (as the node or the previous node of a move), ascending. */
  public Set<Long> segmentWork(long nodeId) {
    TreeSet<Long> s = segmentWork.get(nodeId);
    return s == null ? Set.of() : Collections.unmodifiableSet(s);
  }

  /** Rows of every target segment placed on the node (as the node or the previous node of a move), in any replica. */
  public long rowsOn(long nodeId) {
    return rowsByNode.getOrDefault(nodeId, 0L);
  }

  public Set<String> channelWork(long nodeId) {
    TreeSet<String> s = channelWork.get(nodeId);
    return s == null ? Set.of() : Collections.unmodifiableSet(s);
  }

  /** Grows with every replayed record (and every load): equal values mean the same state. */
  public long changes() {
    return changes;
  }

  public boolean isEmpty() {
    return loads.isEmpty() && replicas.isEmpty() && groups.size() == 1 && nodeGroups.isEmpty() && distributions.isEmpty();
  }

  public QueryCoordSettings settings() {
    return settings;
  }

  public QueryCoordSettings storedSettings() {
    return stored;
  }
}
