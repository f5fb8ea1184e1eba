package io.raftcoord.statemachine.version;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.proto.ApplyVersionRaised;
import io.raftcoord.proto.CommandHeader;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Record;
import io.raftcoord.proto.ReplicaVersions;
import io.raftcoord.proto.ReplicaVersionsReported;
import io.raftcoord.proto.ReportVersionsRequest;
import io.raftcoord.proto.UpgradeReply;
import io.raftcoord.proto.UpgradeRequest;
import io.raftcoord.proto.VersionReply;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.apply.ApplyResult;
import io.raftcoord.statemachine.store.Bytes;
import io.raftcoord.statemachine.store.ColumnFamily;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.store.StoreBatch;
import io.raftcoord.statemachine.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;

/**
 * The committed apply version and the ranges the replicas reported (Kafka's {@code
 * metadata.version} with its brokers' supported features). Invariants: the committed version
 * only grows; it is raised only to a version that every member of the Raft group, as the leader
 * stamped them on the upgrade entry, reported supporting; a replica whose binary does not
 * support the committed version never applies past it, neither on load nor in replay: it throws
 * {@link UnsupportedApplyException} and stops.
 */
public final class VersionControl {
  private static final byte[] VERSION_KEY = Bytes.utf8("apply_version");
  private static final String REPLICA_PREFIX = "replica_versions/";

  private final ApplyVersions supported;
  private volatile int committed = ApplyVersions.INITIAL;
  /** Written by apply, read by the leader's admission check (another thread). */
  private final SortedMap<String, ReplicaVersions> replicas = new java.util.concurrent.ConcurrentSkipListMap<>();

  public VersionControl(ApplyVersions supported) {
    this.supported = supported;
  }

  public void load(CoordStore store) {
    byte[] v = store.get(ColumnFamily.META, VERSION_KEY);
    int version = v == null ? ApplyVersions.INITIAL : (int) Bytes.toLong(v);
    checkSupported(version, "the store's committed apply version");
    committed = version;
    replicas.clear();
    byte[] prefix = Bytes.utf8(REPLICA_PREFIX);
    store.scan(ColumnFamily.META, prefix, (key, value) -> {
      if (!new String(key, StandardCharsets.UTF_8).startsWith(REPLICA_PREFIX)) {
        return false;
      }
      try {
        ReplicaVersions r = ReplicaVersions.parseFrom(value);
        replicas.put(r.getReplicaId(), r);
      } catch (InvalidProtocolBufferException e) {
        throw new StoreException("corrupt replica versions under " + new String(key, StandardCharsets.UTF_8), e);
      }
      return true;
    });
  }

  /** The committed apply version. */
  public int committed() {
    return committed;
  }

  public ApplyVersions supported() {
    return supported;
  }

  /**
   * Refuses a command that needs apply version {@code version} while the quorum is below it, the
   * same way on every replica.
   */
  public Optional<ApplyResult> require(int version, String what) {
    if (committed >= version) {
      return Optional.empty();
    }
    return Optional.of(ApplyResult.error(ErrorCode.FAILED_PRECONDITION, what + " needs apply version " + version
        + "; the cluster runs version " + committed + " (raise it with coordctl upgrade once every replica supports it)"));
  }

  public ApplyResult report(ApplyContext ctx, ReportVersionsRequest req) {
    ReplicaVersions r = req.getReplica();
    if (r.getReplicaId().isEmpty() || r.getMinVersion() < 1 || r.getMaxVersion() < r.getMinVersion()) {
      return ApplyResult.error(ErrorCode.INVALID_ARGUMENT, "report versions: need a replica id and 1 <= min <= max, got "
          + r.getReplicaId() + " " + r.getMinVersion() + ".." + r.getMaxVersion());
    }
    if (r.equals(replicas.get(r.getReplicaId()))) {
      return ApplyResult.ok(List.of(), CommandReply.getDefaultInstance()); // a restart with the same binary
    }
    return ApplyResult.ok(List.of(Record.newBuilder()
        .setReplicaVersionsReported(ReplicaVersionsReported.newBuilder().setReplica(r)).build()),
        CommandReply.getDefaultInstance());
  }

  /** {@code header.members} are the Raft group's members, stamped by the leader that logged the upgrade. */
  public ApplyResult upgrade(ApplyContext ctx, CommandHeader header, UpgradeRequest req) {
    int target = req.getVersion();
    if (target < committed) {
      return ApplyResult.error(ErrorCode.FAILED_PRECONDITION,
          "upgrade: the apply version never goes down; the cluster runs " + committed + ", asked for " + target);
    }
    UpgradeReply.Builder reply = UpgradeReply.newBuilder().setPreviousVersion(committed).setVersion(target);
    if (target == committed) {
      return ApplyResult.ok(List.of(), CommandReply.newBuilder().setUpgrade(reply).build());
    }
    if (header.getMembersCount() == 0) {
      return ApplyResult.error(ErrorCode.FAILED_PRECONDITION,
          "upgrade: the entry carries no group members (it was not logged through an upgrading leader)");
    }
    List<String> missing = new ArrayList<>();
    for (String member : header.getMembersList().stream().sorted().toList()) {
      ReplicaVersions r = replicas.get(member);
      if (r == null) {
        missing.add(member + " has not reported its supported versions");
      } else if (target < r.getMinVersion() || target > r.getMaxVersion()) {
        missing.add(member + " supports " + r.getMinVersion() + ".." + r.getMaxVersion());
      }
    }
    if (!missing.isEmpty()) {
      return ApplyResult.error(ErrorCode.FAILED_PRECONDITION, "upgrade to apply version " + target
          + " refused: replica " + String.join(", replica ", missing));
    }
    return ApplyResult.ok(List.of(Record.newBuilder()
        .setApplyVersionRaised(ApplyVersionRaised.newBuilder().setVersion(target)).build()),
        CommandReply.newBuilder().setUpgrade(reply).build());
  }

  public void replay(ApplyVersionRaised rec, StoreBatch batch) {
    checkSupported(rec.getVersion(), "a committed upgrade");
    committed = rec.getVersion();
    batch.put(ColumnFamily.META, VERSION_KEY, Bytes.ofLong(rec.getVersion()));
  }

  public void replay(ReplicaVersionsReported rec, StoreBatch batch) {
    ReplicaVersions r = rec.getReplica();
    replicas.put(r.getReplicaId(), r);
    batch.put(ColumnFamily.META, Bytes.utf8(REPLICA_PREFIX + r.getReplicaId()), r.toByteArray());
  }

  /**
   * Which of {@code members} have not reported a binary that supports {@code version}, named;
   * empty when all have (always for the initial version).
   */
  public Optional<String> membersBelow(int version, java.util.List<String> members) {
    if (version <= ApplyVersions.INITIAL) {
      return Optional.empty();
    }
    java.util.List<String> behind = new java.util.ArrayList<>();
    for (String m : members) {
      ReplicaVersions r = replicas.get(m);
      if (r == null) {
        behind.add(m + " has not reported its versions yet");
      } else if (r.getMaxVersion() < version) {
        behind.add(m + " supports " + r.getMinVersion() + ".." + r.getMaxVersion());
      }
    }
    return behind.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", behind));
  }

  /** Answers a version read on {@code replicaId}. */
  public VersionReply read(String replicaId) {
    return VersionReply.newBuilder().setCommittedVersion(committed).addAllReplicas(replicas.values())
        .setAnswering(supported.toProto(replicaId)).build();
  }

  private void checkSupported(int version, String what) {
    if (!supported.supports(version)) {
      throw new UnsupportedApplyException(what + " is " + version + ", but this binary supports apply versions "
          + supported + "; restart this replica with a binary that supports version " + version);
    }
  }
}
