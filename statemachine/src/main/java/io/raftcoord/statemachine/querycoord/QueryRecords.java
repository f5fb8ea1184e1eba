package io.raftcoord.statemachine.querycoord;

import com.google.protobuf.Any;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.Record;
import io.raftcoord.proto.querycoord.CollectionLoad;
import io.raftcoord.proto.querycoord.NodeDistribution;
import io.raftcoord.proto.querycoord.NodeGroup;
import io.raftcoord.proto.querycoord.QueryCoordEvent;
import io.raftcoord.proto.querycoord.QueryCoordEventKind;
import io.raftcoord.proto.querycoord.QueryCoordReply;
import io.raftcoord.proto.querycoord.Replica;
import io.raftcoord.proto.querycoord.ResourceGroup;
import io.raftcoord.proto.querycoord.TargetChannel;
import io.raftcoord.proto.querycoord.TargetSegment;
import io.raftcoord.statemachine.apply.ApplyResult;
import java.util.List;

/** Builders of the domain's records and replies. */
final class QueryRecords {
  private QueryRecords() {}

  static Record group(QueryCoordEventKind kind, ResourceGroup g) {
    return wrap(QueryCoordEvent.newBuilder().setKind(kind).setGroup(g.toBuilder().clearNodes()).build());
  }

  static Record nodeGroup(long node, String group) {
    NodeGroup ng = NodeGroup.newBuilder().setNodeId(node).setGroup(group).build();
    return wrap(QueryCoordEvent.newBuilder().setKind(group.equals(QueryCoordTable.DEFAULT_GROUP)
        ? QueryCoordEventKind.NODE_GROUP_REMOVED : QueryCoordEventKind.NODE_GROUP_PUT).setNodeGroup(ng).build());
  }

  static Record replica(QueryCoordEventKind kind, Replica r) {
    return wrap(QueryCoordEvent.newBuilder().setKind(kind).setReplica(r).build());
  }

  static Record load(QueryCoordEventKind kind, CollectionLoad l) {
    return wrap(QueryCoordEvent.newBuilder().setKind(kind).setLoad(l).build());
  }

  static Record segment(QueryCoordEventKind kind, TargetSegment s) {
    return wrap(QueryCoordEvent.newBuilder().setKind(kind).setSegment(s).build());
  }

  static Record channel(QueryCoordEventKind kind, TargetChannel c) {
    return wrap(QueryCoordEvent.newBuilder().setKind(kind).setChannel(c).build());
  }

  static Record distribution(QueryCoordEventKind kind, NodeDistribution d) {
    return wrap(QueryCoordEvent.newBuilder().setKind(kind).setDistribution(d).build());
  }

  static Record wrap(QueryCoordEvent e) {
    return Record.newBuilder().setDomain(Any.pack(e)).build();
  }

  static ApplyResult ok(List<Record> records, QueryCoordReply reply) {
    return ApplyResult.ok(records, CommandReply.newBuilder().setDomain(Any.pack(reply)).build());
  }
}
