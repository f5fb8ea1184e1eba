package io.raftcoord.client.internal;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A call that is made once more if the first attempt has not answered after a delay; the first
 * answer (or failure) wins. Only for calls that change nothing (reads): both attempts may run.
 */
final class HedgedCall {
  private static final Logger LOG = LoggerFactory.getLogger(HedgedCall.class);

  private HedgedCall() {}

  /**
   * Runs {@code call} on {@code executor}, and again after {@code after} unless it has answered
   * by then or {@code stopped} says the caller is closing.
   */
  static <T> CompletableFuture<T> start(Callable<T> call, Duration after, Executor executor,
                                        BooleanSupplier stopped, String what) {
    CompletableFuture<T> result = new CompletableFuture<>();
    attempt(call, executor, result);
    CompletableFuture.delayedExecutor(after.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
      if (result.isDone() || stopped.getAsBoolean()) {
        return;
      }
      LOG.info("no answer to {} after {} ms; asking again", what, after.toMillis());
      try {
        attempt(call, executor, result);
      } catch (RejectedExecutionException e) {
        // the caller closed meanwhile; the first attempt still decides
      }
    });
    return result;
  }

  private static <T> void attempt(Callable<T> call, Executor executor, CompletableFuture<T> result) {
    executor.execute(() -> {
      try {
        result.complete(call.call());
      } catch (Exception e) {
        result.completeExceptionally(e);
      }
    });
  }
}
