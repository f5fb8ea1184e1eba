package io.raftcoord.server;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The leader's wall clock, with an offset that tests (and the clock fault, behind a test flag)
 * can move forward or back. Only the leader reads it, to stamp entries before logging them.
 */
public final class ServerClock {
  private final AtomicLong offsetMs = new AtomicLong();

  public long nowMs() {
    return System.currentTimeMillis() + offsetMs.get();
  }

  public void setOffsetMs(long offset) {
    offsetMs.set(offset);
  }

  public long offsetMs() {
    return offsetMs.get();
  }
}
