package io.raftcoord.client;

import io.raftcoord.client.internal.Futures;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.session.Session;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A data node's step scheduler: decides when a channel poll, a sync or an ingest batch runs, and
 * leaves what each does to its {@link Runner}. Also holds those waiting for the running ingest
 * batch or for the next sync to end. Thread-safe (under the shared state's lock).
 *
 * <p>Invariants: one step runs at a time, the one due longest first (none starves when calls are
 * slow); nothing is scheduled while a step runs (its end schedules the next); no step starts
 * without a session, nor after {@link #closeLocked}. The steps run on the client's agent timer
 * thread (shared with the NodeAgents) and must never sleep or block.
 */
final class DataNodeLoop {
  private static final Logger LOG = LoggerFactory.getLogger(DataNodeAgent.class);

  enum Step { POLL, SYNC, INGEST }

  /** What the steps do. */
  interface Runner {
    /** Whether ingest batches are due at all; called under the lock. */
    boolean ingesting();

    /** Starts {@code step} for the channels of {@code generation}; completes when it has ended. */
    CompletableFuture<Void> run(Step step, long generation, Session session);
  }

  private final DataNodeState state;
  private final Object lock;
  private final ScheduledExecutorService scheduler;
  private final Runner runner;
  private final long pollNanos;
  private final long syncNanos;
  private final long batchNanos;
  private final List<CompletableFuture<Void>> ingestIdle = new ArrayList<>();
  /** Waiting for the next sync to start, and for the running one to end. */
  private final List<CompletableFuture<Void>> syncWaiting = new ArrayList<>();
  private final List<CompletableFuture<Void>> syncRunning = new ArrayList<>();
  private boolean closed;
  private Step running;
  private long nextPoll;
  private long nextSync;
  private long nextIngest;
  private ScheduledFuture<?> timer;
  private ErrorCode lastStepError;

  DataNodeLoop(DataNodeState state, ScheduledExecutorService scheduler, Duration poll, Duration sync,
               Duration batch, Runner runner) {
    this.state = state;
    this.lock = state.lock;
    this.scheduler = scheduler;
    this.runner = runner;
    this.pollNanos = poll.toNanos();
    this.syncNanos = sync.toNanos();
    this.batchNanos = batch.toNanos();
    long now = System.nanoTime();
    this.nextPoll = now;
    this.nextSync = now + syncNanos;
    this.nextIngest = now + batchNanos;
  }

  /** Queues {@code idle} for the end of the running ingest batch; false if none runs. */
  boolean awaitIngestLocked(CompletableFuture<Void> idle) {
    if (running != Step.INGEST) {
      return false;
    }
    ingestIdle.add(idle);
    return true;
  }

  /** Runs a sync as soon as the running step ends; completes when it has ended (at once if closed). */
  CompletableFuture<Void> syncNow() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    synchronized (lock) {
      if (closed) {
        done.complete(null);
        return done;
      }
      syncWaiting.add(done);
      nextSync = System.nanoTime();
    }
    wake();
    return done;
  }

  /** Makes the sync due now (it runs when the running step ends). */
  void syncSoonLocked() {
    nextSync = System.nanoTime();
  }

  /** Makes the poll due at {@code nanos}. */
  void pollAtLocked(long nanos) {
    nextPoll = nanos;
  }

  /** Stops the loop for good; false if it was stopped already. */
  boolean closeLocked() {
    if (closed) {
      return false;
    }
    closed = true;
    if (timer != null) {
      timer.cancel(false);
    }
    return true;
  }

  /** Everyone waiting for a step, removed (the caller completes them outside the lock). */
  List<CompletableFuture<Void>> takeWaitersLocked() {
    List<CompletableFuture<Void>> waiters = new ArrayList<>(ingestIdle);
    waiters.addAll(syncWaiting);
    waiters.addAll(syncRunning);
    ingestIdle.clear();
    syncWaiting.clear();
    syncRunning.clear();
    return waiters;
  }

  /** Schedules the next step when its time comes (nothing while one runs: its end does that). */
  void wake() {
    synchronized (lock) {
      if (closed || running != null) {
        return;
      }
      if (timer != null) {
        timer.cancel(false);
      }
      long now = System.nanoTime();
      long delay = Math.min(nextPoll - now, nextSync - now);
      if (runner.ingesting()) {
        delay = Math.min(delay, nextIngest - now);
      }
      try {
        timer = scheduler.schedule(this::step, Math.max(0, delay), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        LOG.debug("data node {}: the client is closed; the node stops", state.serverId());
      }
    }
  }

  private void step() {
    Step s = null;
    long gen;
    Session sess;
    synchronized (lock) {
      if (closed || running != null) {
        return;
      }
      timer = null;
      long now = System.nanoTime();
      if (state.session == null) {
        // Registering again: the registered() callback wakes the loop.
        return;
      }
      // The step due longest goes first, so that slow calls stretch every interval alike and
      // none starves the others.
      long overdue = -1;
      if (now - nextPoll > overdue) {
        s = Step.POLL;
        overdue = now - nextPoll;
      }
      if (now - nextSync > overdue) {
        s = Step.SYNC;
        overdue = now - nextSync;
      }
      if (runner.ingesting() && now - nextIngest > overdue) {
        s = Step.INGEST;
      }
      if (s == Step.POLL) {
        nextPoll = now + pollNanos;
      } else if (s == Step.SYNC) {
        nextSync = now + syncNanos;
      } else if (s == Step.INGEST) {
        nextIngest = now + batchNanos;
      }
      if (s != null) {
        running = s;
      }
      if (s == Step.SYNC) {
        syncRunning.addAll(syncWaiting);
        syncWaiting.clear();
      }
      gen = state.generation;
      sess = state.session;
    }
    if (s == null) {
      wake();
      return;
    }
    CompletableFuture<Void> f;
    try {
      f = runner.run(s, gen, sess);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    Step done = s;
    f.whenComplete((v, err) -> finished(done, err));
  }

  private void finished(Step s, Throwable err) {
    List<CompletableFuture<Void>> idle = List.of();
    synchronized (lock) {
      running = null;
      if (err != null) {
        CoordException e = Futures.toCoord(err);
        state.counters.error(e.code());
        // A failure repeating the previous one is not worth a warning each round.
        String what = e.toString().lines().findFirst().orElse("");
        if (e.code() != lastStepError) {
          LOG.warn("data node {}: {} failed: {}", state.serverId(), s, what);
        } else {
          LOG.debug("data node {}: {} failed: {}", state.serverId(), s, what);
        }
        lastStepError = e.code();
      } else {
        lastStepError = null;
      }
      if (s == Step.INGEST && !ingestIdle.isEmpty()) {
        idle = new ArrayList<>(ingestIdle);
        ingestIdle.clear();
      } else if (s == Step.SYNC && !syncRunning.isEmpty()) {
        idle = new ArrayList<>(syncRunning);
        syncRunning.clear();
      }
    }
    idle.forEach(w -> w.complete(null));
    wake();
  }
}
