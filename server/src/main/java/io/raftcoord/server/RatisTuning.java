package io.raftcoord.server;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import io.raftcoord.proto.EntryLimits;
import io.raftcoord.server.ratis.SnapshotFallbackRpcType;
import io.raftcoord.statemachine.domain.PlantedBug;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * The Ratis settings of a replica, as measured best on a 2-core machine (docs/ARCHITECTURE.md). Reads are
 * LINEARIZABLE (Ratis's DEFAULT is not); the log acknowledges an entry only after a force() that
 * began after the entry was written has returned (sync flush); snapshots are automatic and the log is purged up to the snapshot so that a
 * lagging follower is caught up by snapshot install and restarts replay little.
 */
public final class RatisTuning {
  /** How long a leader that lost majority heartbeats waits before it may stand for election again. */
  static final TimeDuration LEADER_STEP_DOWN_WAIT = TimeDuration.valueOf(1, TimeUnit.SECONDS);

  private RatisTuning() {}

  public static RaftProperties build(ServerConfig cfg) {
    RaftProperties p = new RaftProperties();
    RaftConfigKeys.Rpc.setType(p, new SnapshotFallbackRpcType());
    RaftServerConfigKeys.setStorageDir(p, java.util.List.of(cfg.raftDir().toFile()));
    GrpcConfigKeys.Server.setPort(p, cfg.self().port());
    GrpcConfigKeys.Server.setHost(p, cfg.self().host());

    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    // Sync flush: an entry counts as flushed (and is acknowledged to the leader, and can commit)
    // only after the force() that covers it returned. Ratis 3.2.2's async flush marks as flushed
    // everything written when a force *completes*, including entries still in the user-space
    // write buffer, and also after a failed force (both shown by LogFlushIndexTest). Batching
    // keeps entries/s low, so sync flush costs little here (docs/ARCHITECTURE.md, "Durability").
    RaftServerConfigKeys.Log.setAsyncFlushEnabled(p, false);
    RaftServerConfigKeys.Log.Appender.setBufferElementLimit(p, 16);
    // Also the largest entry the leader appends and the segment reader reads back: twice the
    // largest accepted entry, so that a crashed segment stays readable (EntryLimits).
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf(EntryLimits.RAFT_BUFFER_BYTES));
    // Ratis would otherwise append a metadata entry (the commit index) after each commit,
    // doubling the entries replicated and fsynced; a restarted replica learns the commit index
    // from the leader instead.
    RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(cfg.segmentSizeBytes()));

    RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(150, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS));
    // A fresh quorum elects quickly instead of waiting out a full timeout.
    RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, TimeDuration.valueOf(50, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, TimeDuration.valueOf(150, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.LeaderElection.setPreVote(p, true);
    // A leader that lost its followers' heartbeats (it was paused or cut off) may stand again
    // after 1 s instead of Ratis's 10 s. It may hold the longest log, and then no one else can
    // win: after a resumed leader's successor was killed, writes stopped for 7.9 s (chaos run).
    // Pre-vote already keeps a cut-off replica from disrupting the quorum.
    RaftServerConfigKeys.LeaderElection.setLeaderStepDownWaitTime(p, LEADER_STEP_DOWN_WAIT);

    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, cfg.snapshotThreshold());
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.min(Integer.MAX_VALUE, Math.max(1, cfg.snapshotThreshold() / 4)));
    RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, true);

    if (cfg.plantedBugs().contains(PlantedBug.LOG_ACKS_BEFORE_FLUSH)) {
      RaftServerConfigKeys.Log.setUseMemory(p, true);
    }
    for (Map.Entry<String, String> e : cfg.ratisOverrides().entrySet()) {
      p.set(e.getKey(), e.getValue());
    }
    return p;
  }
}
