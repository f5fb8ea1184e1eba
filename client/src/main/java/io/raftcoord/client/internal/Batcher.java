package io.raftcoord.client.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Packs the items waiting in this process into batches, one message each. Invariants: at most
 * {@code maxInFlight} batches are outstanding; a batch is sent the moment a slot is free (never
 * on a timer), taking everything queued up to {@code maxBatch}; the sender completes each
 * item's own future; with a deadline, an item fails with a timeout once it has waited that
 * long in total, queueing behind an in-flight batch included.
 */
final class Batcher<T, R> {
  record Pending<T, R>(T item, CompletableFuture<R> future) {}

  private final int maxInFlight;
  private final int maxBatch;
  private final long deadlineMs;
  /** Sends one batch and completes its futures; the returned future ends when the batch has. */
  private final Function<List<Pending<T, R>>, CompletableFuture<?>> sender;
  private final ArrayDeque<Pending<T, R>> queue = new ArrayDeque<>();
  private int inFlight;

  Batcher(int maxInFlight, int maxBatch, long deadlineMs, Function<List<Pending<T, R>>, CompletableFuture<?>> sender) {
    if (maxInFlight < 1 || maxBatch < 1) {
      throw new IllegalArgumentException("maxInFlight and maxBatch must be positive");
    }
    this.maxInFlight = maxInFlight;
    this.maxBatch = maxBatch;
    this.deadlineMs = deadlineMs;
    this.sender = sender;
  }

  CompletableFuture<R> submit(T item) {
    CompletableFuture<R> f = new CompletableFuture<>();
    if (deadlineMs > 0) {
      f.orTimeout(deadlineMs, TimeUnit.MILLISECONDS);
    }
    List<Pending<T, R>> toSend = null;
    synchronized (this) {
      queue.add(new Pending<>(item, f));
      if (inFlight < maxInFlight) {
        inFlight++;
        toSend = drain();
      }
    }
    if (toSend != null) {
      send(toSend);
    }
    return f;
  }

  private List<Pending<T, R>> drain() {
    int n = Math.min(maxBatch, queue.size());
    List<Pending<T, R>> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(queue.poll());
    }
    return out;
  }

  private void send(List<Pending<T, R>> batch) {
    CompletableFuture<?> sent;
    try {
      sent = sender.apply(batch);
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
      batch.forEach(p -> p.future().completeExceptionally(e));
    }
    sent.whenComplete((r, err) -> {
      List<Pending<T, R>> next;
      synchronized (this) {
        if (queue.isEmpty()) {
          inFlight--;
          next = null;
        } else {
          next = drain();
        }
      }
      if (next != null) {
        send(next);
      }
    });
  }
}
