package io.raftcoord.client;

import io.raftcoord.client.internal.CommandPipeline;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.UpgradeReply;
import io.raftcoord.proto.UpgradeRequest;
import io.raftcoord.proto.VersionQuery;
import io.raftcoord.proto.VersionReply;
import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.client.internal.Futures;
import io.raftcoord.client.internal.RaftTransport;
import io.raftcoord.proto.DumpQuery;
import io.raftcoord.proto.DumpReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryBatch;
import io.raftcoord.proto.QueryBatchReply;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.ReplicaStatus;
import io.raftcoord.proto.StatusQuery;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.proto.RaftProtos.LogInfoProto;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftPeer;

/**
 * Per-replica inspection: status of every replica (asked one by one with no retries and a
 * short timeout, so a dead replica answers "unreachable" instead of hanging), store dumps.
 */
public final class AdminClient {
  private final RaftTransport transport;
  private final CommandPipeline pipeline;

  AdminClient(RaftTransport transport, CommandPipeline pipeline) {
    this.transport = transport;
    this.pipeline = pipeline;
  }

  /**
   * The committed apply version and the range each replica reported for its binary (read
   * linearizably through the leader), plus the range of the replica that answered.
   */
  public VersionReply version() {
    QueryBatch q = QueryBatch.newBuilder().addQueries(Query.newBuilder().setVersion(VersionQuery.getDefaultInstance())).build();
    return single(Futures.join(transport.read(q.toByteArray()))).getVersion();
  }

  /**
   * Raises the committed apply version to {@code version}. Refused (FAILED_PRECONDITION, naming
   * the replicas) unless every member of the group reported supporting it; asking for the
   * committed version again succeeds without a change.
   */
  public UpgradeReply upgrade(int version) {
    Command c = Command.newBuilder().setUpgrade(UpgradeRequest.newBuilder().setVersion(version)).build();
    return Futures.join(pipeline.submitChecked(c)).getUpgrade();
  }

  /** Status of every replica in peer order; unreachable ones carry {@code error}. */
  public List<ReplicaStatus> status() {
    List<CompletableFuture<ReplicaStatus>> futures = new ArrayList<>();
    for (RaftPeer peer : transport.group().getPeers()) {
      futures.add(CompletableFuture.supplyAsync(() -> statusOf(peer), transport.targetedExecutor()));
    }
    return futures.stream().map(CompletableFuture::join).toList();
  }

  private ReplicaStatus statusOf(RaftPeer peer) {
    ReplicaStatus.Builder b = ReplicaStatus.newBuilder().setId(peer.getId().toString()).setAddress(peer.getAddress());
    String id = peer.getId().toString();
    try {
      GroupInfoReply info = transport.groupInfo(id);
      b.setRole(info.getRoleInfoProto().getRole().name());
      b.setTerm(termOf(info));
      if (info.getRoleInfoProto().hasFollowerInfo()) {
        b.setLeaderId(info.getRoleInfoProto().getFollowerInfo().getLeaderInfo().getId().getId().toStringUtf8());
      } else if (info.getRoleInfoProto().hasLeaderInfo()) {
        b.setLeaderId(peer.getId().toString());
      }
      LogInfoProto log = info.getLogInfoProto();
      b.setCommitIndex(log.getCommitted().getIndex()).setAppliedIndex(log.getApplied().getIndex())
          .setSnapshotIndex(log.hasLastSnapshot() ? log.getLastSnapshot().getIndex() : -1);
      QueryBatch q = QueryBatch.newBuilder().addQueries(Query.newBuilder().setStatus(StatusQuery.getDefaultInstance())).build();
      byte[] reply = transport.staleReadNow(q.toByteArray(), id);
      var s = QueryBatchReply.parseFrom(reply).getReplies(0).getStatus();
      b.setStoreAppliedIndex(s.getAppliedIndex()).setLastTimestamp(s.getTsoLast()).setNextId(s.getNextId());
    } catch (IOException | RuntimeException e) {
      b.setError("unreachable: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + firstLine(e.getMessage())));
    }
    return b.build();
  }

  /** The leader knows its term; other roles report the term of their last log entry. */
  private static long termOf(GroupInfoReply info) {
    var role = info.getRoleInfoProto();
    return role.hasLeaderInfo() ? role.getLeaderInfo().getTerm() : info.getLogInfoProto().getLastEntry().getTerm();
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** Digest of one replica's store, read linearizably on that replica. */
  public DumpReply dump(String peerId) {
    QueryBatch q = QueryBatch.newBuilder().addQueries(Query.newBuilder().setDump(DumpQuery.getDefaultInstance())).build();
    return single(Futures.join(transport.readFromOnce(q.toByteArray(), peerId))).getDump();
  }

  /** Digest of one replica's store as it is now, without waiting for the leader. */
  public DumpReply localDump(String peerId) {
    QueryBatch q = QueryBatch.newBuilder().addQueries(Query.newBuilder().setDump(DumpQuery.getDefaultInstance())).build();
    return single(Futures.join(transport.staleReadFrom(q.toByteArray(), peerId))).getDump();
  }

  private static QueryReply single(byte[] bytes) {
    try {
      QueryReply r = QueryBatchReply.parseFrom(bytes).getReplies(0);
      if (r.getCode() != ErrorCode.OK) {
        throw new CoordException(r.getCode(), r.getMessage());
      }
      return r;
    } catch (InvalidProtocolBufferException e) {
      throw new CoordException(ErrorCode.INTERNAL, "unreadable reply from server: " + e.getMessage());
    }
  }
}
