package io.raftcoord.server.ratis;

import java.io.IOException;
import java.io.InterruptedIOException;
import org.apache.ratis.grpc.server.GrpcLogAppender;
import org.apache.ratis.proto.RaftProtos.AppendEntriesRequestProto;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.raftlog.RaftLogIOException;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works around Ratis 3.2.2 leader bugs that leave a follower behind for as long as the leader
 * leads. The chaos suite hit them after most restarts of a replica:
 *
 * <ul>
 *   <li>A follower whose next index is the first entry of the leader's log needs the entry before
 *       it as "previous"; that entry is purged and, unless it is the snapshot's index, the request
 *       cannot be built (RATIS-2487, fixed upstream, not released). Here the leader installs its
 *       snapshot instead, as upstream now does.
 *   <li>Ratis decides "snapshot or entries" and then builds the entries in two steps; an
 *       INCONSISTENCY reply can lower the follower's next index in between, to an index whose
 *       previous entry is purged, and building the request then throws "Previous TermIndex not
 *       found" or "Log entry not found". {@link #newAppendEntriesRequest} re-checks under the
 *       appender's lock (the lock every next-index change takes) and sends nothing this round, so
 *       the next round installs the snapshot.
 *   <li>When the appender thread dies of an exception, Ratis's own restart is skipped because it
 *       asks the dead thread whether it is running. {@link #run} asks the leader to replace it.
 * </ul>
 *
 * <p>Invariant: entries are sent to a follower only when the entry before its next index is in
 * the log or is the snapshot's last entry; otherwise the follower gets the snapshot.
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
    long followerNext = getFollower().getNextIndex();
    if (snapshot != null && cannotSendEntriesFrom(followerNext, snapshot)) {
      LOG.info("{}: entry {} before {}'s next index is purged; installing snapshot {} instead",
          this, followerNext - 1, getFollower().getName(), snapshot.getTermIndex());
      return snapshot;
    }
    return null;
  }

  @Override
  public AppendEntriesRequestProto newAppendEntriesRequest(long callId, boolean heartbeat)
      throws RaftLogIOException {
    if (!heartbeat) {
      SnapshotInfo snapshot = getServer().getStateMachine().getLatestSnapshot();
      long followerNext = getFollower().getNextIndex();
      if (snapshot != null && cannotSendEntriesFrom(followerNext, snapshot)) {
        LOG.info("{}: {}'s next index moved to {}, before the log; the next round installs snapshot"
            + " {}", this, getFollower().getName(), followerNext, snapshot.getTermIndex());
        return null;
      }
    }
    return super.newAppendEntriesRequest(callId, heartbeat);
  }

  /**
   * True when the follower needs entries from {@code next} on but the leader cannot send them:
   * {@code next} is before the log's first entry, or the entry before it (the request's
   * "previous") is purged and is not the snapshot's last entry either.
   */
  private boolean cannotSendEntriesFrom(long next, SnapshotInfo snapshot) {
    RaftLog log = getRaftLog();
    if (next <= RaftLog.LEAST_VALID_LOG_INDEX || next >= log.getNextIndex()) {
      return false;
    }
    if (next < log.getStartIndex()) {
      return true;
    }
    return log.getTermIndex(next - 1) == null && snapshot.getIndex() != next - 1;
  }

  @Override
  public void run() throws IOException {
    try {
      super.run();
    } catch (InterruptedIOException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      if (!getServer().getInfo().isLeader()) {
        throw e;
      }
      LOG.warn("{}: appender for {} failed; asking the leader to replace it", this,
          getFollower().getName(), e);
      getLeaderState().restart(this);
    }
  }
}
