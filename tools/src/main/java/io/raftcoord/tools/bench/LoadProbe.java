package io.raftcoord.tools.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * The leader's side of {@code bench.sh load plan}: its duty counters from {@code /metrics}, the CPU
 * time of its {@code leader-duties} thread (from {@code /proc/<pid>/task}), and where that thread is
 * (the io.raftcoord frames of {@code jcmd <pid> Thread.print}). The duty counters' seconds cover
 * only proposing a round's commands and waiting for them: the planning itself runs before (in
 * CoordState.planDuties, under the entry read lock) and is not in them, so the thread's CPU is the
 * measure of planning.
 */
final class LoadProbe {
  static final String THREAD = "leader-duties";

  private final AdminProbe admin;
  final int leader;
  final long pid;

  LoadProbe(AdminProbe admin) {
    this.admin = admin;
    int l = admin.leader(0);
    for (int i = 0; i < 50 && l <= 0; i++) {
      ClosedLoop.sleepQuietly(100); // an election under way (frequent on a saturated machine)
      l = admin.leader(0);
    }
    this.leader = l;
    OptionalLong p = leader > 0 ? ReplicaPids.byAdminPort(admin.adminPort(leader)) : OptionalLong.empty();
    this.pid = p.orElse(-1);
  }

  /** The leader's counters of {@code duty}, if it ran there. */
  Optional<DutyMetrics> duty(String duty) {
    return leader <= 0 ? Optional.empty() : admin.get(leader, "/metrics").flatMap(t -> DutyMetrics.parse(t, duty));
  }

  /** utime + stime (clock ticks) of the leader's leader-duties thread, or -1. */
  long dutyThreadTicks() {
    if (pid <= 0) {
      return -1;
    }
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
      for (Path t : tasks) {
        try {
          if (Files.readString(t.resolve("comm"), StandardCharsets.US_ASCII).strip().equals(THREAD)) {
            return ProcCpu.parseTicks(Files.readString(t.resolve("stat"), StandardCharsets.US_ASCII));
          }
        } catch (IOException | RuntimeException e) {
          // thread gone
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return -1;
  }

  /** The leader-duties thread's stack from one thread dump (frames "class.method"), empty if not found. */
  List<String> dutyStack() {
    List<String> frames = new ArrayList<>();
    if (pid <= 0) {
      return frames;
    }
    try {
      Process p = new ProcessBuilder("jcmd", Long.toString(pid), "Thread.print").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(30, TimeUnit.SECONDS);
      boolean in = false;
      for (String line : out.split("\n")) {
        if (line.startsWith("\"")) {
          in = line.startsWith("\"" + THREAD + "\"");
          continue;
        }
        if (in) {
          String s = line.strip();
          if (s.isEmpty()) {
            break;
          }
          if (s.startsWith("at ")) {
            String f = s.substring(3);
            int paren = f.indexOf('(');
            frames.add(paren > 0 ? f.substring(0, paren) : f);
          }
        }
      }
    } catch (IOException e) {
      return frames;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return frames;
  }

  /**
   * What a sample of the duty thread was doing: the top io.raftcoord frame, and, if it is below
   * CheckerDuty.plan, the frame under it that names the planner step.
   */
  static String classify(List<String> frames) {
    if (frames.isEmpty()) {
      return "(no sample)";
    }
    String top = null;
    for (String f : frames) {
      if (f.startsWith("io.raftcoord.")) {
        top = f;
        break;
      }
    }
    if (top == null) {
      return "(outside raftcoord) " + frames.get(0);
    }
    String step = null;
    for (String f : frames) {
      if (f.contains(".querycoord.") && (f.contains("PlacementPlanner.") || f.contains("ReplicaViews.")
          || f.contains("Serving.") || f.contains("CheckerDuty.observe"))) {
        step = f;
      }
    }
    boolean propose = frames.stream().anyMatch(f -> f.endsWith("LeaderDuties.propose"));
    String leaf = shortName(frames.get(0));
    String where = shortName(top) + (step != null && !step.equals(top) ? " < " + shortName(step) : "");
    if (propose) {
      return "proposing (waiting for commit) [" + leaf + "]";
    }
    return where + (leaf.equals(shortName(top)) ? "" : " [" + leaf + "]");
  }

  static String shortName(String frame) {
    int dot = frame.lastIndexOf('.');
    int prev = dot > 0 ? frame.lastIndexOf('.', dot - 1) : -1;
    return prev >= 0 ? frame.substring(prev + 1) : frame;
  }

  /** Counts of {@link #classify} over {@code k} samples spread over {@code windowMs}. */
  Map<String, Integer> profile(int k, long windowMs) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (int i = 0; i < k; i++) {
      long t0 = System.nanoTime();
      counts.merge(classify(dutyStack()), 1, Integer::sum);
      long spent = (System.nanoTime() - t0) / 1_000_000;
      ClosedLoop.sleepQuietly(Math.max(50, windowMs / Math.max(1, k) - spent));
    }
    return counts;
  }
}
