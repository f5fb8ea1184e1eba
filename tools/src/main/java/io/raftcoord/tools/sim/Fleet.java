package io.raftcoord.tools.sim;

import io.raftcoord.client.CoordException;
import io.raftcoord.tools.cli.CliSupport;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The skeleton every role of {@link SimNodes} shares: starts {@code count} agents on a thread pool
 * (closing those started and failing if one does not start), prints a summary line every few
 * seconds until the duration ends or the process is interrupted, and closes the agents at the end
 * or from a shutdown hook (Ctrl-C, SIGTERM). The hook closes them while the caller's client is
 * still open: {@link #run} waits for it before returning. What starting, summarising and closing
 * mean is up to the caller.
 *
 * @param <A> the agent type
 */
final class Fleet<A> {
  /** Starts node {@code index} (0-based); may block until it has registered. */
  @FunctionalInterface
  interface Starter<A> {
    A start(int index) throws Exception;
  }

  private final PrintWriter out;
  private final int count;
  private final long durationS;
  private final long printMs;
  private final boolean summaryAtEnd;
  private final List<A> agents = Collections.synchronizedList(new ArrayList<>());

  /**
   * @param printMs      milliseconds between summary lines
   * @param summaryAtEnd whether to print one more summary line when {@code durationS} ends
   */
  Fleet(PrintWriter out, int count, long durationS, long printMs, boolean summaryAtEnd) {
    this.out = out;
    this.count = count;
    this.durationS = durationS;
    this.printMs = printMs;
    this.summaryAtEnd = summaryAtEnd;
  }

  /**
   * Runs the fleet: 0 once stopped (duration over or interrupted), {@link CliSupport#EXIT_FAILED}
   * if a node failed to start ({@code startFailure} then heads the line that says why).
   *
   * @param summary told the running agents (a copy), returns the line to print
   * @param close   told the agents still running (never none), closes them
   */
  int run(Starter<A> start, String startFailure, String runningLine, Function<List<A>, String> summary,
      Consumer<List<A>> close) throws InterruptedException {
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      stop.countDown();
      try {
        closeAll(close);
      } finally {
        stopped.countDown();
      }
    }, "simnodes-exit");
    Runtime.getRuntime().addShutdownHook(hook);
    ExecutorService starters = Executors.newFixedThreadPool(Math.min(count, 64));
    List<Future<A>> started = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int n = i;
      started.add(starters.submit(() -> {
        A a = start.start(n);
        agents.add(a);
        return a;
      }));
    }
    for (Future<A> f : started) {
      try {
        f.get();
      } catch (ExecutionException e) {
        starters.shutdownNow();
        out.println("simnodes: " + startFailure + ": " + (e.getCause() instanceof CoordException ce
            ? CliSupport.describe(ce) : e.getCause()));
        Runtime.getRuntime().removeShutdownHook(hook);
        closeAll(close);
        return CliSupport.EXIT_FAILED;
      }
    }
    starters.shutdown();
    out.println(runningLine);
    long end = durationS > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(durationS) : Long.MAX_VALUE;
    long nextPrint = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(printMs);
    for (long now = System.nanoTime(); now < end; ) {
      long waitMs = Math.max(1, (Math.min(nextPrint, end) - now + 999_999) / 1_000_000);
      if (stop.await(waitMs, TimeUnit.MILLISECONDS)) {
        stopped.await();
        return 0;
      }
      now = System.nanoTime();
      if (now >= nextPrint || (summaryAtEnd && now >= end)) {
        out.println(summary.apply(snapshot()));
        nextPrint = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(printMs);
      }
    }
    Runtime.getRuntime().removeShutdownHook(hook);
    closeAll(close);
    return 0;
  }

  private List<A> snapshot() {
    synchronized (agents) {
      return new ArrayList<>(agents);
    }
  }

  /** Hands the running agents to {@code close} once: the hook and the main thread may both call this. */
  private void closeAll(Consumer<List<A>> close) {
    List<A> copy;
    synchronized (agents) {
      copy = new ArrayList<>(agents);
      agents.clear();
    }
    if (!copy.isEmpty()) {
      close.accept(copy);
    }
  }
}
