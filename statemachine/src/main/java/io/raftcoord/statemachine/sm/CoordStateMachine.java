package io.raftcoord.statemachine.sm;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.proto.BatchReply;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandBatch;
import io.raftcoord.proto.CommandHeader;
import io.raftcoord.proto.DumpReply;
import io.raftcoord.proto.EntryLimits;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryBatch;
import io.raftcoord.proto.QueryBatchReply;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.StatusReply;
import io.raftcoord.proto.Timestamps;
import io.raftcoord.statemachine.domain.Domain;
import io.raftcoord.statemachine.domain.DomainEnv;
import io.raftcoord.statemachine.domain.DutyPlan;
import io.raftcoord.statemachine.domain.PlantedBug;
import io.raftcoord.statemachine.idempotency.IdempotencyLog;
import io.raftcoord.statemachine.pipeline.DispatchStage;
import io.raftcoord.statemachine.pipeline.Refusal;
import java.util.List;
import java.util.function.LongSupplier;
import io.raftcoord.statemachine.store.StoreDump;
import io.raftcoord.statemachine.version.ApplyVersions;
import io.raftcoord.statemachine.store.StoreException;
import io.raftcoord.statemachine.version.UnsupportedApplyException;
import java.util.Optional;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis adapter around {@link CoordState}. The leader stamps each batch in
 * {@link #startTransaction}; every replica applies it in log order. Snapshots are RocksDB
 * checkpoints ({@link SnapshotStore}); after Ratis installs one from the leader,
 * {@link #reinitialize} swaps the live database for it. Reads ({@link #query}) hold the read
 * lock so that they never see a database being swapped.
 */
public final class CoordStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(CoordStateMachine.class);

  /** Everything the server decides for the state machine. */
  public record Options(Path dbDir, LeaderStamper stamper, IdempotencyLog.Retention retention,
                        Set<PlantedBug> plantedBugs, ApplyVersions versions, Consumer<Throwable> onFatal,
                        LongSupplier monotonicMs) {
    public Options {
      plantedBugs = plantedBugs.isEmpty() ? EnumSet.noneOf(PlantedBug.class) : EnumSet.copyOf(plantedBugs);
    }
  }

  /** Told when this replica's leadership becomes ready (an entry of its term applied) and when it ends. */
  public interface Leadership {
    void ready();

    void ended();
  }

  private final Options options;
  private final SnapshotStore snapshots = new SnapshotStore();
  private final ReentrantReadWriteLock swapLock = new ReentrantReadWriteLock();
  private volatile CoordState state;
  private final WatchHub watches = new WatchHub(() -> state);
  private long plantedLocalTso;
  private volatile boolean closeExpected;
  private volatile DomainEnv env;
  private volatile Leadership leadership = new Leadership() {
    @Override
    public void ready() { }

    @Override
    public void ended() { }
  };

  public CoordStateMachine(Options options) {
    this.options = options;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
    super.initialize(server, groupId, raftStorage);
    env = new DomainEnv(String.valueOf(getId()), options.monotonicMs(), options.plantedBugs());
    snapshots.init(raftStorage);
    getLifeCycle().startAndTransition(() -> openState(snapshots.getLatestSnapshot()));
  }

  private void openState(FileListSnapshotInfo latest) throws IOException {
    Path dbDir = options.dbDir();
    DbRestorer.cleanLeftovers(dbDir);
    CoordState s = Files.exists(dbDir.resolve("CURRENT")) ? open(dbDir) : null;
    if (latest != null && (s == null || s.appliedIndex() < latest.getIndex())) {
      LOG.info("restoring {} from snapshot {} (store was at {})", dbDir, latest.getTermIndex(),
          s == null ? "nothing" : s.appliedIndex());
      if (s != null) {
        s.close();
      }
      DbRestorer.restore(snapshots.dirFor(latest.getTermIndex()), dbDir);
      s = open(dbDir);
    }
    if (s == null) {
      s = open(dbDir);
    }
    state = s;
    if (latest != null) {
      setLastAppliedTermIndex(latest.getTermIndex());
    }
    LOG.info("state machine open: store applied index {}, latest snapshot {}", s.appliedIndex(),
        latest == null ? "none" : latest.getTermIndex());
  }

  private CoordState open(Path dbDir) {
    CoordState s = new CoordState(io.raftcoord.statemachine.store.CoordStore.open(dbDir), options.retention(),
        env, options.versions());
    s.onChanges(watches::changed);
    return s;
  }

  @Override
  public SnapshotStore getStateMachineStorage() {
    return snapshots;
  }

  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    TransactionContext.Builder trx = TransactionContext.newBuilder().setStateMachine(this).setClientRequest(request);
    int size = request.getMessage().getContent().size();
    if (size > EntryLimits.MAX_BATCH_BYTES) {
      TransactionContext t = trx.build();
      t.setException(new IllegalArgumentException("INVALID_ARGUMENT: " + EntryLimits.tooLarge("command batch", size)));
      return t;
    }
    CommandBatch batch;
    try {
      batch = CommandBatch.parseFrom(request.getMessage().getContent().toByteArray());
    } catch (InvalidProtocolBufferException e) {
      TransactionContext t = trx.build();
      t.setException(new IllegalArgumentException("INVALID_ARGUMENT: request is not a command batch: " + e.getMessage()));
      return t;
    }
    Optional<Refusal> unknown = unknownCommand(state, batch);
    if (unknown.isPresent()) {
      TransactionContext t = trx.build();
      t.setException(new IllegalArgumentException(unknown.get().code() + ": " + unknown.get().message()));
      return t;
    }
    RaftServer.Division division = getServer().join().getDivision(getGroupId());
    long term = division.getInfo().getCurrentTerm();
    CommandHeader header = options.stamper().stamp(term, String.valueOf(getId()));
    if (batch.getCommandsList().stream().anyMatch(c -> c.getBodyCase() == Command.BodyCase.UPGRADE)) {
      // Apply checks every member's supported versions; only the leader knows the members.
      header = header.toBuilder().addAllMembers(division.getRaftConf().getCurrentPeers().stream()
          .map(p -> p.getId().toString()).sorted().toList()).build();
    }
    byte[] stamped = batch.toBuilder().setHeader(header).build().toByteArray();
    return trx.setLogData(UnsafeByteOperations.unsafeWrap(stamped)).build();
  }

  /**
   * A command whose body this binary does not know (logging it would stop every replica like
   * this one), or of a domain some member's binary does not know (logging it would stop that
   * member).
   */
  private Optional<Refusal> unknownCommand(CoordState s, CommandBatch batch) {
    if (s == null) {
      return Optional.empty();
    }
    for (Command c : batch.getCommandsList()) {
      if (c.getBodyCase() == Command.BodyCase.BODY_NOT_SET && c.getUnknownFields().asMap().isEmpty()) {
        continue;
      }
      Optional<Domain> d = s.domains().forCommand(c);
      if (d.isEmpty()) {
        return Optional.of(new Refusal(ErrorCode.INVALID_ARGUMENT, "this replica does not know the command ("
            + DispatchStage.describe(c) + "; its binary supports apply versions " + options.versions()
            + "); upgrade the replicas first"));
      }
      if (d.get().sinceVersion() <= ApplyVersions.INITIAL) {
        continue; // every binary knows it: no member list on the hot path
      }
      Optional<String> behind = s.versions().membersBelow(d.get().sinceVersion(), members());
      if (behind.isPresent()) {
        return Optional.of(new Refusal(ErrorCode.FAILED_PRECONDITION, "the " + d.get().name()
            + " domain needs binaries of apply version " + d.get().sinceVersion() + " or later on every replica, but "
            + behind.get() + "; upgrade them first"));
      }
    }
    return Optional.empty();
  }

  private List<String> members() {
    try {
      return getServer().join().getDivision(getGroupId()).getRaftConf().getCurrentPeers().stream()
          .map(p -> p.getId().toString()).sorted().toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    try {
      BatchReply reply = state.apply(entry.getTerm(), entry.getIndex(),
          entry.getStateMachineLogEntry().getLogData().toByteArray()).orElse(null);
      updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
      ByteString out = reply == null ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(reply.toByteArray());
      return CompletableFuture.completedFuture(Message.valueOf(out));
    } catch (UnsupportedApplyException e) {
      LOG.error("stopping this replica rather than diverge: {}", e.getMessage());
      options.onFatal().accept(e);
      return CompletableFuture.failedFuture(e);
    } catch (RuntimeException e) {
      LOG.error("apply of entry {} failed; stopping this replica rather than diverge", entry.getIndex(), e);
      options.onFatal().accept(e);
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    QueryBatch batch;
    try {
      batch = QueryBatch.parseFrom(request.getContent().toByteArray());
    } catch (InvalidProtocolBufferException e) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException("INVALID_ARGUMENT: request is not a query batch: " + e.getMessage()));
    }
    if (batch.getQueriesCount() == 1 && batch.getQueries(0).getBodyCase() == Query.BodyCase.WATCH) {
      return watches.watch(batch.getQueries(0).getWatch()).thenApply(r -> Message.valueOf(UnsafeByteOperations.unsafeWrap(
          QueryBatchReply.newBuilder().addReplies(r).build().toByteArray())));
    }
    QueryBatchReply.Builder out = QueryBatchReply.newBuilder();
    swapLock.readLock().lock();
    try {
      CoordState s = state;
      for (Query q : batch.getQueriesList()) {
        out.addReplies(s == null
            ? QueryReply.newBuilder().setCode(ErrorCode.UNAVAILABLE).setMessage("replica is shutting down").build()
            : answer(s, q));
      }
    } finally {
      swapLock.readLock().unlock();
    }
    return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(out.build().toByteArray())));
  }

  private QueryReply answer(CoordState s, Query q) {
    return switch (q.getBodyCase()) {
      case STATUS -> {
        FileListSnapshotInfo snap = snapshots.getLatestSnapshot();
        yield QueryReply.newBuilder().setStatus(StatusReply.newBuilder()
            .setAppliedTerm(s.appliedTerm()).setAppliedIndex(s.appliedIndex()).setNowMs(s.nowMs())
            .setTsoLast(s.tso().lastTimestamp()).setNextId(s.ids().nextId())
            .setSnapshotIndex(snap == null ? -1 : snap.getIndex())).build();
      }
      case DUMP -> {
        StoreDump d = s.dump(false);
        yield QueryReply.newBuilder().setDump(DumpReply.newBuilder().setAppliedIndex(d.appliedIndex())
            .setDigest(d.digest())).build();
      }
      case WATCH -> QueryReply.newBuilder().setCode(ErrorCode.INVALID_ARGUMENT)
          .setMessage("a watch must be the only query of its batch").build();
      case BODY_NOT_SET -> QueryReply.newBuilder().setCode(ErrorCode.INVALID_ARGUMENT)
          .setMessage("query has no body (client and server versions differ?)").build();
      case VERSION, DOMAIN, LIST_DATABASES, DESCRIBE_DATABASE, LIST_COLLECTIONS, DESCRIBE_COLLECTION, LIST_PARTITIONS,
          DESCRIBE_PARTITION, LIST_ALIASES, DESCRIBE_ALIAS, GET_CATALOG_LIMITS -> leaderOnlyRefusal(s, q)
              .orElseGet(() -> s.domainRead(q));
    };
  }

  /** Leader-only queries (heartbeats) answered on a follower would feed soft state no reaper reads. */
  private Optional<QueryReply> leaderOnlyRefusal(CoordState s, Query q) {
    boolean leaderOnly = s.domains().forQuery(q).map(d -> d.leaderOnly(q)).orElse(false);
    if (!leaderOnly || isLeader()) {
      return Optional.empty();
    }
    return Optional.of(QueryReply.newBuilder().setCode(ErrorCode.UNAVAILABLE)
        .setMessage("replica " + getId() + " is not the leader; send this to the leader").build());
  }

  private boolean isLeader() {
    try {
      return getServer().join().getDivision(getGroupId()).getInfo().isLeader();
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * TEST ONLY, the planted bug "tso-local": a timestamp from this replica's memory, never logged.
   * Reached only through the admin endpoint of a replica started with that bug, never the protocol.
   */
  public synchronized long plantedLocalTimestamp() {
    if (!options.plantedBugs().contains(PlantedBug.TSO_LOCAL)) {
      throw new IllegalStateException("this replica was not started with --planted-bug tso-local");
    }
    CoordState s = state;
    if (s == null) {
      throw new IllegalStateException("replica is shutting down");
    }
    long first = Math.max(plantedLocalTso, s.tso().lastTimestamp()) + 1;
    if (Timestamps.logical(first) + 1 > Timestamps.LOGICAL_PER_MS) {
      first = Timestamps.compose(Timestamps.physicalMs(first) + 1, 0);
    }
    plantedLocalTso = first;
    return first;
  }

  /** Receives leadership changes (the server's leader duties). */
  public void onLeadership(Leadership listener) {
    this.leadership = listener;
  }

  @Override
  public void notifyLeaderReady() {
    leadership.ready();
  }

  @Override
  public void notifyNotLeader(java.util.Collection<TransactionContext> pendingEntries) {
    leadership.ended();
  }

  @Override
  public void notifyLeaderChanged(org.apache.ratis.protocol.RaftGroupMemberId member, org.apache.ratis.protocol.RaftPeerId newLeaderId) {
    if (!member.getPeerId().equals(newLeaderId)) {
      leadership.ended();
    }
  }

  /**
   * Plans one round of every leader duty against the current state, under its entry read lock;
   * empty while the state is being swapped or closed.
   */
  public List<DutyPlan> planDuties(long leaderSinceMs, java.util.function.Predicate<String> due) {
    swapLock.readLock().lock();
    try {
      CoordState s = state;
      return s == null ? List.of() : s.planDuties(env.clockMs(), leaderSinceMs,
          options.stamper().stamp(0, "").getLeaderTimeMs(), due);
    } finally {
      swapLock.readLock().unlock();
    }
  }

  /** The names of every domain's leader duties, in registration order. */
  public List<String> dutyNames() {
    swapLock.readLock().lock();
    try {
      CoordState s = state;
      return s == null ? List.of() : s.domains().all().stream().flatMap(d -> d.duties().stream())
          .map(io.raftcoord.statemachine.domain.LeaderDuty::name).toList();
    } finally {
      swapLock.readLock().unlock();
    }
  }

  public DomainEnv env() {
    return env;
  }

  @Override
  public long takeSnapshot() throws IOException {
    CoordState s = state;
    FileListSnapshotInfo latest = snapshots.getLatestSnapshot();
    long latestIndex = latest == null ? -1 : latest.getIndex();
    TermIndex ti = TermIndex.valueOf(s.appliedTerm(), s.appliedIndex());
    if (ti.getIndex() <= 0 || ti.getIndex() <= latestIndex) {
      return latestIndex;
    }
    if (ti.getIndex() > getLastAppliedTermIndex().getIndex()) {
      // Still re-reading log entries the store already holds: a snapshot now would claim an
      // index Ratis has not applied yet.
      return latestIndex;
    }
    Path tmp = snapshots.tmpDirFor(ti);
    try {
      SnapshotStore.deleteRecursively(tmp);
      s.store().checkpoint(tmp);
      snapshots.publish(tmp, ti);
    } catch (StoreException | java.io.UncheckedIOException e) {
      // As an IOException Ratis logs it and tries again at the next threshold; any other
      // exception would end its apply loop and, through close(), this replica.
      throw new IOException("snapshot " + ti + " failed: " + e.getMessage(), e);
    }
    LOG.info("snapshot {} taken", ti);
    return ti.getIndex();
  }

  @Override
  public void pause() {
    if (getLifeCycleState() == LifeCycle.State.RUNNING) {
      getLifeCycle().transition(LifeCycle.State.PAUSING);
      getLifeCycle().transition(LifeCycle.State.PAUSED);
    }
  }

  @Override
  public void reinitialize() throws IOException {
    swapLock.writeLock().lock();
    try {
      FileListSnapshotInfo latest = snapshots.reload();
      LOG.info("reinitializing from snapshot {}", latest == null ? "none" : latest.getTermIndex());
      while (true) {
        CoordState old = state;
        state = null;
        if (old != null) {
          old.close();
        }
        if (latest != null) {
          DbRestorer.restore(snapshots.dirFor(latest.getTermIndex()), options.dbDir());
        }
        state = open(options.dbDir());
        // Ratis can finish installing a newer snapshot (and purge the log up to it) while this
        // restore runs; its request to reload again is then lost (its updater sets RUNNING when
        // this returns), and the replica would wait forever for entries that no longer exist.
        // So let an install still streaming in finish, and load whatever is newest before returning.
        try {
          snapshots.awaitInstallsSettled(30_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted while a snapshot install finished");
        }
        FileListSnapshotInfo newer = snapshots.reload();
        if (newer == null || (latest != null && newer.getIndex() <= latest.getIndex())) {
          break;
        }
        LOG.info("snapshot {} was installed while restoring {}; restoring it instead",
            newer.getTermIndex(), latest == null ? "nothing" : latest.getTermIndex());
        latest = newer;
      }
      if (latest != null) {
        setLastAppliedTermIndex(latest.getTermIndex());
      }
    } finally {
      swapLock.writeLock().unlock();
    }
    // The catalog may have jumped ahead: let parked watches look again.
    watches.changed(Long.MAX_VALUE);
    if (getLifeCycleState() == LifeCycle.State.PAUSED) {
      getLifeCycle().transition(LifeCycle.State.STARTING);
      getLifeCycle().transition(LifeCycle.State.RUNNING);
    }
  }

  /**
   * Tells the state machine that the server is being shut down on purpose, so that a close or a
   * log failure from here on is not treated as fatal.
   */
  public void expectClose() {
    closeExpected = true;
  }

  /**
   * The Raft log failed to write (a full or broken disk). Ratis keeps the process up with a log that
   * refuses every further write ("Log already failed"), a replica that answers but never catches
   * up; stopping it instead lets a supervisor restart it once the disk is fixed.
   */
  @Override
  public void notifyLogFailed(Throwable cause, LogEntryProto failedEntry) {
    if (closeExpected) {
      LOG.info("Raft log write failed while shutting down: {}", cause.toString());
      return;
    }
    LOG.error("Raft log write failed at entry {}; stopping this replica",
        failedEntry == null ? "(segment roll)" : failedEntry.getIndex(), cause);
    options.onFatal().accept(cause);
  }

  /** The current state, for status pages and tests. */
  public CoordState state() {
    return state;
  }

  @Override
  public void close() throws IOException {
    if (!closeExpected) {
      // Ratis closes a group on its own only after its apply loop failed (e.g. a snapshot that
      // could not be written); the replica would stay up without a state machine.
      LOG.error("Ratis closed the state machine on its own (its apply or snapshot loop failed); stopping this replica");
      options.onFatal().accept(new IllegalStateException("state machine closed by Ratis after a failure"));
    }
    watches.close();
    swapLock.writeLock().lock();
    try {
      CoordState s = state;
      state = null;
      if (s != null) {
        s.close();
      }
    } finally {
      swapLock.writeLock().unlock();
    }
    super.close();
  }
}
