package io.raftcoord.server.chaos;

import io.raftcoord.client.CoordException;

/**
 * How a workload classifies a failed coordinator call. A {@link CoordException} that is not
 * outcome-unknown was answered (the command was refused and changed nothing); anything else,
 * a deadline or a lost connection, leaves the outcome unknown.
 */
final class CallErrors {
  private CallErrors() {}

  /** Whether the call may or may not have been applied. */
  static boolean outcomeUnknown(RuntimeException e) {
    return !(e instanceof CoordException ce) || ce.outcomeUnknown();
  }

  /** The error code of an answered call, else the exception's simple class name. */
  static String code(RuntimeException e) {
    return e instanceof CoordException ce ? ce.code().name() : e.getClass().getSimpleName();
  }
}
