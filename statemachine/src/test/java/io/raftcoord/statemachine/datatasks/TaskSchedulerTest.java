package io.raftcoord.statemachine.datatasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.datatasks.Task;
import io.raftcoord.proto.datatasks.TaskAssignment;
import io.raftcoord.proto.datatasks.TaskType;
import io.raftcoord.proto.session.SessionRef;
import io.raftcoord.statemachine.datatasks.TaskScheduler.Worker;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The slot-aware scheduler and Milvus's slot costs, as pure functions of a queue and worker view. */
class TaskSchedulerTest {
  private static final long MIB = 1024L * 1024;

  private static SessionRef ref(long id) {
    return SessionRef.newBuilder().setServerId(id).setEpoch(1000 + id).build();
  }

  private static Worker worker(long id, int total, int free) {
    return new Worker(ref(id), total, free);
  }

  private static Task task(long id, TaskType type, int slots, long... tried) {
    Task.Builder b = Task.newBuilder().setId(id).setType(type).setSlots(slots);
    for (long t : tried) {
      b.addTriedNodes(t);
    }
    return b.build();
  }

  private static Task mix(long id) {
    return task(id, TaskType.MIX_COMPACTION, 4);
  }

  /** "task->server" for each assignment, in order. */
  private static List<String> assign(List<Task> queue, List<Worker> workers, int max) {
    return TaskScheduler.assign(queue, workers, max).stream()
        .map(a -> a.getTaskId() + "->" + a.getNode().getServerId()).toList();
  }

  private static List<String> assign(List<Task> queue, List<Worker> workers) {
    return assign(queue, workers, 1024);
  }

  // ---- choosing a worker ----

  @Test
  void theWorkerWithTheMostFreeSlotsWins() {
    assertEquals(List.of("1->2"), assign(List.of(mix(1)), List.of(worker(1, 32, 10), worker(2, 32, 20),
        worker(3, 32, 15))));
  }

  @Test
  void tiesGoToTheLowestServerIdWhateverTheListOrder() {
    assertEquals(List.of("1->3"), assign(List.of(mix(1)), List.of(worker(5, 32, 16), worker(3, 32, 16),
        worker(4, 32, 16))));
  }

  @Test
  void theAssignmentNamesTheWorkersSessionWithItsEpoch() {
    List<TaskAssignment> out = TaskScheduler.assign(List.of(mix(9)), List.of(worker(4, 16, 16)), 10);
    assertEquals(List.of(TaskAssignment.newBuilder().setTaskId(9).setNode(ref(4)).build()), out);
  }

  @ParameterizedTest(name = "task of {0} slots, worker free {1} of {2}: assigned {3}")
  @CsvSource({
      "8,  8,  16, true",   // exactly fits
      "8,  7,  16, false",  // one short, not idle
      "8,  16, 16, true",   // idle
      "64, 16, 16, true",   // larger than the worker's total: goes to it while idle
      "64, 15, 16, false",  // larger than its total and the worker is busy
      "1,  0,  16, false",  // full
      "1,  -3, 16, false",  // over-committed reports count as full
      "1,  0,  0,  false",  // a worker without slots takes nothing
  })
  void aTaskGoesOnlyWhereItFitsOrToAnIdleWorker(int slots, int free, int total, boolean assigned) {
    List<String> out = assign(List.of(task(1, TaskType.INDEX_BUILD, slots)), List.of(worker(7, total, free)));
    assertEquals(assigned ? List.of("1->7") : List.of(), out);
  }

  @Test
  void aTaskThatFitsNowhereGoesToAnIdleWorkerRatherThanAFullerOne() {
    // Worker 1 has more free slots but not 64; worker 2 is idle (64 exceeds its total).
    assertEquals(List.of("1->2"), assign(List.of(task(1, TaskType.INDEX_BUILD, 64)),
        List.of(worker(1, 128, 50), worker(2, 16, 16))));
  }

  @Test
  void anIdleWorkerTakesOnlyOneOversizedTaskPerRound() {
    assertEquals(List.of("1->2"), assign(List.of(task(1, TaskType.INDEX_BUILD, 64),
        task(2, TaskType.INDEX_BUILD, 64)), List.of(worker(2, 16, 16))));
  }

  @Test
  void freeSlotsDropAsTasksAreGivenWithinARound() {
    // 12 and 8 free, 4 slots each: 1->w1 (12), 2->w1 (8 vs 8, lower id), 3->w2 (8 vs 4),
    // 4->w1 (4 vs 4), 5->w2, then nothing is left for 6.
    List<Task> queue = List.of(mix(1), mix(2), mix(3), mix(4), mix(5), mix(6));
    assertEquals(List.of("1->1", "2->1", "3->2", "4->1", "5->2"),
        assign(queue, List.of(worker(1, 16, 12), worker(2, 16, 8))));
  }

  // ---- order ----

  @Test
  void gcThenL0ThenCompactionsAndIndexBuildsOldestFirst() {
    List<Task> queue = List.of(
        task(1, TaskType.GC, 1), task(2, TaskType.INDEX_BUILD, 1), task(5, TaskType.MIX_COMPACTION, 4),
        task(3, TaskType.SINGLE_COMPACTION, 4), task(9, TaskType.L0_COMPACTION, 8), task(7, TaskType.L0_COMPACTION, 8),
        task(4, TaskType.INDEX_BUILD, 1), task(0, TaskType.GC, 1));
    assertEquals(List.of("0->1", "1->1", "7->1", "9->1", "2->1", "3->1", "4->1", "5->1"),
        assign(queue, List.of(worker(1, 1000, 1000))));
  }

  @Test
  void queuedCompactionsDoNotStarveOlderIndexBuilds() {
    List<Task> queue = new java.util.ArrayList<>();
    queue.add(task(1, TaskType.INDEX_BUILD, 1));
    for (long id = 2; id <= 100; id++) {
      queue.add(task(id, TaskType.MIX_COMPACTION, 1));
    }
    assertEquals(List.of("1->1", "2->1"), assign(queue, List.of(worker(1, 2, 2))));
  }

  @Test
  void higherPriorityTasksTakeTheScarceSlotsFirst() {
    // Eight free: the L0 compaction (8) takes them all even though the index build is older.
    List<Task> queue = List.of(task(1, TaskType.INDEX_BUILD, 1), task(2, TaskType.INDEX_BUILD, 1),
        task(3, TaskType.L0_COMPACTION, 8));
    assertEquals(List.of("3->1"), assign(queue, List.of(worker(1, 16, 8))));
  }

  @Test
  void aGcTaskIsNotStarvedByQueuedBuilds() {
    List<Task> queue = new java.util.ArrayList<>();
    for (long id = 1; id <= 100; id++) {
      queue.add(task(id, TaskType.INDEX_BUILD, 1));
    }
    queue.add(task(101, TaskType.GC, 1));
    assertEquals(List.of("101->1", "1->1", "2->1"), assign(queue, List.of(worker(1, 3, 3))));
  }

  @Test
  void priorityRanksTheTypes() {
    assertEquals(0, TaskScheduler.priority(TaskType.GC));
    assertEquals(1, TaskScheduler.priority(TaskType.L0_COMPACTION));
    assertEquals(2, TaskScheduler.priority(TaskType.MIX_COMPACTION));
    assertEquals(2, TaskScheduler.priority(TaskType.SINGLE_COMPACTION));
    assertEquals(2, TaskScheduler.priority(TaskType.INDEX_BUILD));
  }

  // ---- retries ----

  @Test
  void aWorkerTheTaskFailedOnIsAvoidedWhenAnotherFits() {
    Task retried = task(1, TaskType.MIX_COMPACTION, 4, 1);
    assertEquals(List.of("1->2"), assign(List.of(retried), List.of(worker(1, 32, 20), worker(2, 32, 5))));
  }

  @Test
  void aWorkerTheTaskFailedOnIsUsedWhenNoOtherFits() {
    Task retried = task(1, TaskType.MIX_COMPACTION, 4, 1);
    assertEquals(List.of("1->1"), assign(List.of(retried), List.of(worker(1, 32, 20), worker(2, 32, 3))));
  }

  @Test
  void amongWorkersAllTriedTheMostFreeWins() {
    Task retried = task(1, TaskType.MIX_COMPACTION, 4, 1, 2, 3);
    assertEquals(List.of("1->3"), assign(List.of(retried), List.of(worker(1, 32, 10), worker(2, 32, 5),
        worker(3, 32, 12))));
  }

  @Test
  void amongUntriedWorkersTheMostFreeWins() {
    Task retried = task(1, TaskType.MIX_COMPACTION, 4, 1);
    assertEquals(List.of("1->3"), assign(List.of(retried), List.of(worker(1, 32, 30), worker(2, 32, 5),
        worker(3, 32, 12))));
  }

  // ---- limits ----

  @ParameterizedTest(name = "max {0}")
  @ValueSource(ints = {0, 1, 2, 3})
  void maxCapsTheRound(int max) {
    List<Task> queue = List.of(mix(4), mix(1), mix(3));
    List<String> all = List.of("1->1", "3->1", "4->1");
    assertEquals(all.subList(0, Math.min(max, 3)), assign(queue, List.of(worker(1, 100, 100)), max));
  }

  @Test
  void tasksThatDoNotFitDoNotCountAgainstMax() {
    // The L0 task fits nowhere; the two mix tasks still get the round's two places.
    List<Task> queue = List.of(task(1, TaskType.L0_COMPACTION, 64), mix(2), mix(3));
    assertEquals(List.of("2->1", "3->1"), assign(queue, List.of(worker(1, 32, 10)), 2));
  }

  @Test
  void noWorkersMeansNoAssignments() {
    assertEquals(List.of(), assign(List.of(mix(1), task(2, TaskType.GC, 1)), List.of()));
    assertEquals(List.of(), assign(List.of(), List.of(worker(1, 16, 16))));
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 17, 4242})
  void assignmentIsDeterministicAndIndependentOfListOrder(long seed) {
    Random r = new Random(seed);
    TaskType[] types = {TaskType.L0_COMPACTION, TaskType.MIX_COMPACTION, TaskType.SINGLE_COMPACTION,
        TaskType.INDEX_BUILD, TaskType.GC};
    List<Task> queue = new ArrayList<>();
    for (long id = 1; id <= 80; id++) {
      TaskType type = types[r.nextInt(types.length)];
      long bytes = (long) r.nextInt(1200) * MIB;
      int slots = TaskSlots.cost(type, bytes);
      queue.add(r.nextInt(5) == 0 ? task(id, type, slots, 1 + r.nextInt(6)) : task(id, type, slots));
    }
    List<Worker> workers = new ArrayList<>();
    for (long id = 1; id <= 6; id++) {
      int total = 16 * (1 + r.nextInt(4));
      workers.add(worker(id, total, r.nextInt(total + 1)));
    }
    List<TaskAssignment> first = TaskScheduler.assign(queue, workers, 30);
    assertTrue(first.size() > 5, "the random view should assign several tasks");
    assertEquals(first, TaskScheduler.assign(queue, workers, 30));
    List<Task> q2 = new ArrayList<>(queue);
    List<Worker> w2 = new ArrayList<>(workers);
    Collections.shuffle(q2, new Random(seed + 1));
    Collections.shuffle(w2, new Random(seed + 2));
    assertEquals(first, TaskScheduler.assign(q2, w2, 30));
  }

  // ---- slot costs ----

  @ParameterizedTest(name = "index over {0} bytes costs {1}")
  @CsvSource({
      "0,          1",
      "10485760,   1",    // 10 MiB
      "10485761,   4",
      "104857600,  4",    // 100 MiB
      "104857601,  16",
      "536870911,  16",   // 512 MiB - 1
      "536870913,  64",   // 512 MiB + 1
      "1073741823, 64",   // 1 GiB - 1
      "1073741824, 128",  // 1 GiB
      "1610612736, 192",  // 1.5 GiB
      "5368709120, 640",  // 5 GiB
  })
  void indexCostFollowsTheSegmentSize(long bytes, int slots) {
    assertEquals(slots, TaskSlots.indexCost(bytes));
    assertEquals(slots, TaskSlots.cost(TaskType.INDEX_BUILD, bytes));
  }

  @Test
  void indexCostAtExactly512MibIsSixteenAsInMilvus() {
    assertEquals(16, TaskSlots.indexCost(512 * MIB));
  }

  @ParameterizedTest(name = "{0} costs {1}")
  @CsvSource({
      "MIX_COMPACTION,    4",
      "SINGLE_COMPACTION, 4",
      "L0_COMPACTION,     8",
      "GC,                1",
  })
  void nonIndexTasksCostAFixedNumberOfSlotsWhateverTheSize(TaskType type, int slots) {
    assertEquals(slots, TaskSlots.cost(type, 0));
    assertEquals(slots, TaskSlots.cost(type, 10L * 1024 * MIB));
  }

  @Test
  void aTaskWithoutATypeHasNoCost() {
    assertThrows(IllegalArgumentException.class, () -> TaskSlots.cost(TaskType.TASK_TYPE_NONE, 1));
  }
}
