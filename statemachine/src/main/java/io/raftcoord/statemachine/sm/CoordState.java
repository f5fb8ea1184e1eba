package io.raftcoord.statemachine.sm;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.proto.AppliedMeta;
import io.raftcoord.proto.BatchReply;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandBatch;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Record;
import io.raftcoord.statemachine.apply.AppliedMetaCodec;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.apply.ApplyResult;
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
import io.raftcoord.proto.CommandHeader;
import io.raftcoord.proto.CatalogLimits;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.WatchQuery;
import io.raftcoord.statemachine.catalog.Catalog;
import io.raftcoord.statemachine.catalog.CatalogControl;
import io.raftcoord.statemachine.catalog.CatalogReads;
import io.raftcoord.statemachine.changes.ChangeFeed;
import io.raftcoord.statemachine.changes.WatchFilter;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongConsumer;

/**
 * The deterministic core without Raft: applies one stamped {@link CommandBatch} per log entry to
 * the domain controls and the store. Invariants: each entry is one store write holding all its
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
  private final Catalog catalog = new Catalog();
  private final CatalogControl catalogControl;
  private final CatalogReads catalogReads = new CatalogReads(catalog);
  private final ChangeFeed changes = new ChangeFeed();
  private final ReentrantReadWriteLock entryLock = new ReentrantReadWriteLock();
  private volatile AppliedMeta applied;
  private volatile LongConsumer onChanges = revision -> { };
  /** Catalog changes appended by the entry being applied. */
  private int entryChanges;
  /** Guarded by {@code entryLock}. */
  private boolean closed;

  public CoordState(CoordStore store, IdempotencyLog.Retention retention) {
    this(store, retention, java.util.Set.of());
  }

  public CoordState(CoordStore store, IdempotencyLog.Retention retention, java.util.Set<PlantedBug> bugs) {
    this(store, retention, bugs, ApplyVersions.THIS_BINARY);
  }

  /**
   * @throws UnsupportedApplyException if the store's committed apply version is outside {@code supported}
   */
  public CoordState(CoordStore store, IdempotencyLog.Retention retention, java.util.Set<PlantedBug> bugs,
                    ApplyVersions supported) {
    this.store = store;
    this.versions = new VersionControl(supported);
    this.ids = new IdControl(!bugs.contains(PlantedBug.IDS_MEMORY_ONLY));
    this.catalogControl = new CatalogControl(catalog, ids, tso, versions);
    this.idempotency = new IdempotencyLog(retention);
    try {
      versions.load(store);
    } catch (UnsupportedApplyException e) {
      store.close();
      throw e;
    }
    byte[] meta = store.get(ColumnFamily.META, AppliedMetaCodec.KEY);
    this.applied = meta == null ? AppliedMeta.getDefaultInstance() : AppliedMetaCodec.parse(meta);
    tso.load(store);
    ids.load(store);
    idempotency.load(store);
    catalog.load(store);
    changes.load(store);
  }

  /** Called (on the apply thread, after the write) with the revision of each entry that changed the catalog. */
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
    for (Command cmd : batch.getCommandsList()) {
      out.addReplies(applyCommand(ctx, batch.getHeader(), cmd, sb));
    }
    BatchReply reply = out.build();
    if (!batchKey.isEmpty()) {
      idempotency.remember(sb, batchKey, reply.toByteArray(), ctx.nowMs(), ctx.index());
    }
    return reply;
  }

  private CommandReply applyCommand(ApplyContext ctx, CommandHeader header, Command cmd, StoreBatch sb) {
    String key = cmd.getIdempotencyKey().isEmpty() ? "" : "c:" + cmd.getIdempotencyKey();
    if (!key.isEmpty()) {
      Optional<byte[]> seen = idempotency.lookup(store, key);
      if (seen.isPresent()) {
        try {
          return CommandReply.parseFrom(seen.get());
        } catch (InvalidProtocolBufferException e) {
          throw new StoreException("corrupt remembered reply for " + key, e);
        }
      }
    }
    ApplyResult result = dispatch(ctx, header, cmd);
    for (Record r : result.records()) {
      replay(ctx, r, sb);
    }
    if (!key.isEmpty()) {
      idempotency.remember(sb, key, result.reply().toByteArray(), ctx.nowMs(), ctx.index());
    }
    return result.reply();
  }

  private ApplyResult dispatch(ApplyContext ctx, CommandHeader header, Command cmd) {
    return switch (cmd.getBodyCase()) {
      case TSO_ALLOCATE -> tso.allocate(ctx, cmd.getTsoAllocate());
      case ID_ALLOCATE -> ids.allocate(ctx, cmd.getIdAllocate());
      case CREATE_DATABASE -> catalogControl.createDatabase(ctx, cmd.getCreateDatabase());
      case DROP_DATABASE -> catalogControl.dropDatabase(ctx, cmd.getDropDatabase());
      case ALTER_DATABASE -> catalogControl.alterDatabase(ctx, cmd.getAlterDatabase());
      case CREATE_COLLECTION -> catalogControl.createCollection(ctx, cmd.getCreateCollection());
      case DROP_COLLECTION -> catalogControl.dropCollection(ctx, cmd.getDropCollection());
      case RENAME_COLLECTION -> catalogControl.renameCollection(ctx, cmd.getRenameCollection());
      case ALTER_COLLECTION -> catalogControl.alterCollection(ctx, cmd.getAlterCollection());
      case CREATE_PARTITION -> catalogControl.createPartition(ctx, cmd.getCreatePartition());
      case DROP_PARTITION -> catalogControl.dropPartition(ctx, cmd.getDropPartition());
      case CREATE_ALIAS -> catalogControl.createAlias(ctx, cmd.getCreateAlias());
      case DROP_ALIAS -> catalogControl.dropAlias(ctx, cmd.getDropAlias());
      case ALTER_ALIAS -> catalogControl.alterAlias(ctx, cmd.getAlterAlias());
      case SET_CATALOG_LIMITS -> catalogControl.setLimits(ctx, cmd.getSetCatalogLimits());
      case REPORT_VERSIONS -> versions.report(ctx, cmd.getReportVersions());
      case UPGRADE -> versions.upgrade(ctx, header, cmd.getUpgrade());
      case BODY_NOT_SET -> {
        if (!cmd.getUnknownFields().asMap().isEmpty()) {
          // A newer binary's command: answering "no body" here while newer replicas apply it
          // would diverge.
          throw new UnsupportedApplyException("log entry " + ctx.index() + " holds a command this binary does not know"
              + " (fields " + cmd.getUnknownFields().asMap().keySet() + "); it supports apply versions "
              + versions.supported() + "; restart this replica with a newer binary");
        }
        yield ApplyResult.error(ErrorCode.INVALID_ARGUMENT, "command has no body");
      }
    };
  }

  /** A switch expression, so that a record case without a handler does not compile. */
  private void replay(ApplyContext ctx, Record r, StoreBatch sb) {
    Runnable step = switch (r.getBodyCase()) {
      case TSO_ADVANCED -> () -> tso.replay(r.getTsoAdvanced(), sb);
      case IDS_ALLOCATED -> () -> ids.replay(r.getIdsAllocated(), sb);
      case CATALOG -> () -> {
        catalog.replay(r.getCatalog(), sb);
        changes.append(sb, ctx.index(), entryChanges++, ctx.nowMs(), r.getCatalog());
      };
      case APPLY_VERSION_RAISED -> () -> versions.replay(r.getApplyVersionRaised(), sb);
      case REPLICA_VERSIONS_REPORTED -> () -> versions.replay(r.getReplicaVersionsReported(), sb);
      case BODY_NOT_SET -> () -> {
        throw new IllegalStateException("record without body");
      };
    };
    step.run();
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

  /** Answers a catalog read from one consistent point, or empty if {@code q} is not one. */
  public Optional<QueryReply> catalogRead(Query q) {
    QueryReply r = read(() -> catalogReads.answer(q).map(b -> b.setRevision(applied.getIndex()).build()).orElse(null));
    return Optional.ofNullable(r);
  }

  /** The committed apply version and the reported ranges, answered by replica {@code replicaId}. */
  public QueryReply versionRead(String replicaId) {
    return read(() -> QueryReply.newBuilder().setVersion(versions.read(replicaId)).setRevision(applied.getIndex()).build());
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
    return catalog;
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
