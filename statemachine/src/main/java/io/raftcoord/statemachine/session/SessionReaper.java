package io.raftcoord.statemachine.session;

import com.google.protobuf.Any;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionSettings;
import io.raftcoord.statemachine.domain.LeaderDuty;
import java.util.ArrayList;
import java.util.List;

/**
 * The leader duty that expires silent sessions and forgets old ended ones ({@link ReaperPlanner}).
 * Once per leadership it gives every live session this replica has never heard the leader's start
 * as its last heartbeat (the grace); after that it only looks at the sessions the heartbeat table
 * finds silent for longer than the TTL, so a round costs what expires, not what lives.
 */
final class SessionReaper implements LeaderDuty {
  private final SessionTable table;
  private final HeartbeatTable heartbeats;
  private final boolean grace;
  /** The leadership whose unheard sessions were adopted; touched by the duty's one thread only. */
  private long adoptedFor = Long.MIN_VALUE;

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
    if (adoptedFor != when.leaderSinceMs()) {
      // Without the grace (the planted bug), a session never heard here counts as silent forever.
      long at = grace ? when.leaderSinceMs() : 0;
      for (Session s : table.live()) {
        heartbeats.adopt(s.getServerId(), at);
      }
      adoptedFor = when.leaderSinceMs();
    }
    SessionSettings settings = table.settings();
    List<Session> silent = new ArrayList<>();
    for (long id : heartbeats.heardBefore(when.nowMs() - settings.getTtlMs(), 2 * ReaperPlanner.MAX_PER_COMMAND)) {
      table.get(id).filter(SessionTable::isLive).ifPresent(silent::add);
    }
    return ReaperPlanner.plan(silent, table.endedOldestFirst(), settings, heartbeats::lastHeard, when.nowMs(),
            when.leaderSinceMs(), when.leaderTimeMs(), when.revision(), grace)
        .map(p -> List.of(Command.newBuilder().setDomain(Any.pack(p)).build()))
        .orElse(List.of());
  }
}
