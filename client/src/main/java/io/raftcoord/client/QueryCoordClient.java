package io.raftcoord.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.raftcoord.client.internal.CommandPipeline;
import io.raftcoord.client.internal.Futures;
import io.raftcoord.client.internal.QueryPipeline;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.querycoord.CreateResourceGroup;
import io.raftcoord.proto.querycoord.DistributionList;
import io.raftcoord.proto.querycoord.DropResourceGroup;
import io.raftcoord.proto.querycoord.GetDistribution;
import io.raftcoord.proto.querycoord.GetLoadState;
import io.raftcoord.proto.querycoord.GetNodeWork;
import io.raftcoord.proto.querycoord.GetQueryCoordSettings;
import io.raftcoord.proto.querycoord.GetSearchPlan;
import io.raftcoord.proto.querycoord.ListReplicas;
import io.raftcoord.proto.querycoord.ListResourceGroups;
import io.raftcoord.proto.querycoord.LoadCollection;
import io.raftcoord.proto.querycoord.LoadStateReply;
import io.raftcoord.proto.querycoord.LoadTarget;
import io.raftcoord.proto.querycoord.NodeWork;
import io.raftcoord.proto.querycoord.QueryCoordReply;
import io.raftcoord.proto.querycoord.QueryCoordSettings;
import io.raftcoord.proto.querycoord.ReleaseCollection;
import io.raftcoord.proto.querycoord.ReplicaList;
import io.raftcoord.proto.querycoord.ReportDistribution;
import io.raftcoord.proto.querycoord.ResourceGroupList;
import io.raftcoord.proto.querycoord.SearchPlan;
import io.raftcoord.proto.querycoord.SetQueryCoordSettings;
import io.raftcoord.proto.querycoord.TransferNode;
import io.raftcoord.proto.querycoord.TransferReplica;
import io.raftcoord.proto.querycoord.UpdateResourceGroup;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * QueryCoord: loads and releases with replicas in resource groups, load state and progress,
 * replicas, distributions, search plans and settings for users; work lists and distribution
 * reports for query nodes (normally made by a {@link QueryNodeAgent}).
 */
public final class QueryCoordClient {
  private final CommandPipeline commands;
  private final QueryPipeline reads;

  QueryCoordClient(CommandPipeline commands, QueryPipeline reads) {
    this.commands = commands;
    this.reads = reads;
  }

  public static LoadTarget collection(String db, String name) {
    return LoadTarget.newBuilder().setDb(db).setName(name).build();
  }

  /** loadCollection / loadPartitions: returns the collection id and replica ids; progress via {@link #loadState}. */
  public QueryCoordReply load(LoadCollection load) {
    return Futures.join(command(load));
  }

  public QueryCoordReply load(String db, String collection, int replicas, List<String> resourceGroups) {
    return load(LoadCollection.newBuilder().setCollection(collection(db, collection)).setReplicaNumber(replicas)
        .addAllResourceGroups(resourceGroups).build());
  }

  /** releaseCollection (no partitions) or releasePartitions. */
  public QueryCoordReply release(String db, String collection, List<String> partitions) {
    return Futures.join(command(ReleaseCollection.newBuilder().setCollection(collection(db, collection))
        .addAllPartitions(partitions).build()));
  }

  public LoadStateReply loadState(String db, String collection, boolean withProgress) {
    return Futures.join(query(GetLoadState.newBuilder().setCollection(collection(db, collection))
        .setWithProgress(withProgress).build(), LoadStateReply.class));
  }

  /** Replicas of one collection, or of every loaded collection when {@code collection} is null. */
  public ReplicaList replicas(String db, String collection) {
    ListReplicas.Builder q = ListReplicas.newBuilder();
    if (collection != null) {
      q.setCollection(collection(db, collection));
    }
    return Futures.join(query(q.build(), ReplicaList.class));
  }

  /** What query nodes report they serve (node 0: every node). */
  public DistributionList distribution(long nodeId) {
    return Futures.join(query(GetDistribution.newBuilder().setNodeId(nodeId).build(), DistributionList.class));
  }

  public CompletableFuture<SearchPlan> searchPlanAsync(String db, String collection) {
    return query(GetSearchPlan.newBuilder().setCollection(collection(db, collection)).build(), SearchPlan.class);
  }

  /** Per channel, each replica's delegator and the nodes serving its segments of the current target. */
  public SearchPlan searchPlan(String db, String collection) {
    return Futures.join(searchPlanAsync(db, collection));
  }

  public ResourceGroupList resourceGroups() {
    return Futures.join(query(ListResourceGroups.getDefaultInstance(), ResourceGroupList.class));
  }

  public void createResourceGroup(String name, int requests, int limits) {
    Futures.join(command(CreateResourceGroup.newBuilder().setName(name).setRequests(requests).setLimits(limits).build()));
  }

  public void updateResourceGroup(String name, int requests, int limits) {
    Futures.join(command(UpdateResourceGroup.newBuilder().setName(name).setRequests(requests).setLimits(limits).build()));
  }

  public void dropResourceGroup(String name) {
    Futures.join(command(DropResourceGroup.newBuilder().setName(name).build()));
  }

  public void transferNode(String source, String target, int num) {
    Futures.join(command(TransferNode.newBuilder().setSource(source).setTarget(target).setNum(num).build()));
  }

  public void transferReplica(String source, String target, String db, String collection, int num) {
    Futures.join(command(TransferReplica.newBuilder().setSource(source).setTarget(target)
        .setCollection(collection(db, collection)).setNum(num).build()));
  }

  public QueryCoordSettings settings() {
    return Futures.join(query(GetQueryCoordSettings.getDefaultInstance(), QueryCoordSettings.class));
  }

  /** Changes the replicated settings (fields not set keep their value); returns them all. */
  public QueryCoordSettings setSettings(QueryCoordSettings change) {
    return Futures.join(command(SetQueryCoordSettings.newBuilder().setSettings(change).build())).getSettings();
  }

  // ---- query-node side ----

  public CompletableFuture<NodeWork> workAsync(long nodeId) {
    return query(GetNodeWork.newBuilder().setNodeId(nodeId).build(), NodeWork.class);
  }

  public CompletableFuture<QueryCoordReply> reportAsync(ReportDistribution report) {
    return command(report);
  }

  private CompletableFuture<QueryCoordReply> command(Message body) {
    return commands.submitChecked(Command.newBuilder().setDomain(Any.pack(body)).build())
        .thenApply(QueryCoordClient::unpack);
  }

  private <T extends Message> CompletableFuture<T> query(Message body, Class<T> type) {
    return reads.submit(Query.newBuilder().setDomain(Any.pack(body)).build())
        .thenApply(r -> unpack(QueryPipeline.checked(r), type));
  }

  private static QueryCoordReply unpack(CommandReply r) {
    try {
      return r.getDomain().unpack(QueryCoordReply.class);
    } catch (InvalidProtocolBufferException e) {
      throw new CoordException(ErrorCode.INTERNAL, "unreadable querycoord reply: " + e.getMessage());
    }
  }

  private static <T extends Message> T unpack(QueryReply r, Class<T> type) {
    try {
      return r.getDomain().unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new CoordException(ErrorCode.INTERNAL, "unreadable querycoord reply: " + e.getMessage());
    }
  }
}
