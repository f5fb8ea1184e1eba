package io.raftcoord.statemachine.sm;

import io.raftcoord.proto.CommandHeader;

/**
 * Supplies what apply must not compute itself. Called on the leader in startTransaction, before
 * the entry is logged; implemented in the server (it reads the wall clock).
 */
@FunctionalInterface
public interface LeaderStamper {
  CommandHeader stamp(long term, String leaderId);
}
