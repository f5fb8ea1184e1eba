package io.raftcoord.tools.cli;

import io.raftcoord.client.CoordException;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.datacoord.FlushState;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Polls a flush's state until it is flushed or a deadline passes: the first poll at once, then
 * with a growing pause (100 ms × 1.5 up to 2 s), never sleeping past the deadline. Progress (what
 * is still pending) is reported when it changes and otherwise every 10 s. A poll that fails with
 * an outcome-unknown error (UNAVAILABLE, DEADLINE_EXCEEDED, e.g. during a leader change) is
 * reported and retried; any other error ends the wait.
 */
final class FlushWait {
  static final long FIRST_PAUSE_MS = 100;
  static final long MAX_PAUSE_MS = 2_000;
  static final long QUIET_REPORT_MS = 10_000;

  /** Time and sleeping, replaceable in tests. */
  interface Clock {
    long nowMs();

    void sleep(long ms) throws InterruptedException;
  }

  static final Clock SYSTEM = new Clock() {
    @Override
    public long nowMs() {
      return System.nanoTime() / 1_000_000;
    }

    @Override
    public void sleep(long ms) throws InterruptedException {
      Thread.sleep(ms);
    }
  };

  /** The last state seen (null when no poll answered) and how long the wait took. */
  record Result(boolean flushed, FlushState last, long waitedMs, int polls) {}

  private FlushWait() {}

  static Result await(Supplier<FlushState> poll, long timeoutMs, Clock clock, Consumer<String> progress)
      throws InterruptedException {
    long start = clock.nowMs();
    long deadline = start + timeoutMs;
    long pause = FIRST_PAUSE_MS;
    FlushState last = null;
    String lastReported = null;
    long lastReportMs = start;
    int polls = 0;
    while (true) {
      polls++;
      try {
        FlushState s = poll.get();
        last = s;
        if (s.getFlushed()) {
          return new Result(true, s, clock.nowMs() - start, polls);
        }
        String p = DataCoordOutput.pendingText(s);
        long now = clock.nowMs();
        if (!p.equals(lastReported) || now - lastReportMs >= QUIET_REPORT_MS) {
          progress.accept("waiting (" + DataCoordOutput.age(now - start) + "): " + p);
          lastReported = p;
          lastReportMs = now;
        }
      } catch (CoordException e) {
        if (e.code() != ErrorCode.UNAVAILABLE && e.code() != ErrorCode.DEADLINE_EXCEEDED) {
          throw e;
        }
        progress.accept("flush state: " + CliSupport.describe(e) + " (retrying)");
        lastReported = null;
      }
      long now = clock.nowMs();
      if (now >= deadline) {
        return new Result(false, last, now - start, polls);
      }
      clock.sleep(Math.min(pause, deadline - now));
      pause = Math.min(MAX_PAUSE_MS, pause * 3 / 2);
    }
  }

  /** The error a timed-out wait ends with (exit code 1). */
  static CoordException timedOut(String collection, long timeoutMs, Result r) {
    String what = r.last() == null ? "no flush state could be read"
        : DataCoordOutput.pendingText(r.last());
    return new CoordException(ErrorCode.DEADLINE_EXCEEDED, "flush of " + collection + " not finished after "
        + DataCoordOutput.duration(timeoutMs) + ": " + what);
  }
}
