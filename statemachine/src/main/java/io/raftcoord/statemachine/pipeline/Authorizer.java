package io.raftcoord.statemachine.pipeline;

import io.raftcoord.proto.Command;
import java.util.Optional;

/**
 * Decides, in apply and from the log only, whether the caller may run a command. The policy
 * reads replicated state (users, roles, grants), never a replica's local configuration.
 */
@FunctionalInterface
public interface Authorizer {
  /** Admits every command: the policy until users and roles exist. */
  Authorizer ADMIT_ALL = (caller, command) -> Optional.empty();

  Optional<Refusal> check(Caller caller, Command command);
}
