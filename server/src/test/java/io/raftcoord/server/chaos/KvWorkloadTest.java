package io.raftcoord.server.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.CollectionDescription;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.KeyValue;
import io.raftcoord.server.chaos.KvHistoryOp.Outcome;
import io.raftcoord.server.chaos.KvHistoryOp.Type;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The kv workload's history recording, without a cluster. */
class KvWorkloadTest {
  @Test
  void opsAreRecordedAtInvocationAndOutstandingOnesStayUnknown() {
    AtomicLong clock = new AtomicLong(1_000_000);
    KvHistory h = new KvHistory(clock::get);
    int w = h.invoke("c0", Type.WRITE, "kv_0/r1", "c0-0", "leader");
    int r = h.invoke("c1", Type.READ, "kv_0/r1", null, "n2");
    int lost = h.invoke("c2", Type.WRITE, "kv_0/r1", "c2-0", "leader");
    clock.set(3_500_000);
    h.complete(w, Outcome.OK, "c0-0", "");
    h.complete(r, Outcome.OK, "c0-0", "");
    assertThrows(IllegalStateException.class, () -> h.complete(r, Outcome.OK, "x", ""));
    List<KvHistoryOp> ops = h.ops();
    assertEquals(3, ops.size());
    assertEquals("c0-0", ops.get(r).value());
    assertEquals(Outcome.UNKNOWN, ops.get(lost).outcome());
    assertEquals(KvHistoryOp.PENDING, ops.get(lost).completeNs());
    assertEquals("{\"workload\":\"kv\",\"type\":\"read\",\"id\":1,\"client\":\"c1\",\"key\":\"kv_0/r1\","
        + "\"value\":\"c0-0\",\"outcome\":\"ok\",\"invokeMs\":1.000,\"completeMs\":3.500,\"replica\":\"n2\"}",
        ops.get(r).toJson());
    assertTrue(ops.get(lost).toJson().contains("\"completeMs\":null"), ops.get(lost).toJson());
    assertEquals(LinearizabilityResult.Status.LINEARIZABLE, new LinearizabilityChecker().check(ops).status());
  }

  @Test
  void failedReadsCarryNoValue() {
    KvHistory h = new KvHistory(() -> 0);
    int r = h.invoke("c1", Type.READ, "kv_0/r0", null, "n1");
    h.complete(r, Outcome.UNKNOWN, "ignored", "DEADLINE_EXCEEDED: \"quoted\"");
    KvHistoryOp op = h.ops().get(0);
    assertEquals(null, op.value());
    assertTrue(op.toJson().contains("\"error\":\"DEADLINE_EXCEEDED: \\\"quoted\\\"\""), op.toJson());
  }

  @Test
  void keysMapToCollectionProperties() {
    assertEquals("kv_3", KvWorkload.collection("kv_3/r2"));
    assertEquals("r2", KvWorkload.register("kv_3/r2"));
    CollectionDescription d = CollectionDescription.newBuilder().setCollection(CollectionInfo.newBuilder()
        .addProperties(KeyValue.newBuilder().setKey("r2").setValue("c1-7"))).build();
    assertEquals("c1-7", KvWorkload.property(d, "r2"));
    assertEquals(null, KvWorkload.property(d, "r0"));
    assertEquals("kv", new KvWorkload().name());
  }
}
