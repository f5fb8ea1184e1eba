package io.raftcoord.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.ReplicaVersions;
import io.raftcoord.proto.VersionReply;
import io.raftcoord.statemachine.version.ApplyVersions;
import io.raftcoord.statemachine.version.UnsupportedApplyException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mixed versions: three in-process replicas whose binaries support different apply versions.
 * The version is raised only when every replica supports it, and a replica that does not support
 * the committed version refuses to start instead of diverging.
 */
class ApplyVersionIntegrationTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final ApplyVersions NEWER = new ApplyVersions(1, 2);
  private static final ApplyVersions OLDER = new ApplyVersions(1, 1);

  @TempDir Path dir;

  @Test
  void aReplicaWithALowerMaximumNeverDiverges() throws Exception {
    try (LocalQuorum q = new LocalQuorum(dir, 10_000, 8 << 20, NEWER, NEWER, OLDER);
         CoordClient c = CoordClient.builder().peers(q.peersString()).build()) {
      q.awaitLeader(WAIT);
      awaitReported(c, "n3", OLDER);
      awaitReported(c, "n1", NEWER);
      awaitReported(c, "n2", NEWER);

      CoordException refused = assertThrows(CoordException.class, () -> c.admin().upgrade(2));
      assertEquals(ErrorCode.FAILED_PRECONDITION, refused.code());
      assertTrue(refused.getMessage().contains("replica n3 supports 1..1"), refused.getMessage());
      assertEquals(1, c.admin().version().getCommittedVersion());

      q.stop(3);
      q.start(3, NEWER); // n3 upgraded to the newer binary
      awaitReported(c, "n3", NEWER);
      assertEquals(2, c.admin().upgrade(2).getVersion());
      assertEquals(2, c.admin().version().getCommittedVersion());
      for (int i = 1; i <= 3; i++) {
        int r = i;
        LocalQuorum.await(() -> q.replica(r).stateMachine().state().versions().committed() == 2, WAIT,
            "n" + r + " to apply the upgrade");
      }

      q.stop(3);
      Exception e = assertThrows(Exception.class, () -> q.start(3, OLDER)); // rolled back to the older binary
      assertTrue(CoordServer.hasCause(e, UnsupportedApplyException.class), CoordServer.causeChain(e));
      assertTrue(CoordServer.causeChain(e).contains("this binary supports apply versions 1..1"), CoordServer.causeChain(e));
      // The other two go on at version 2.
      c.tso().next();
      assertEquals(2, c.admin().version().getCommittedVersion());
    }
  }

  /** A newer client's command reaching this binary: refused before it is logged, so no replica stops. */
  @Test
  void aCommandBodyTheLeaderDoesNotKnowIsRefusedBeforeItIsLogged() throws Exception {
    try (LocalQuorum q = new LocalQuorum(dir, 10_000, 8 << 20);
         io.raftcoord.client.internal.RaftTransport raw = new io.raftcoord.client.internal.RaftTransport(
             q.peersString(), 1, WAIT);
         CoordClient c = CoordClient.builder().peers(q.peersString()).build()) {
      q.awaitLeader(WAIT);
      io.raftcoord.proto.Command future = io.raftcoord.proto.Command.newBuilder()
          .setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder().addField(999,
              com.google.protobuf.UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build()).build();
      byte[] batch = io.raftcoord.proto.CommandBatch.newBuilder().addCommands(future).build().toByteArray();
      CoordException e = assertThrows(CoordException.class,
          () -> io.raftcoord.client.internal.Futures.join(raw.write(batch)));
      assertEquals(ErrorCode.INVALID_ARGUMENT, e.code(), e.toString());
      assertTrue(e.getMessage().contains("does not know the command (fields [999]"), e.getMessage());
      c.tso().next(); // every replica is still up and applying
      for (int i = 1; i <= 3; i++) {
        int r = i;
        long target = q.replica(q.awaitLeader(WAIT)).stateMachine().state().appliedIndex();
        LocalQuorum.await(() -> q.replica(r).stateMachine().state().appliedIndex() >= target, WAIT,
            "n" + r + " to keep applying");
      }
    }
  }

  private static void awaitReported(CoordClient c, String replica, ApplyVersions v) {
    ReplicaVersions want = v.toProto(replica);
    LocalQuorum.await(() -> {
      try {
        VersionReply r = c.admin().version();
        return r.getReplicasList().contains(want);
      } catch (CoordException e) {
        return false;
      }
    }, WAIT, replica + " to report " + v);
  }
}
