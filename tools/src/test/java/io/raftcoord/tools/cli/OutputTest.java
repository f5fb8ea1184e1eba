package io.raftcoord.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.raftcoord.client.IdRange;
import io.raftcoord.client.TimestampRange;
import io.raftcoord.proto.ReplicaStatus;
import io.raftcoord.proto.Timestamps;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputTest {
  private static final long PHYS = 1_735_689_600_123L; // 2025-01-01T00:00:00.123Z

  @Test
  void oneTimestampIsPrintedAloneThenDecoded() {
    long ts = Timestamps.compose(PHYS, 7);
    assertEquals(ts + "\nphysical 2025-01-01T00:00:00.123Z (" + PHYS + " ms), logical 7",
        Output.tsoText(new TimestampRange(ts, 1)));
  }

  @Test
  void aRangeShowsFirstLastAndLogicalSpan() {
    long ts = Timestamps.compose(PHYS, 10);
    assertEquals(ts + ".." + (ts + 4) + " (5 timestamps)\nphysical 2025-01-01T00:00:00.123Z (" + PHYS
        + " ms), logical 10..14", Output.tsoText(new TimestampRange(ts, 5)));
  }

  @Test
  void tsoJsonIsOneObjectWithExactNumbers() {
    long ts = Timestamps.compose(PHYS, 3);
    assertEquals("{\"first\":" + ts + ",\"last\":" + (ts + 1) + ",\"count\":2,\"physicalMs\":" + PHYS
        + ",\"physicalTime\":\"2025-01-01T00:00:00.123Z\",\"logical\":3}", Output.tsoJson(new TimestampRange(ts, 2)));
  }

  @Test
  void idsShowStartAndExclusiveEnd() {
    assertEquals("start 1001  end 2001 (exclusive)  count 1000", Output.idsText(new IdRange(1001, 1000)));
    assertEquals("{\"start\":1001,\"end\":2001,\"count\":1000}", Output.idsJson(new IdRange(1001, 1000)));
  }

  @Test
  void statusTableMarksTheLeaderAndUnreachableReplicas() {
    List<ReplicaStatus> all = List.of(
        ReplicaStatus.newBuilder().setId("n1").setAddress("127.0.0.1:9861").setRole("FOLLOWER").setTerm(3)
            .setLeaderId("n2").setCommitIndex(120).setAppliedIndex(119).setSnapshotIndex(-1).build(),
        ReplicaStatus.newBuilder().setId("n2").setAddress("127.0.0.1:9862").setRole("LEADER").setTerm(3)
            .setLeaderId("n2").setCommitIndex(120).setAppliedIndex(120).setSnapshotIndex(100).build(),
        ReplicaStatus.newBuilder().setId("n3").setAddress("127.0.0.1:9863")
            .setError("unreachable: UnavailableException: io exception\nmore").build());
    String t = Output.statusTable(all);
    String[] lines = t.split("\n");
    assertEquals(5, lines.length, t);
    assertEquals("   ID  ADDRESS         ROLE         TERM  COMMIT  APPLIED  SNAPSHOT  LEADER", lines[0]);
    assertEquals("   n1  127.0.0.1:9861  FOLLOWER     3     120     119      -         n2", lines[1]);
    assertEquals("*  n2  127.0.0.1:9862  LEADER       3     120     120      100       n2", lines[2]);
    assertEquals("   n3  127.0.0.1:9863  UNREACHABLE  -     -       -        -         UnavailableException: io exception",
        lines[3]);
    assertEquals("leader: n2 (127.0.0.1:9862, term 3); 2/3 replicas reachable", lines[4]);
  }

  @Test
  void statusTableWithoutLeader() {
    String t = Output.statusTable(List.of(ReplicaStatus.newBuilder().setId("n1").setAddress("h:1").setError("x").build()));
    assertTrue(t.endsWith("leader: none known; 0/1 replicas reachable"), t);
  }

  @Test
  void jsonEscapesStringsKeepsNullsAndFormattedNumbers() {
    JsonObject o = new JsonObject();
    o.addProperty("s", "a\"b\\c\nd\u0001<=>");
    o.add("n", Output.number("null"));
    o.add("ms", Output.number("40.000"));
    o.add("rate", Output.number("30000.0"));
    assertEquals("{\"s\":\"a\\\"b\\\\c\\nd\\u0001<=>\",\"n\":null,\"ms\":40.000,\"rate\":30000.0}",
        Output.json(o));
  }
}
