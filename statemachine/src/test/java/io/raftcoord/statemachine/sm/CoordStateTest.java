package io.raftcoord.statemachine.sm;

import static io.raftcoord.statemachine.sm.Batches.applyNext;
import static io.raftcoord.statemachine.sm.Batches.batch;
import static io.raftcoord.statemachine.sm.Batches.ids;
import static io.raftcoord.statemachine.sm.Batches.idsOk;
import static io.raftcoord.statemachine.sm.Batches.keyed;
import static io.raftcoord.statemachine.sm.Batches.keyedBatch;
import static io.raftcoord.statemachine.sm.Batches.noBody;
import static io.raftcoord.statemachine.sm.Batches.only;
import static io.raftcoord.statemachine.sm.Batches.tso;
import static io.raftcoord.statemachine.sm.Batches.tsoOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.BatchReply;
import io.raftcoord.proto.CommandBatch;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Timestamps;
import io.raftcoord.statemachine.idempotency.IdempotencyLog;
import io.raftcoord.statemachine.ids.IdControl;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.store.StoreDump;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The deterministic core: batches, exactly-once apply, idempotency keys and their retention. */
class CoordStateTest {
  /** Hex of the key prefixes in the idempotency column family: {@code k<key>} and {@code s<seq>}. */
  private static final String REMEMBERED = "idempotency 6b";
  private static final String SEQUENCE = "idempotency 73";

  @TempDir
  Path dir;
  private CoordState state;

  @AfterEach
  void close() {
    if (state != null) {
      state.close();
    }
  }

  private CoordState open(IdempotencyLog.Retention retention) {
    state = new CoordState(CoordStore.open(dir), retention);
    return state;
  }

  private CoordState reopen(IdempotencyLog.Retention retention) {
    state.close();
    state = null;
    return open(retention);
  }

  private long count(String prefix) {
    return state.dump(true).entries().stream().filter(e -> e.startsWith(prefix)).count();
  }

  // ---- batches ----

  @Test
  void batchWithInvalidCommandsStillRunsTheOthersAndRepliesInOrder() {
    open(IdempotencyLog.Retention.DEFAULT);
    BatchReply reply = applyNext(state, batch(1_000,
        tso(3), ids(0), ids(4), tso(0), noBody(), tso(1), ids(IdControl.MAX_COUNT + 1), ids(2)));

    assertEquals(1, reply.getIndex());
    assertFalse(reply.getDeduplicated());
    assertEquals(ErrorCode.OK, reply.getCode(), "the batch as a whole is fine");
    assertEquals(8, reply.getRepliesCount());

    assertEquals(Timestamps.compose(1_000, 0), tsoOk(reply.getReplies(0)).getFirst());
    assertError(reply.getReplies(1), ErrorCode.INVALID_ARGUMENT, "id allocate");
    assertEquals(1, idsOk(reply.getReplies(2)).getStart(), "the failed id command consumed nothing");
    assertError(reply.getReplies(3), ErrorCode.INVALID_ARGUMENT, "tso allocate");
    assertError(reply.getReplies(4), ErrorCode.INVALID_ARGUMENT, "no body");
    assertEquals(Timestamps.compose(1_000, 3), tsoOk(reply.getReplies(5)).getFirst(),
        "continues right after the first tso command");
    assertError(reply.getReplies(6), ErrorCode.INVALID_ARGUMENT, "id allocate");
    assertEquals(5, idsOk(reply.getReplies(7)).getStart());

    assertEquals(7, state.ids().nextId());
    assertEquals(Timestamps.compose(1_000, 3), state.tso().lastTimestamp());
  }

  private static void assertError(CommandReply r, ErrorCode code, String messagePart) {
    assertEquals(code, r.getCode(), () -> "reply " + r);
    assertEquals(CommandReply.BodyCase.BODY_NOT_SET, r.getBodyCase(), () -> "an error has no body: " + r);
    assertTrue(r.getMessage().contains(messagePart), () -> "message '" + r.getMessage() + "' names " + messagePart);
  }

  @Test
  void emptyBatchOnlyAdvancesTheIndexAndClock() {
    open(IdempotencyLog.Retention.DEFAULT);
    BatchReply reply = applyNext(state, batch(5_000));
    assertEquals(0, reply.getRepliesCount());
    assertEquals(ErrorCode.OK, reply.getCode());
    assertEquals(1, state.appliedIndex());
    assertEquals(5_000, state.nowMs());
    assertEquals(-1, state.tso().lastTimestamp(), "nothing handed out");
    assertEquals(1, state.ids().nextId());
  }

  @Test
  void unreadableEntryIsAnErrorReplyThatStillAdvancesTheIndex() {
    open(IdempotencyLog.Retention.DEFAULT);
    applyNext(state, batch(2_000, ids(1)));
    // A truncated varint: not a CommandBatch.
    BatchReply reply = applyNext(state, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff});
    assertEquals(ErrorCode.INVALID_ARGUMENT, reply.getCode());
    assertTrue(reply.getMessage().contains("log entry 2"), reply.getMessage());
    assertEquals(0, reply.getRepliesCount());
    assertEquals(2, state.appliedIndex());
    assertEquals(2_000, state.nowMs());
    assertEquals(2, state.ids().nextId());
  }

  @Test
  void entriesAtOrBelowTheAppliedIndexAreIgnored() {
    open(IdempotencyLog.Retention.DEFAULT);
    applyNext(state, batch(1_000, tso(2), ids(3)));
    applyNext(state, keyedBatch("b", 1_100, keyed("c", tso(1))));
    applyNext(state, batch(1_200, ids(5)));
    StoreDump before = state.dump(true);
    long ts = state.tso().lastTimestamp();
    long next = state.ids().nextId();
    long now = state.nowMs();
    assertEquals(3, before.appliedIndex());

    for (long index = 0; index <= 3; index++) {
      Optional<BatchReply> again = state.apply(Batches.TERM, index,
          batch(9_000, tso(100), ids(100), keyed("new", ids(1))).toByteArray());
      assertTrue(again.isEmpty(), "entry " + index + " is already applied");
      // a later term does not make an old index new
      assertTrue(state.apply(Batches.TERM + 1, index, batch(9_000, ids(1)).toByteArray()).isEmpty());
    }
    StoreDump after = state.dump(true);
    assertEquals(before.digest(), after.digest());
    assertEquals(before.entries(), after.entries());
    assertEquals(3, state.appliedIndex());
    assertEquals(ts, state.tso().lastTimestamp());
    assertEquals(next, state.ids().nextId());
    assertEquals(now, state.nowMs());

    // The same after a restart: the stored applied index decides.
    reopen(IdempotencyLog.Retention.DEFAULT);
    assertEquals(3, state.appliedIndex());
    assertTrue(state.apply(Batches.TERM, 3, batch(9_000, ids(1)).toByteArray()).isEmpty());
    assertEquals(before.digest(), state.dump(false).digest());
    assertEquals(next, state.ids().nextId());

    // and the next index applies normally
    assertEquals(next, idsOk(only(applyNext(state, batch(1_300, ids(1))))).getStart());
  }

  // ---- idempotency keys ----

  @Test
  void repeatedBatchKeyReturnsTheFirstRepliesAndAllocatesNothing() {
    open(IdempotencyLog.Retention.DEFAULT);
    BatchReply first = applyNext(state, keyedBatch("client-1/7", 1_000, tso(4), ids(10), ids(0)));
    assertFalse(first.getDeduplicated());
    assertEquals(1, first.getIndex());
    long ts = state.tso().lastTimestamp();
    long next = state.ids().nextId();
    applyNext(state, batch(1_010, ids(1))); // something else in between
    long nextAfterOther = state.ids().nextId();
    assertEquals(next + 1, nextAfterOther);

    // The retry may even come at a later leader time and with other content: the key decides.
    BatchReply retry = applyNext(state, keyedBatch("client-1/7", 2_000, tso(4), ids(10), ids(0)));
    assertTrue(retry.getDeduplicated());
    assertEquals(first.getRepliesList(), retry.getRepliesList());
    assertEquals(1, retry.getIndex(), "the revision of the entry that produced the replies");
    assertEquals(ts, state.tso().lastTimestamp(), "no new timestamps");
    assertEquals(nextAfterOther, state.ids().nextId(), "no new ids");

    BatchReply retryOtherContent = applyNext(state, keyedBatch("client-1/7", 2_100, ids(99)));
    assertTrue(retryOtherContent.getDeduplicated());
    assertEquals(first.getRepliesList(), retryOtherContent.getRepliesList());
    assertEquals(nextAfterOther, state.ids().nextId());

    // After a restart (a retried batch after a leader change) it still deduplicates.
    reopen(IdempotencyLog.Retention.DEFAULT);
    BatchReply afterRestart = applyNext(state, keyedBatch("client-1/7", 3_000, tso(4), ids(10), ids(0)));
    assertTrue(afterRestart.getDeduplicated());
    assertEquals(first.getRepliesList(), afterRestart.getRepliesList());
    assertEquals(ts, state.tso().lastTimestamp());
    assertEquals(nextAfterOther, state.ids().nextId());

    // A different key runs normally.
    BatchReply other = applyNext(state, keyedBatch("client-1/8", 3_000, ids(10)));
    assertFalse(other.getDeduplicated());
    assertEquals(nextAfterOther, idsOk(only(other)).getStart());
  }

  @Test
  void repeatedCommandKeyReturnsTheFirstReplyAndAllocatesNothing() {
    open(IdempotencyLog.Retention.DEFAULT);
    CommandReply first = only(applyNext(state, batch(1_000, keyed("alloc-a", ids(10)))));
    assertEquals(1, idsOk(first).getStart());

    BatchReply retry = applyNext(state, batch(2_000, keyed("alloc-a", ids(10)), ids(1), keyed("alloc-b", tso(2))));
    assertFalse(retry.getDeduplicated(), "only the command was deduplicated, not the batch");
    assertEquals(first, retry.getReplies(0));
    assertEquals(11, idsOk(retry.getReplies(1)).getStart(), "the unkeyed command still runs");
    CommandReply b = retry.getReplies(2);
    assertEquals(Timestamps.compose(2_000, 0), tsoOk(b).getFirst());
    assertEquals(12, state.ids().nextId());

    // The same key twice in one batch: the second gets the first's reply (not yet in the store).
    BatchReply sameEntry = applyNext(state, batch(2_100, keyed("alloc-c", ids(3)), keyed("alloc-c", ids(3))));
    assertEquals(12, idsOk(sameEntry.getReplies(0)).getStart());
    assertEquals(sameEntry.getReplies(0), sameEntry.getReplies(1));
    assertEquals(15, state.ids().nextId());

    // A remembered error is replayed too.
    CommandReply err = only(applyNext(state, batch(2_200, keyed("alloc-d", ids(0)))));
    assertEquals(ErrorCode.INVALID_ARGUMENT, err.getCode());
    assertEquals(err, only(applyNext(state, batch(2_300, keyed("alloc-d", ids(1))))));
    assertEquals(15, state.ids().nextId());

    long ts = state.tso().lastTimestamp();
    reopen(IdempotencyLog.Retention.DEFAULT);
    BatchReply afterRestart = applyNext(state, batch(3_000, keyed("alloc-b", tso(2)), keyed("alloc-a", ids(10))));
    assertEquals(b, afterRestart.getReplies(0));
    assertEquals(first, afterRestart.getReplies(1));
    assertEquals(ts, state.tso().lastTimestamp());
    assertEquals(15, state.ids().nextId());
  }

  /**
   * Regression: batch-level and command-level idempotency keys once shared one namespace, so a
   * command whose key equalled an earlier batch's key got that batch's BatchReply parsed as a
   * CommandReply (code OK, no body, nothing allocated). CoordState now prefixes batch keys "b:"
   * and command keys "c:".
   */
  @Test
  void batchKeyAndCommandKeyAreIndependentNamespaces() {
    open(IdempotencyLog.Retention.DEFAULT);
    applyNext(state, keyedBatch("x", 1_000, ids(5)));
    CommandReply cmd = only(applyNext(state, batch(1_000, keyed("x", ids(5)))));
    assertEquals(6, idsOk(cmd).getStart(), "a command key is not a batch key: " + cmd);
    assertEquals(11, state.ids().nextId());
  }

  // ---- retention ----

  @Test
  void retentionByCountForgetsTheOldestKeys() {
    open(new IdempotencyLog.Retention(3, Long.MAX_VALUE / 2));
    BatchReply[] firsts = new BatchReply[6];
    for (int i = 1; i <= 5; i++) {
      firsts[i] = applyNext(state, keyedBatch("k" + i, 1_000, ids(1)));
      assertEquals(Math.min(i, 3), count(REMEMBERED), "remembered after key " + i);
      assertEquals(Math.min(i, 3), count(SEQUENCE));
    }
    // k3, k4, k5 are remembered; k1, k2 are forgotten.
    BatchReply k3 = applyNext(state, keyedBatch("k3", 1_000, ids(1)));
    assertTrue(k3.getDeduplicated());
    assertEquals(firsts[3].getRepliesList(), k3.getRepliesList());
    long next = state.ids().nextId();
    assertEquals(6, next);

    BatchReply k1 = applyNext(state, keyedBatch("k1", 1_000, ids(1)));
    assertFalse(k1.getDeduplicated(), "k1 was forgotten, so it runs again");
    assertEquals(next, idsOk(only(k1)).getStart());
    assertEquals(3, count(REMEMBERED), "remembering k1 again pushed out k3");

    BatchReply k3Again = applyNext(state, keyedBatch("k3", 1_000, ids(1)));
    assertFalse(k3Again.getDeduplicated());
    BatchReply k5 = applyNext(state, keyedBatch("k5", 1_000, ids(1)));
    assertTrue(k5.getDeduplicated());
  }

  @Test
  void retentionByAgeUsesTheApplyClock() {
    open(new IdempotencyLog.Retention(1_000, 100));
    BatchReply a = applyNext(state, keyedBatch("a", 1_000, ids(1)));
    BatchReply b = applyNext(state, keyedBatch("b", 1_050, ids(1)));

    applyNext(state, batch(1_100)); // a is exactly maxAge old: still kept
    assertTrue(applyNext(state, keyedBatch("a", 1_100, ids(1))).getDeduplicated());

    // A leader whose clock is far ahead, followed by one far behind: the apply clock stays ahead,
    // so "a" (added at 1000) is too old at 1101 and a lagging clock cannot bring it back.
    applyNext(state, batch(1_101));
    applyNext(state, batch(500));
    assertEquals(1_101, state.nowMs());
    BatchReply aAgain = applyNext(state, keyedBatch("a", 500, ids(1)));
    assertFalse(aAgain.getDeduplicated(), "a was forgotten by age");
    assertNotEquals(a.getRepliesList(), aAgain.getRepliesList());

    BatchReply bAgain = applyNext(state, keyedBatch("b", 500, ids(1)));
    assertTrue(bAgain.getDeduplicated(), "b (added at 1050) is 51 ms old");
    assertEquals(b.getRepliesList(), bAgain.getRepliesList());

    applyNext(state, batch(1_151));
    assertFalse(applyNext(state, keyedBatch("b", 1_151, ids(1))).getDeduplicated());
  }

  @Test
  void pruningIsBoundedPerEntryWhenKeysExpireByAge() {
    open(new IdempotencyLog.Retention(1_000_000, 10));
    int n = IdempotencyLog.PRUNE_PER_ENTRY + 36;
    applyNext(state, batchOfKeyedIds(1_000, n));
    assertEquals(n, count(REMEMBERED), "nothing prunes the keys of the entry that adds them");

    applyNext(state, batch(2_000));
    assertEquals(36, count(REMEMBERED), "at most PRUNE_PER_ENTRY removed by one entry");
    assertEquals(36, count(SEQUENCE));

    // The oldest went first: key-0 runs again, key-99 (not pruned yet) is still remembered.
    BatchReply r = applyNext(state, batch(2_000, keyed("key-0", ids(1)), keyed("key-" + (n - 1), ids(1))));
    assertEquals(n + 1, idsOk(r.getReplies(0)).getStart(), "key-0 was forgotten: a fresh id");
    assertEquals(n, idsOk(r.getReplies(1)).getStart(), "the last key's first reply");
    assertEquals(n + 2, state.ids().nextId());
    assertEquals(1, count(REMEMBERED), "the other 36 expired in that entry; only the new key-0 is left");
  }

  @Test
  void pruningIsBoundedPerEntryWhenKeysExceedTheCount() {
    open(new IdempotencyLog.Retention(10, Long.MAX_VALUE / 2));
    int n = IdempotencyLog.PRUNE_PER_ENTRY + 36;
    applyNext(state, batchOfKeyedIds(1_000, n));
    assertEquals(n, count(REMEMBERED));
    applyNext(state, batch(1_000));
    assertEquals(36, count(REMEMBERED));
    applyNext(state, batch(1_000));
    assertEquals(10, count(REMEMBERED));
    assertEquals(10, count(SEQUENCE));
    applyNext(state, batch(1_000));
    assertEquals(10, count(REMEMBERED), "within retention: nothing more goes");
    // The ten newest keys are the ones kept.
    BatchReply r = applyNext(state, batch(1_000, keyed("key-" + (n - 10), ids(1)), keyed("key-" + (n - 11), ids(1))));
    assertEquals(n - 9, idsOk(r.getReplies(0)).getStart(), "kept: its first reply");
    assertEquals(n + 1, idsOk(r.getReplies(1)).getStart(), "forgotten: runs again");
  }

  @Test
  void retentionBookkeepingSurvivesReopen() {
    IdempotencyLog.Retention three = new IdempotencyLog.Retention(3, Long.MAX_VALUE / 2);
    open(three);
    for (int i = 1; i <= 5; i++) {
      applyNext(state, keyedBatch("k" + i, 1_000, ids(1)));
    }
    // k1, k2 were pruned before the restart, so the oldest retained sequence number is not 0.
    reopen(three);
    assertEquals(3, count(REMEMBERED));
    applyNext(state, keyedBatch("k6", 1_000, ids(1)));
    assertEquals(3, count(REMEMBERED), "the count limit still holds after a restart");
    assertEquals(3, count(SEQUENCE));
    assertTrue(applyNext(state, keyedBatch("k4", 1_000, ids(1))).getDeduplicated());
    assertFalse(applyNext(state, keyedBatch("k3", 1_000, ids(1))).getDeduplicated());
  }

  private static CommandBatch batchOfKeyedIds(long leaderTimeMs, int n) {
    CommandBatch.Builder b = batch(leaderTimeMs).toBuilder();
    for (int i = 0; i < n; i++) {
      b.addCommands(keyed("key-" + i, ids(1)));
    }
    return b.build();
  }
}
