package io.raftcoord.statemachine.changes;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.statemachine.domain.FeedEvent;
import io.raftcoord.proto.CatalogChange;
import io.raftcoord.proto.ChangeEvent;
import io.raftcoord.proto.ChangeFeedMeta;
import io.raftcoord.proto.WatchQuery;
import io.raftcoord.proto.WatchReply;
import io.raftcoord.statemachine.store.Bytes;
import io.raftcoord.statemachine.store.ColumnFamily;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.store.StoreBatch;
import io.raftcoord.statemachine.store.StoreException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The change feed: every event of every domain (catalog changes, session events, ...), keyed by its revision (the log index of its entry)
 * and its position in the entry, in {@link ColumnFamily#CHANGES}. Watchers read it from any
 * revision still retained; older revisions answer COMPACTED and the watcher re-lists, as with
 * etcd.
 *
 * <p>Invariants: events are appended in log order within the entry's store batch, so a
 * watcher never sees part of an entry; retention (count and age of the apply clock, both
 * replicated limits) prunes whole entries from the oldest end, {@link #PRUNE_PER_ENTRY} events
 * per applied entry (plus the rest of the last entry it started);
 * {@code compactedBelow} only grows and is stored in the same batch as the pruning.
 */
public final class ChangeFeed {
  public static final int PRUNE_PER_ENTRY = 64;
  public static final int DEFAULT_MAX_EVENTS = 1000;
  /** Most events one read inspects, so that a narrow filter over a long feed stays cheap. */
  static final int MAX_SCANNED = 20_000;
  private static final byte[] META_KEY = Bytes.utf8("changes");

  private ChangeFeedMeta meta = ChangeFeedMeta.getDefaultInstance();
  private volatile long compactedBelow;
  /** The entry being applied changed {@link #meta}. */
  private boolean dirty;

  public void load(CoordStore store) {
    byte[] v = store.get(ColumnFamily.META, META_KEY);
    meta = v == null ? ChangeFeedMeta.getDefaultInstance() : parseMeta(v);
    compactedBelow = meta.getCompactedBelow();
  }

  /**
   * Adds one event of the entry being applied. A catalog event is stored as it always was (the
   * typed field only); another domain's carries its domain, kind and message.
   */
  public void append(StoreBatch sb, long revision, int ordinal, long nowMs, FeedEvent event) {
    ChangeEvent.Builder b = ChangeEvent.newBuilder().setRevision(revision).setOrdinal(ordinal).setNowMs(nowMs);
    if (event.body() instanceof CatalogChange change) {
      b.setChange(change);
    } else {
      b.setDomain(event.domain()).setKind(event.kind()).setBody(Any.pack(event.body()));
    }
    ChangeEvent e = b.build();
    sb.put(ColumnFamily.CHANGES, key(revision, ordinal), e.toByteArray());
    meta = meta.toBuilder().setRetained(meta.getRetained() + 1).build();
    dirty = true;
  }

  /**
   * Drops events beyond retention (oldest first, at most {@link #PRUNE_PER_ENTRY}) and stores
   * the bookkeeping; call once per entry after its appends.
   */
  public void pruneAndSave(CoordStore store, StoreBatch sb, long nowMs, long maxEvents, long maxAgeMs) {
    if (meta.getRetained() == 0) {
      return;
    }
    List<byte[]> drop = new ArrayList<>();
    long[] lastRevision = {-1};
    long retained = meta.getRetained();
    long[] left = {retained};
    store.scan(ColumnFamily.CHANGES, key(Math.max(compactedBelow, 0), 0), (k, v) -> {
      ChangeEvent e = parse(v);
      // Whole entries only: compactedBelow must never cut an entry in two.
      if (e.getRevision() == lastRevision[0]) {
        drop.add(k);
        left[0]--;
        return true;
      }
      if (drop.size() >= PRUNE_PER_ENTRY) {
        return false;
      }
      boolean tooMany = left[0] > maxEvents;
      boolean tooOld = e.getNowMs() < nowMs - maxAgeMs;
      if (!tooMany && !tooOld) {
        return false;
      }
      drop.add(k);
      lastRevision[0] = e.getRevision();
      left[0]--;
      return true;
    });
    if (!drop.isEmpty()) {
      drop.forEach(k -> sb.delete(ColumnFamily.CHANGES, k));
      meta = meta.toBuilder().setRetained(left[0])
          .setCompactedBelow(Math.max(meta.getCompactedBelow(), lastRevision[0] + 1)).build();
      dirty = true;
    }
    if (dirty) {
      sb.put(ColumnFamily.META, META_KEY, meta.toByteArray());
    }
  }

  /** Call after the entry's batch is written: readers may now see the new bound. */
  public void entryDone() {
    compactedBelow = meta.getCompactedBelow();
    dirty = false;
  }

  public long compactedBelow() {
    return compactedBelow;
  }

  public long retained() {
    return meta.getRetained();
  }

  /**
   * The events matching {@code q} from its from_revision, given that the store holds every
   * entry up to {@code appliedIndex}. Never splits an entry's events across replies. The caller
   * checks compaction first.
   */
  public WatchReply read(CoordStore store, WatchQuery q, long appliedIndex, WatchFilter filter) {
    long from = q.getFromRevision() <= 0 ? appliedIndex + 1 : q.getFromRevision();
    int max = q.getMaxEvents() <= 0 ? DEFAULT_MAX_EVENTS : Math.min(q.getMaxEvents(), DEFAULT_MAX_EVENTS);
    WatchReply.Builder out = WatchReply.newBuilder().setCompactedBelow(compactedBelow);
    long[] lastSeen = {-1};
    long[] stoppedAt = {-1};
    int[] scanned = {0};
    store.scan(ColumnFamily.CHANGES, key(from, 0), (k, v) -> {
      ChangeEvent e = parse(v);
      if (e.getRevision() > appliedIndex) {
        return false;
      }
      boolean full = out.getEventsCount() >= max || scanned[0] >= MAX_SCANNED;
      if (full && e.getRevision() != lastSeen[0]) {
        stoppedAt[0] = e.getRevision();
        return false;
      }
      scanned[0]++;
      lastSeen[0] = e.getRevision();
      if (filter.matches(e)) {
        out.addEvents(e);
      }
      return true;
    });
    // Stopped early: continue at the first revision not returned. Ran to the end: every applied
    // revision has been seen.
    long next = stoppedAt[0] >= 0 ? stoppedAt[0] : appliedIndex + 1;
    return out.setNextRevision(Math.max(next, from)).build();
  }

  static byte[] key(long revision, int ordinal) {
    return ByteBuffer.allocate(Long.BYTES + Integer.BYTES).putLong(revision).putInt(ordinal).array();
  }

  private static ChangeEvent parse(byte[] v) {
    try {
      return ChangeEvent.parseFrom(v);
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException("corrupt change event", e);
    }
  }

  private static ChangeFeedMeta parseMeta(byte[] v) {
    try {
      return ChangeFeedMeta.parseFrom(v);
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException("corrupt change feed meta", e);
    }
  }
}
