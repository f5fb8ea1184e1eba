package io.raftcoord.tools.bench;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.TaskWorkerAgent;
import io.raftcoord.proto.datatasks.Task;
import io.raftcoord.proto.datatasks.TaskType;
import io.raftcoord.proto.session.Session;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The simulated workers of {@code bench.sh tasks}: {@link TaskWorkerAgent}s sharing the bench's
 * client (instant work, Milvus's 100 ms poll), counting accepted completions per task type and
 * recording each completion command's latency. {@link #sample} gives what happened since the
 * previous sample.
 */
final class TaskFleet implements AutoCloseable {
  /** Completions and their latencies (µs) over one interval. */
  record Interval(long nanos, Map<TaskType, Long> completed, long refused, Histogram latencyUs) {
    long total() {
      return completed.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private final List<TaskWorkerAgent> workers = new ArrayList<>();
  private final Map<TaskType, LongAdder> completed = new EnumMap<>(TaskType.class);
  private final LongAdder refused = new LongAdder();
  private final Recorder recorder = new Recorder(3);
  private final Map<TaskType, Long> before = new EnumMap<>(TaskType.class);
  private long refusedBefore;
  private long sampledNanos = System.nanoTime();

  private TaskFleet() {
    for (TaskType t : TaskType.values()) {
      if (t != TaskType.UNRECOGNIZED) {
        completed.put(t, new LongAdder());
        before.put(t, 0L);
      }
    }
  }

  static TaskFleet start(CoordClient client, int n, int slots, String tag) {
    TaskFleet f = new TaskFleet();
    TaskWorkerAgent.Listener listener = new TaskWorkerAgent.Listener() {
      @Override
      public void reported(Session session, Task task, boolean accepted, CoordException refusal) {
        if (!accepted) {
          f.refused.increment();
        }
      }

      @Override
      public void completionTook(Task task, long nanos) {
        f.completed.get(task.getType()).increment();
        f.recorder.recordValue(Math.max(1, TimeUnit.NANOSECONDS.toMicros(nanos)));
      }
    };
    try {
      for (int i = 0; i < n; i++) {
        f.workers.add(TaskWorkerAgent.builder(client, "bench-" + tag + "-worker-" + i + ":1").slots(slots)
            .listener(listener).start());
      }
    } catch (RuntimeException | Error e) {
      f.close();
      throw e;
    }
    return f;
  }

  int size() {
    return workers.size();
  }

  List<TaskWorkerAgent> workers() {
    return workers;
  }

  synchronized Interval sample() {
    long now = System.nanoTime();
    Map<TaskType, Long> delta = new EnumMap<>(TaskType.class);
    completed.forEach((t, a) -> {
      long v = a.sum();
      delta.put(t, v - before.get(t));
      before.put(t, v);
    });
    long r = refused.sum();
    Interval iv = new Interval(now - sampledNanos, delta, r - refusedBefore, recorder.getIntervalHistogram());
    refusedBefore = r;
    sampledNanos = now;
    return iv;
  }

  /**
   * Marks every worker STOPPING, then deregisters it (halted ones expire by themselves), 16 at a
   * time: one by one, a hundred deregistrations on a busy quorum take minutes.
   */
  @Override
  public void close() {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(16);
    try {
      for (TaskWorkerAgent w : workers) {
        pool.execute(() -> {
          try {
            w.stopGracefully();
          } catch (RuntimeException e) {
            // halted or already gone: close() deregisters what is left
          }
          w.close();
        });
      }
    } finally {
      pool.shutdown();
      try {
        pool.awaitTermination(5, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
