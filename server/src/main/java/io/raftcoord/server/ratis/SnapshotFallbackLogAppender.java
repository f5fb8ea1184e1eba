package io.raftcoord.server.ratis;

import org.apache.ratis.grpc.server.GrpcLogAppender;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works around a Ratis 3.2.2 leader bug (fixed upstream as RATIS-2487, not released). When a
 * follower needs exactly the first entry of the leader's purged log, the leader must send the
 * entry before it as "previous"; that entry is purged and, unless it is the snapshot's index, the
 * appender dies of "Previous TermIndex not found" and is never restarted, so the follower never
 * catches up. It happens after most leader failovers: a new term starts a new log segment, the
 * old term's segments are purged at the next snapshot, and the restarted old leader asks for the
 * new term's first index. Here the leader installs its snapshot instead, as upstream now does.
 */
final class SnapshotFallbackLogAppender extends GrpcLogAppender {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotFallbackLogAppender.class);

  SnapshotFallbackLogAppender(RaftServer.Division server, LeaderState leaderState, FollowerInfo f) {
    super(server, leaderState, f);
  }

  @Override
  public SnapshotInfo shouldInstallSnapshot() {
    SnapshotInfo decided = super.shouldInstallSnapshot();
    if (decided != null) {
      return decided;
    }
    SnapshotInfo snapshot = getServer().getStateMachine().getLatestSnapshot();
    if (snapshot == null) {
      return null;
    }
    RaftLog log = getRaftLog();
    long followerNext = getFollower().getNextIndex();
    boolean previousMissing = followerNext > RaftLog.LEAST_VALID_LOG_INDEX
        && followerNext < log.getNextIndex()
        && followerNext == log.getStartIndex()
        && log.getTermIndex(followerNext - 1) == null
        && snapshot.getIndex() != followerNext - 1;
    if (previousMissing) {
      LOG.info("{}: entry {} before {}'s next index is purged; installing snapshot {} instead",
          this, followerNext - 1, getFollower().getName(), snapshot.getTermIndex());
      return snapshot;
    }
    return null;
  }
}
