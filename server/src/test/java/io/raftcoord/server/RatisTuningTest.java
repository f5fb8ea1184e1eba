package io.raftcoord.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.ClusterLayout;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.Test;

class RatisTuningTest {
  private static ServerConfig config(Map<String, String> overrides) {
    return new ServerConfig(1, ClusterLayout.parsePeers("127.0.0.1:1,127.0.0.1:2,127.0.0.1:3"), Path.of("unused"),
        -1, ServerConfig.DEFAULT_SNAPSHOT_THRESHOLD, ServerConfig.DEFAULT_SEGMENT_SIZE, Set.of(), false, overrides,
        io.raftcoord.statemachine.version.ApplyVersions.THIS_BINARY);
  }

  /**
   * Ratis reads this limit back as the largest entry of a log segment; a crashed segment holding
   * an entry over half of it cannot be read (see EntryLimits). Every accepted entry stays below half.
   */
  @Test
  void theRaftBufferLimitIsMoreThanTwiceTheLargestAcceptedEntry() {
    RaftProperties p = RatisTuning.build(config(Map.of()));
    long limit = org.apache.ratis.server.RaftServerConfigKeys.Log.Appender.bufferByteLimit(p).getSize();
    assertEquals(io.raftcoord.proto.EntryLimits.RAFT_BUFFER_BYTES, limit);
    long largestEntry = io.raftcoord.proto.EntryLimits.MAX_BATCH_BYTES + io.raftcoord.proto.EntryLimits.MAX_ENVELOPE_BYTES;
    org.junit.jupiter.api.Assertions.assertTrue(2 * largestEntry <= limit, largestEntry + " vs " + limit);
    org.junit.jupiter.api.Assertions.assertTrue(
        org.apache.ratis.server.RaftServerConfigKeys.Log.writeBufferSize(p).getSize() >= limit + 8,
        "Ratis refuses a write buffer smaller than the entry limit + 8");
  }

  @Test
  void aSteppedDownLeaderMayStandAgainWithinASecondNotRatisTen() {
    RaftProperties p = RatisTuning.build(config(Map.of()));
    TimeDuration wait = RaftServerConfigKeys.LeaderElection.leaderStepDownWaitTime(p);
    assertEquals(1_000, wait.toLong(TimeUnit.MILLISECONDS));
    assertTrue(wait.compareTo(RaftServerConfigKeys.LeaderElection.LEADER_STEP_DOWN_WAIT_TIME_DEFAULT) < 0);
    // Still several election timeouts, and pre-vote on, so a resumed or reconnected old leader
    // does not start elections while its successor is taking over.
    assertTrue(wait.compareTo(RaftServerConfigKeys.Rpc.timeoutMax(p)) > 0);
    assertTrue(RaftServerConfigKeys.LeaderElection.preVote(p));
  }

  @Test
  void rawRatisOverridesWin() {
    RaftProperties p = RatisTuning.build(config(Map.of("raft.server.leaderelection.leader.step-down.wait-time", "3s")));
    assertEquals(3_000, RaftServerConfigKeys.LeaderElection.leaderStepDownWaitTime(p).toLong(TimeUnit.MILLISECONDS));
  }
}
