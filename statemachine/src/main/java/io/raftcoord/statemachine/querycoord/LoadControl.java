package io.raftcoord.statemachine.querycoord;

import io.raftcoord.proto.CatalogChange;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.FieldSchema;
import io.raftcoord.proto.IdAllocateRequest;
import io.raftcoord.proto.PartitionInfo;
import io.raftcoord.proto.Record;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentLevel;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.proto.querycoord.CollectionLoad;
import io.raftcoord.proto.querycoord.LoadCollection;
import io.raftcoord.proto.querycoord.LoadState;
import io.raftcoord.proto.querycoord.LoadTarget;
import io.raftcoord.proto.querycoord.Placement;
import io.raftcoord.proto.querycoord.QueryCoordEventKind;
import io.raftcoord.proto.querycoord.QueryCoordReply;
import io.raftcoord.proto.querycoord.ReleaseCollection;
import io.raftcoord.proto.querycoord.Replica;
import io.raftcoord.proto.querycoord.TargetChannel;
import io.raftcoord.proto.querycoord.TargetSegment;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.apply.ApplyResult;
import io.raftcoord.statemachine.catalog.Catalog;
import io.raftcoord.statemachine.datacoord.CollectionLookup;
import io.raftcoord.statemachine.datacoord.DataCoordTable;
import io.raftcoord.statemachine.ids.IdControl;
import io.raftcoord.statemachine.pipeline.Refusal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Loads and releases. A load makes the collection's replicas in its resource groups (refused,
 * naming the groups and the shortfall, when a group has fewer serving nodes than replicas) and its
 * next target: every channel, and every flushed segment of the loaded partitions, unplaced. A
 * release removes all of it in one entry. The target follows DataCoord and the catalog: a segment
 * flushed in a loaded partition joins the next target, a dropped (compacted) one leaves it, a
 * dropped collection or partition is released, and a partition created in a collection loaded
 * whole is loaded too.
 */
final class LoadControl {
  static final int MAX_REPLICAS = 100;

  private final QueryCoordTable table;
  private final Membership membership;
  private final Catalog catalog;
  private final DataCoordTable data;
  private final IdControl ids;

  LoadControl(QueryCoordTable table, Membership membership, Catalog catalog, DataCoordTable data, IdControl ids) {
    this.table = table;
    this.membership = membership;
    this.catalog = catalog;
    this.data = data;
    this.ids = ids;
  }

  static String describe(LoadTarget t) {
    return t.getId() > 0 ? "id " + t.getId() : (t.getDb().isEmpty() ? "default" : t.getDb()) + "." + t.getName();
  }

  ApplyResult load(ApplyContext ctx, LoadCollection cmd) {
    Optional<CollectionInfo> found = CollectionLookup.resolve(catalog, cmd.getCollection().getDb(),
        cmd.getCollection().getName(), cmd.getCollection().getId());
    if (found.isEmpty()) {
      return refuse(ErrorCode.NOT_FOUND, "collection " + describe(cmd.getCollection()) + " does not exist");
    }
    CollectionInfo c = found.get();
    int replicas = cmd.getReplicaNumber() == 0 ? 1 : cmd.getReplicaNumber();
    if (replicas < 1 || replicas > MAX_REPLICAS) {
      return refuse(ErrorCode.INVALID_ARGUMENT, "replica number must be 1 to " + MAX_REPLICAS + ", got " + replicas);
    }
    List<String> rgs = cmd.getResourceGroupsList().isEmpty() ? List.of(QueryCoordTable.DEFAULT_GROUP)
        : cmd.getResourceGroupsList();
    if (new LinkedHashSet<>(rgs).size() != rgs.size() || (rgs.size() > 1 && rgs.size() != replicas)) {
      return refuse(ErrorCode.INVALID_ARGUMENT, "replica number " + replicas + " with resource groups " + rgs
          + ": give one group, or one distinct group per replica");
    }
    for (String g : rgs) {
      if (table.group(g).isEmpty()) {
        return refuse(ErrorCode.NOT_FOUND, "resource group " + g + " does not exist");
      }
    }
    TreeMap<Long, PartitionInfo> partitions = new TreeMap<>();
    if (cmd.getPartitionsList().isEmpty()) {
      c.getPartitionsList().forEach(p -> partitions.put(p.getId(), p));
    } else {
      for (String name : cmd.getPartitionsList()) {
        Optional<PartitionInfo> p = c.getPartitionsList().stream().filter(x -> x.getName().equals(name)).findFirst();
        if (p.isEmpty()) {
          return refuse(ErrorCode.NOT_FOUND, "partition " + name + " of collection " + c.getName() + " does not exist");
        }
        partitions.put(p.get().getId(), p.get());
      }
    }
    List<Long> fieldIds = new ArrayList<>();
    for (String name : cmd.getFieldsList()) {
      Optional<FieldSchema> f = c.getSchema().getFieldsList().stream().filter(x -> x.getName().equals(name)).findFirst();
      if (f.isEmpty()) {
        return refuse(ErrorCode.INVALID_ARGUMENT, "field " + name + " is not in collection " + c.getName());
      }
      fieldIds.add(f.get().getFieldId());
    }
    Optional<CollectionLoad> existing = table.load(c.getId());
    if (existing.isPresent()) {
      return loadMore(ctx, c, existing.get(), replicas, rgs, partitions, cmd.getPartitionsList().isEmpty());
    }
    Map<String, TreeSet<Long>> serving = membership.serving(table.groups());
    List<String> short_ = new ArrayList<>();
    int perGroup = rgs.size() == 1 ? replicas : 1;
    for (String g : rgs) {
      int has = serving.getOrDefault(g, new TreeSet<>()).size();
      if (has < perGroup) {
        short_.add(g + " has " + has + " of " + perGroup + " (short by " + (perGroup - has) + ")");
      }
    }
    if (!short_.isEmpty()) {
      return refuse(ErrorCode.FAILED_PRECONDITION, "not enough serving query nodes to load " + c.getName() + " with "
          + replicas + " replica(s): resource group " + String.join("; ", short_));
    }
    ApplyResult range = ids.allocate(ctx, IdAllocateRequest.newBuilder().setCount(replicas).build());
    List<Record> out = new ArrayList<>(range.records());
    long first = range.reply().getIdAllocate().getStart();
    TreeMap<Long, Replica> draft = membership.draftReplicas();
    List<Long> replicaIds = new ArrayList<>();
    for (int i = 0; i < replicas; i++) {
      long id = first + i;
      replicaIds.add(id);
      draft.put(id, Replica.newBuilder().setId(id).setCollectionId(c.getId())
          .setResourceGroup(rgs.size() == 1 ? rgs.get(0) : rgs.get(i)).build());
    }
    CollectionLoad load = CollectionLoad.newBuilder().setCollectionId(c.getId()).setDbId(c.getDbId())
        .addAllPartitionIds(partitions.keySet()).setReplicaNumber(replicas).addAllResourceGroups(new TreeSet<>(rgs))
        .addAllFieldIds(fieldIds).setState(LoadState.LOADING).setWholeCollection(cmd.getPartitionsList().isEmpty())
        .setCreatedMs(ctx.nowMs()).build();
    out.add(QueryRecords.load(QueryCoordEventKind.LOAD_PUT, load));
    List<Placement> unplaced = replicaIds.stream().map(id -> Placement.newBuilder().setReplicaId(id).build()).toList();
    for (String ch : c.getVirtualChannelsList()) {
      out.add(QueryRecords.channel(QueryCoordEventKind.TARGET_CHANNEL_PUT, TargetChannel.newBuilder().setName(ch)
          .setCollectionId(c.getId()).addAllPlacements(unplaced).build()));
    }
    out.addAll(newSegments(c.getId(), partitions.keySet(), unplaced));
    return QueryRecords.ok(membership.commit(membership.draftGroups(), draft, out),
        QueryCoordReply.newBuilder().setCollectionId(c.getId()).addAllReplicaIds(replicaIds).build());
  }

  /** A second load of a loaded collection: same replicas and groups; partitions not yet loaded are added. */
  private ApplyResult loadMore(ApplyContext ctx, CollectionInfo c, CollectionLoad l, int replicas, List<String> rgs,
      TreeMap<Long, PartitionInfo> partitions, boolean whole) {
    if (replicas != l.getReplicaNumber() || !new TreeSet<>(rgs).equals(new TreeSet<>(l.getResourceGroupsList()))) {
      return refuse(ErrorCode.FAILED_PRECONDITION, "collection " + c.getName() + " is loaded with "
          + l.getReplicaNumber() + " replica(s) in " + l.getResourceGroupsList() + "; release it before loading it with "
          + replicas + " in " + rgs);
    }
    TreeSet<Long> added = new TreeSet<>(partitions.keySet());
    added.removeAll(l.getPartitionIdsList());
    List<Long> replicaIds = new ArrayList<>(table.replicasOf(c.getId()).keySet());
    QueryCoordReply reply = QueryCoordReply.newBuilder().setCollectionId(c.getId()).addAllReplicaIds(replicaIds).build();
    if (added.isEmpty() && (l.getWholeCollection() || !whole)) {
      return QueryRecords.ok(List.of(), reply);
    }
    TreeSet<Long> all = new TreeSet<>(l.getPartitionIdsList());
    all.addAll(added);
    List<Record> out = new ArrayList<>();
    out.add(QueryRecords.load(QueryCoordEventKind.LOAD_PUT, l.toBuilder().clearPartitionIds().addAllPartitionIds(all)
        .setWholeCollection(l.getWholeCollection() || whole)
        .setState(added.isEmpty() ? l.getState() : LoadState.LOADING)
        .setCreatedMs(added.isEmpty() ? l.getCreatedMs() : ctx.nowMs()).build()));
    out.addAll(newSegments(c.getId(), added, unplaced(replicaIds)));
    return QueryRecords.ok(out, reply);
  }

  private static List<Placement> unplaced(Collection<Long> replicaIds) {
    return replicaIds.stream().map(id -> Placement.newBuilder().setReplicaId(id).build()).toList();
  }

  /** The flushed segments of {@code partitions} as next-target segments, placed nowhere yet. */
  private List<Record> newSegments(long collectionId, Set<Long> partitions, List<Placement> unplaced) {
    List<Record> out = new ArrayList<>();
    for (Segment s : data.ofCollection(collectionId).values()) {
      if (partitions.contains(s.getPartitionId()) && servable(s)) {
        out.add(QueryRecords.segment(QueryCoordEventKind.TARGET_SEGMENT_PUT, target(s, unplaced)));
      }
    }
    return out;
  }

  /** Sealed data a query node loads: flushed, with rows, not deletes only (L0 is applied by delegators). */
  static boolean servable(Segment s) {
    return s.getState() == SegmentState.FLUSHED && s.getNumRows() > 0 && s.getLevel() != SegmentLevel.L0;
  }

  private static TargetSegment target(Segment s, List<Placement> unplaced) {
    return TargetSegment.newBuilder().setSegmentId(s.getId()).setCollectionId(s.getCollectionId())
        .setPartitionId(s.getPartitionId()).setChannel(s.getChannel()).setRows(s.getNumRows()).setNext(true)
        .addAllPlacements(unplaced).build();
  }

  ApplyResult release(ReleaseCollection cmd) {
    Optional<CollectionInfo> found = CollectionLookup.resolve(catalog, cmd.getCollection().getDb(),
        cmd.getCollection().getName(), cmd.getCollection().getId());
    if (found.isEmpty()) {
      return refuse(ErrorCode.NOT_FOUND, "collection " + describe(cmd.getCollection()) + " does not exist");
    }
    CollectionInfo c = found.get();
    QueryCoordReply reply = QueryCoordReply.newBuilder().setCollectionId(c.getId()).build();
    Optional<CollectionLoad> l = table.load(c.getId());
    if (l.isEmpty()) {
      return QueryRecords.ok(List.of(), reply);
    }
    if (cmd.getPartitionsList().isEmpty()) {
      return QueryRecords.ok(releaseAll(c.getId()), reply);
    }
    TreeSet<Long> drop = new TreeSet<>();
    for (String name : cmd.getPartitionsList()) {
      Optional<PartitionInfo> p = c.getPartitionsList().stream().filter(x -> x.getName().equals(name)).findFirst();
      if (p.isEmpty()) {
        return refuse(ErrorCode.NOT_FOUND, "partition " + name + " of collection " + c.getName() + " does not exist");
      }
      drop.add(p.get().getId());
    }
    return QueryRecords.ok(releasePartitions(l.get(), drop), reply);
  }

  /** Records removing everything loaded of the collection. */
  List<Record> releaseAll(long collectionId) {
    List<Record> out = new ArrayList<>();
    table.load(collectionId).ifPresent(l -> out.add(QueryRecords.load(QueryCoordEventKind.LOAD_REMOVED, l)));
    for (TargetSegment s : table.segmentsOf(collectionId).values()) {
      out.add(QueryRecords.segment(QueryCoordEventKind.TARGET_SEGMENT_REMOVED, s));
    }
    for (TargetChannel ch : table.channelsOf(collectionId).values()) {
      out.add(QueryRecords.channel(QueryCoordEventKind.TARGET_CHANNEL_REMOVED, ch));
    }
    for (Replica r : table.replicasOf(collectionId).values()) {
      out.add(QueryRecords.replica(QueryCoordEventKind.REPLICA_REMOVED, r));
    }
    return out;
  }

  private List<Record> releasePartitions(CollectionLoad l, Set<Long> drop) {
    TreeSet<Long> left = new TreeSet<>(l.getPartitionIdsList());
    left.removeAll(drop);
    if (left.isEmpty()) {
      return releaseAll(l.getCollectionId());
    }
    List<Record> out = new ArrayList<>();
    out.add(QueryRecords.load(QueryCoordEventKind.LOAD_PUT, l.toBuilder().clearPartitionIds().addAllPartitionIds(left)
        .setWholeCollection(false).build()));
    for (TargetSegment s : table.segmentsOf(l.getCollectionId()).values()) {
      if (drop.contains(s.getPartitionId())) {
        out.add(QueryRecords.segment(QueryCoordEventKind.TARGET_SEGMENT_REMOVED, s));
      }
    }
    return out;
  }

  /** What a catalog change does to loads. */
  List<Record> followCatalog(CatalogChange c) {
    long id = c.getCollection().getId();
    Optional<CollectionLoad> l = table.load(id);
    if (l.isEmpty()) {
      return List.of();
    }
    return switch (c.getKind()) {
      case COLLECTION_DROPPED -> releaseAll(id);
      case PARTITION_DROPPED -> l.get().getPartitionIdsList().contains(c.getPartition().getId())
          ? releasePartitions(l.get(), Set.of(c.getPartition().getId())) : List.of();
      case PARTITION_CREATED -> {
        if (!l.get().getWholeCollection()) {
          yield List.of();
        }
        TreeSet<Long> all = new TreeSet<>(l.get().getPartitionIdsList());
        all.add(c.getPartition().getId());
        yield List.of(QueryRecords.load(QueryCoordEventKind.LOAD_PUT,
            l.get().toBuilder().clearPartitionIds().addAllPartitionIds(all).build()));
      }
      default -> List.of();
    };
  }

  /** A segment flushed in a loaded partition joins the next target; a dropped one leaves it. */
  List<Record> followSegment(Segment s) {
    Optional<CollectionLoad> l = table.load(s.getCollectionId());
    if (l.isEmpty()) {
      return List.of();
    }
    Optional<TargetSegment> t = table.segment(s.getId());
    if (s.getState() == SegmentState.DROPPED) {
      if (t.isEmpty()) {
        return List.of();
      }
      return List.of(t.get().getCurrent()
          ? QueryRecords.segment(QueryCoordEventKind.TARGET_SEGMENT_PUT, t.get().toBuilder().setNext(false).build())
          : QueryRecords.segment(QueryCoordEventKind.TARGET_SEGMENT_REMOVED, t.get()));
    }
    if (t.isEmpty() && servable(s) && l.get().getPartitionIdsList().contains(s.getPartitionId())) {
      return List.of(QueryRecords.segment(QueryCoordEventKind.TARGET_SEGMENT_PUT,
          target(s, unplaced(table.replicasOf(s.getCollectionId()).keySet()))));
    }
    return List.of();
  }

  private static ApplyResult refuse(ErrorCode code, String message) {
    return new Refusal(code, message).result();
  }
}
