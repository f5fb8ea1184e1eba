package io.raftcoord.tools.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CPU time of local processes from {@code /proc/<pid>/stat} (utime + stime, in clock ticks):
 * user and system time of every thread of the process, as {@code top} counts it. Linux only;
 * elsewhere every reading is -1 and the figures come out as n/a.
 */
final class ProcCpu {
  private static final Logger LOG = LoggerFactory.getLogger(ProcCpu.class);

  /** Clock ticks per second (getconf CLK_TCK; 100 on every common Linux). */
  static final long TICKS_PER_SEC = clockTicks();

  private ProcCpu() {}

  /** utime + stime of {@code pid} in clock ticks, or -1 if it cannot be read (gone, not Linux). */
  static long ticks(long pid) {
    if (pid <= 0) {
      return -1;
    }
    try {
      return parseTicks(Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** This JVM's own CPU ticks. */
  static long selfTicks() {
    return ticks(ProcessHandle.current().pid());
  }

  /**
   * utime + stime from one {@code /proc/<pid>/stat} line. The command name (field 2) is in
   * parentheses and may hold spaces, so fields are counted after the last ')': field 3 (state)
   * comes first, utime is field 14 and stime field 15.
   */
  static long parseTicks(String stat) {
    String rest = stat.substring(stat.lastIndexOf(')') + 2);
    String[] f = rest.trim().split("\\s+");
    return Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
  }

  /** Ticks over a wall-clock interval as a percentage of one core; NaN when unknown. */
  static double percentOfCore(long ticks, long nanos) {
    if (ticks < 0 || nanos <= 0) {
      return Double.NaN;
    }
    return 100.0 * ticks / TICKS_PER_SEC / (nanos / 1e9);
  }

  /** {@code b - a}, or -1 when either reading failed. */
  static long delta(long a, long b) {
    return a < 0 || b < 0 ? -1 : b - a;
  }

  private static long clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
      if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0 && s.matches("\\d+") && Long.parseLong(s) > 0) {
        return Long.parseLong(s);
      }
    } catch (IOException e) {
      LOG.debug("getconf CLK_TCK failed: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LOG.debug("assuming 100 clock ticks per second");
    return 100;
  }
}
