package io.raftcoord.client.internal;

import io.raftcoord.client.CoordException;
import io.raftcoord.proto.ErrorCode;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.StateMachineException;

/** Turns whatever a call failed with into one {@link CoordException}. */
public final class Futures {
  private Futures() {}

  public static <T> T join(CompletableFuture<T> f) {
    try {
      return f.join();
    } catch (CompletionException | CancellationException e) {
      throw toCoord(e);
    }
  }

  public static CoordException toCoord(Throwable t) {
    Throwable e = t;
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof CoordException ce) {
      return ce;
    }
    if (e instanceof TimeoutException) {
      return new CoordException(ErrorCode.DEADLINE_EXCEEDED,
          "no reply from the quorum in time; the outcome is unknown", e);
    }
    if (e instanceof StateMachineException) {
      String msg = e.getMessage() == null ? "" : e.getMessage();
      // The leader refuses a batch before logging it with "CODE: message".
      for (ErrorCode code : new ErrorCode[] {ErrorCode.INVALID_ARGUMENT, ErrorCode.FAILED_PRECONDITION}) {
        int at = msg.indexOf(code.name() + ": ");
        if (at >= 0) {
          return new CoordException(code, msg.substring(at + code.name().length() + 2), e);
        }
      }
      return new CoordException(ErrorCode.INTERNAL, "server error: " + msg, e);
    }
    if (e instanceof AlreadyClosedException) {
      return new CoordException(ErrorCode.UNAVAILABLE, "client is closed", e);
    }
    return new CoordException(ErrorCode.UNAVAILABLE,
        "quorum unavailable (" + e.getClass().getSimpleName() + ": " + e.getMessage() + "); the outcome is unknown", e);
  }
}
