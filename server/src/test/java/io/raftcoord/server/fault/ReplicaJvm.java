package io.raftcoord.server.fault;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.raftcoord.proto.ReplicaStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * How the fault suite ({@link ReplicaProcesses}) and the chaos suite run a replica as a JVM of
 * its own and talk to it from outside: its ports, its command line, signals, its admin
 * {@code /status}, and polling with a deadline. Invariants: ports are below the kernel's
 * ephemeral range and outside the default local quorum's 9861-9873; every wait ends at its
 * deadline.
 */
public final class ReplicaJvm {
  /** The default local quorum's ports (README); never used by tests, so a running cluster.sh is safe. */
  private static final int RESERVED_LOW = 9861;
  private static final int RESERVED_HIGH = 9873;
  public static final String MAIN_CLASS = "io.raftcoord.server.CoordServer";

  private ReplicaJvm() {}

  /**
   * A port that is free on the loopback now, below the kernel's ephemeral range: a replica
   * restarts on the same port, and while it is down an ephemeral port could be handed to an
   * outgoing connection (or a client retrying against that very port could TCP-self-connect to
   * it), which would make the restart fail to bind.
   */
  public static int freePort(Set<Integer> taken) throws IOException {
    int high = ephemeralLow();
    int low = Math.min(20_000, high - 1_000);
    for (int attempt = 0; attempt < 500; attempt++) {
      int p = ThreadLocalRandom.current().nextInt(low, high);
      if (p >= RESERVED_LOW && p <= RESERVED_HIGH || taken.contains(p)) {
        continue;
      }
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), p), 1);
        taken.add(p);
        return p;
      } catch (IOException busy) {
        // another one
      }
    }
    throw new IOException("no free port found in [" + low + ", " + high + ")");
  }

  private static int ephemeralLow() {
    try {
      String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim();
      int low = Integer.parseInt(range.split("\\s+")[0]);
      return low > 22_000 ? low : 32_768;
    } catch (IOException | RuntimeException e) {
      return 32_768; // the Linux default
    }
  }

  /**
   * {@code java <options> -cp <classpath> CoordServer}, without the server's arguments. C1 only:
   * a fraction of the JIT CPU of tiered C2, which matters with three fresh replica JVMs plus the
   * test JVM on 2 cores; throughput is not what fault runs measure.
   */
  public static List<String> javaCommand(String maxHeap, String classpath, Path logback) {
    return List.of(javaBinary(), "-Xmx" + maxHeap, "-XX:+UseParallelGC", "-XX:TieredStopAtLevel=1",
        "-Dlogback.configurationFile=" + logback, "-cp", classpath, MAIN_CLASS);
  }

  private static String javaBinary() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /** SIGKILLs {@code p} (a stopped process dies of it too) and waits until it is gone. */
  public static void sigkillAndWait(Process p, String who) {
    p.destroyForcibly(); // SIGKILL on Linux
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException(who + " (pid " + p.pid() + ") survived SIGKILL for 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** {@code kill -<sig> <pid>}, failing if kill does. */
  public static void signal(long pid, String sig) {
    try {
      Process k = new ProcessBuilder("kill", "-" + sig, String.valueOf(pid)).redirectErrorStream(true).start();
      if (!k.waitFor(5, TimeUnit.SECONDS) || k.exitValue() != 0) {
        throw new IllegalStateException("kill -" + sig + " " + pid + " failed: "
            + new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** A replica's {@code /status} body as its status, or empty when it reports an error or is unreadable. */
  public static Optional<ReplicaStatus> parseStatus(String body) {
    try {
      ReplicaStatus.Builder b = ReplicaStatus.newBuilder();
      JsonFormat.parser().ignoringUnknownFields().merge(body, b);
      ReplicaStatus s = b.build();
      return s.getError().isEmpty() ? Optional.of(s) : Optional.empty();
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
  }

  /**
   * The replica (1-based) among {@code statuses} that says it leads; the highest term wins if two
   * do (a SIGSTOPped old leader still says so).
   */
  public static Optional<Integer> leaderOf(List<Optional<ReplicaStatus>> statuses) {
    Integer best = null;
    long bestTerm = -1;
    for (int i = 1; i <= statuses.size(); i++) {
      Optional<ReplicaStatus> s = statuses.get(i - 1);
      if (s.isPresent() && "LEADER".equals(s.get().getRole()) && s.get().getTerm() > bestTerm) {
        best = i;
        bestTerm = s.get().getTerm();
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * Polls {@code probe} every 50 ms until it yields a value; at the deadline fails with an
   * AssertionError naming {@code what} and {@code context} (the cluster's state then).
   * {@code eachRound} runs after every empty probe (e.g. to fail fast on a replica that died).
   */
  public static <T> T await(Supplier<Optional<T>> probe, Duration timeout, String what, Supplier<String> context,
                            Runnable eachRound) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<T> v = probe.get();
      if (v.isPresent()) {
        return v.get();
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what + "; "
            + context.get());
      }
      eachRound.run();
      sleep(50);
    }
  }

  /**
   * Waits until replica {@code i} has applied everything the leader had committed when this was
   * called (the target is read once, so a busy quorum cannot keep moving it); returns the target.
   */
  public static long awaitCaughtUp(int i, Duration timeout, IntFunction<Optional<ReplicaStatus>> status,
                                   ToIntFunction<Duration> awaitLeader, Supplier<String> context,
                                   Runnable eachRound) {
    long deadline = System.nanoTime() + timeout.toNanos();
    int leader = awaitLeader.applyAsInt(timeout);
    long target = await(() -> status.apply(leader).map(ReplicaStatus::getCommitIndex), remaining(deadline),
        "the commit index of leader n" + leader, context, eachRound);
    await(() -> status.apply(i).filter(s -> s.getAppliedIndex() >= target).map(s -> true), remaining(deadline),
        "n" + i + " to apply up to index " + target, context, eachRound);
    return target;
  }

  /** What is left of a deadline in {@link System#nanoTime()} terms (at least 1 ns). */
  public static Duration remaining(long deadlineNanos) {
    return Duration.ofNanos(Math.max(1, deadlineNanos - System.nanoTime()));
  }

  public static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
