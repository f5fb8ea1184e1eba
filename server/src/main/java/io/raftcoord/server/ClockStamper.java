package io.raftcoord.server;

import io.raftcoord.proto.CommandHeader;
import io.raftcoord.statemachine.sm.LeaderStamper;

/** Stamps each batch with the leader's clock and term before it is logged. */
final class ClockStamper implements LeaderStamper {
  private final ServerClock clock;

  ClockStamper(ServerClock clock) {
    this.clock = clock;
  }

  @Override
  public CommandHeader stamp(long term, String leaderId) {
    return CommandHeader.newBuilder().setLeaderTimeMs(clock.nowMs()).setTerm(term).setLeaderId(leaderId).build();
  }
}
