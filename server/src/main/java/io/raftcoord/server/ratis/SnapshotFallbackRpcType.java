package io.raftcoord.server.ratis;

import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcFactory;
import org.apache.ratis.rpc.RpcFactory;
import org.apache.ratis.rpc.RpcType;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.leader.LogAppender;

/**
 * Ratis's gRPC transport with one change on the leader: {@link SnapshotFallbackLogAppender}.
 * Selected by class name in {@code raft.rpc.type}; wire-compatible with plain GRPC peers and
 * clients.
 */
public final class SnapshotFallbackRpcType implements RpcType {
  @Override
  public String name() {
    return SnapshotFallbackRpcType.class.getName();
  }

  @Override
  public RpcFactory newFactory(Parameters parameters) {
    return new Factory(parameters);
  }

  private static final class Factory extends GrpcFactory {
    Factory(Parameters parameters) {
      super(parameters);
    }

    @Override
    public LogAppender newLogAppender(RaftServer.Division server, LeaderState state, FollowerInfo f) {
      return new SnapshotFallbackLogAppender(server, state, f);
    }
  }
}
