package io.raftcoord.server;

import io.raftcoord.proto.ReplicaStatus;
import io.raftcoord.statemachine.sm.CoordState;
import java.io.IOException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.statemachine.SnapshotInfo;

/** Reads a replica's Raft and store positions for the admin endpoint and metrics. */
final class ReplicaStatusReader {
  private ReplicaStatusReader() {}

  static ReplicaStatus read(ReplicaServer replica) {
    ReplicaStatus.Builder b = ReplicaStatus.newBuilder()
        .setId(replica.config().self().id()).setAddress(replica.config().self().address());
    try {
      RaftServer.Division d = replica.division();
      b.setRole(d.getInfo().getCurrentRole().name())
          .setTerm(d.getInfo().getCurrentTerm())
          .setLeaderId(d.getInfo().getLeaderId() == null ? "" : d.getInfo().getLeaderId().toString())
          .setCommitIndex(d.getRaftLog().getLastCommittedIndex())
          .setAppliedIndex(d.getInfo().getLastAppliedIndex());
      SnapshotInfo snap = d.getStateMachine().getLatestSnapshot();
      b.setSnapshotIndex(snap == null ? -1 : snap.getIndex());
      CoordState s = replica.stateMachine().state();
      if (s != null) {
        b.setStoreAppliedIndex(s.appliedIndex()).setLastTimestamp(s.tso().lastTimestamp()).setNextId(s.ids().nextId());
      }
    } catch (IOException | RuntimeException e) {
      b.setError(e.toString());
    }
    return b.build();
  }
}
