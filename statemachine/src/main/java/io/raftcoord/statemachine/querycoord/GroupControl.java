package io.raftcoord.statemachine.querycoord;

import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Record;
import io.raftcoord.proto.querycoord.CollectionLoad;
import io.raftcoord.proto.querycoord.CreateResourceGroup;
import io.raftcoord.proto.querycoord.DropResourceGroup;
import io.raftcoord.proto.querycoord.QueryCoordEventKind;
import io.raftcoord.proto.querycoord.QueryCoordReply;
import io.raftcoord.proto.querycoord.Replica;
import io.raftcoord.proto.querycoord.ResourceGroup;
import io.raftcoord.proto.querycoord.TransferNode;
import io.raftcoord.proto.querycoord.TransferReplica;
import io.raftcoord.proto.querycoord.UpdateResourceGroup;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.apply.ApplyResult;
import io.raftcoord.statemachine.catalog.Catalog;
import io.raftcoord.statemachine.datacoord.CollectionLookup;
import io.raftcoord.statemachine.pipeline.Refusal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Resource groups with Milvus's rules: the default group always exists and cannot be dropped; a
 * group is dropped only once its requests and limits are 0 and no replica uses it; transferring
 * nodes moves requests and limits and lets recovery move the nodes; transferring replicas needs
 * enough nodes in the target group.
 */
final class GroupControl {
  static final int MAX_GROUPS = 1024;
  static final int MAX_NODES = 1_000_000;
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,254}");

  private final QueryCoordTable table;
  private final Membership membership;
  private final Catalog catalog;

  GroupControl(QueryCoordTable table, Membership membership, Catalog catalog) {
    this.table = table;
    this.membership = membership;
    this.catalog = catalog;
  }

  ApplyResult create(ApplyContext ctx, CreateResourceGroup c) {
    if (!NAME.matcher(c.getName()).matches()) {
      return refuse(ErrorCode.INVALID_ARGUMENT, "resource group name '" + c.getName()
          + "' must be 1-255 letters, digits or _, not starting with a digit");
    }
    if (table.group(c.getName()).isPresent()) {
      return refuse(ErrorCode.ALREADY_EXISTS, "resource group " + c.getName() + " already exists");
    }
    if (table.groups().size() >= MAX_GROUPS) {
      return refuse(ErrorCode.QUOTA_EXCEEDED, "at most " + MAX_GROUPS + " resource groups");
    }
    Optional<String> bad = badCounts(c.getRequests(), c.getLimits());
    if (bad.isPresent()) {
      return refuse(ErrorCode.INVALID_ARGUMENT, "resource group " + c.getName() + ": " + bad.get());
    }
    TreeMap<String, ResourceGroup> groups = membership.draftGroups();
    groups.put(c.getName(), ResourceGroup.newBuilder().setName(c.getName()).setRequests(c.getRequests())
        .setLimits(c.getLimits()).setCreatedMs(ctx.nowMs()).build());
    return done(membership.commit(groups, membership.draftReplicas(), List.of()));
  }

  ApplyResult update(UpdateResourceGroup u) {
    Optional<ResourceGroup> g = table.group(u.getName());
    if (g.isEmpty()) {
      return refuse(ErrorCode.NOT_FOUND, "resource group " + u.getName() + " does not exist");
    }
    Optional<String> bad = badCounts(u.getRequests(), u.getLimits());
    if (bad.isPresent()) {
      return refuse(ErrorCode.INVALID_ARGUMENT, "resource group " + u.getName() + ": " + bad.get());
    }
    TreeMap<String, ResourceGroup> groups = membership.draftGroups();
    groups.put(u.getName(), g.get().toBuilder().setRequests(u.getRequests()).setLimits(u.getLimits()).build());
    return done(membership.commit(groups, membership.draftReplicas(), List.of()));
  }

  ApplyResult drop(DropResourceGroup d) {
    Optional<ResourceGroup> g = table.group(d.getName());
    if (d.getName().equals(QueryCoordTable.DEFAULT_GROUP)) {
      return refuse(ErrorCode.FAILED_PRECONDITION, "the default resource group cannot be dropped");
    }
    if (g.isEmpty()) {
      return refuse(ErrorCode.NOT_FOUND, "resource group " + d.getName() + " does not exist");
    }
    List<String> users = new ArrayList<>();
    for (Replica r : table.replicas().values()) {
      if (r.getResourceGroup().equals(d.getName())) {
        users.add("replica " + r.getId() + " of " + collectionName(r.getCollectionId()));
      }
    }
    if (!users.isEmpty()) {
      return refuse(ErrorCode.FAILED_PRECONDITION, "resource group " + d.getName() + " still holds " + users
          + "; transfer or release them first");
    }
    if (g.get().getRequests() != 0 || g.get().getLimits() != 0) {
      return refuse(ErrorCode.FAILED_PRECONDITION, "resource group " + d.getName() + " has requests "
          + g.get().getRequests() + " and limits " + g.get().getLimits() + "; update both to 0 before dropping it");
    }
    TreeMap<String, ResourceGroup> groups = membership.draftGroups();
    groups.remove(d.getName());
    return done(membership.commit(groups, membership.draftReplicas(), List.of()));
  }

  ApplyResult transferNode(TransferNode t) {
    Optional<ResourceGroup> from = table.group(t.getSource());
    Optional<ResourceGroup> to = table.group(t.getTarget());
    if (from.isEmpty() || to.isEmpty()) {
      return refuse(ErrorCode.NOT_FOUND, "resource group " + (from.isEmpty() ? t.getSource() : t.getTarget())
          + " does not exist");
    }
    if (t.getSource().equals(t.getTarget()) || t.getNum() < 1) {
      return refuse(ErrorCode.INVALID_ARGUMENT, "transfer node needs two different groups and num >= 1");
    }
    int has = membership.serving(table.groups()).getOrDefault(t.getSource(), new TreeSet<>()).size();
    if (has < t.getNum()) {
      return refuse(ErrorCode.FAILED_PRECONDITION, "resource group " + t.getSource() + " has " + has
          + " serving query nodes, fewer than the " + t.getNum() + " to transfer");
    }
    TreeMap<String, ResourceGroup> groups = membership.draftGroups();
    ResourceGroup src = from.get();
    ResourceGroup dst = to.get();
    groups.put(src.getName(), src.toBuilder().setRequests(Math.max(0, src.getRequests() - t.getNum()))
        .setLimits(Math.max(0, src.getLimits() - t.getNum())).build());
    int requests = dst.getRequests() + t.getNum();
    groups.put(dst.getName(), dst.toBuilder().setRequests(requests)
        .setLimits(Math.min(MAX_NODES, Math.max(dst.getLimits(), requests))).build());
    if (src.getName().equals(QueryCoordTable.DEFAULT_GROUP)) {
      groups.put(src.getName(), QueryCoordTable.DEFAULT_GROUP_CONFIG);
    }
    return done(membership.commit(groups, membership.draftReplicas(), List.of()));
  }

  ApplyResult transferReplica(TransferReplica t) {
    Optional<CollectionInfo> c = CollectionLookup.resolve(catalog, t.getCollection().getDb(), t.getCollection().getName(),
        t.getCollection().getId());
    if (c.isEmpty()) {
      return refuse(ErrorCode.NOT_FOUND, "collection " + LoadControl.describe(t.getCollection()) + " does not exist");
    }
    Optional<CollectionLoad> load = table.load(c.get().getId());
    if (load.isEmpty()) {
      return refuse(ErrorCode.FAILED_PRECONDITION, "collection " + c.get().getName() + " is not loaded");
    }
    if (table.group(t.getSource()).isEmpty() || table.group(t.getTarget()).isEmpty()) {
      return refuse(ErrorCode.NOT_FOUND, "resource group " + (table.group(t.getSource()).isEmpty() ? t.getSource()
          : t.getTarget()) + " does not exist");
    }
    List<Replica> inSource = table.replicasOf(c.get().getId()).values().stream()
        .filter(r -> r.getResourceGroup().equals(t.getSource())).toList();
    if (t.getNum() < 1 || inSource.size() < t.getNum() || t.getSource().equals(t.getTarget())) {
      return refuse(ErrorCode.INVALID_ARGUMENT, "collection " + c.get().getName() + " has " + inSource.size()
          + " replicas in " + t.getSource() + "; cannot transfer " + t.getNum() + " to " + t.getTarget());
    }
    long inTarget = table.replicasOf(c.get().getId()).values().stream()
        .filter(r -> r.getResourceGroup().equals(t.getTarget())).count();
    int nodes = membership.serving(table.groups()).getOrDefault(t.getTarget(), new TreeSet<>()).size();
    if (nodes < inTarget + t.getNum()) {
      return refuse(ErrorCode.FAILED_PRECONDITION, "resource group " + t.getTarget() + " has " + nodes
          + " serving query nodes; " + (inTarget + t.getNum()) + " replicas of " + c.get().getName()
          + " need at least that many (short by " + (inTarget + t.getNum() - nodes) + ")");
    }
    TreeMap<Long, Replica> replicas = membership.draftReplicas();
    for (Replica r : inSource.subList(0, t.getNum())) {
      replicas.put(r.getId(), r.toBuilder().setResourceGroup(t.getTarget()).clearNodes().build());
    }
    TreeSet<String> rgs = new TreeSet<>();
    replicas.values().stream().filter(r -> r.getCollectionId() == c.get().getId())
        .forEach(r -> rgs.add(r.getResourceGroup()));
    CollectionLoad after = load.get().toBuilder().clearResourceGroups().addAllResourceGroups(rgs).build();
    return done(membership.commit(membership.draftGroups(), replicas,
        List.of(QueryRecords.load(QueryCoordEventKind.LOAD_PUT, after))));
  }

  private String collectionName(long id) {
    return catalog.collection(id).map(CollectionInfo::getName).orElse("collection " + id);
  }

  private static Optional<String> badCounts(int requests, int limits) {
    if (requests < 0 || limits < 0 || requests > MAX_NODES || limits > MAX_NODES) {
      return Optional.of("requests and limits must be 0 to " + MAX_NODES + ", got " + requests + " and " + limits);
    }
    if (limits < requests) {
      return Optional.of("limits " + limits + " is below requests " + requests);
    }
    return Optional.empty();
  }

  private static ApplyResult done(List<Record> records) {
    return QueryRecords.ok(records, QueryCoordReply.getDefaultInstance());
  }

  private static ApplyResult refuse(ErrorCode code, String message) {
    return new Refusal(code, message).result();
  }

}
