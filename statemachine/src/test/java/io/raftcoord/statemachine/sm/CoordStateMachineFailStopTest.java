package io.raftcoord.statemachine.sm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.junit.jupiter.api.Test;

/** A replica whose Raft log or apply loop failed must stop, not linger; a requested shutdown must not. */
class CoordStateMachineFailStopTest {
  private final List<Throwable> fatal = new ArrayList<>();

  private CoordStateMachine machine() {
    return new CoordStateMachine(new CoordStateMachine.Options(null, null, null, Set.of(),
        io.raftcoord.statemachine.version.ApplyVersions.THIS_BINARY, fatal::add, () -> 0L));
  }

  @Test
  void aLogWriteFailureIsFatal() {
    IOException full = new IOException("No space left on device");
    machine().notifyLogFailed(full, LogEntryProto.newBuilder().setIndex(1971).build());
    assertEquals(1, fatal.size());
    assertSame(full, fatal.get(0));
  }

  @Test
  void aCloseRatisDecidedOnItsOwnIsFatal() throws IOException {
    machine().close();
    assertEquals(1, fatal.size());
  }

  @Test
  void aRequestedShutdownIsNot() throws IOException {
    CoordStateMachine sm = machine();
    sm.expectClose();
    sm.notifyLogFailed(new IOException("interrupted while closing"), null);
    sm.close();
    assertEquals(List.of(), fatal);
  }
}
