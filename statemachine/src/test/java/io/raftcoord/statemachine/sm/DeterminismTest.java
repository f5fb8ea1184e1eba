package io.raftcoord.statemachine.sm;

import static io.raftcoord.statemachine.sm.Batches.ids;
import static io.raftcoord.statemachine.sm.Batches.keyed;
import static io.raftcoord.statemachine.sm.Batches.noBody;
import static io.raftcoord.statemachine.sm.Batches.tso;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.BatchReply;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandBatch;
import io.raftcoord.proto.CommandHeader;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.statemachine.idempotency.IdempotencyLog;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.store.StoreDump;
import io.raftcoord.statemachine.tso.TsoControl;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same log gives the same state: two fresh stores fed one seeded random command sequence
 * dump identically, and so does a checkpoint reopened as a new state, also as both go on.
 * (A seeded {@link Random} is fine here: it only generates the input log.)
 */
class DeterminismTest {
  private static final long SEED = 0x5eed_cafeL;
  private static final int ENTRIES = 600;
  /** Small enough that retention prunes by count and by age during the run. */
  private static final IdempotencyLog.Retention RETENTION = new IdempotencyLog.Retention(25, 3_000);

  @TempDir
  Path dir;

  /** One log entry of the generated workload. */
  record Entry(long term, long index, byte[] data) {}

  /** What the generated workload exercised, so that a generator change cannot make the test vacuous. */
  static final class Coverage {
    int batchDeduplicated;
    int commandErrors;
    int tsoAheadOfClock;
    int clockWentBack;
    int clockWentForward;
    int unreadable;
    int redelivered;
  }

  /** A seeded log: mixed TSO/ID allocations, invalid counts, repeating keys, a wandering leader clock. */
  static List<Entry> workload(long seed, int n) {
    Random rnd = new Random(seed);
    List<Entry> log = new ArrayList<>();
    long term = 1;
    long leaderTime = 1_700_000_000_000L;
    for (long index = 1; index <= n; index++) {
      if (rnd.nextInt(40) == 0) {
        term++; // leader change: its clock may be skewed either way
        leaderTime += rnd.nextInt(6_001) - 3_000;
      }
      if (rnd.nextInt(60) == 0) {
        log.add(new Entry(term, index, new byte[] {(byte) 0xff, (byte) 0xff, (byte) rnd.nextInt(256)}));
        continue;
      }
      leaderTime += rnd.nextInt(400) - 150; // stamps arrive out of order
      CommandBatch.Builder b = CommandBatch.newBuilder().setHeader(
          CommandHeader.newBuilder().setLeaderTimeMs(leaderTime).setTerm(term).setLeaderId("n" + (term % 3 + 1)));
      if (rnd.nextInt(10) < 4) {
        b.setIdempotencyKey("client-" + rnd.nextInt(3) + "/" + rnd.nextInt(30));
      }
      int commands = rnd.nextInt(7);
      for (int c = 0; c < commands; c++) {
        Command cmd = switch (rnd.nextInt(9)) {
          case 0, 1, 2 -> tso(tsoCount(rnd));
          case 3, 4, 5, 6 -> ids(idCount(rnd));
          case 7 -> rnd.nextBoolean() ? tso(0) : ids(0);
          default -> rnd.nextBoolean() ? noBody() : tso(TsoControl.MAX_COUNT);
        };
        if (rnd.nextInt(10) < 3) {
          cmd = keyed("op-" + rnd.nextInt(20), cmd);
        }
        b.addCommands(cmd);
      }
      log.add(new Entry(term, index, b.build().toByteArray()));
    }
    return log;
  }

  private static int tsoCount(Random rnd) {
    return switch (rnd.nextInt(10)) {
      case 0 -> TsoControl.MAX_COUNT + 1 + rnd.nextInt(3);
      case 1 -> 100_000 + rnd.nextInt(TsoControl.MAX_COUNT - 100_000);
      default -> 1 + rnd.nextInt(1_000);
    };
  }

  private static int idCount(Random rnd) {
    return rnd.nextInt(12) == 0 ? -1 - rnd.nextInt(5) : 1 + rnd.nextInt(5_000);
  }

  /**
   * Feeds {@code entries} to every state in lockstep, also re-delivering some already applied
   * entries (as after a restart), and asserts equal replies and, every 50 entries, equal digests.
   */
  private static void feedInLockstep(List<Entry> entries, Coverage cov, CoordState... states) {
    long[] lastNow = new long[states.length];
    for (int s = 0; s < states.length; s++) {
      lastNow[s] = states[s].nowMs();
    }
    for (Entry e : entries) {
      BatchReply expected = null;
      for (int s = 0; s < states.length; s++) {
        CoordState st = states[s];
        BatchReply reply = st.apply(e.term(), e.index(), e.data())
            .orElseThrow(() -> new AssertionError("entry " + e.index() + " not applied"));
        if (s == 0) {
          expected = reply;
          count(cov, reply, e, lastNow[0]);
        } else {
          assertEquals(expected, reply, "reply to entry " + e.index() + " of state " + s);
        }
        lastNow[s] = st.nowMs();
        if (e.index() % 7 == 0) {
          long old = e.index() - 1 - (e.index() % 5);
          assertTrue(st.apply(e.term(), old, e.data()).isEmpty(), "re-delivered entry " + old);
          if (s == 0) {
            cov.redelivered++;
          }
        }
      }
      if (e.index() % 50 == 0) {
        String digest = states[0].dump(false).digest();
        for (int s = 1; s < states.length; s++) {
          assertEquals(digest, states[s].dump(false).digest(), "digest of state " + s + " at entry " + e.index());
        }
      }
    }
  }

  private static void count(Coverage cov, BatchReply reply, Entry e, long nowBefore) {
    if (reply.getDeduplicated()) {
      cov.batchDeduplicated++;
    }
    if (reply.getCode() == ErrorCode.INVALID_ARGUMENT) {
      cov.unreadable++;
      return;
    }
    for (CommandReply r : reply.getRepliesList()) {
      if (r.getCode() != ErrorCode.OK) {
        cov.commandErrors++;
      } else if (r.hasTsoAllocate() && (r.getTsoAllocate().getFirst() >>> 18) > Math.max(nowBefore, leaderTime(e))) {
        cov.tsoAheadOfClock++;
      }
    }
    if (leaderTime(e) < nowBefore) {
      cov.clockWentBack++;
    } else if (leaderTime(e) > nowBefore) {
      cov.clockWentForward++;
    }
  }

  private static long leaderTime(Entry e) {
    try {
      return CommandBatch.parseFrom(e.data()).getHeader().getLeaderTimeMs();
    } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
      return 0;
    }
  }

  private CoordState fresh(String name) {
    return new CoordState(CoordStore.open(dir.resolve(name)), RETENTION);
  }

  private static void assertSameDump(CoordState a, CoordState b) {
    StoreDump da = a.dump(true);
    StoreDump db = b.dump(true);
    assertEquals(da.appliedIndex(), db.appliedIndex());
    assertEquals(da.entries(), db.entries());
    assertEquals(da.digest(), db.digest());
    assertEquals(a.appliedTerm(), b.appliedTerm());
    assertEquals(a.nowMs(), b.nowMs());
    assertEquals(a.tso().lastTimestamp(), b.tso().lastTimestamp());
    assertEquals(a.ids().nextId(), b.ids().nextId());
  }

  @Test
  void workloadIsReproducibleAndExercisesEveryPath() {
    List<Entry> one = workload(SEED, ENTRIES);
    List<Entry> two = workload(SEED, ENTRIES);
    for (int i = 0; i < one.size(); i++) {
      assertEquals(one.get(i).term(), two.get(i).term());
      assertTrue(java.util.Arrays.equals(one.get(i).data(), two.get(i).data()), "entry " + i);
    }
    try (CoordState a = fresh("a")) {
      Coverage cov = new Coverage();
      feedInLockstep(one, cov, a);
      assertTrue(cov.batchDeduplicated > 5, "deduplicated batches: " + cov.batchDeduplicated);
      assertTrue(cov.commandErrors > 20, "command errors: " + cov.commandErrors);
      assertTrue(cov.tsoAheadOfClock > 0, "tso physical ahead of the apply clock (carries): " + cov.tsoAheadOfClock);
      assertTrue(cov.clockWentBack > 50, "leader stamps behind the apply clock: " + cov.clockWentBack);
      assertTrue(cov.clockWentForward > 50, "leader stamps ahead of the apply clock: " + cov.clockWentForward);
      assertTrue(cov.unreadable > 0, "unreadable entries: " + cov.unreadable);
      assertTrue(cov.redelivered > 50, "re-delivered entries: " + cov.redelivered);
      assertTrue(a.dump(true).entries().stream().filter(s -> s.startsWith("idempotency 6b")).count() <= 25 + 6 + 1,
          "retention kept the idempotency entries bounded");
    }
  }

  @Test
  void twoFreshStoresFedTheSameLogAreIdentical() {
    List<Entry> log = workload(SEED, ENTRIES);
    try (CoordState a = fresh("a"); CoordState b = fresh("b")) {
      feedInLockstep(log, new Coverage(), a, b);
      assertEquals(ENTRIES, a.appliedIndex());
      assertSameDump(a, b);
      assertTrue(a.dump(true).entries().size() > 10, "the dump is not trivially empty");
    }
  }

  @Test
  void aDifferentLogGivesADifferentDigest() {
    List<Entry> log = workload(SEED, ENTRIES);
    List<Entry> changed = new ArrayList<>(log);
    Entry mid = log.get(ENTRIES / 2);
    changed.set(ENTRIES / 2, new Entry(mid.term(), mid.index(), Batches.batch(0, ids(4_321)).toByteArray()));
    try (CoordState a = fresh("a"); CoordState c = fresh("c")) {
      feedInLockstep(log, new Coverage(), a);
      feedInLockstep(changed, new Coverage(), c);
      assertEquals(a.appliedIndex(), c.appliedIndex());
      assertNotEquals(a.dump(false).digest(), c.dump(false).digest());
    }
  }

  @Test
  void restartInTheMiddleChangesNothing() {
    List<Entry> log = workload(SEED, ENTRIES);
    int half = ENTRIES / 2 + 13;
    try (CoordState b = fresh("b")) {
      CoordState a = fresh("a");
      feedInLockstep(log.subList(0, half), new Coverage(), a, b);
      a.close();
      a = fresh("a");
      try {
        assertSameDump(a, b);
        feedInLockstep(log.subList(half, ENTRIES), new Coverage(), a, b);
        assertSameDump(a, b);
      } finally {
        a.close();
      }
    }
  }

  @Test
  void checkpointReopenedAsANewStateDumpsAndContinuesIdentically() {
    List<Entry> log = workload(SEED, ENTRIES);
    int half = ENTRIES / 2 - 7;
    Path cp = dir.resolve("checkpoint");
    try (CoordState a = fresh("a"); CoordState full = fresh("full")) {
      feedInLockstep(log.subList(0, half), new Coverage(), a);
      a.store().checkpoint(cp);
      StoreDump atCheckpoint = a.dump(true);

      try (CoordState b = new CoordState(CoordStore.open(cp), RETENTION)) {
        assertEquals(half, b.appliedIndex());
        assertSameDump(a, b);

        // The checkpoint already holds the first half: re-delivering it changes nothing.
        for (Entry e : log.subList(0, half)) {
          Optional<BatchReply> r = b.apply(e.term(), e.index(), e.data());
          assertTrue(r.isEmpty(), "entry " + e.index() + " is in the checkpoint");
        }
        assertEquals(atCheckpoint.digest(), b.dump(false).digest());

        feedInLockstep(log.subList(half, ENTRIES), new Coverage(), a, b);
        assertSameDump(a, b);
        assertNotEquals(atCheckpoint.digest(), b.dump(false).digest(), "the second half changed the state");
      }

      // Taking a checkpoint did not change where the original ends up.
      feedInLockstep(log, new Coverage(), full);
      assertSameDump(a, full);
    }
  }
}
