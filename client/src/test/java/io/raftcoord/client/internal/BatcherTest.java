package io.raftcoord.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class BatcherTest {
  /** Holds every batch until the test releases it, so that items queue behind it. */
  private final List<List<Integer>> sent = new ArrayList<>();
  private final List<CompletableFuture<Void>> inFlight = new ArrayList<>();

  private Batcher<Integer, Integer> batcher(int maxBatch, long maxBytes) {
    return new Batcher<>(1, maxBatch, maxBytes, Integer::longValue, 0, batch -> {
      List<Integer> items = batch.stream().map(Batcher.Pending::item).toList();
      sent.add(items);
      CompletableFuture<Void> done = new CompletableFuture<>();
      inFlight.add(done);
      return done.whenComplete((r, e) -> batch.forEach(p -> p.future().complete(p.item())));
    });
  }

  private void releaseAll() {
    while (!inFlight.isEmpty()) {
      inFlight.remove(0).complete(null);
    }
  }

  @Test
  void batchesStopAtTheByteBudgetAndNeverSplitOrDropAnItem() {
    Batcher<Integer, Integer> b = batcher(100, 100);
    List<CompletableFuture<Integer>> all = new ArrayList<>();
    all.add(b.submit(1)); // sent alone: the slot was free
    for (int size : new int[] {40, 40, 20, 1, 60, 50, 100, 30}) {
      all.add(b.submit(size));
    }
    releaseAll();
    assertEquals(List.of(List.of(1), List.of(40, 40, 20), List.of(1, 60), List.of(50), List.of(100), List.of(30)), sent);
    for (CompletableFuture<Integer> f : all) {
      f.join();
    }
  }

  @Test
  void theCountLimitStillApplies() {
    Batcher<Integer, Integer> b = batcher(2, 1000);
    for (int i = 0; i < 5; i++) {
      b.submit(1);
    }
    releaseAll();
    assertEquals(List.of(List.of(1), List.of(1, 1), List.of(1, 1)), sent);
  }
}
