package io.raftcoord.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HedgedCallTest {
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void stop() {
    release.countDown();
    pool.shutdownNow();
  }

  @Test
  void aStuckFirstAttemptIsAnsweredByTheSecond() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    CompletableFuture<String> f = HedgedCall.start(() -> {
      if (calls.incrementAndGet() == 1) {
        release.await(); // lost inside the server: never answers on its own
        return "late";
      }
      return "second";
    }, Duration.ofMillis(50), pool, () -> false, "test read");
    assertEquals("second", f.get(10, TimeUnit.SECONDS));
    assertEquals(2, calls.get());
  }

  @Test
  void aPromptAnswerIsNeverAskedTwice() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    CompletableFuture<String> f = HedgedCall.start(() -> "v" + calls.incrementAndGet(), Duration.ofMillis(50), pool,
        () -> false, "test read");
    assertEquals("v1", f.get(10, TimeUnit.SECONDS));
    // Past the hedge's moment (50 ms): it must have seen the answer and stayed quiet.
    CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS)).get();
    assertEquals(1, calls.get());
  }

  @Test
  void aFailureIsTheAnswerAndAClosingCallerIsNotAskedAgain() throws Exception {
    IOException boom = new IOException("replica n2 refused");
    CompletableFuture<String> failed = HedgedCall.start(() -> {
      throw boom;
    }, Duration.ofMillis(50), pool, () -> false, "test read");
    ExecutionException e = assertThrows(ExecutionException.class, () -> failed.get(10, TimeUnit.SECONDS));
    assertSame(boom, e.getCause());

    AtomicInteger calls = new AtomicInteger();
    CompletableFuture<String> stuck = HedgedCall.start(() -> {
      calls.incrementAndGet();
      release.await();
      return "late";
    }, Duration.ofMillis(50), pool, () -> true, "test read");
    CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS)).get();
    assertFalse(stuck.isDone());
    assertEquals(1, calls.get());
  }
}
