package io.raftcoord.client;

import java.util.concurrent.CompletableFuture;

/**
 * A data node's graceful stop: the future {@link DataNodeAgent#stopGracefully} returns, completed
 * once the node holds no channel after a poll that started after the session became STOPPING.
 * Not thread-safe (the agent's lock guards it).
 *
 * <p>Invariants: the future is created once and never replaced; it completes only after such a
 * poll, since before it an empty channel map may just mean the coordinator has not yet moved the
 * channels (or the TO_RELEASE is not seen yet), not that they are all released.
 */
final class GracefulStop {
  private CompletableFuture<Void> released;
  private boolean stopping;
  private long stoppedAtNanos;
  private boolean polledSinceStop;

  /** The stop's future, created at the first call. */
  CompletableFuture<Void> futureLocked() {
    if (released == null) {
      released = new CompletableFuture<>();
    }
    return released;
  }

  /** The session became STOPPING at {@code nowNanos}: only polls started from then on count. */
  void stoppedLocked(long nowNanos) {
    stopping = true;
    stoppedAtNanos = nowNanos;
    polledSinceStop = false;
  }

  /** A poll that started at {@code startedNanos} has updated the channels. */
  void polledLocked(long startedNanos) {
    if (stopping && startedNanos - stoppedAtNanos >= 0) {
      polledSinceStop = true;
    }
  }

  /** Completes the future if the stop was asked, polled for since, and the node holds no channel. */
  void checkLocked(boolean holdsNoChannel) {
    if (released != null && polledSinceStop && holdsNoChannel) {
      released.complete(null);
    }
  }

  /** The future if a stop was asked (null otherwise), for the shutdown to complete. */
  CompletableFuture<Void> askedLocked() {
    return released;
  }
}
