package io.raftcoord.statemachine.pipeline;

import io.raftcoord.proto.Command;
import java.util.Optional;

/**
 * A bound on how much of something the quorum holds (sessions, later per-user rates), checked
 * in apply from replicated state and settings only, so every replica refuses the same command
 * with QUOTA_EXCEEDED.
 */
@FunctionalInterface
public interface Quota {
  Optional<Refusal> check(Caller caller, Command command);
}
