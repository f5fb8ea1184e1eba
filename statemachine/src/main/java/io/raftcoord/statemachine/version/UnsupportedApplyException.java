package io.raftcoord.statemachine.version;

/**
 * This replica's binary cannot apply what the log or the store holds: a committed apply version
 * above the range it supports, or a command or record it does not know. Applying on would make
 * this replica diverge from the others, so the replica stops instead (exit code 70) and must be
 * restarted with a binary that supports the cluster's version.
 */
public final class UnsupportedApplyException extends RuntimeException {
  public UnsupportedApplyException(String message) {
    super(message);
  }
}
