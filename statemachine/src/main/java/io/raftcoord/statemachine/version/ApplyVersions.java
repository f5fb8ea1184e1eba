package io.raftcoord.statemachine.version;

import io.raftcoord.proto.ReplicaVersions;

/**
 * The apply versions this binary supports. Version 1 is the apply logic of the first versioned
 * release: TSO, IDs, idempotency, the catalog and its change feed, and the version commands.
 * Version 2 refuses catalog descriptions and property values longer than the replicated limit
 * {@code max_text_bytes}.
 * Version 3 brings the session domain; version 4 DataCoord; version 5 QueryCoord; version 6
 * DataCoord's tasks (compaction, index builds, GC). A new domain adds command types that older binaries do
 * not know: the leader refuses them until every member has reported a binary of the domain's
 * version ({@code Domain.sinceVersion}), so no member ever reads one it cannot apply; raising
 * the committed version is not needed for that.
 * A change to what apply does (a new command or record, a changed validation or generation
 * rule) gets the next number, is written behind {@code VersionControl.require} or a branch on
 * {@code VersionControl.committed()}, and raises {@link #MAX_SUPPORTED}.
 *
 * @param min lowest committed version this binary can apply
 * @param max highest committed version this binary can apply
 */
public record ApplyVersions(int min, int max) {
  public static final int MIN_SUPPORTED = 1;
  public static final int MAX_SUPPORTED = 6;
  /** The version of a store that has never recorded one (written before versions existed). */
  public static final int INITIAL = 1;

  public static final ApplyVersions THIS_BINARY = new ApplyVersions(MIN_SUPPORTED, MAX_SUPPORTED);

  public ApplyVersions {
    if (min < 1 || max < min) {
      throw new IllegalArgumentException("apply versions must satisfy 1 <= min <= max, got " + min + ".." + max);
    }
  }

  public boolean supports(int version) {
    return version >= min && version <= max;
  }

  public ReplicaVersions toProto(String replicaId) {
    return ReplicaVersions.newBuilder().setReplicaId(replicaId).setMinVersion(min).setMaxVersion(max).build();
  }

  @Override
  public String toString() {
    return min + ".." + max;
  }
}
