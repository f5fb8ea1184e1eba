package io.raftcoord.statemachine.changes;

import static io.raftcoord.statemachine.sm.Batches.alterAlias;
import static io.raftcoord.statemachine.sm.Batches.alterCollection;
import static io.raftcoord.statemachine.sm.Batches.alterDatabase;
import static io.raftcoord.statemachine.sm.Batches.applyNext;
import static io.raftcoord.statemachine.sm.Batches.batch;
import static io.raftcoord.statemachine.sm.Batches.catalogOk;
import static io.raftcoord.statemachine.sm.Batches.createAlias;
import static io.raftcoord.statemachine.sm.Batches.createCollection;
import static io.raftcoord.statemachine.sm.Batches.createDatabase;
import static io.raftcoord.statemachine.sm.Batches.createPartition;
import static io.raftcoord.statemachine.sm.Batches.dropAlias;
import static io.raftcoord.statemachine.sm.Batches.dropCollection;
import static io.raftcoord.statemachine.sm.Batches.dropDatabase;
import static io.raftcoord.statemachine.sm.Batches.dropPartition;
import static io.raftcoord.statemachine.sm.Batches.kv;
import static io.raftcoord.statemachine.sm.Batches.only;
import static io.raftcoord.statemachine.sm.Batches.renameCollection;
import static io.raftcoord.statemachine.sm.Batches.setLimits;
import static io.raftcoord.statemachine.sm.Batches.tso;
import static io.raftcoord.statemachine.sm.Batches.watchFrom;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.BatchReply;
import io.raftcoord.proto.CatalogChange;
import io.raftcoord.proto.CatalogLimits;
import io.raftcoord.proto.ChangeEvent;
import io.raftcoord.proto.ChangeKind;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.WatchQuery;
import io.raftcoord.proto.WatchReply;
import io.raftcoord.statemachine.idempotency.IdempotencyLog;
import io.raftcoord.statemachine.sm.CoordState;
import io.raftcoord.statemachine.store.CoordStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The change feed through the deterministic core: catalog changes become events keyed by log
 * index and ordinal, watches read them back filtered and paged, and retention (replicated
 * limits, apply clock) prunes them.
 */
class ChangeFeedTest {
  private static final long T0 = 1_700_000_000_000L;

  @TempDir
  Path dir;
  private CoordState state;
  private long time = T0;
  /** Every event the feed should hold, in order, built from the OK replies. */
  private final List<ChangeEvent> expected = new ArrayList<>();

  @BeforeEach
  void open() {
    state = new CoordState(CoordStore.open(dir), IdempotencyLog.Retention.DEFAULT);
  }

  @AfterEach
  void close() {
    if (state != null) {
      state.close();
    }
  }

  private void reopen() {
    state.close();
    state = new CoordState(CoordStore.open(dir), IdempotencyLog.Retention.DEFAULT);
  }

  /** Applies one entry at {@code leaderTime} and records the events its OK catalog replies should make. */
  private BatchReply runAt(long leaderTime, Command... commands) {
    BatchReply r = applyNext(state, batch(leaderTime, commands));
    int ordinal = 0;
    for (CommandReply reply : r.getRepliesList()) {
      if (reply.getCode() == ErrorCode.OK && reply.hasCatalog()) {
        expected.add(ChangeEvent.newBuilder().setRevision(r.getIndex()).setOrdinal(ordinal++)
            .setNowMs(state.nowMs()).setChange(reply.getCatalog()).build());
      }
    }
    return r;
  }

  private BatchReply run(Command... commands) {
    time += 10;
    return runAt(time, commands);
  }

  private CatalogChange ok(Command c) {
    return catalogOk(only(run(c)));
  }

  private WatchReply watchOk(WatchQuery q) {
    QueryReply r = state.watch(q);
    assertEquals(ErrorCode.OK, r.getCode(), r::toString);
    assertEquals(state.appliedIndex(), r.getRevision());
    return r.getWatch();
  }

  private WatchReply watchOk(WatchQuery.Builder q) {
    return watchOk(q.build());
  }

  /** Every event from {@code q}'s revision on, following next_revision page by page. */
  private List<ChangeEvent> readAll(WatchQuery q) {
    List<ChangeEvent> out = new ArrayList<>();
    WatchQuery next = q;
    for (int pages = 0; pages < 10_000; pages++) {
      WatchReply r = watchOk(next);
      out.addAll(r.getEventsList());
      if (r.getNextRevision() == state.appliedIndex() + 1) {
        return out;
      }
      assertTrue(r.getNextRevision() > next.getFromRevision(), "a page makes progress");
      next = next.toBuilder().setFromRevision(r.getNextRevision()).build();
    }
    throw new AssertionError("paging did not end");
  }

  private List<ChangeEvent> expected(Predicate<ChangeEvent> p) {
    return expected.stream().filter(p).toList();
  }

  private static String describe(ChangeEvent e) {
    CatalogChange c = e.getChange();
    String name = switch (c.getKind()) {
      case DATABASE_CREATED, DATABASE_ALTERED, DATABASE_DROPPED -> c.getDatabase().getName();
      case COLLECTION_CREATED, COLLECTION_ALTERED, COLLECTION_DROPPED -> c.getCollection().getDbName() + "."
          + c.getCollection().getName();
      case COLLECTION_RENAMED -> c.getPreviousDbName() + "." + c.getPreviousName() + "->" + c.getCollection().getDbName()
          + "." + c.getCollection().getName();
      case PARTITION_CREATED, PARTITION_DROPPED -> c.getCollection().getDbName() + "." + c.getCollection().getName()
          + "/" + c.getPartition().getName();
      case ALIAS_CREATED, ALIAS_ALTERED, ALIAS_DROPPED -> c.getAlias().getDbName() + "." + c.getAlias().getName();
      default -> "";
    };
    return c.getKind() + " " + name;
  }

  private static List<String> describe(List<ChangeEvent> events) {
    return events.stream().map(ChangeFeedTest::describe).toList();
  }

  private QueryReply compactedReply(long from) {
    QueryReply r = state.watch(watchFrom(from).build());
    assertEquals(ErrorCode.COMPACTED, r.getCode(), r::toString);
    assertTrue(r.getMessage().contains("revision " + from + " is compacted"), r.getMessage());
    assertEquals(state.appliedIndex(), r.getRevision());
    return r;
  }

  /** The revisions of the events physically stored in the changes column family. */
  private List<Long> storedRevisions() {
    return state.dump(true).entries().stream().filter(e -> e.startsWith("changes "))
        .map(e -> Long.parseUnsignedLong(e.split(" ")[1].substring(0, 16), 16)).toList();
  }

  /** A workload touching every kind of change, with refused commands and change-less entries in between. */
  private void mixedWorkload() {
    run(createDatabase("d1"), createDatabase("d1"), createDatabase("d2", kv("k", "v")));
    run(createCollection("d1", "c"), createCollection("d1", "c"), createPartition("d1", "c", "p1"),
        createAlias("d1", "al", "c"));
    run(tso(3)); // no catalog change: no event
    run(alterDatabase("d2", List.of(kv("k", "w")), List.of()), createCollection("d2", "other"),
        alterCollection("d1", "al", List.of(kv("x", "1")), List.of()));
    runAt(time - 5_000, createCollection("d1", "c2"), dropPartition("d1", "c", "p1")); // the leader's clock went back
    run(alterAlias("d1", "al", "c2"), dropAlias("d1", "nope"));
    run(renameCollection("d1", "c", "d2", "moved"), createPartition("d2", "moved", "p2"));
    run(dropAlias("d1", "al"), dropCollection("d1", "c2"), dropDatabase("d1"));
    run(setLimits(CatalogLimits.newBuilder().setMaxShards(8).build()));
    run();
  }

  // ---- every change, once, in order ----

  @Test
  void everyChangeAppearsOnceWithItsEntrysRevisionInOrdinalOrder() {
    mixedWorkload();
    assertEquals(EnumSet.complementOf(EnumSet.of(ChangeKind.CHANGE_KIND_NONE, ChangeKind.UNRECOGNIZED)),
        expected.stream().map(e -> e.getChange().getKind()).collect(Collectors.toCollection(() -> EnumSet.noneOf(ChangeKind.class))),
        "the workload makes every kind of change");

    WatchReply all = watchOk(watchFrom(1));
    assertEquals(expected, all.getEventsList(), "each OK catalog reply is one event carrying the reply's change");
    assertEquals(state.appliedIndex() + 1, all.getNextRevision());
    assertEquals(0, all.getCompactedBelow());
    assertEquals(expected.size(), state.changes().retained());
    assertEquals(expected.stream().map(ChangeEvent::getRevision).toList(), storedRevisions(), "nothing else stored");

    // Ordinals count 0, 1, ... within each entry; revisions never go back.
    TreeMap<Long, List<Integer>> ordinals = new TreeMap<>();
    all.getEventsList().forEach(e -> ordinals.computeIfAbsent(e.getRevision(), k -> new ArrayList<>()).add(e.getOrdinal()));
    ordinals.forEach((rev, ords) -> assertEquals(IntStream.range(0, ords.size()).boxed().toList(), ords, "revision " + rev));
    // The entry whose leader clock went back is stamped with the apply clock, which never goes back.
    for (int i = 1; i < all.getEventsCount(); i++) {
      assertTrue(all.getEvents(i).getNowMs() >= all.getEvents(i - 1).getNowMs());
    }
  }

  @Test
  void watchFromARevisionReturnsOnlyNewerEvents() {
    mixedWorkload();
    long applied = state.appliedIndex();
    for (long from = 1; from <= applied + 1; from++) {
      long f = from;
      WatchReply r = watchOk(watchFrom(from));
      assertEquals(expected(e -> e.getRevision() >= f), r.getEventsList(), "from " + from);
      assertEquals(applied + 1, r.getNextRevision());
    }
    WatchReply future = watchOk(watchFrom(applied + 5));
    assertEquals(0, future.getEventsCount());
    assertEquals(applied + 5, future.getNextRevision(), "a revision in the future is kept as it is");
  }

  @Test
  void fromRevisionZeroMeansFromNow() {
    mixedWorkload();
    WatchReply now = watchOk(watchFrom(0));
    assertEquals(0, now.getEventsCount(), "nothing from the past");
    assertEquals(state.appliedIndex() + 1, now.getNextRevision());

    run(tso(1));
    CatalogChange c = ok(createDatabase("later"));
    WatchReply next = watchOk(watchFrom(now.getNextRevision()));
    assertEquals(List.of(c), next.getEventsList().stream().map(ChangeEvent::getChange).toList());
    assertEquals(0, watchOk(watchFrom(0)).getEventsCount());
  }

  // ---- filters ----

  @Test
  void filterByDatabase() {
    mixedWorkload();
    List<String> d1 = describe(watchOk(watchFrom(1).setDb("d1")).getEventsList());
    assertEquals(List.of(
        "DATABASE_CREATED d1",
        "COLLECTION_CREATED d1.c",
        "PARTITION_CREATED d1.c/p1",
        "ALIAS_CREATED d1.al",
        "COLLECTION_ALTERED d1.c",
        "COLLECTION_CREATED d1.c2",
        "PARTITION_DROPPED d1.c/p1",
        "ALIAS_ALTERED d1.al",
        "COLLECTION_RENAMED d1.c->d2.moved", // the previous database matches
        "ALIAS_DROPPED d1.al",
        "COLLECTION_DROPPED d1.c2",
        "DATABASE_DROPPED d1"), d1);

    List<String> d2 = describe(watchOk(watchFrom(1).setDb("d2")).getEventsList());
    assertEquals(List.of(
        "DATABASE_CREATED d2",
        "DATABASE_ALTERED d2",
        "COLLECTION_CREATED d2.other",
        "COLLECTION_RENAMED d1.c->d2.moved",
        "PARTITION_CREATED d2.moved/p2"), d2);
    assertEquals(List.of(), watchOk(watchFrom(1).setDb("nodb")).getEventsList());
  }

  @Test
  void filterByCollectionFollowsRenamesPartitionsAndAliases() {
    mixedWorkload();
    List<String> c = describe(watchOk(watchFrom(1).setCollection("c")).getEventsList());
    assertEquals(List.of(
        "COLLECTION_CREATED d1.c",
        "PARTITION_CREATED d1.c/p1",
        "ALIAS_CREATED d1.al",
        "COLLECTION_ALTERED d1.c", // altered through the alias
        "PARTITION_DROPPED d1.c/p1",
        "ALIAS_ALTERED d1.al", // moved from c to c2: c's watcher learns its alias left
        "COLLECTION_RENAMED d1.c->d2.moved"), c, "by its name, and its previous name on the rename");

    List<String> moved = describe(watchOk(watchFrom(1).setCollection("moved")).getEventsList());
    assertEquals(List.of("COLLECTION_RENAMED d1.c->d2.moved", "PARTITION_CREATED d2.moved/p2"), moved);

    List<String> c2 = describe(watchOk(watchFrom(1).setCollection("c2")).getEventsList());
    assertEquals(List.of("COLLECTION_CREATED d1.c2", "ALIAS_ALTERED d1.al", "ALIAS_DROPPED d1.al",
        "COLLECTION_DROPPED d1.c2"), c2, "the alias moved to c2, then was dropped");

    List<String> al = describe(watchOk(watchFrom(1).setCollection("al")).getEventsList());
    assertEquals(List.of("ALIAS_CREATED d1.al", "ALIAS_ALTERED d1.al", "ALIAS_DROPPED d1.al"), al,
        "an alias name matches the alias's own changes");

    List<String> inD2 = describe(watchOk(watchFrom(1).setDb("d2").setCollection("c")).getEventsList());
    assertEquals(List.of("COLLECTION_RENAMED d1.c->d2.moved"), inD2, "db and collection filters combine");
  }

  @Test
  void collectionFilterSeesTheAliasChangesOfARenamedCollection() {
    ok(createCollection("", "c"));
    ok(createAlias("", "al", "c"));
    ok(renameCollection("", "c", "", "c2"));
    long from = state.appliedIndex() + 1;
    CatalogChange dropped = ok(dropAlias("", "al"));
    assertEquals(List.of("ALIAS_DROPPED default.al"),
        describe(watchOk(watchFrom(from).setCollection("c2")).getEventsList()),
        "the alias of c2 was dropped, but its event names the collection as " + dropped.getAlias().getCollectionName());
  }

  @Test
  void filterByKinds() {
    mixedWorkload();
    List<String> some = describe(watchOk(watchFrom(1).addKinds(ChangeKind.PARTITION_CREATED)
        .addKinds(ChangeKind.LIMITS_CHANGED)).getEventsList());
    assertEquals(List.of("PARTITION_CREATED d1.c/p1", "PARTITION_CREATED d2.moved/p2", "LIMITS_CHANGED "), some);
    List<String> combined = describe(watchOk(watchFrom(1).setDb("d2").addKinds(ChangeKind.COLLECTION_RENAMED)
        .addKinds(ChangeKind.DATABASE_CREATED)).getEventsList());
    assertEquals(List.of("DATABASE_CREATED d2", "COLLECTION_RENAMED d1.c->d2.moved"), combined);
    assertEquals(List.of(), watchOk(watchFrom(1).setDb("d2").addKinds(ChangeKind.LIMITS_CHANGED)).getEventsList(),
        "limits belong to no database");
  }

  // ---- paging ----

  @Test
  void maxEventsNeverSplitsAnEntryAndNextRevisionContinues() {
    mixedWorkload();
    TreeMap<Long, Long> perEntry = new TreeMap<>();
    expected.forEach(e -> perEntry.merge(e.getRevision(), 1L, Long::sum));
    long biggest = perEntry.values().stream().max(Long::compare).orElseThrow();
    assertTrue(biggest >= 3, "the workload has entries with several events");

    for (int max = 1; max <= expected.size() + 1; max++) {
      List<ChangeEvent> got = new ArrayList<>();
      long from = 1;
      while (from <= state.appliedIndex()) {
        WatchReply page = watchOk(watchFrom(from).setMaxEvents(max));
        TreeMap<Long, Long> counts = new TreeMap<>();
        page.getEventsList().forEach(e -> counts.merge(e.getRevision(), 1L, Long::sum));
        for (var entry : counts.entrySet()) {
          assertEquals(perEntry.get(entry.getKey()), entry.getValue(), "max " + max + ": entry " + entry.getKey() + " whole");
        }
        long beforeLastEntry = counts.isEmpty() ? 0 : page.getEventsCount() - counts.lastEntry().getValue();
        assertTrue(beforeLastEntry < max, "max " + max + ": over the limit only to finish an entry: " + counts);
        assertTrue(page.getNextRevision() > from, "progress");
        if (page.getNextRevision() <= state.appliedIndex()) {
          long next = page.getNextRevision();
          assertTrue(perEntry.containsKey(next), "a page stops just before an entry with events");
          assertTrue(page.getEventsList().stream().allMatch(e -> e.getRevision() < next));
        }
        got.addAll(page.getEventsList());
        from = page.getNextRevision();
      }
      assertEquals(state.appliedIndex() + 1, from);
      assertEquals(expected, got, "max " + max + ": the pages together are the whole feed");
    }
    WatchReply firstPage = watchOk(watchFrom(1).setMaxEvents(1));
    long firstRevision = expected.get(0).getRevision();
    assertEquals(expected(e -> e.getRevision() == firstRevision), firstPage.getEventsList());
    assertEquals(perEntry.higherKey(firstRevision), firstPage.getNextRevision());
  }

  @Test
  void maxEventsCountsOnlyMatchingEvents() {
    mixedWorkload();
    List<ChangeEvent> d2 = readAll(watchFrom(1).setDb("d2").setMaxEvents(1).build());
    assertEquals(watchOk(watchFrom(1).setDb("d2")).getEventsList(), d2);
    assertEquals(5, d2.size());
  }

  // ---- retention ----

  @Test
  void retentionByCountPrunesOldestAndAnOldRevisionIsCompacted() {
    ok(setLimits(CatalogLimits.newBuilder().setWatchRetentionEvents(5).build()));
    for (int i = 0; i < 10; i++) {
      ok(createDatabase("db" + i));
      assertTrue(state.changes().retained() <= 5, "retained " + state.changes().retained());
    }
    assertEquals(5, state.changes().retained());
    List<ChangeEvent> kept = expected.subList(expected.size() - 5, expected.size());
    long firstKept = kept.get(0).getRevision();
    assertEquals(firstKept, state.changes().compactedBelow());
    assertEquals(kept, watchOk(watchFrom(firstKept)).getEventsList());
    assertEquals(firstKept, watchOk(watchFrom(firstKept)).getCompactedBelow());
    assertEquals(kept.stream().map(ChangeEvent::getRevision).toList(), storedRevisions());

    QueryReply old = compactedReply(1);
    assertTrue(old.getMessage().contains("changes below " + firstKept), old.getMessage());
    compactedReply(firstKept - 1);
    // "From now" is never compacted.
    assertEquals(0, watchOk(watchFrom(0)).getEventsCount());
  }

  @Test
  void retentionByCountNeverSplitsAnEntry() {
    ok(setLimits(CatalogLimits.newBuilder().setWatchRetentionEvents(4).build()));
    for (int i = 0; i < 4; i++) {
      run(createDatabase("a" + i), createDatabase("b" + i), createDatabase("c" + i));
    }
    assertFeedHoldsWholeEntries();
    assertTrue(state.changes().retained() <= 4 + 2, "retained " + state.changes().retained());
  }

  @Test
  void thePruneCapPerEntryNeverSplitsAnEntry() {
    ok(setLimits(CatalogLimits.newBuilder().setWatchRetentionMs(1_000).build()));
    ok(createCollection("", "c"));
    run(IntStream.range(0, 100).mapToObj(i -> createPartition("", "c", "p" + i)).toArray(Command[]::new));
    time += 60_000;
    ok(createDatabase("later")); // everything before is too old; at most 64 go in this entry
    assertFeedHoldsWholeEntries();
  }

  /** What a watcher can read from compacted_below is everything the store holds, in whole entries. */
  private void assertFeedHoldsWholeEntries() {
    long compacted = state.changes().compactedBelow();
    List<Long> stored = storedRevisions();
    assertTrue(stored.stream().allMatch(r -> r >= compacted),
        "no event is stored below compacted_below " + compacted + ": " + stored);
    assertEquals(stored.size(), state.changes().retained(), "retained counts the stored events");
    List<ChangeEvent> readable = watchOk(watchFrom(Math.max(compacted, 1))).getEventsList();
    assertEquals(expected(e -> e.getRevision() >= compacted), readable, "every entry from compacted_below, whole");
    assertEquals(stored.size(), readable.size());
  }

  @Test
  void retentionByAgeUsesTheApplyClock() {
    ok(setLimits(CatalogLimits.newBuilder().setWatchRetentionMs(1_000).build()));
    for (int i = 0; i < 5; i++) {
      ok(createDatabase("db" + i)); // 10 ms apart
    }
    assertEquals(6, state.changes().retained(), "nothing is old yet");
    long old = state.nowMs();

    // The leader's clock going back does not make anything younger or older.
    runAt(old - 100_000, createDatabase("back"));
    assertEquals(7, state.changes().retained());
    assertEquals(0, state.changes().compactedBelow());

    time = old + 985; // the next entry is stamped old + 995: older than 1 s are the limits change and db0..db3
    CatalogChange c = ok(createDatabase("new"));
    List<ChangeEvent> kept = expected(e -> e.getNowMs() >= time - 1_000);
    assertEquals(3, kept.size(), "db4, back, new");
    assertEquals(kept, watchOk(watchFrom(state.changes().compactedBelow())).getEventsList());
    assertEquals(c, kept.get(2).getChange());
    assertEquals(kept.get(0).getRevision(), state.changes().compactedBelow());
    compactedReply(1);
  }

  @Test
  void theDefaultAgeRetentionIsOneHour() {
    ok(createDatabase("old"));
    long stamped = state.nowMs();
    runAt(stamped + 3_600_000L, createDatabase("at_the_limit"));
    assertEquals(2, state.changes().retained(), "exactly one hour old is still kept");
    runAt(stamped + 3_600_001L, createDatabase("past_the_limit"));
    assertEquals(2, state.changes().retained());
    assertEquals(expected.get(1).getRevision(), state.changes().compactedBelow());
    compactedReply(expected.get(0).getRevision());
  }

  @Test
  void ageRetentionAlsoAdvancesOnEntriesWithoutChangesEvery64thIndex() {
    ok(setLimits(CatalogLimits.newBuilder().setWatchRetentionMs(1_000).build()));
    ok(createDatabase("d"));
    assertTrue(state.appliedIndex() < 60);
    time += 10_000;
    while ((state.appliedIndex() + 1) % 64 != 0) {
      run(tso(1));
      assertEquals(2, state.changes().retained(), "entry " + state.appliedIndex() + " prunes nothing");
    }
    run(tso(1));
    assertEquals(64, state.appliedIndex());
    assertEquals(0, state.changes().retained(), "the 64th entry prunes the old events");
    assertEquals(List.of(), storedRevisions());
    compactedReply(2);
    assertEquals(List.of(), watchOk(watchFrom(state.changes().compactedBelow())).getEventsList());
  }

  @Test
  void atMost64EventsArePrunedPerEntry() {
    ok(setLimits(CatalogLimits.newBuilder().setWatchRetentionMs(1_000).build()));
    ok(createCollection("", "c"));
    for (int i = 0; i < 98; i++) {
      ok(createPartition("", "c", "p" + i));
    }
    assertEquals(100, state.changes().retained());
    time += 60_000;
    ok(createDatabase("later"));
    assertEquals(101 - 64, state.changes().retained());
    assertEquals(expected.get(64).getRevision(), state.changes().compactedBelow());
    ok(createDatabase("later2"));
    assertEquals(2, state.changes().retained(), "the next entry prunes the rest");
    assertEquals(expected.subList(expected.size() - 2, expected.size()),
        watchOk(watchFrom(state.changes().compactedBelow())).getEventsList());
  }

  @Test
  void retentionAndEventsSurviveCloseAndReopen() {
    ok(setLimits(CatalogLimits.newBuilder().setWatchRetentionEvents(5).build()));
    for (int i = 0; i < 8; i++) {
      ok(createDatabase("db" + i));
    }
    long compacted = state.changes().compactedBelow();
    long retained = state.changes().retained();
    List<ChangeEvent> before = watchOk(watchFrom(compacted)).getEventsList();
    QueryReply oldBefore = compactedReply(1);
    reopen();
    assertEquals(compacted, state.changes().compactedBelow());
    assertEquals(retained, state.changes().retained());
    assertEquals(before, watchOk(watchFrom(compacted)).getEventsList());
    assertEquals(oldBefore, state.watch(watchFrom(1).build()));
    compactedReply(compacted - 1);

    // Retention goes on from the stored bookkeeping.
    for (int i = 0; i < 3; i++) {
      ok(createDatabase("after" + i));
    }
    assertEquals(5, state.changes().retained());
    assertEquals(expected.subList(expected.size() - 5, expected.size()),
        watchOk(watchFrom(state.changes().compactedBelow())).getEventsList());
    assertEquals(expected.subList(expected.size() - 5, expected.size()).stream().map(ChangeEvent::getRevision).toList(),
        storedRevisions());
  }
}
