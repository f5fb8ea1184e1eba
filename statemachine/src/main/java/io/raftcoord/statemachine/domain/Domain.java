package io.raftcoord.statemachine.domain;

import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandHeader;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.Record;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.apply.ApplyResult;
import io.raftcoord.statemachine.pipeline.Quota;
import io.raftcoord.statemachine.store.ColumnFamily;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.store.StoreBatch;
import java.util.List;
import java.util.Optional;

/**
 * One domain of the state machine (TSO, IDs, catalog, sessions, ...): its column families, its
 * in-memory state, and the commands, records and queries it {@link #claims claims}. Kafka's
 * {@code *ControlManager} + {@code replay} split is the model.
 *
 * <p>Invariants a domain must keep: {@link #generate} reads committed state and changes
 * nothing; {@link #replay} is the only place its
 * state changes, and writes nothing but its own column families into the entry's batch; both
 * are deterministic functions of the log (no clock but {@link ApplyContext#nowMs}, no
 * randomness, no iteration over unordered collections into the output); a refusal is an
 * {@link ApplyResult#error} and carries no records.
 */
public interface Domain {
  /** Short lowercase name: the change feed's domain, log lines, metrics. */
  String name();

  /** What this domain handles; every case of the envelope is claimed by exactly one domain. */
  Claims claims();

  /** Column families this domain writes (created on first open). */
  default List<ColumnFamily> columnFamilies() {
    return List.of();
  }

  /** Loads the domain's state from {@code store}: at open and after a snapshot is installed. */
  void load(CoordStore store);

  /**
   * The records and the reply of {@code command} (one this domain claims), from committed state.
   * A command that generates in steps (an ID, then an object) passes its earlier records to the
   * next step, so that it never hands out the same thing twice.
   */
  ApplyResult generate(ApplyContext ctx, CommandHeader header, Command command);

  /** Applies one record this domain claims to memory and to {@code sb}. */
  void replay(ApplyContext ctx, Record record, StoreBatch sb);

  /**
   * Records this domain adds to the entry after another domain's {@code record} was replayed, from
   * the state after it: a dropped collection releases its channels and drops its segments in the
   * same entry. Same rules as {@link #generate}: reads committed state (and what the entry replayed
   * so far), changes nothing.
   */
  default List<Record> follow(ApplyContext ctx, Record record) {
    return List.of();
  }

  /** Answers one query this domain claims, from committed state (called under the entry read lock). */
  QueryReply.Builder read(Query query);

  /** What {@code record} shows watchers, if anything. */
  default Optional<FeedEvent> event(Record record) {
    return Optional.empty();
  }

  /** Queries that only the leader may answer and that never go through the log (heartbeats). */
  default boolean leaderOnly(Query query) {
    return false;
  }

  /** Bounds this domain puts on commands, checked by the pipeline's quota stage. */
  default List<Quota> quotas() {
    return List.of();
  }

  /**
   * The lowest apply version whose replicas all know this domain. The leader refuses the domain's
   * commands while a member has reported a binary below it, so that no replica reads a command
   * it cannot apply.
   */
  default int sinceVersion() {
    return 1;
  }

  /** The leader-only periodic work of this domain. */
  default List<LeaderDuty> duties() {
    return List.of();
  }
}
