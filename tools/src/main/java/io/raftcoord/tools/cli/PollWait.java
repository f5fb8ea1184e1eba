package io.raftcoord.tools.cli;

import io.raftcoord.client.CoordException;
import io.raftcoord.proto.ErrorCode;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Polls a state until it is final or a deadline passes: the first poll at once, then with a
 * growing pause (100 ms × 1.5 up to 2 s). Progress is reported when it changes and otherwise every
 * 10 s; outcome-unknown errors (UNAVAILABLE, DEADLINE_EXCEEDED) are reported and retried, any
 * other error ends the wait. What the load and compaction waits share.
 */
final class PollWait {
  /** @param last the last state read (null if none was) */
  record Result<S>(boolean finished, S last, long waitedMs) {}

  private PollWait() {}

  static <S> Result<S> await(String what, Supplier<S> poll, Predicate<S> isFinal, Function<S, String> progressText,
                             long timeoutMs, FlushWait.Clock clock, Consumer<String> progress)
      throws InterruptedException {
    long start = clock.nowMs();
    long deadline = start + timeoutMs;
    long pause = FlushWait.FIRST_PAUSE_MS;
    S last = null;
    String lastReported = null;
    long lastReportMs = start;
    while (true) {
      try {
        S s = poll.get();
        last = s;
        if (isFinal.test(s)) {
          return new Result<>(true, s, clock.nowMs() - start);
        }
        String p = progressText.apply(s);
        long now = clock.nowMs();
        if (!p.equals(lastReported) || now - lastReportMs >= FlushWait.QUIET_REPORT_MS) {
          progress.accept("waiting (" + DataCoordOutput.age(now - start) + "): " + p);
          lastReported = p;
          lastReportMs = now;
        }
      } catch (CoordException e) {
        if (e.code() != ErrorCode.UNAVAILABLE && e.code() != ErrorCode.DEADLINE_EXCEEDED) {
          throw e;
        }
        progress.accept(what + ": " + CliSupport.describe(e) + " (retrying)");
        lastReported = null;
      }
      long now = clock.nowMs();
      if (now >= deadline) {
        return new Result<>(false, last, now - start);
      }
      clock.sleep(Math.min(pause, deadline - now));
      pause = Math.min(FlushWait.MAX_PAUSE_MS, pause * 3 / 2);
    }
  }
}
