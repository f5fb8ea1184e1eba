package io.raftcoord.client.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Packs the items waiting in this process into batches, one message each. Invariants: at most
 * {@code maxInFlight} batches are outstanding; a batch is sent the moment a slot is free (never
 * on a timer), taking everything queued up to {@code maxBatch} items and {@code maxBytes} (an
 * item larger than that on its own is never queued: the caller refuses it); the sender completes each
 * item's own future; with a deadline, an item fails with a timeout once it has waited that
 * long in total, queueing behind an in-flight batch included.
 */
final class Batcher<T, R> {
  record Pending<T, R>(T item, CompletableFuture<R> future) {}

  private final int maxInFlight;
  private final int maxBatch;
  private final long maxBytes;
  private final ToLongFunction<T> bytes;
  private final long deadlineMs;
  /** Sends one batch and completes its futures; the returned future ends when the batch has. */
  private final Function<List<Pending<T, R>>, CompletableFuture<?>> sender;
  private final ArrayDeque<Pending<T, R>> queue = new ArrayDeque<>();
  private int inFlight;

  /** Without a byte budget. */
  Batcher(int maxInFlight, int maxBatch, long deadlineMs, Function<List<Pending<T, R>>, CompletableFuture<?>> sender) {
    this(maxInFlight, maxBatch, Long.MAX_VALUE, t -> 0, deadlineMs, sender);
  }

  /**
   * @param maxBytes the most that {@code bytes} may sum to over one batch
   * @param bytes what an item adds to its batch's size
   */
  Batcher(int maxInFlight, int maxBatch, long maxBytes, ToLongFunction<T> bytes, long deadlineMs,
          Function<List<Pending<T, R>>, CompletableFuture<?>> sender) {
    if (maxInFlight < 1 || maxBatch < 1 || maxBytes < 1) {
      throw new IllegalArgumentException("maxInFlight, maxBatch and maxBytes must be positive");
    }
    this.maxInFlight = maxInFlight;
    this.maxBatch = maxBatch;
    this.maxBytes = maxBytes;
    this.bytes = bytes;
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
    List<Pending<T, R>> out = new ArrayList<>(Math.min(maxBatch, queue.size()));
    long size = 0;
    while (!queue.isEmpty() && out.size() < maxBatch) {
      long next = bytes.applyAsLong(queue.peek().item());
      if (!out.isEmpty() && size + next > maxBytes) {
        break;
      }
      size += next;
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
