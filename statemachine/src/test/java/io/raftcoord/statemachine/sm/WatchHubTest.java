package io.raftcoord.statemachine.sm;

import static io.raftcoord.statemachine.sm.Batches.applyNext;
import static io.raftcoord.statemachine.sm.Batches.batch;
import static io.raftcoord.statemachine.sm.Batches.catalogOk;
import static io.raftcoord.statemachine.sm.Batches.createDatabase;
import static io.raftcoord.statemachine.sm.Batches.only;
import static io.raftcoord.statemachine.sm.Batches.setLimits;
import static io.raftcoord.statemachine.sm.Batches.tso;
import static io.raftcoord.statemachine.sm.Batches.watchFrom;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.CatalogChange;
import io.raftcoord.proto.CatalogLimits;
import io.raftcoord.proto.ChangeEvent;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.WatchQuery;
import io.raftcoord.statemachine.idempotency.IdempotencyLog;
import io.raftcoord.statemachine.store.CoordStore;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Long-polls: a watch with nothing to return is parked until an applied entry changes the
 * catalog or its timeout passes. Waits use {@code future.get} with a bound, never sleeps.
 */
class WatchHubTest {
  private static final long WAIT_S = 10;

  @TempDir
  Path dir;
  private CoordState state;
  private WatchHub hub;
  private long time = 1_700_000_000_000L;

  @BeforeEach
  void open() {
    state = new CoordState(CoordStore.open(dir), IdempotencyLog.Retention.DEFAULT);
    hub = new WatchHub(() -> state);
    state.onChanges(hub::changed);
  }

  @AfterEach
  void close() {
    hub.close();
    state.close();
  }

  private CatalogChange apply(Command c) {
    time += 10;
    var r = only(applyNext(state, batch(time, c)));
    return r.hasCatalog() ? catalogOk(r) : null;
  }

  private static QueryReply await(CompletableFuture<QueryReply> f) throws Exception {
    return f.get(WAIT_S, TimeUnit.SECONDS);
  }

  private static List<CatalogChange> changes(QueryReply r) {
    assertEquals(ErrorCode.OK, r.getCode(), r::toString);
    return r.getWatch().getEventsList().stream().map(ChangeEvent::getChange).toList();
  }

  @Test
  void aParkedWatchCompletesWhenALaterEntryChangesTheCatalog() throws Exception {
    long from = state.appliedIndex() + 1;
    CompletableFuture<QueryReply> f = hub.watch(watchFrom(from).setTimeoutMs(WatchHub.MAX_TIMEOUT_MS).build());
    apply(tso(1)); // an entry without catalog changes does not answer it
    CatalogChange c = apply(createDatabase("d1"));
    QueryReply r = await(f);
    assertEquals(List.of(c), changes(r), "answered with the change made after the watch was parked");
    assertEquals(from + 1, r.getWatch().getEvents(0).getRevision());
    assertEquals(state.appliedIndex() + 1, r.getWatch().getNextRevision());
  }

  @Test
  void aWatchFromNowSeesTheNextChange() throws Exception {
    apply(createDatabase("before"));
    CompletableFuture<QueryReply> f = hub.watch(watchFrom(0).setTimeoutMs(WatchHub.MAX_TIMEOUT_MS).build());
    CatalogChange c = apply(createDatabase("after"));
    assertEquals(List.of(c), changes(await(f)), "not the change before the watch, and not nothing");
  }

  @Test
  void aChangeThatDoesNotMatchTheFilterLeavesTheWatchParked() throws Exception {
    CompletableFuture<QueryReply> f = hub.watch(watchFrom(0).setDb("wanted")
        .setTimeoutMs(WatchHub.MAX_TIMEOUT_MS).build());
    apply(createDatabase("other"));
    apply(createDatabase("other2"));
    CatalogChange c = apply(createDatabase("wanted"));
    assertEquals(List.of(c), changes(await(f)));
  }

  @Test
  void aWatchWithNothingToReturnTimesOutEmpty() throws Exception {
    long start = System.nanoTime();
    CompletableFuture<QueryReply> f = hub.watch(watchFrom(0).setDb("wanted").setTimeoutMs(200).build());
    apply(createDatabase("other")); // not matching: it still waits for the timeout
    QueryReply r = await(f);
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertEquals(List.of(), changes(r));
    assertTrue(elapsedMs >= 190, "held until the timeout: " + elapsedMs + " ms");
    assertEquals(state.appliedIndex() + 1, r.getWatch().getNextRevision(), "continues after what it has seen");
  }

  @Test
  void theTimeoutIsCapped() throws Exception {
    long start = System.nanoTime();
    QueryReply r = hub.watch(watchFrom(0).setTimeoutMs(600_000).build()).get(5, TimeUnit.SECONDS);
    assertEquals(List.of(), changes(r));
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(elapsedMs >= WatchHub.MAX_TIMEOUT_MS - 10, "held for the capped timeout: " + elapsedMs + " ms");
  }

  @Test
  void aWatchWithoutTimeoutOrWithEventsAnswersAtOnce() throws Exception {
    CompletableFuture<QueryReply> none = hub.watch(watchFrom(0).build());
    assertTrue(none.isDone(), "timeout 0 is a plain read");
    assertEquals(List.of(), changes(none.get()));

    CatalogChange c = apply(createDatabase("d1"));
    CompletableFuture<QueryReply> some = hub.watch(watchFrom(1).setTimeoutMs(WatchHub.MAX_TIMEOUT_MS).build());
    assertTrue(some.isDone(), "matching events exist already");
    assertEquals(List.of(c), changes(some.get()));
  }

  @Test
  void aCompactedRevisionAnswersAtOnce() throws Exception {
    apply(setLimits(CatalogLimits.newBuilder().setWatchRetentionEvents(1).build()));
    apply(createDatabase("d1"));
    apply(createDatabase("d2"));
    CompletableFuture<QueryReply> f = hub.watch(watchFrom(1).setTimeoutMs(WatchHub.MAX_TIMEOUT_MS).build());
    assertTrue(f.isDone());
    assertEquals(ErrorCode.COMPACTED, f.get().getCode());
  }

  @Test
  void closingTheHubAnswersParkedWatchesUnavailable() throws Exception {
    CompletableFuture<QueryReply> f = hub.watch(watchFrom(0).setTimeoutMs(WatchHub.MAX_TIMEOUT_MS).build());
    hub.close();
    QueryReply r = await(f);
    // The watch may also have timed out empty if this thread stalled for a second; either way it is answered.
    assertTrue(r.getCode() == ErrorCode.UNAVAILABLE || (r.getCode() == ErrorCode.OK && r.getWatch().getEventsCount() == 0),
        r::toString);
  }

  @Test
  void aReplicaWithoutStateAnswersUnavailable() throws Exception {
    try (WatchHub restoring = new WatchHub(() -> null)) {
      WatchQuery q = watchFrom(0).setTimeoutMs(100).build();
      assertEquals(ErrorCode.UNAVAILABLE, await(restoring.watch(q)).getCode());
    }
  }

  /**
   * Regression: a watch evaluated while a snapshot install closed the state it had fetched read a
   * closed RocksDB. A state now refuses reads once closed, and closing waits for reads in progress.
   */
  @Test
  void aWatchEvaluatedOnAClosedStateAnswersUnavailable() throws Exception {
    apply(createDatabase("d1"));
    CompletableFuture<QueryReply> parked = hub.watch(watchFrom(0).setTimeoutMs(WatchHub.MAX_TIMEOUT_MS).build());
    state.close(); // the hub still holds this state, as it would mid-swap
    hub.changed(Long.MAX_VALUE);
    QueryReply r = await(parked);
    assertTrue(r.getCode() == ErrorCode.UNAVAILABLE || (r.getCode() == ErrorCode.OK && r.getWatch().getEventsCount() == 0),
        r::toString);
    assertEquals(ErrorCode.UNAVAILABLE, state.watch(watchFrom(1).build()).getCode());
    assertEquals(ErrorCode.UNAVAILABLE, state.domainRead(io.raftcoord.proto.Query.newBuilder()
        .setListDatabases(io.raftcoord.proto.ListDatabasesQuery.getDefaultInstance()).build()).getCode());
  }

  @Test
  void closingWhileWatchesAreEvaluatedNeverReadsAClosedStore() throws Exception {
    for (int i = 0; i < 20; i++) {
      apply(createDatabase("db" + i));
    }
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicInteger unavailable = new java.util.concurrent.atomic.AtomicInteger();
    Thread reader = new Thread(() -> {
      try {
        while (!stop.get()) {
          QueryReply r = state.watch(watchFrom(1).build());
          if (r.getCode() == ErrorCode.UNAVAILABLE) {
            unavailable.incrementAndGet();
            return;
          }
          assertEquals(ErrorCode.OK, r.getCode(), r::toString);
        }
      } catch (Throwable t) {
        failure.set(t);
      }
    });
    reader.start();
    await(hub.watch(watchFrom(1).build())); // the reader is running alongside
    state.close();
    reader.join(TimeUnit.SECONDS.toMillis(WAIT_S));
    stop.set(true);
    assertEquals(null, failure.get());
    assertEquals(1, unavailable.get(), "the reader must see the close as UNAVAILABLE");
  }
}
