package io.raftcoord.statemachine.ids;

import static io.raftcoord.statemachine.sm.Batches.applyNext;
import static io.raftcoord.statemachine.sm.Batches.batch;
import static io.raftcoord.statemachine.sm.Batches.ids;
import static io.raftcoord.statemachine.sm.Batches.idsOk;
import static io.raftcoord.statemachine.sm.Batches.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.BatchReply;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.IdAllocateReply;
import io.raftcoord.proto.IdAllocateRequest;
import io.raftcoord.proto.IdsAllocated;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.apply.ApplyResult;
import io.raftcoord.statemachine.sm.CoordState;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.store.StoreBatch;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ID allocator, driven through {@link CoordState#apply}. */
class IdControlTest {
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

  private IdAllocateReply allocate(int count) {
    return idsOk(only(applyNext(state, batch(1_000, ids(count)))));
  }

  @Test
  void firstRangeStartsAtOne() {
    assertEquals(1, state.ids().nextId());
    IdAllocateReply r = allocate(3);
    assertEquals(1, r.getStart());
    assertEquals(3, r.getCount());
    assertEquals(4, state.ids().nextId());
  }

  @Test
  void rangesAreDisjointAndAdjacent() {
    IdAllocateReply a = allocate(10);
    IdAllocateReply b = allocate(5);
    IdAllocateReply c = allocate(1);
    assertEquals(1, a.getStart());
    assertEquals(11, b.getStart());
    assertEquals(16, c.getStart());
    assertEquals(17, state.ids().nextId());

    BatchReply inOneEntry = applyNext(state, batch(1_000, ids(2), ids(IdControl.MAX_COUNT), ids(1)));
    assertEquals(17, idsOk(inOneEntry.getReplies(0)).getStart());
    assertEquals(19, idsOk(inOneEntry.getReplies(1)).getStart());
    assertEquals(19L + IdControl.MAX_COUNT, idsOk(inOneEntry.getReplies(2)).getStart());
    assertEquals(20L + IdControl.MAX_COUNT, state.ids().nextId());
  }

  @Test
  void invalidCountsAreRejectedNamingTheCountAndAllocateNothing() {
    allocate(7);
    int[] bad = {0, IdControl.MAX_COUNT + 1, -1};
    String[] named = {"got 0", "got " + (IdControl.MAX_COUNT + 1), "got 4294967295"};
    for (int i = 0; i < bad.length; i++) {
      CommandReply reply = only(applyNext(state, batch(1_000, ids(bad[i]))));
      assertEquals(ErrorCode.INVALID_ARGUMENT, reply.getCode(), "count " + bad[i]);
      assertEquals(CommandReply.BodyCase.BODY_NOT_SET, reply.getBodyCase());
      assertTrue(reply.getMessage().contains(named[i]), reply.getMessage());
      assertEquals(8, state.ids().nextId(), "nothing allocated by count " + bad[i]);
    }
    assertEquals(8, allocate(1).getStart());
  }

  @Test
  void nextIdSurvivesCloseAndReopen() {
    allocate(100);
    allocate(23);
    state.close();
    state = CoordState.open(dir);
    assertEquals(124, state.ids().nextId());
    assertEquals(124, allocate(1).getStart());
  }

  @Test
  void exhaustedIdSpaceIsQuotaExceededNotAnOverflow(@TempDir Path other) {
    // Unit level: put the allocator near the end of the 63-bit space through its own record.
    try (CoordStore store = CoordStore.open(other); StoreBatch sb = store.newBatch()) {
      IdControl control = new IdControl();
      control.load(store);
      control.replay(IdsAllocated.newBuilder().setNextId(Long.MAX_VALUE - 5).build(), sb);
      ApplyContext ctx = new ApplyContext(1, 1, 1_000);

      ApplyResult tooMany = control.allocate(ctx, IdAllocateRequest.newBuilder().setCount(6).build());
      assertEquals(ErrorCode.QUOTA_EXCEEDED, tooMany.reply().getCode());
      assertTrue(tooMany.records().isEmpty());

      ApplyResult last = control.allocate(ctx, IdAllocateRequest.newBuilder().setCount(5).build());
      assertEquals(ErrorCode.OK, last.reply().getCode());
      assertEquals(Long.MAX_VALUE - 5, last.reply().getIdAllocate().getStart());
      assertEquals(Long.MAX_VALUE, last.records().get(0).getIdsAllocated().getNextId());
      // allocate() computes without mutating: nextId only moves on replay.
      assertEquals(Long.MAX_VALUE - 5, control.nextId());
    }
  }

  /** Generation sees its own command's earlier records: a command that allocates twice gets two ranges. */
  @Test
  void aSecondAllocationInOneCommandContinuesAfterTheFirst() {
    IdControl control = new IdControl();
    ApplyContext ctx = new ApplyContext(1, 1, 1_000);
    java.util.List<io.raftcoord.proto.Record> earlier = new java.util.ArrayList<>();
    ApplyResult first = control.allocate(ctx, IdAllocateRequest.newBuilder().setCount(10).build(), earlier);
    earlier.addAll(first.records());
    ApplyResult second = control.allocate(ctx, IdAllocateRequest.newBuilder().setCount(5).build(), earlier);
    assertEquals(1, first.reply().getIdAllocate().getStart());
    assertEquals(11, second.reply().getIdAllocate().getStart(), "the second range starts where the first ended");
    assertEquals(16, second.records().get(0).getIdsAllocated().getNextId());
    assertEquals(1, control.nextId(), "nothing moves before replay");
  }
}
