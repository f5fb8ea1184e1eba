package io.raftcoord.statemachine.domain;

import io.raftcoord.proto.Command;
import java.util.List;

/** One round of one leader duty: what it plans to propose (possibly nothing). */
public record DutyPlan(String duty, long intervalMs, List<Command> commands) {
  public DutyPlan {
    commands = List.copyOf(commands);
  }
}
