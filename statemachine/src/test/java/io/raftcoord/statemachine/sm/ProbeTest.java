package io.raftcoord.statemachine.sm;

import static io.raftcoord.statemachine.sm.Batches.*;

import io.raftcoord.proto.BatchReply;
import io.raftcoord.statemachine.idempotency.IdempotencyLog;
import io.raftcoord.statemachine.store.CoordStore;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProbeTest {
  @TempDir Path dir;

  @Test
  void probe() {
    try (CoordState s = CoordState.open(dir)) {
      BatchReply r1 = applyNext(s, keyedBatch("x", 1000, ids(5)));
      System.err.println("R1 " + r1);
      BatchReply r2 = applyNext(s, batch(1000, keyed("x", ids(5))));
      System.err.println("R2 " + r2 + " next=" + s.ids().nextId());
      BatchReply r3 = applyNext(s, keyedBatch("y", 1000, keyed("y", ids(5))));
      System.err.println("R3 " + r3 + " next=" + s.ids().nextId());
      BatchReply r4 = applyNext(s, batch(1000, keyed("y", ids(5))));
      System.err.println("R4 " + r4 + " next=" + s.ids().nextId());
      s.dump(true).entries().forEach(e -> System.err.println(e));
    }
    // Double-remember then prune
    try (CoordState s = new CoordState(CoordStore.open(dir.resolve("b")), new IdempotencyLog.Retention(2, 1L<<40))) {
      applyNext(s, keyedBatch("z", 1000, keyed("z", ids(1))));  // seq0,seq1 both z
      applyNext(s, keyedBatch("w", 1000, ids(1)));  // seq2 -> prune seq0 -> deletes z
      BatchReply r = applyNext(s, keyedBatch("z", 1000, ids(1)));
      System.err.println("Z retry " + r);
    }
  }
}
