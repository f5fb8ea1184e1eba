package io.raftcoord.statemachine.sm;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.proto.AppliedMeta;
import io.raftcoord.proto.BatchReply;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandBatch;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Record;
import io.raftcoord.statemachine.apply.AppliedMetaCodec;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.domain.PlantedBug;
import io.raftcoord.statemachine.idempotency.IdempotencyLog;
import io.raftcoord.statemachine.ids.IdControl;
import io.raftcoord.statemachine.store.ColumnFamily;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.store.StoreBatch;
import io.raftcoord.statemachine.store.StoreDump;
import io.raftcoord.statemachine.store.StoreException;
import io.raftcoord.statemachine.tso.TsoControl;
import io.raftcoord.statemachine.version.ApplyVersions;
import io.raftcoord.statemachine.version.UnsupportedApplyException;
import io.raftcoord.statemachine.version.VersionControl;
import io.raftcoord.proto.CatalogLimits;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.WatchQuery;
import io.raftcoord.statemachine.catalog.Catalog;
import io.raftcoord.statemachine.catalog.CatalogDomain;
import io.raftcoord.statemachine.domain.Domain;
import io.raftcoord.statemachine.domain.DomainEnv;
import io.raftcoord.statemachine.domain.DomainRegistry;
import io.raftcoord.statemachine.domain.DutyPlan;
import io.raftcoord.statemachine.domain.LeaderDuty;
import io.raftcoord.statemachine.pipeline.AuthorizeStage;
import io.raftcoord.statemachine.pipeline.Authorizer;
import io.raftcoord.statemachine.pipeline.Caller;
import io.raftcoord.statemachine.pipeline.CommandApplier;
import io.raftcoord.statemachine.pipeline.DedupeStage;
import io.raftcoord.statemachine.pipeline.DispatchStage;
import io.raftcoord.statemachine.pipeline.QuotaStage;
import java.util.List;
import io.raftcoord.statemachine.changes.ChangeFeed;
import io.raftcoord.statemachine.changes.WatchFilter;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongConsumer;

/**
 * The deterministic core without Raft: applies one stamped {@link CommandBatch} per log entry to
 * the registered domains ({@link StandardDomains}) through the apply pipeline (dedupe →
 * authorize → quota → dispatch, the change feed listening to records) and to the store. Invariants: each entry is one store write holding all its
 * records, its idempotency entries and the applied term/index; an entry at or below the stored
 * applied index is ignored; apply reads nothing but the entry and committed state. Single
 * threaded for writes (Ratis applies in log order). Catalog reads and watches take the read side
 * of {@code entryLock}, which apply holds for a whole entry, so a reader sees every entry
 * entirely or not at all; TSO/ID status reads use volatile fields. {@link #close} takes the
 * write side, so no read is inside the store when it closes, and a read after it answers
 * UNAVAILABLE instead of touching a closed database (a snapshot install swaps states while
 * watches are being evaluated).
 */
public final class CoordState implements AutoCloseable {
  private final CoordStore store;
  private final TsoControl tso = new TsoControl();
  private final IdControl ids;
  private final IdempotencyLog idempotency;
  private final VersionControl versions;
  private final CatalogDomain catalog;
  private final DomainRegistry domains;
  private final CommandApplier pipeline;
  private final ChangeFeed changes = new ChangeFeed();
  private final ReentrantReadWriteLock entryLock = new ReentrantReadWriteLock();
  private volatile AppliedMeta applied;
  private volatile LongConsumer onChanges = revision -> { };
  /** Change feed events appended by the entry being applied. */
  private int entryChanges;
  /** Guarded by {@code entryLock}. */
  private boolean closed;

  public CoordState(CoordStore store, IdempotencyLog.Retention retention) {
    this(store, retention, java.util.Set.of());
  }

  public CoordState(CoordStore store, IdempotencyLog.Retention retention, java.util.Set<PlantedBug> bugs) {
    this(store, retention, DomainEnv.unclocked("local", bugs), ApplyVersions.THIS_BINARY);
  }

  /**
   * @throws UnsupportedApplyException if the store's committed apply version is outside {@code supported}
   */
  public CoordState(CoordStore store, IdempotencyLog.Retention retention, DomainEnv env, ApplyVersions supported) {
    this.store = store;
    this.versions = new VersionControl(supported);
    this.ids = new IdControl(!env.planted(PlantedBug.IDS_MEMORY_ONLY));
    this.idempotency = new IdempotencyLog(retention);
    StandardDomains.Core core = new StandardDomains.Core(tso, ids, versions);
    this.domains = new DomainRegistry(StandardDomains.create(core, env));
    this.catalog = (CatalogDomain) domains.byName("catalog").orElseThrow();
    this.pipeline = new DedupeStage(idempotency, () -> this.store,
        new AuthorizeStage(Authorizer.ADMIT_ALL,
            new QuotaStage(domains.all().stream().flatMap(d -> d.quotas().stream()).toList(),
                new DispatchStage(domains, versions, List.of(this::feed)))));
    try {
      versions.load(store);
      for (Domain d : domains.all()) {
        store.ensure(d.columnFamilies());
      }
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    byte[] meta = store.get(ColumnFamily.META, AppliedMetaCodec.KEY);
    this.applied = meta == null ? AppliedMeta.getDefaultInstance() : AppliedMetaCodec.parse(meta);
    for (Domain d : domains.all()) {
      d.load(store);
    }
    idempotency.load(store);
    changes.load(store);
  }

  /** The change feed as a record listener: what a record shows watchers, in the entry's batch. */
  private void feed(ApplyContext ctx, Domain domain, Record record, StoreBatch sb) {
    domain.event(record).ifPresent(e -> changes.append(sb, ctx.index(), entryChanges++, ctx.nowMs(), e));
  }

  /** Called (on the apply thread, after the write) with the revision of each entry that appended change feed events. */
  public void onChanges(LongConsumer listener) {
    this.onChanges = listener;
  }

  public static CoordState open(java.nio.file.Path dir) {
    return new CoordState(CoordStore.open(dir), IdempotencyLog.Retention.DEFAULT);
  }

  public long appliedIndex() {
    return applied.getIndex();
  }

  public long appliedTerm() {
    return applied.getTerm();
  }

  public long nowMs() {
    return applied.getNowMs();
  }

  public TsoControl tso() {
    return tso;
  }

  public IdControl ids() {
    return ids;
  }

  public VersionControl versions() {
    return versions;
  }

  public CoordStore store() {
    return store;
  }

  /**
   * Applies the entry at (term, index) holding {@code data}. Returns empty when the entry was
   * applied before (exactly-once across restarts).
   */
  public Optional<BatchReply> apply(long term, long index, byte[] data) {
    if (index <= applied.getIndex()) {
      return Optional.empty();
    }
    CommandBatch batch;
    try {
      batch = CommandBatch.parseFrom(data);
    } catch (InvalidProtocolBufferException e) {
      // The leader only logs batches it parsed; an unreadable one still advances the index so
      // that every replica agrees on what was applied.
      batch = null;
    }
    long nowMs = Math.max(applied.getNowMs(), batch == null ? 0 : batch.getHeader().getLeaderTimeMs());
    ApplyContext ctx = new ApplyContext(term, index, nowMs);
    BatchReply reply;
    entryLock.writeLock().lock();
    try (StoreBatch sb = store.newBatch()) {
      if (batch == null) {
        reply = BatchReply.newBuilder().setIndex(index).setCode(ErrorCode.INVALID_ARGUMENT)
            .setMessage("log entry " + index + " is not a command batch").build();
      } else {
        reply = applyBatch(ctx, batch, sb);
      }
      idempotency.prune(store, sb, nowMs);
      // Prune on every entry with changes and every 64th entry, so age-based retention also
      // advances when the catalog is quiet; the rule depends only on the log.
      if (entryChanges > 0 || index % 64 == 0) {
        CatalogLimits limits = catalog.limits();
        changes.pruneAndSave(store, sb, nowMs, limits.getWatchRetentionEvents(), limits.getWatchRetentionMs());
      }
      AppliedMeta next = AppliedMeta.newBuilder().setTerm(term).setIndex(index).setNowMs(nowMs).build();
      sb.put(ColumnFamily.META, AppliedMetaCodec.KEY, next.toByteArray());
      store.write(sb);
      applied = next;
    } finally {
      idempotency.entryDone();
      changes.entryDone();
      entryLock.writeLock().unlock();
    }
    if (entryChanges > 0) {
      entryChanges = 0;
      onChanges.accept(index);
    }
    return Optional.of(reply);
  }

  private BatchReply applyBatch(ApplyContext ctx, CommandBatch batch, StoreBatch sb) {
    // Batch and command keys live in separate namespaces: a caller's key can never collide
    // with a client library's batch key.
    String batchKey = batch.getIdempotencyKey().isEmpty() ? "" : "b:" + batch.getIdempotencyKey();
    if (!batchKey.isEmpty()) {
      Optional<byte[]> seen = idempotency.lookup(store, batchKey);
      if (seen.isPresent()) {
        return parseReply(seen.get()).toBuilder().setDeduplicated(true).build();
      }
    }
    BatchReply.Builder out = BatchReply.newBuilder().setIndex(ctx.index());
    Caller caller = new Caller(batch.getHeader(), batch.getAuthToken());
    for (Command cmd : batch.getCommandsList()) {
      out.addReplies(pipeline.apply(ctx, caller, cmd, sb));
    }
    BatchReply reply = out.build();
    if (!batchKey.isEmpty()) {
      idempotency.remember(sb, batchKey, reply.toByteArray(), ctx.nowMs(), ctx.index());
    }
    return reply;
  }

  private static BatchReply parseReply(byte[] b) {
    try {
      return BatchReply.parseFrom(b);
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException("corrupt remembered batch reply", e);
    }
  }

  /**
   * Runs {@code read} under the read side of the entry lock, so it sees whole entries only and
   * never a closed store: once closed, the answer is UNAVAILABLE.
   */
  private QueryReply read(java.util.function.Supplier<QueryReply> read) {
    entryLock.readLock().lock();
    try {
      return closed ? closedReply() : read.get();
    } finally {
      entryLock.readLock().unlock();
    }
  }

  /**
   * Answers a query of a domain from one consistent point: UNAVAILABLE when closed, and
   * INVALID_ARGUMENT naming the type when no domain of this binary answers it.
   */
  public QueryReply domainRead(Query q) {
    return read(() -> {
      Optional<Domain> d = domains.forQuery(q);
      if (d.isEmpty()) {
        return QueryReply.newBuilder().setCode(ErrorCode.INVALID_ARGUMENT).setMessage("this replica answers no query "
            + (q.getBodyCase() == Query.BodyCase.DOMAIN ? "of type " + q.getDomain().getTypeUrl() : q.getBodyCase().name())
            + " (client and server versions differ?)").build();
      }
      return d.get().read(q).setRevision(applied.getIndex()).build();
    });
  }

  /**
   * One round of every domain's leader duties, planned from one consistent point (the read side
   * of the entry lock); nothing when closed.
   */
  public List<DutyPlan> planDuties(long nowMs, long leaderSinceMs, long leaderTimeMs,
                                   java.util.function.Predicate<String> due) {
    entryLock.readLock().lock();
    try {
      if (closed) {
        return List.of();
      }
      LeaderDuty.When when = new LeaderDuty.When(nowMs, leaderSinceMs, applied.getIndex(), leaderTimeMs);
      List<DutyPlan> out = new java.util.ArrayList<>();
      for (Domain d : domains.all()) {
        for (LeaderDuty duty : d.duties()) {
          if (!due.test(duty.name())) {
            continue;
          }
          out.add(new DutyPlan(duty.name(), duty.intervalMs(), duty.plan(when)));
        }
      }
      return out;
    } finally {
      entryLock.readLock().unlock();
    }
  }

  /** The domains of this state, for routing and for the leader's duties. */
  public DomainRegistry domains() {
    return domains;
  }

  /** Reads the change feed for {@code q}; COMPACTED when its revision is no longer retained. */
  public QueryReply watch(WatchQuery q) {
    return read(() -> {
      long appliedIndex = applied.getIndex();
      long compacted = changes.compactedBelow();
      if (q.getFromRevision() > 0 && q.getFromRevision() < compacted) {
        return QueryReply.newBuilder().setCode(ErrorCode.COMPACTED).setRevision(appliedIndex)
            .setMessage("revision " + q.getFromRevision() + " is compacted (changes below " + compacted
                + " are no longer retained); read the current revision, list again, then watch from that revision + 1").build();
      }
      return QueryReply.newBuilder().setRevision(appliedIndex)
          .setWatch(changes.read(store, q, appliedIndex, WatchFilter.of(q))).build();
    });
  }

  public Catalog catalog() {
    return catalog.catalog();
  }

  public ChangeFeed changes() {
    return changes;
  }

  public StoreDump dump(boolean full) {
    return store.dump(full, AppliedMetaCodec.KEY, AppliedMetaCodec::index);
  }

  private static QueryReply closedReply() {
    return QueryReply.newBuilder().setCode(ErrorCode.UNAVAILABLE)
        .setMessage("replica is restoring a snapshot or shutting down; try again").build();
  }

  /** Waits for reads in progress, then closes the store; later reads answer UNAVAILABLE. */
  @Override
  public void close() {
    entryLock.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        store.close();
      }
    } finally {
      entryLock.writeLock().unlock();
    }
  }
}
