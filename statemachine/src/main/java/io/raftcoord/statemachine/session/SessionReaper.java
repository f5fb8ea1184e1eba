package io.raftcoord.statemachine.session;

import com.google.protobuf.Any;
import io.raftcoord.proto.Command;
import io.raftcoord.statemachine.domain.LeaderDuty;
import java.util.List;

/** The leader duty that expires silent sessions and forgets old ended ones ({@link ReaperPlanner}). */
final class SessionReaper implements LeaderDuty {
  private final SessionTable table;
  private final HeartbeatTable heartbeats;
  private final boolean grace;

  SessionReaper(SessionTable table, HeartbeatTable heartbeats, boolean grace) {
    this.table = table;
    this.heartbeats = heartbeats;
    this.grace = grace;
  }

  @Override
  public String name() {
    return "session-reaper";
  }

  @Override
  public long intervalMs() {
    // Detection within TTL + 1 s needs a round well inside that second.
    return 200;
  }

  @Override
  public List<Command> plan(When when) {
    return ReaperPlanner.plan(table.all(), table.settings(), heartbeats::lastHeard, when.nowMs(), when.leaderSinceMs(),
            when.leaderTimeMs(), when.revision(), grace)
        .map(p -> List.of(Command.newBuilder().setDomain(Any.pack(p)).build()))
        .orElse(List.of());
  }
}
