package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.Steps.m;

import io.raftcoord.proto.ReplicaStatus;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A replica's disk fills up. The first time a replica is the victim (a follower), it is killed,
 * its data directory moved onto a size-capped tmpfs mounted on the same path
 * ({@code mount -t tmpfs -o size=...}) and it is restarted there; it stays there until the run
 * ends. Half the time leadership is then handed to the victim, so that it is the leader whose
 * disk fills. The tmpfs is shrunk to what is used plus 4 MB ({@code remount,size=}), a ballast
 * file takes every free byte, and the fault watches for a few seconds what the replica does
 * (exits, stops applying, steps down...). Then the ballast is deleted and the tmpfs made roomy
 * again; if the replica is alive the fault waits briefly for it to catch up by itself, otherwise
 * (or if it does not) it is restarted on its data directory. Exits of the victim while its disk is
 * full are expected (halting on a full disk is acceptable if it recovers after restart); what
 * happened is in the timeline ({@code full}, {@code observed}, {@code log}, {@code recovered}).
 */
final class DiskFault implements Fault {
  private static final long HEADROOM = 64L << 20;
  /** Free space left below the ballast's when shrinking the tmpfs before filling it. */
  private static final long SMALL = 4L << 20;
  private static final long ROOMY_MB = 4096;
  private static final AtomicInteger MOUNTS = new AtomicInteger();
  /** Data directories this JVM has put on a tmpfs (they stay there until the run ends). */
  private static final java.util.Set<String> TMPFS = new java.util.HashSet<>();

  private final String unavailable;
  private final CleanupManifest manifest;

  /** @param unavailable why tmpfs mounts cannot be made here, or null */
  DiskFault(String unavailable, CleanupManifest manifest) {
    this.unavailable = unavailable;
    this.manifest = manifest;
  }

  /** Why this machine cannot mount a tmpfs (not root, no mount), or null: tries one under {@code workDir}. */
  static String probe(Path workDir) {
    if (!Cmd.onPath("mount") || !Cmd.onPath("umount")) {
      return "no mount/umount command";
    }
    Cmd.Result id = Cmd.exec("id", "-u");
    if (!id.ok() || !id.output().equals("0")) {
      return "not running as root (uid " + id.output() + ")";
    }
    Path p = workDir.resolve("tmpfs-probe");
    try {
      Files.createDirectories(p);
      Cmd.Result r = Cmd.exec("mount", "-t", "tmpfs", "-o", "size=1m", "raftcoord-chaos-probe", p.toString());
      if (!r.ok()) {
        return "cannot mount a tmpfs: " + r.output();
      }
      Cmd.exec("umount", p.toString());
      return null;
    } catch (IOException e) {
      return "cannot mount a tmpfs: " + e;
    } finally {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        // best effort
      }
    }
  }

  @Override
  public String name() {
    return "disk";
  }

  @Override
  public Optional<String> unavailableReason(ChaosEnv env) {
    return Optional.ofNullable(unavailable);
  }

  @Override
  public void inject(ChaosEnv env, Random random) throws Exception {
    ChaosCluster c = env.cluster();
    int leader = c.awaitLeader(Duration.ofSeconds(30));
    int victim = Steps.other(random, leader, leader);
    boolean makeLeader = random.nextBoolean();
    Path dir = c.dataDir(victim);
    if (!onTmpfs(dir)) {
      moveOntoTmpfs(env, c, victim, dir);
    }
    if (makeLeader) {
      long t0 = System.nanoTime();
      boolean ok = c.transferLeadership(victim, Duration.ofSeconds(5));
      env.event(name(), "transfer-leadership", m("to", victim, "ok", ok, "afterMs", Steps.ms(t0)));
    }
    String role = c.status(victim).map(ReplicaStatus::getRole).orElse("?");
    long logLinesBefore = lines(c.logFile(victim));
    Path ballast = dir.resolve("ballast");
    c.expectExit(victim, true);
    try {
      // Shrink the tmpfs to what is used plus a little, then take the rest with the ballast.
      java.nio.file.FileStore fs = Files.getFileStore(dir);
      long used = fs.getTotalSpace() - fs.getUsableSpace();
      Cmd.exec("mount", "-o", "remount,size=" + (((used + SMALL) >> 20) + 1) + "m", dir.toString());
      long filled = fill(ballast);
      long t0 = System.nanoTime();
      env.event(name(), "full", m("replica", victim, "role", role, "ballastMb", filled >> 20,
          "usableBytes", Files.getFileStore(dir).getUsableSpace()));
      observe(env, c, victim, t0, logLinesBefore);
      List<String> errors = ReplicaLogLines.errorLines(c.logFile(victim), logLinesBefore);
      String first = errors.stream().filter(l -> !l.startsWith("Caused by")).findFirst()
          .orElse(errors.isEmpty() ? null : errors.get(0));
      env.event(name(), "log", m("replica", victim, "errorLines", errors.size(),
          "raftLogFailed", ReplicaLogLines.contains(c.logFile(victim), logLinesBefore, "Log already failed"), "first", first));
    } finally {
      Files.deleteIfExists(ballast);
      // Room again, plenty (tmpfs only takes memory for what is written).
      Cmd.exec("mount", "-o", "remount,size=" + ROOMY_MB + "m", dir.toString());
    }
    env.event(name(), "ballast-freed", m("replica", victim, "running", c.isRunning(victim)));
    boolean recovered = false;
    long t1 = System.nanoTime();
    if (c.isRunning(victim)) {
      try {
        c.awaitCaughtUp(victim, Duration.ofSeconds(5));
        recovered = true;
      } catch (AssertionError | RuntimeException e) {
        recovered = false;
      }
    }
    c.expectExit(victim, false);
    if (recovered) {
      env.event(name(), "recovered", m("replica", victim, "how", "by itself, without a restart", "afterMs", Steps.ms(t1)));
      return;
    }
    if (c.isRunning(victim)) {
      env.event(name(), "kill9", m("replica", victim, "why", "alive but not catching up after the ballast was freed"));
      c.kill9(victim);
    }
    env.event(name(), "restart", m("replica", victim));
    c.start(victim);
    long index = c.awaitCaughtUp(victim, Duration.ofSeconds(90));
    env.event(name(), "recovered", m("replica", victim, "how", "after a restart", "index", index,
        "afterMs", Steps.ms(t1)));
  }

  /**
   * Kills the victim, moves its data directory onto a new tmpfs (mounted on the same path, its
   * current size plus 64 MB) and restarts it there. It stays on the tmpfs for the rest of the run
   * (the run copies the data into the report, then unmounts).
   */
  private void moveOntoTmpfs(ChaosEnv env, ChaosCluster c, int victim, Path dir) throws Exception {
    Path onDisk = dir.resolveSibling(dir.getFileName() + ".ondisk");
    env.event(name(), "kill9", m("replica", victim, "role", "follower", "why", "to move its data dir onto a tmpfs"));
    c.kill9(victim);
    Files.move(dir, onDisk);
    Files.createDirectories(dir);
    long used = du(onDisk);
    long size = ((used + HEADROOM) >> 20) + 1;
    Cmd.Result mount = Cmd.exec("mount", "-t", "tmpfs", "-o", "size=" + size + "m",
        "raftcoord-chaos-" + MOUNTS.incrementAndGet(), dir.toString());
    if (!mount.ok()) {
      Files.delete(dir);
      Files.move(onDisk, dir);
      c.start(victim);
      throw new IllegalStateException("mount -t tmpfs on " + dir + " failed: " + mount.output());
    }
    manifest.add("mount", dir.toString());
    synchronized (TMPFS) {
      TMPFS.add(dir.toAbsolutePath().toString());
    }
    Cmd.run("cp", "-a", onDisk + "/.", dir + "/");
    PrivateClasspath.deleteTree(onDisk);
    env.event(name(), "tmpfs", m("replica", victim, "sizeMb", size, "dataMb", used >> 20));
    c.start(victim);
    long t0 = System.nanoTime();
    long index = c.awaitCaughtUp(victim, Duration.ofSeconds(90));
    env.event(name(), "caught-up", m("replica", victim, "index", index, "afterMs", Steps.ms(t0)));
  }

  private static boolean onTmpfs(Path dir) {
    synchronized (TMPFS) {
      return TMPFS.contains(dir.toAbsolutePath().toString());
    }
  }

  static final long OBSERVE_MS = 10_000;
  static final long AFTER_ERROR_MS = 5_000;

  /**
   * Watches the victim after its disk filled: until it exits, or {@value #AFTER_ERROR_MS} ms
   * after its log first shows an I/O error, at most {@value #OBSERVE_MS} ms; then its exit, role
   * and applied index against the leader's commit index.
   */
  private void observe(ChaosEnv env, ChaosCluster c, int victim, long t0, long logFrom) {
    Long exitedAfter = null;
    Long errorAfter = null;
    long appliedAtFull = c.status(victim).map(ReplicaStatus::getAppliedIndex).orElse(-1L);
    while (Steps.ms(t0) < OBSERVE_MS && (errorAfter == null || Steps.ms(t0) < errorAfter + AFTER_ERROR_MS)) {
      if (!c.isRunning(victim)) {
        exitedAfter = Steps.ms(t0);
        break;
      }
      if (errorAfter == null && !ReplicaLogLines.errorLines(c.logFile(victim), logFrom).isEmpty()) {
        errorAfter = Steps.ms(t0);
      }
      Steps.sleep(200);
    }
    Optional<ReplicaStatus> s = c.status(victim);
    Optional<Integer> leader = c.leader();
    long leaderCommit = leader.flatMap(c::status).map(ReplicaStatus::getCommitIndex).orElse(-1L);
    env.event(name(), "observed", m("replica", victim,
        "exited", exitedAfter != null, "exitedAfterMs", exitedAfter, "firstErrorAfterMs", errorAfter,
        "watchedMs", Steps.ms(t0),
        "answersStatus", s.isPresent(),
        "role", s.map(ReplicaStatus::getRole).orElse(null),
        "appliedAtFull", appliedAtFull,
        "appliedNow", s.map(ReplicaStatus::getAppliedIndex).orElse(null),
        "leader", leader.orElse(null),
        "leaderCommit", leaderCommit));
  }

  /** Writes zeros to {@code file} until the file system refuses; returns the bytes written. */
  static long fill(Path file) throws IOException {
    byte[] chunk = new byte[1 << 20];
    long written = 0;
    try (OutputStream out = Files.newOutputStream(file)) {
      while (true) {
        try {
          out.write(chunk);
          out.flush();
          written += chunk.length;
        } catch (IOException full) {
          break;
        }
      }
    } catch (IOException closing) {
      // the last buffered bytes did not fit either
    }
    // Whatever is left below a whole chunk.
    try (OutputStream out = Files.newOutputStream(file, java.nio.file.StandardOpenOption.APPEND)) {
      byte[] small = new byte[4096];
      while (true) {
        out.write(small);
        out.flush();
        written += small.length;
      }
    } catch (IOException full) {
      // full now
    }
    return written;
  }

  static long du(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          return 0;
        }
      }).sum();
    }
  }

  private static long lines(Path log) {
    try (Stream<String> s = Files.lines(log, StandardCharsets.ISO_8859_1)) {
      return s.count();
    } catch (IOException e) {
      return 0;
    }
  }
}
