package io.raftcoord.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.IdRange;
import io.raftcoord.client.TimestampRange;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuorumSmokeTest {
  @TempDir Path dir;

  @Test
  void allocatesThroughTheQuorum() throws Exception {
    try (LocalQuorum q = new LocalQuorum(dir, 1000, 1 << 20);
         CoordClient c = CoordClient.builder().peers(q.peersString()).build()) {
      q.awaitLeader(Duration.ofSeconds(20));
      long a = c.tso().next();
      TimestampRange r = c.tso().allocate(10);
      long b = c.tso().next();
      assertTrue(a < r.first() && r.last() < b, a + " " + r + " " + b);
      IdRange x = c.ids().allocate(5);
      IdRange y = c.ids().allocate(5);
      assertEquals(x.end(), y.start());
    }
  }
}
