package io.raftcoord.client;

import io.raftcoord.proto.datacoord.Binlog;
import io.raftcoord.proto.datacoord.FieldBinlog;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datatasks.CompactedSegment;
import io.raftcoord.proto.datatasks.CompleteCompaction;
import io.raftcoord.proto.datatasks.CompleteIndexBuild;
import io.raftcoord.proto.datatasks.DataTasksReply;
import io.raftcoord.proto.datatasks.DeltaApplied;
import io.raftcoord.proto.datatasks.Task;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated compaction / index / GC worker: a {@link NodeAgent} session in the {@link #ROLE}
 * role that does a worker's side of the task scheduler's contract. Every poll is one call to the
 * leader that reports its free slots and returns the tasks handed to it, with the segments a
 * compaction reads; it "does" each (instantly, or after a set delay) and reports the result: a
 * mix or single compaction makes one segment holding the inputs' rows less their deletes, an L0
 * compaction spreads its deletes over its targets by their rows, an index build names one file, a
 * GC task reads the files it would remove and confirms. A refused report (the task moved on, or
 * this epoch is stale) drops the task; one whose outcome is unknown is retried until refused.
 *
 * <p>Invariants: a task is worked on at most once per session; the steps run on the client's
 * agent timer thread and never block. Thread-safe.
 */
public final class TaskWorkerAgent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TaskWorkerAgent.class);
  /**
   * The session role: Milvus 2.5 runs these tasks on its data nodes, but a {@code datanode}
   * session is also given channels to watch, which this agent does not do.
   */
  public static final String ROLE = "indexnode";

  /** What the worker does, for tests and chaos histories; called on the agent's threads, must not block. */
  public interface Listener {
    /** Work on {@code task} began under {@code session}. */
    default void working(Session session, Task task) { }

    /** The report on {@code task} was answered: accepted, or refused with {@code refusal}. */
    default void reported(Session session, Task task, boolean accepted, CoordException refusal) { }

    /**
     * The completion command of an accepted report took {@code nanos}, from sending it to its
     * answer (a compaction's reads of its inputs come before and are not in it).
     */
    default void completionTook(Task task, long nanos) { }
  }

  private final Object lock = new Object();
  private final CoordClient client;
  private final DataTasksClient tasks;
  private final ScheduledExecutorService scheduler;
  private final int totalSlots;
  private final long workMs;
  private final long pollMs;
  private final Listener listener;
  /** A task being worked on, when (ms, monotonic) it is done, and the segments the poll gave with it. */
  private record Work(Task task, long readyMs, Map<Long, Segment> given) {}

  private final Map<Long, Work> working = new HashMap<>();
  private final Set<Long> reporting = new HashSet<>();
  /**
   * Tasks this session has reported on (answered either way): a poll sent before the answer may
   * still list one as EXECUTING, and it must not be done twice.
   */
  private final Set<Long> finished = new HashSet<>();
  private final AtomicLong completed = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private long fileIds = System.nanoTime() & 0xffffffffL;
  private boolean pollInFlight;
  private Session session;
  private boolean closed;
  private ScheduledFuture<?> task;
  private volatile NodeAgent node;

  private TaskWorkerAgent(Builder b) {
    this.client = b.client;
    this.tasks = b.client.dataTasks();
    this.scheduler = b.client.sessions().agentScheduler();
    this.totalSlots = b.slots;
    this.workMs = b.work.toMillis();
    this.pollMs = b.pollInterval.toMillis();
    this.listener = b.listener;
  }

  public static Builder builder(CoordClient client, String address) {
    return new Builder(client, address);
  }

  public Session session() {
    synchronized (lock) {
      return session;
    }
  }

  /** Tasks this worker reported done and the coordinator accepted. */
  public long completed() {
    return completed.get();
  }

  /** Reports the coordinator refused (late, repeated, stale epoch). */
  public long refused() {
    return refused.get();
  }

  public NodeAgent nodeAgent() {
    return node;
  }

  private static long nowMs() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
  }

  private void tick() {
    Session s;
    int free;
    List<Long> known;
    synchronized (lock) {
      if (closed || session == null) {
        return;
      }
      s = session;
      long used = working.values().stream().mapToLong(w -> w.task().getSlots()).sum();
      free = (int) Math.max(0, totalSlots - used);
      long now = nowMs();
      for (Work w : working.values()) {
        if (w.readyMs() <= now && reporting.add(w.task().getId())) {
          scheduler.execute(() -> finish(s, w));
        }
      }
      if (pollInFlight) {
        return;
      }
      pollInFlight = true;
      known = new ArrayList<>(working.keySet());
    }
    SessionRef ref = SessionClient.ref(s);
    tasks.pollWorkAsync(ref, totalSlots, free, known)
        .whenComplete((reply, err) -> {
          synchronized (lock) {
            pollInFlight = false;
            if (err != null || session != s) {
              return;
            }
            long now = nowMs();
            Map<Long, Segment> given = new HashMap<>();
            reply.getInputsList().forEach(x -> given.put(x.getId(), x));
            for (Task t : reply.getNewTasksList()) {
              if (t.getNode().equals(ref) && !working.containsKey(t.getId()) && !finished.contains(t.getId())) {
                working.put(t.getId(), new Work(t, now + workMs, given));
                listener.working(s, t);
              }
            }
          }
        });
  }

  /** Does the task's work and reports it; the task leaves {@link #working} once the report is answered. */
  private void finish(Session s, Work w) {
    Task t = w.task();
    long id = t.getId();
    long[] sent = new long[1];
    report(SessionClient.ref(s), w, sent).whenComplete((done, err) -> {
          long took = System.nanoTime() - sent[0];
          synchronized (lock) {
            reporting.remove(id);
            if (err == null) {
              working.remove(id);
              finished.add(id);
              completed.incrementAndGet();
              listener.reported(s, t, true, null);
              listener.completionTook(t, took);
              return;
            }
            CoordException ce = io.raftcoord.client.internal.Futures.toCoord(err);
            if (!ce.outcomeUnknown()) {
              refused.incrementAndGet();
              working.remove(id);
              finished.add(id);
              listener.reported(s, t, false, ce);
              LOG.debug("task {} report refused: {}", id, ce.getMessage());
            }
          }
        });
  }

  /** Sends the task's result; {@code sent[0]} is set to when its completion command went out. */
  private CompletableFuture<DataTasksReply> report(SessionRef ref, Work w, long[] sent) {
    Task t = w.task();
    sent[0] = System.nanoTime();
    return switch (t.getType()) {
      case MIX_COMPACTION, SINGLE_COMPACTION -> inputs(t.getSegmentsList(), w.given()).thenCompose(in -> {
        long rows = in.stream().mapToLong(x -> x.getNumRows() - x.getDeltalogEntries()).sum();
        CompleteCompaction.Builder c = CompleteCompaction.newBuilder().setNode(ref).setTaskId(t.getId());
        if (rows > 0) {
          c.addResults(CompactedSegment.newBuilder().setNumRows(rows).addBinlogs(log(100, rows)));
        }
        sent[0] = System.nanoTime();
        return tasks.completeCompactionAsync(c.build());
      });
      case L0_COMPACTION -> inputs(t.getSegmentsList(), w.given()).thenCombine(inputs(t.getTargetsList(), w.given()),
          (l0, targets) -> {
        long deletes = l0.stream().mapToLong(Segment::getDeltalogEntries).sum();
        CompleteCompaction.Builder c = CompleteCompaction.newBuilder().setNode(ref).setTaskId(t.getId());
        long rows = targets.stream().mapToLong(Segment::getNumRows).sum();
        long left = deletes;
        for (int i = 0; i < targets.size() && rows > 0; i++) {
          long share = i == targets.size() - 1 ? left : deletes * targets.get(i).getNumRows() / rows;
          if (share > 0) {
            c.addDeltas(DeltaApplied.newBuilder().setSegmentId(targets.get(i).getId()).addDeltalogs(log(100, share)));
            left -= share;
          }
        }
        return c.build();
      }).thenCompose(c -> {
        sent[0] = System.nanoTime();
        return tasks.completeCompactionAsync(c);
      });
      case INDEX_BUILD -> tasks.completeIndexBuildAsync(CompleteIndexBuild.newBuilder().setNode(ref)
          .setTaskId(t.getId()).addFileIds(nextFileId()).setSerializedBytes(1).build());
      case GC -> tasks.describeTaskAsync(t.getId()).thenCompose(files -> {
        // A real worker removes files.getGcFilesList() from object storage here.
        sent[0] = System.nanoTime();
        return tasks.completeGcAsync(ref, t.getId());
      });
      case TASK_TYPE_NONE, UNRECOGNIZED -> tasks.failTaskAsync(ref, t.getId(), "unknown task type " + t.getType());
    };
  }

  /** The segments, as the poll gave them or else read now. */
  private CompletableFuture<List<Segment>> inputs(List<Long> ids, Map<Long, Segment> given) {
    List<CompletableFuture<Segment>> all = new ArrayList<>();
    for (long id : ids) {
      Segment known = given.get(id);
      all.add(known != null ? CompletableFuture.completedFuture(known)
          : client.dataCoord().describeAsync(id).thenApply(d -> d.getSegment()));
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
        .thenApply(x -> all.stream().map(CompletableFuture::join).toList());
  }

  private synchronized long nextFileId() {
    return ++fileIds;
  }

  private FieldBinlog log(long fieldId, long entries) {
    return FieldBinlog.newBuilder().setFieldId(fieldId).addBinlogs(Binlog.newBuilder().setLogId(nextFileId())
        .setEntries(entries).setSize(entries * 64)).build();
  }

  private void registered(Session s) {
    synchronized (lock) {
      working.clear();
      reporting.clear();
      finished.clear();
      session = s;
    }
  }

  private void lost(Session s) {
    synchronized (lock) {
      if (session == s) {
        working.clear();
        session = null;
      }
    }
  }

  public Session stopGracefully() {
    return node.stopGracefully();
  }

  /** Simulates a crash: no more heartbeats, polls or reports; the session expires after its TTL. */
  public void halt() {
    NodeAgent n;
    synchronized (lock) {
      closed = true;
      if (task != null) {
        task.cancel(false);
      }
      n = node;
    }
    if (n != null) {
      n.halt();
    }
  }

  @Override
  public void close() {
    NodeAgent n;
    synchronized (lock) {
      closed = true;
      if (task != null) {
        task.cancel(false);
      }
      n = node;
    }
    if (n != null) {
      n.close();
    }
  }

  private TaskWorkerAgent start(Builder b) {
    node = NodeAgent.builder(b.client, ROLE, b.address).heartbeatInterval(b.heartbeat)
        .listener(new NodeAgent.Listener() {
          @Override
          public void registered(Session s) {
            TaskWorkerAgent.this.registered(s);
          }

          @Override
          public void lost(Session s) {
            TaskWorkerAgent.this.lost(s);
          }
        }).version(b.version).start();
    synchronized (lock) {
      task = scheduler.scheduleWithFixedDelay(this::tick, pollMs, pollMs, TimeUnit.MILLISECONDS);
    }
    return this;
  }

  public static final class Builder {
    private final CoordClient client;
    private final String address;
    private int slots = 16;
    private Duration work = Duration.ZERO;
    private Duration pollInterval = Duration.ofMillis(100);
    private Duration heartbeat = Duration.ofSeconds(1);
    private String version = "sim";
    private Listener listener = new Listener() { };

    private Builder(CoordClient client, String address) {
      this.client = client;
      this.address = address;
    }

    /** Slots of this worker (Milvus: max(min(CPUs/2, memory/8 GiB), 1) × 16); default 16. */
    public Builder slots(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("a worker needs at least one slot, got " + n);
      }
      this.slots = n;
      return this;
    }

    /** How long each task takes; default 0 (done at the next poll). */
    public Builder work(Duration d) {
      this.work = d;
      return this;
    }

    public Builder pollInterval(Duration d) {
      this.pollInterval = d;
      return this;
    }

    public Builder heartbeatInterval(Duration d) {
      this.heartbeat = d;
      return this;
    }

    public Builder version(String v) {
      this.version = v;
      return this;
    }

    public Builder listener(Listener l) {
      this.listener = l;
      return this;
    }

    public TaskWorkerAgent start() {
      return new TaskWorkerAgent(this).start(this);
    }
  }
}
