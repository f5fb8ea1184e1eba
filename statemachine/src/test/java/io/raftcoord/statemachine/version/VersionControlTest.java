package io.raftcoord.statemachine.version;

import static io.raftcoord.statemachine.sm.Batches.applyNext;
import static io.raftcoord.statemachine.sm.Batches.batch;
import static io.raftcoord.statemachine.sm.Batches.only;
import static io.raftcoord.statemachine.sm.Batches.tso;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandBatch;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.ReportVersionsRequest;
import io.raftcoord.proto.UpgradeRequest;
import io.raftcoord.proto.VersionReply;
import io.raftcoord.statemachine.idempotency.IdempotencyLog;
import io.raftcoord.statemachine.sm.CoordState;
import io.raftcoord.statemachine.store.CoordStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replicated apply version against a temporary store, without Raft. */
class VersionControlTest {
  private static final ApplyVersions UP_TO_2 = new ApplyVersions(1, 2);
  private static final ApplyVersions ONLY_1 = new ApplyVersions(1, 1);
  private static final List<String> MEMBERS = List.of("n1", "n2", "n3");

  @TempDir
  Path dir;
  private long time = 1_700_000_000_000L;

  private CoordState open(ApplyVersions supported) {
    return new CoordState(CoordStore.open(dir), IdempotencyLog.Retention.DEFAULT, io.raftcoord.statemachine.domain.DomainEnv.unclocked("n1", Set.of()), supported);
  }

  private CommandReply apply(CoordState s, Command c) {
    time += 10;
    return only(applyNext(s, batch(time, c)));
  }

  /** An upgrade as the leader logs it: stamped with the group's members. */
  private CommandReply upgrade(CoordState s, int version) {
    time += 10;
    CommandBatch b = batch(time, Command.newBuilder().setUpgrade(UpgradeRequest.newBuilder().setVersion(version)).build());
    b = b.toBuilder().setHeader(b.getHeader().toBuilder().addAllMembers(MEMBERS)).build();
    return only(applyNext(s, b));
  }

  private static Command report(String replica, ApplyVersions v) {
    return Command.newBuilder().setReportVersions(ReportVersionsRequest.newBuilder().setReplica(v.toProto(replica))).build();
  }

  @Test
  void aNewStoreIsAtTheInitialVersion() {
    try (CoordState s = open(ApplyVersions.THIS_BINARY)) {
      assertEquals(ApplyVersions.INITIAL, s.versions().committed());
      VersionReply v = s.domainRead(io.raftcoord.proto.Query.newBuilder().setVersion(io.raftcoord.proto.VersionQuery.getDefaultInstance()).build()).getVersion();
      assertEquals(1, v.getCommittedVersion());
      assertEquals(ApplyVersions.THIS_BINARY.toProto("n1"), v.getAnswering());
    }
  }

  @Test
  void anUpgradeNeedsEveryMemberToHaveReportedSupportForIt() {
    try (CoordState s = open(UP_TO_2)) {
      CommandReply none = upgrade(s, 2);
      assertEquals(ErrorCode.FAILED_PRECONDITION, none.getCode());
      assertTrue(none.getMessage().contains("n1 has not reported"), none.getMessage());

      apply(s, report("n1", UP_TO_2));
      apply(s, report("n2", UP_TO_2));
      apply(s, report("n3", ONLY_1));
      CommandReply refused = upgrade(s, 2);
      assertEquals(ErrorCode.FAILED_PRECONDITION, refused.getCode());
      assertEquals("upgrade to apply version 2 refused: replica n3 supports 1..1", refused.getMessage());
      assertEquals(1, s.versions().committed());

      apply(s, report("n3", UP_TO_2)); // n3 restarted with the newer binary
      CommandReply ok = upgrade(s, 2);
      assertEquals(ErrorCode.OK, ok.getCode(), ok.getMessage());
      assertEquals(1, ok.getUpgrade().getPreviousVersion());
      assertEquals(2, s.versions().committed());

      assertEquals(ErrorCode.OK, upgrade(s, 2).getCode(), "asking for the committed version again is a no-op");
      CommandReply down = upgrade(s, 1);
      assertEquals(ErrorCode.FAILED_PRECONDITION, down.getCode());
      assertTrue(down.getMessage().contains("never goes down"), down.getMessage());
    }
    try (CoordState reopened = open(UP_TO_2)) {
      assertEquals(2, reopened.versions().committed(), "the committed version survives a restart");
      assertEquals(3, reopened.domainRead(io.raftcoord.proto.Query.newBuilder().setVersion(io.raftcoord.proto.VersionQuery.getDefaultInstance()).build()).getVersion().getReplicasCount());
    }
  }

  @Test
  void anUpgradeWithoutTheLeadersMemberListIsRefused() {
    try (CoordState s = open(UP_TO_2)) {
      apply(s, report("n1", UP_TO_2));
      CommandReply r = apply(s, Command.newBuilder().setUpgrade(UpgradeRequest.newBuilder().setVersion(2)).build());
      assertEquals(ErrorCode.FAILED_PRECONDITION, r.getCode());
    }
  }

  @Test
  void aBinaryThatDoesNotSupportTheCommittedVersionRefusesToOpenTheStore() {
    try (CoordState s = open(UP_TO_2)) {
      for (String m : MEMBERS) {
        apply(s, report(m, UP_TO_2));
      }
      assertEquals(ErrorCode.OK, upgrade(s, 2).getCode());
    }
    UnsupportedApplyException e = assertThrows(UnsupportedApplyException.class, () -> open(ONLY_1));
    assertTrue(e.getMessage().contains("is 2, but this binary supports apply versions 1..1"), e.getMessage());
    try (CoordState s = open(UP_TO_2)) {
      assertEquals(2, s.versions().committed(), "the refused open left the store as it was");
    }
  }

  /**
   * A replica whose binary supports less than the others reported for it (it was replaced by an
   * older binary after its report) stops at the upgrade entry instead of applying past it.
   */
  @Test
  void aReplicaThatMeetsAnUnsupportedUpgradeInTheLogStops() {
    try (CoordState s = open(ONLY_1)) {
      for (String m : MEMBERS) {
        apply(s, report(m, UP_TO_2));
      }
      long before = s.appliedIndex();
      assertThrows(UnsupportedApplyException.class, () -> upgrade(s, 2));
      assertEquals(before, s.appliedIndex(), "nothing of the entry was applied");
      assertEquals(1, s.versions().committed());
    }
  }

  @Test
  void aCommandThisBinaryDoesNotKnowStopsTheReplicaInsteadOfAnsweringNoBody() {
    Command fromTheFuture = Command.newBuilder().setUnknownFields(UnknownFieldSet.newBuilder()
        .addField(999, UnknownFieldSet.Field.newBuilder().addLengthDelimited(ByteString.copyFromUtf8("x")).build())
        .build()).build();
    try (CoordState s = open(ApplyVersions.THIS_BINARY)) {
      apply(s, tso(1));
      long before = s.appliedIndex();
      time += 10;
      UnsupportedApplyException e = assertThrows(UnsupportedApplyException.class,
          () -> s.apply(1, before + 1, batch(time, fromTheFuture).toByteArray()));
      assertTrue(e.getMessage().contains("[999]"), e.getMessage());
      assertEquals(before, s.appliedIndex());
      assertEquals(ErrorCode.INVALID_ARGUMENT, apply(s, Command.getDefaultInstance()).getCode(),
          "a command with no body at all is still an ordinary refusal");
    }
  }

  @Test
  void requireGatesOnTheCommittedVersion() {
    try (CoordState s = open(UP_TO_2)) {
      assertTrue(s.versions().require(1, "x").isEmpty());
      var refused = s.versions().require(2, "creating a session");
      assertTrue(refused.isPresent());
      assertEquals(ErrorCode.FAILED_PRECONDITION, refused.get().reply().getCode());
      assertTrue(refused.get().reply().getMessage().startsWith("creating a session needs apply version 2"));
    }
  }

  @Test
  void reportingTheSameRangeAgainWritesNothing() {
    try (CoordState s = open(UP_TO_2)) {
      apply(s, report("n1", UP_TO_2));
      assertEquals(ErrorCode.OK, apply(s, report("n1", UP_TO_2)).getCode());
      assertEquals(List.of(UP_TO_2.toProto("n1")), s.domainRead(io.raftcoord.proto.Query.newBuilder().setVersion(io.raftcoord.proto.VersionQuery.getDefaultInstance()).build()).getVersion().getReplicasList());
    }
  }

  @Test
  void badRangesAreRefused() {
    try (CoordState s = open(UP_TO_2)) {
      Command bad = Command.newBuilder().setReportVersions(ReportVersionsRequest.newBuilder()
          .setReplica(io.raftcoord.proto.ReplicaVersions.newBuilder().setReplicaId("n1").setMinVersion(3).setMaxVersion(2)))
          .build();
      assertEquals(ErrorCode.INVALID_ARGUMENT, apply(s, bad).getCode());
      assertEquals(ErrorCode.INVALID_ARGUMENT, apply(s, Command.newBuilder().setReportVersions(
          ReportVersionsRequest.getDefaultInstance()).build()).getCode());
    }
  }
}
