package io.raftcoord.client;

import io.raftcoord.proto.ErrorCode;

/**
 * The one exception of the client library. {@link #code()} tells what happened: a domain error
 * (INVALID_ARGUMENT, NOT_FOUND, ...) means the command was applied and refused; UNAVAILABLE or
 * DEADLINE_EXCEEDED mean the outcome is unknown (the command may still be applied).
 */
public final class CoordException extends RuntimeException {
  private final ErrorCode code;

  public CoordException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  public CoordException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }

  /** True when the command may or may not have taken effect. */
  public boolean outcomeUnknown() {
    return code == ErrorCode.UNAVAILABLE || code == ErrorCode.DEADLINE_EXCEEDED || code == ErrorCode.INTERNAL;
  }

  @Override
  public String toString() {
    return code + ": " + getMessage();
  }
}
