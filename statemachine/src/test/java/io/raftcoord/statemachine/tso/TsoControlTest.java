package io.raftcoord.statemachine.tso;

import static io.raftcoord.statemachine.sm.Batches.applyNext;
import static io.raftcoord.statemachine.sm.Batches.batch;
import static io.raftcoord.statemachine.sm.Batches.only;
import static io.raftcoord.statemachine.sm.Batches.tso;
import static io.raftcoord.statemachine.sm.Batches.tsoOk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.CommandBatch;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Timestamps;
import io.raftcoord.proto.TsoAllocateReply;
import io.raftcoord.statemachine.sm.CoordState;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The timestamp oracle, driven through {@link CoordState#apply} with leader-stamped batches. */
class TsoControlTest {
  private static final int MAX = TsoControl.MAX_COUNT;

  @TempDir
  Path dir;
  private CoordState state;

  @BeforeEach
  void open() {
    state = CoordState.open(dir);
  }

  @AfterEach
  void close() {
    if (state != null) {
      state.close();
    }
  }

  private TsoAllocateReply allocate(long leaderTimeMs, int count) {
    return tsoOk(only(applyNext(state, batch(leaderTimeMs, tso(count)))));
  }

  private static long ts(long physicalMs, long logical) {
    return Timestamps.compose(physicalMs, logical);
  }

  @Test
  void maxCountIsOneMillisecondOfLogicalValues() {
    assertEquals(262_144, MAX);
  }

  @Test
  void allocatesConsecutiveTimestampsStartingAboveTheLast() {
    assertEquals(-1, state.tso().lastTimestamp(), "nothing handed out yet");

    TsoAllocateReply a = allocate(1_000, 5);
    assertEquals(ts(1_000, 0), a.getFirst());
    assertEquals(5, a.getCount());
    assertEquals(ts(1_000, 4), state.tso().lastTimestamp());

    TsoAllocateReply b = allocate(1_000, 3);
    assertEquals(ts(1_000, 5), b.getFirst(), "continues right after the last one in the same millisecond");
    assertEquals(3, b.getCount());
    assertEquals(ts(1_000, 7), state.tso().lastTimestamp());

    TsoAllocateReply c = allocate(1_000, 1);
    assertEquals(ts(1_000, 8), c.getFirst());
    assertEquals(c.getFirst(), state.tso().lastTimestamp());
  }

  @Test
  void commandsOfOneBatchAllocateOneAfterAnother() {
    var reply = applyNext(state, batch(2_000, tso(10), tso(1), tso(20)));
    assertEquals(ts(2_000, 0), tsoOk(reply.getReplies(0)).getFirst());
    assertEquals(ts(2_000, 10), tsoOk(reply.getReplies(1)).getFirst());
    assertEquals(ts(2_000, 11), tsoOk(reply.getReplies(2)).getFirst());
    assertEquals(ts(2_000, 30), state.tso().lastTimestamp());
  }

  @Test
  void physicalIsTheLeaderTimeWhenItIsAheadOfTheLastPhysical() {
    allocate(1_000, 100);
    TsoAllocateReply later = allocate(1_500, 7);
    assertEquals(ts(1_500, 0), later.getFirst(), "a newer millisecond restarts the logical counter at 0");
    assertEquals(ts(1_500, 6), state.tso().lastTimestamp());
  }

  @Test
  void leaderClockBehindThePreviousLeaderStaysStrictlyIncreasing() {
    TsoAllocateReply first = allocate(10_000, 10);
    long last = first.getFirst() + first.getCount() - 1;

    // A new leader whose clock is 4 s behind: physical stays at the last physical.
    TsoAllocateReply behind = allocate(6_000, 1);
    assertEquals(ts(10_000, 10), behind.getFirst());
    assertTrue(behind.getFirst() > last);
    assertEquals(10_000, state.nowMs(), "the apply clock never goes backwards");

    TsoAllocateReply stillBehind = allocate(9_999, 2);
    assertEquals(ts(10_000, 11), stillBehind.getFirst());

    TsoAllocateReply caughtUp = allocate(10_001, 1);
    assertEquals(ts(10_001, 0), caughtUp.getFirst());
    assertEquals(10_001, state.nowMs());
  }

  @Test
  void applyClockIsTheMaximumOfTheLastClockAndTheHeaderTime() {
    long[] headerTimes = {100, 50, 200, 150, 0, 201};
    long[] expectedNow = {100, 100, 200, 200, 200, 201};
    for (int i = 0; i < headerTimes.length; i++) {
      applyNext(state, batch(headerTimes[i]));
      assertEquals(expectedNow[i], state.nowMs(), "apply clock after header time " + headerTimes[i]);
    }
    // A batch with no header at all (leader_time_ms = 0) leaves the clock where it is.
    applyNext(state, CommandBatch.newBuilder().addCommands(tso(1)).build());
    assertEquals(201, state.nowMs());
    assertEquals(ts(201, 0), state.tso().lastTimestamp(), "the unstamped batch used the clamped clock");
  }

  @Test
  void applyClockClampsTheTimestampsOfALaterEntryWhenLeaderStampsArriveOutOfOrder() {
    // Two startTransaction calls stamped 3000 and 2990 were logged in the opposite order.
    allocate(3_000, 1);
    applyNext(state, batch(2_990));
    TsoAllocateReply next = allocate(2_995, 1);
    assertEquals(ts(3_000, 1), next.getFirst());
  }

  @Test
  void fullMillisecondThenOneMoreCarriesIntoTheNextMillisecond() {
    TsoAllocateReply full = allocate(5_000, MAX);
    assertEquals(ts(5_000, 0), full.getFirst());
    assertEquals(MAX, full.getCount());
    assertEquals(ts(5_000, MAX - 1), state.tso().lastTimestamp());

    TsoAllocateReply one = allocate(5_000, 1);
    assertEquals(ts(5_001, 0), one.getFirst(), "logical overflow carries into physical");
    assertEquals(full.getFirst() + MAX, one.getFirst(), "still consecutive as longs");

    // The leader clock has not reached 5001 yet: keep counting in the carried millisecond.
    TsoAllocateReply after = allocate(5_000, 1);
    assertEquals(ts(5_001, 1), after.getFirst());
  }

  @Test
  void anAllocationThatDoesNotFitTheRestOfTheMillisecondMovesWholeToTheNext() {
    allocate(7_000, MAX - 100);
    TsoAllocateReply big = allocate(7_000, 200);
    assertEquals(ts(7_001, 0), big.getFirst(), "one allocation never spans two milliseconds");
    assertEquals(ts(7_001, 199), state.tso().lastTimestamp());

    TsoAllocateReply exactFit = allocate(7_001, MAX - 200);
    assertEquals(ts(7_001, 200), exactFit.getFirst());
    assertEquals(ts(7_001, MAX - 1), state.tso().lastTimestamp(), "fills the millisecond exactly, no carry");

    TsoAllocateReply maxAfterPartial = allocate(7_001, MAX);
    assertEquals(ts(7_002, 0), maxAfterPartial.getFirst());
  }

  @Test
  void countZeroIsRejectedNamingTheCountAndAllocatesNothing() {
    allocate(1_000, 3);
    long before = state.tso().lastTimestamp();
    CommandReply reply = only(applyNext(state, batch(2_000, tso(0))));
    assertEquals(ErrorCode.INVALID_ARGUMENT, reply.getCode());
    assertEquals(CommandReply.BodyCase.BODY_NOT_SET, reply.getBodyCase());
    assertTrue(reply.getMessage().contains("got 0"), reply.getMessage());
    assertEquals(before, state.tso().lastTimestamp());
    // The next valid allocation continues from the last one handed out, at the new leader time.
    assertEquals(ts(2_000, 0), allocate(2_000, 1).getFirst());
  }

  @Test
  void countAboveOneMillisecondIsRejectedNamingTheCount() {
    allocate(1_000, 3);
    long before = state.tso().lastTimestamp();
    CommandReply tooMany = only(applyNext(state, batch(1_000, tso(MAX + 1))));
    assertEquals(ErrorCode.INVALID_ARGUMENT, tooMany.getCode());
    assertTrue(tooMany.getMessage().contains("262145"), tooMany.getMessage());
    assertTrue(tooMany.getMessage().contains(String.valueOf(MAX)), tooMany.getMessage());

    // uint32 on the wire: -1 from a Java client is 4294967295, not a negative count.
    CommandReply huge = only(applyNext(state, batch(1_000, tso(-1))));
    assertEquals(ErrorCode.INVALID_ARGUMENT, huge.getCode());
    assertTrue(huge.getMessage().contains("4294967295"), huge.getMessage());

    assertEquals(before, state.tso().lastTimestamp());
    assertEquals(ts(1_000, 3), allocate(1_000, 1).getFirst());
  }

  @Test
  void stateAndApplyClockSurviveCloseAndReopen() {
    allocate(40_000, MAX);
    allocate(40_000, 5);
    long last = state.tso().lastTimestamp();
    assertEquals(ts(40_001, 4), last);
    long applied = state.appliedIndex();
    state.close();

    state = CoordState.open(dir);
    assertEquals(last, state.tso().lastTimestamp());
    assertEquals(applied, state.appliedIndex());
    assertEquals(40_000, state.nowMs());

    // A restarted leader with a clock far behind still continues above the last timestamp.
    TsoAllocateReply next = allocate(1, 1);
    assertEquals(ts(40_001, 5), next.getFirst());
    assertEquals(40_000, state.nowMs(), "the persisted apply clock still clamps");
  }

  @Test
  void manyAllocationsWithAWanderingLeaderClockAreStrictlyIncreasingAndNeverSpanAMillisecond() {
    long leaderTime = 100_000;
    long lastEnd = -1;
    // A fixed, hand-written pattern (no randomness needed): clock steps forward and backward.
    long[] steps = {0, 1, -3, 0, 2, -50, 0, 0, 7, -1, 1000, -999};
    int[] counts = {1, MAX, 3, MAX - 2, 17, 1, MAX, 2, 90_000, 90_000, 90_000, 5};
    for (int round = 0; round < 4; round++) {
      for (int i = 0; i < steps.length; i++) {
        leaderTime += steps[i];
        TsoAllocateReply r = allocate(leaderTime, counts[i]);
        long first = r.getFirst();
        long end = first + r.getCount() - 1;
        assertTrue(first > lastEnd, "allocation " + round + "/" + i + " starts at " + first + " after " + lastEnd);
        assertEquals(Timestamps.physicalMs(first), Timestamps.physicalMs(end), "one physical millisecond");
        assertTrue(Timestamps.physicalMs(first) >= state.nowMs(), "physical is at least the apply clock");
        assertEquals(end, state.tso().lastTimestamp());
        lastEnd = end;
      }
    }
  }

  /** Generation sees its own command's earlier records: a second allocation in one command is later. */
  @Test
  void aSecondAllocationInOneCommandIsAfterTheFirst() {
    TsoControl control = new TsoControl();
    io.raftcoord.statemachine.apply.ApplyContext ctx = new io.raftcoord.statemachine.apply.ApplyContext(1, 1, 5_000);
    java.util.List<io.raftcoord.proto.Record> earlier = new java.util.ArrayList<>();
    var first = control.allocate(ctx, io.raftcoord.proto.TsoAllocateRequest.newBuilder().setCount(MAX).build(), earlier);
    earlier.addAll(first.records());
    var second = control.allocate(ctx, io.raftcoord.proto.TsoAllocateRequest.newBuilder().setCount(3).build(), earlier);
    long firstLast = first.reply().getTsoAllocate().getFirst() + MAX - 1;
    assertEquals(ts(5_000, MAX - 1), firstLast);
    assertEquals(ts(5_001, 0), second.reply().getTsoAllocate().getFirst(), "carried into the next millisecond");
    assertEquals(-1, control.lastTimestamp(), "nothing moves before replay");
  }
}
