package io.raftcoord.server.fault;

import io.raftcoord.client.CoordClient;
import io.raftcoord.server.fault.History.Kind;
import io.raftcoord.server.fault.History.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closed-loop client threads mixing single timestamps, timestamp ranges and ID ranges, each call
 * recorded in a {@link History}. All threads share ONE {@link CoordClient}, which lives as long as
 * the test (so its batching and TSO merging are exercised by several threads, and progress after
 * a fault proves that the client recovered by itself: nothing here ever replaces it).
 */
final class Workload implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Workload.class);

  /** Where single timestamps come from. */
  enum TimestampSource {
    /** {@code tso().next()}: logged, correct. */
    TSO_NEXT,
    /** The leader's {@code /test/unsafe-tso} ({@link UnsafeTso}): the planted bug, answered from its memory. */
    UNSAFE_LOCAL
  }

  /** Percentages of single timestamps and timestamp ranges; the rest are ID ranges. */
  record Mix(int singlePct, int rangePct) {
    Mix {
      if (singlePct < 0 || rangePct < 0 || singlePct + rangePct > 100) {
        throw new IllegalArgumentException("bad mix " + singlePct + "/" + rangePct);
      }
    }
  }

  /** Counts OK ops invoked after {@code sinceNanos}. */
  private record Mark(long sinceNanos, LongAdder ok) {}

  private final CoordClient client;
  private final int threads;
  private final History history;
  private final TimestampSource source;
  private final Mix mix;
  private final long seed;
  private final UnsafeTso unsafe;
  private final List<Thread> workers = new ArrayList<>();
  private final LongAdder ok = new LongAdder();
  private final AtomicReference<Mark> mark = new AtomicReference<>(new Mark(Long.MIN_VALUE, new LongAdder()));
  private final java.util.concurrent.atomic.AtomicInteger errorsLogged = new java.util.concurrent.atomic.AtomicInteger();
  private volatile boolean running;

  Workload(CoordClient client, int threads, History history, TimestampSource source, Mix mix, long seed) {
    this(client, threads, history, source, mix, seed, null);
  }

  /** @param unsafe where {@link TimestampSource#UNSAFE_LOCAL} timestamps come from (null for TSO_NEXT) */
  Workload(CoordClient client, int threads, History history, TimestampSource source, Mix mix, long seed,
           UnsafeTso unsafe) {
    if (source == TimestampSource.UNSAFE_LOCAL && unsafe == null) {
      throw new IllegalArgumentException("UNSAFE_LOCAL timestamps need the leader's /test/unsafe-tso endpoint");
    }
    this.client = client;
    this.threads = threads;
    this.history = history;
    this.source = source;
    this.mix = mix;
    this.seed = seed;
    this.unsafe = unsafe;
  }

  void start() {
    running = true;
    for (int t = 0; t < threads; t++) {
      String name = "w" + (t + 1);
      Random rnd = new Random(seed * 31 + t);
      Thread th = new Thread(() -> loop(name, rnd), "workload-" + name);
      th.setDaemon(true);
      workers.add(th);
      th.start();
    }
    LOG.info("workload started: {} threads on one client, source {}, mix {}", threads, source, mix);
  }

  private void loop(String name, Random rnd) {
    while (running) {
      int r = rnd.nextInt(100);
      Kind kind;
      String call;
      int requested;
      if (r < mix.singlePct()) {
        kind = Kind.TSO;
        call = source == TimestampSource.TSO_NEXT ? "tso.next" : AllocCall.UNSAFE_LOCAL;
        requested = 1;
      } else if (r < mix.singlePct() + mix.rangePct()) {
        kind = Kind.TSO;
        call = "tso.allocate";
        requested = 1 + rnd.nextInt(32);
      } else {
        kind = Kind.IDS;
        call = "ids.allocate";
        requested = 1 + rnd.nextInt(1000);
      }
      long invoke = System.nanoTime();
      try {
        AllocCall.Allocated got = AllocCall.perform(client, unsafe, call, requested);
        long ret = System.nanoTime();
        history.ok(name, kind, call, requested, invoke, ret, got.first(), got.count());
        ok.increment();
        Mark m = mark.get();
        if (invoke > m.sinceNanos()) {
          m.ok().increment();
        }
      } catch (RuntimeException | Error e) {
        // An Error too (say NoClassDefFoundError): record it rather than lose the thread silently.
        long ret = System.nanoTime();
        History.Op op = history.failed(name, kind, call, requested, invoke, ret, e);
        if (op.outcome() == Outcome.FAILED) {
          LOG.warn("{}: {} refused: {}", name, call, op.error());
        } else if (e instanceof Error) {
          LOG.error("{}: {} failed with an Error", name, call, e);
        } else if (errorsLogged.incrementAndGet() <= 10) {
          LOG.info("{}: {} outcome unknown after {} ms: {}", name, call, (ret - invoke) / 1_000_000, op.error());
        }
        // The quorum is unavailable or refused: do not spin.
        ReplicaProcesses.sleep(20);
      }
    }
  }

  /** OK ops so far. */
  long okCount() {
    return ok.sum();
  }

  /** Starts counting OK ops invoked from now on; returns the mark time. */
  long mark() {
    long now = System.nanoTime();
    mark.set(new Mark(now, new LongAdder()));
    return now;
  }

  /** Waits until {@code n} OK ops invoked after the last {@link #mark()} have returned. */
  void awaitOkSinceMark(long n, Duration timeout, String what) {
    Mark m = mark.get();
    ReplicaProcesses.awaitTrue(() -> m.ok().sum() >= n, timeout,
        () -> n + " OK ops " + what + " (got " + m.ok().sum() + ")");
  }

  /** Stops the loop and waits for every thread (each call ends within the client deadline). */
  void stop(Duration timeout) throws InterruptedException {
    running = false;
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread t : workers) {
      t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      if (t.isAlive()) {
        throw new AssertionError(t.getName() + " did not stop within " + timeout + " (a client call hung?)");
      }
    }
    LOG.info("workload stopped: {} OK ops", okCount());
  }

  /** Stops the loop without waiting (for failure paths; {@link #stop} is the normal way). */
  @Override
  public void close() {
    running = false;
  }
}
