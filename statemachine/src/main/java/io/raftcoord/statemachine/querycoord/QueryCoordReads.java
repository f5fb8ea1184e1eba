package io.raftcoord.statemachine.querycoord;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.querycoord.ChannelRoute;
import io.raftcoord.proto.querycoord.CollectionLoad;
import io.raftcoord.proto.querycoord.DistributionList;
import io.raftcoord.proto.querycoord.GetDistribution;
import io.raftcoord.proto.querycoord.GetLoadState;
import io.raftcoord.proto.querycoord.GetNodeWork;
import io.raftcoord.proto.querycoord.GetSearchPlan;
import io.raftcoord.proto.querycoord.ListReplicas;
import io.raftcoord.proto.querycoord.LoadState;
import io.raftcoord.proto.querycoord.LoadStateReply;
import io.raftcoord.proto.querycoord.LoadTarget;
import io.raftcoord.proto.querycoord.NodeSegments;
import io.raftcoord.proto.querycoord.NodeWork;
import io.raftcoord.proto.querycoord.PartitionProgress;
import io.raftcoord.proto.querycoord.Placement;
import io.raftcoord.proto.querycoord.Replica;
import io.raftcoord.proto.querycoord.ReplicaList;
import io.raftcoord.proto.querycoord.ReplicaRoute;
import io.raftcoord.proto.querycoord.ResourceGroup;
import io.raftcoord.proto.querycoord.ResourceGroupList;
import io.raftcoord.proto.querycoord.SearchPlan;
import io.raftcoord.proto.querycoord.TargetChannel;
import io.raftcoord.proto.querycoord.TargetSegment;
import io.raftcoord.proto.querycoord.WorkChannel;
import io.raftcoord.proto.querycoord.WorkSegment;
import io.raftcoord.statemachine.catalog.Catalog;
import io.raftcoord.statemachine.datacoord.CollectionLookup;
import io.raftcoord.statemachine.pipeline.Refusal;
import io.raftcoord.statemachine.session.SessionTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/** QueryCoord's reads of committed state: load state and progress, replicas, distributions, groups, work lists, search plans. */
final class QueryCoordReads {
  private final QueryCoordTable table;
  private final Catalog catalog;
  private final SessionTable sessions;
  private final Membership membership;
  private final Serving serving;

  QueryCoordReads(QueryCoordTable table, Catalog catalog, SessionTable sessions, Membership membership) {
    this.table = table;
    this.catalog = catalog;
    this.sessions = sessions;
    this.membership = membership;
    this.serving = new Serving(table);
  }

  private Optional<CollectionInfo> resolve(LoadTarget t) {
    return CollectionLookup.resolve(catalog, t.getDb(), t.getName(), t.getId());
  }

  private static QueryReply.Builder notFound(LoadTarget t) {
    return new Refusal(ErrorCode.NOT_FOUND, "collection " + LoadControl.describe(t) + " does not exist").queryReply();
  }

  QueryReply.Builder loadState(GetLoadState q) {
    Optional<CollectionInfo> c = resolve(q.getCollection());
    if (c.isEmpty()) {
      return notFound(q.getCollection());
    }
    Optional<CollectionLoad> l = table.load(c.get().getId());
    LoadStateReply.Builder out = LoadStateReply.newBuilder().setCollectionId(c.get().getId());
    if (l.isEmpty()) {
      return reply(out.setState(LoadState.NOT_LOAD).build());
    }
    out.setState(l.get().getState()).setLoad(l.get());
    if (q.getWithProgress()) {
      progress(l.get(), out);
    }
    return reply(out.build());
  }

  /**
   * Milvus's formula against the next target: per partition, served channels and segments summed
   * over the replicas, over (segments + channels) × replicas; the collection averages its
   * partitions. 100 once the load is LOADED.
   */
  private void progress(CollectionLoad l, LoadStateReply.Builder out) {
    List<Replica> replicas = new ArrayList<>(table.replicasOf(l.getCollectionId()).values());
    int channelsServed = 0;
    for (TargetChannel ch : table.channelsOf(l.getCollectionId()).values()) {
      for (Replica r : replicas) {
        channelsServed += serving.channelServer(r, ch) != 0 ? 1 : 0;
      }
    }
    int channels = table.channelsOf(l.getCollectionId()).size();
    Map<Long, int[]> perPartition = new TreeMap<>();
    l.getPartitionIdsList().forEach(p -> perPartition.put(p, new int[2]));
    for (TargetSegment s : table.segmentsOf(l.getCollectionId()).values()) {
      int[] acc = perPartition.get(s.getPartitionId());
      if (acc == null || !s.getNext()) {
        continue;
      }
      acc[1]++;
      for (Replica r : replicas) {
        acc[0] += serving.segmentServer(r, s) != 0 ? 1 : 0;
      }
    }
    // A LOADED collection serves its current target whole: 100, as Milvus reports it, even while a
    // newer next target (fresh flushes) is being loaded behind it.
    boolean done = l.getState() == LoadState.LOADED;
    long sum = 0;
    for (Map.Entry<Long, int[]> e : perPartition.entrySet()) {
      long denominator = (long) (e.getValue()[1] + channels) * Math.max(1, replicas.size());
      int pct = done ? 100 : denominator == 0 ? 0
          : (int) Math.min(99, (e.getValue()[0] + channelsServed) * 100L / denominator);
      out.addPartitions(PartitionProgress.newBuilder().setPartitionId(e.getKey()).setPercent(pct));
      sum += pct;
    }
    out.setPercent(done ? 100 : perPartition.isEmpty() ? 0 : (int) (sum / perPartition.size()));
  }

  QueryReply.Builder replicas(ListReplicas q) {
    ReplicaList.Builder out = ReplicaList.newBuilder();
    if (q.hasCollection()) {
      Optional<CollectionInfo> c = resolve(q.getCollection());
      if (c.isEmpty()) {
        return notFound(q.getCollection());
      }
      out.addAllReplicas(table.replicasOf(c.get().getId()).values());
    } else {
      out.addAllReplicas(table.replicas().values());
    }
    return reply(out.build());
  }

  QueryReply.Builder distribution(GetDistribution q) {
    DistributionList.Builder out = DistributionList.newBuilder();
    if (q.getNodeId() != 0) {
      table.distribution(q.getNodeId()).ifPresent(out::addNodes);
    } else {
      out.addAllNodes(table.distributions().values());
    }
    return reply(out.build());
  }

  QueryReply.Builder groups() {
    SortedMap<Long, String> current = membership.currentGroups(table.groups());
    ResourceGroupList.Builder out = ResourceGroupList.newBuilder();
    for (ResourceGroup g : table.groups().values()) {
      ResourceGroup.Builder b = g.toBuilder().clearNodes();
      current.forEach((node, group) -> {
        if (group.equals(g.getName())) {
          b.addNodes(node);
        }
      });
      out.addGroups(b);
      out.addReplicas(ReplicaList.newBuilder().addAllReplicas(table.replicas().values().stream()
          .filter(r -> r.getResourceGroup().equals(g.getName())).toList()));
    }
    return reply(out.build());
  }

  /** What the node should serve: items placed on it (or leaving it) in replicas it is a member of. */
  QueryReply.Builder nodeWork(GetNodeWork q) {
    long node = q.getNodeId();
    NodeWork.Builder out = NodeWork.newBuilder();
    for (long id : table.segmentWork(node)) {
      table.segment(id).filter(s -> mine(s.getPlacementsList(), node)).ifPresent(s -> out.addSegments(
          WorkSegment.newBuilder().setSegmentId(id).setCollectionId(s.getCollectionId()).setChannel(s.getChannel())
              .setRows(s.getRows())));
    }
    for (String name : table.channelWork(node)) {
      table.channel(name).filter(c -> mine(c.getPlacementsList(), node)).ifPresent(c -> out.addChannels(
          WorkChannel.newBuilder().setName(name).setCollectionId(c.getCollectionId())));
    }
    return reply(out.build());
  }

  private boolean mine(List<Placement> placements, long node) {
    for (Placement p : placements) {
      if (p.getNodeId() == node || p.getPreviousNodeId() == node) {
        Replica r = table.replicas().get(p.getReplicaId());
        if (r != null && r.getNodesList().contains(node)) {
          return true;
        }
      }
    }
    return false;
  }

  QueryReply.Builder searchPlan(GetSearchPlan q) {
    Optional<CollectionInfo> c = resolve(q.getCollection());
    if (c.isEmpty()) {
      return notFound(q.getCollection());
    }
    Optional<CollectionLoad> l = table.load(c.get().getId());
    if (l.isEmpty() || l.get().getTargetVersion() == 0) {
      return new Refusal(ErrorCode.FAILED_PRECONDITION, "collection " + c.get().getName() + " is not loaded"
          + (l.isPresent() ? " yet (" + l.get().getState() + ")" : "")).queryReply();
    }
    SearchPlan.Builder out = SearchPlan.newBuilder().setCollectionId(c.get().getId())
        .setTargetVersion(l.get().getTargetVersion());
    for (TargetChannel ch : table.channelsOf(c.get().getId()).values()) {
      ChannelRoute.Builder route = ChannelRoute.newBuilder().setChannel(ch.getName());
      for (Replica r : table.replicasOf(c.get().getId()).values()) {
        ReplicaRoute.Builder rr = ReplicaRoute.newBuilder().setReplicaId(r.getId()).setDelegator(serving.channelServer(r, ch));
        Map<Long, List<Long>> byNode = new TreeMap<>();
        for (TargetSegment s : table.segmentsOf(c.get().getId()).values()) {
          if (s.getCurrent() && s.getChannel().equals(ch.getName())) {
            long n = serving.segmentServer(r, s);
            byNode.computeIfAbsent(n, x -> new ArrayList<>()).add(s.getSegmentId());
          }
        }
        byNode.forEach((n, ids) -> rr.addNodes(NodeSegments.newBuilder().setNodeId(n).addAllSegmentIds(ids)));
        route.addReplicas(rr);
      }
      out.addChannels(route);
    }
    for (Replica r : table.replicasOf(c.get().getId()).values()) {
      for (long n : r.getNodesList()) {
        sessions.get(n).ifPresent(s -> out.putNodeCapacity(n, s.getCapacity()));
      }
    }
    return reply(out.build());
  }

  QueryReply.Builder settings() {
    return reply(table.settings());
  }

  private static QueryReply.Builder reply(Message m) {
    return QueryReply.newBuilder().setDomain(Any.pack(m));
  }
}
