package io.raftcoord.server.fault;

import io.raftcoord.proto.ReplicaStatus;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Three replicas of raftcoord as real JVM processes on free loopback ports, for fault tests.
 * Replica {@code i} (1..3) keeps its data directory {@code root/n<i>} across restarts; its
 * stdout/stderr are appended to {@code root/n<i>/stdout.log} (one banner line per start). State
 * is read from each replica's admin {@code /status} with short timeouts, so a killed or stopped
 * replica reads as "unreachable" instead of hanging the test. Every wait polls with a deadline.
 */
public final class ReplicaProcesses implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaProcesses.class);
  public static final int SIZE = 3;

  private final Path root;
  private final int[] raftPorts = new int[SIZE];
  private final int[] adminPorts = new int[SIZE];
  private final String peers;
  private final List<String> extraArgs;
  private final Process[] processes = new Process[SIZE];
  private final int[] starts = new int[SIZE];
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(300)).build();
  private final Thread reaper = new Thread(this::killAllQuietly, "replica-reaper");

  /**
   * Replicas run with the shipped {@code RatisTuning}: no raw {@code raft.*} overrides.
   *
   * @param root parent of the replicas' data directories
   * @param extraArgs added to every replica's command line (e.g. {@code --snapshot-threshold 2000})
   */
  public ReplicaProcesses(Path root, List<String> extraArgs) throws IOException {
    this.root = root;
    this.extraArgs = List.copyOf(extraArgs);
    Files.createDirectories(root);
    Set<Integer> taken = new HashSet<>();
    for (int i = 0; i < SIZE; i++) {
      raftPorts[i] = ReplicaJvm.freePort(taken);
      adminPorts[i] = ReplicaJvm.freePort(taken);
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < SIZE; i++) {
      sb.append(i == 0 ? "" : ",").append("127.0.0.1:").append(raftPorts[i]);
    }
    this.peers = sb.toString();
    // If the test JVM exits without close() (e.g. a failsafe timeout), do not leave replicas behind.
    Runtime.getRuntime().addShutdownHook(reaper);
    LOG.info("replicas under {}: peers {}, admin ports {},{},{}, extra args {}", root, peers,
        adminPorts[0], adminPorts[1], adminPorts[2], extraArgs);
  }

  /** {@code host:port,host:port,host:port} for clients. */
  public String peers() {
    return peers;
  }

  /** Ratis peer id of replica {@code i} ("n1".."n3"). */
  public static String peerId(int i) {
    return "n" + i;
  }

  /** Replica {@code i}'s admin HTTP endpoint ({@code /status}, {@code /metrics}, test endpoints). */
  public URI adminUri(int i) {
    check(i);
    return URI.create("http://127.0.0.1:" + adminPorts[i - 1]);
  }

  public Path dataDir(int i) {
    return root.resolve("n" + i);
  }

  public Path logFile(int i) {
    return dataDir(i).resolve("stdout.log");
  }

  public synchronized boolean isRunning(int i) {
    Process p = processes[i - 1];
    return p != null && p.isAlive();
  }

  public synchronized long pid(int i) {
    Process p = processes[i - 1];
    if (p == null || !p.isAlive()) {
      throw new IllegalStateException("replica " + i + " is not running");
    }
    return p.pid();
  }

  /** Starts all three replicas (not waiting for them). */
  public void startAll() throws IOException {
    for (int i = 1; i <= SIZE; i++) {
      start(i);
    }
  }

  /** Starts replica {@code i} on its data directory (recovering whatever is there); does not wait. */
  public synchronized void start(int i) throws IOException {
    check(i);
    if (isRunning(i)) {
      throw new IllegalStateException("replica " + i + " is already running (pid " + processes[i - 1].pid() + ")");
    }
    Path dir = dataDir(i);
    Files.createDirectories(dir);
    List<String> cmd = new ArrayList<>(ReplicaJvm.javaCommand("512m", replicaClasspath().classpath(),
        replicaClasspath().logback()));
    int args = cmd.size();
    cmd.add("--id");
    cmd.add(String.valueOf(i));
    cmd.add("--peers");
    cmd.add(peers);
    cmd.add("--data");
    cmd.add(dir.toString());
    cmd.add("--admin-port");
    cmd.add(String.valueOf(adminPorts[i - 1]));
    cmd.addAll(extraArgs);
    Path log = logFile(i);
    starts[i - 1]++;
    Files.writeString(log, "=== " + Instant.now() + " start #" + starts[i - 1] + " of replica " + i + ": "
        + String.join(" ", cmd.subList(args, cmd.size())) + System.lineSeparator(), StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    processes[i - 1] = pb.start();
    LOG.info("started replica {} (pid {}, start #{})", i, processes[i - 1].pid(), starts[i - 1]);
  }

  /** The replicas' classpath and logging config, prepared once per test JVM. */
  public record ReplicaClasspath(String classpath, Path logback) {}

  private static ReplicaClasspath replicaClasspath;

  /**
   * The test JVM's classpath, except that every mutable entry (directories, and -SNAPSHOT jars:
   * this project's own build outputs and their copies in the local Maven repository) is replaced
   * by a private copy. Other builds in the same workspace rewrite those files in place; a replica
   * that has them open then fails with NoClassDefFoundError (seen here: a concurrent
   * {@code mvn install} rewrote raftcoord-proto-0.1.0-SNAPSHOT.jar and the running replicas
   * could no longer load io.raftcoord.proto.QueryBatch). Release jars are immutable and used in place.
   */
  static synchronized ReplicaClasspath replicaClasspath() throws IOException {
    if (replicaClasspath != null) {
      return replicaClasspath;
    }
    Path dir = Files.createTempDirectory("raftcoord-fault-classpath-");
    Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "delete-replica-classpath"));
    replicaClasspath = copyClasspath(dir);
    return replicaClasspath;
  }

  /** Copies this JVM's mutable classpath entries into {@code dir} (see {@link #replicaClasspath()}). */
  public static ReplicaClasspath copyClasspath(Path dir) throws IOException {
    List<String> entries = new ArrayList<>();
    int copied = 0;
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (entry.isBlank()) {
        continue;
      }
      Path p = Path.of(entry);
      boolean mutable = Files.isDirectory(p) || p.getFileName().toString().contains("-SNAPSHOT");
      if (!mutable || !Files.exists(p)) {
        entries.add(entry);
        continue;
      }
      Path copy = dir.resolve(String.format("%02d-%s", copied++, p.getFileName()));
      if (Files.isDirectory(p)) {
        copyTree(p, copy);
      } else {
        Files.copy(p, copy);
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(copy.toFile())) {
          z.size(); // a torn copy (file rewritten while copying) fails here rather than in a replica
        }
      }
      entries.add(copy.toString());
    }
    Path logback = dir.resolve("replica-logback.xml");
    Files.writeString(logback, REPLICA_LOGBACK, StandardCharsets.UTF_8);
    LOG.info("replica classpath: {} entries, {} mutable ones copied to {}", entries.size(), copied, dir);
    return new ReplicaClasspath(String.join(java.io.File.pathSeparator, entries), logback);
  }

  /** Replica logs go to stdout (redirected to {@code stdout.log}): Ratis elections, snapshots, installs. */
  private static final String REPLICA_LOGBACK = """
      <configuration>
        <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
          <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
        </appender>
        <logger name="org.apache.ratis" level="INFO"/>
        <logger name="org.apache.ratis.server.impl.StateMachineUpdater" level="WARN"/>
        <logger name="org.apache.ratis.thirdparty" level="WARN"/>
        <logger name="io.raftcoord" level="INFO"/>
        <root level="WARN"><appender-ref ref="OUT"/></root>
      </configuration>
      """;

  public static void copyTree(Path from, Path to) throws IOException {
    try (var paths = Files.walk(from)) {
      for (Path src : (Iterable<Path>) paths::iterator) {
        Path dst = to.resolve(from.relativize(src).toString());
        if (Files.isDirectory(src)) {
          Files.createDirectories(dst);
        } else if (Files.isRegularFile(src)) {
          Files.copy(src, dst, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  public static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort
    }
  }

  /** SIGKILL replica {@code i} and wait until the process is gone. */
  public void kill9(int i) {
    Process p;
    synchronized (this) {
      check(i);
      p = processes[i - 1];
    }
    if (p == null || !p.isAlive()) {
      throw new IllegalStateException("replica " + i + " is not running");
    }
    ReplicaJvm.sigkillAndWait(p, "replica " + i);
    synchronized (this) {
      if (processes[i - 1] == p) {
        processes[i - 1] = null;
      }
    }
    LOG.info("killed replica {} (pid {}) with SIGKILL, exit {}", i, p.pid(), p.exitValue());
  }

  /** SIGKILLs all three replicas at once (signals first, then waits), as a power loss would. */
  public void kill9All() {
    List<Process> victims = new ArrayList<>();
    synchronized (this) {
      for (int i = 0; i < SIZE; i++) {
        Process p = processes[i];
        if (p != null && p.isAlive()) {
          p.destroyForcibly();
          victims.add(p);
        }
        processes[i] = null;
      }
    }
    for (Process p : victims) {
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException("pid " + p.pid() + " survived SIGKILL for 10 s");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      }
    }
    LOG.info("killed all replicas with SIGKILL ({} were running)", victims.size());
  }

  /** SIGSTOP: the replica freezes (a long GC pause or a hung VM), keeping its sockets open. */
  public void sigstop(int i) {
    signal(i, "STOP");
  }

  public void sigcont(int i) {
    signal(i, "CONT");
  }

  private void signal(int i, String sig) {
    long pid = pid(i);
    ReplicaJvm.signal(pid, sig);
    LOG.info("sent SIG{} to replica {} (pid {})", sig, i, pid);
  }

  /** Replica {@code i}'s own view from its admin {@code /status}, or empty if it does not answer. */
  public Optional<ReplicaStatus> status(int i) {
    check(i);
    if (!isRunning(i)) {
      return Optional.empty();
    }
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPorts[i - 1] + "/status"))
        .timeout(Duration.ofMillis(700)).GET().build();
    try {
      HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
      return resp.statusCode() == 200 ? ReplicaJvm.parseStatus(resp.body()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** The replica that says it is leader (the highest term wins if two do, e.g. after a SIGSTOP). */
  public Optional<Integer> leader() {
    List<Optional<ReplicaStatus>> all = new ArrayList<>();
    for (int i = 1; i <= SIZE; i++) {
      all.add(status(i));
    }
    return ReplicaJvm.leaderOf(all);
  }

  public int awaitLeader(Duration timeout) {
    return await(this::leader, timeout, "a leader");
  }

  /** Waits for a leader other than {@code excluded} (e.g. the replica just killed or stopped). */
  public int awaitLeaderOtherThan(int excluded, Duration timeout) {
    return await(() -> leader().filter(l -> l != excluded), timeout, "a leader other than replica " + excluded);
  }

  /** A running replica that is not the leader. */
  public int aFollower(Duration timeout) {
    int leader = awaitLeader(timeout);
    for (int i = 1; i <= SIZE; i++) {
      if (i != leader && isRunning(i)) {
        return i;
      }
    }
    throw new IllegalStateException("no running follower (leader is " + leader + ")");
  }

  /**
   * Waits until replica {@code i} has applied everything the leader had committed when this was
   * called (the target is read once, so a busy quorum cannot keep moving it).
   */
  public long awaitCaughtUp(int i, Duration timeout) {
    return ReplicaJvm.awaitCaughtUp(i, timeout, this::status, this::awaitLeader, this::describe,
        this::assertStillRunning);
  }

  /** Waits until every replica answers /status. */
  public void awaitAllUp(Duration timeout) {
    for (int i = 1; i <= SIZE; i++) {
      int r = i;
      await(() -> status(r).map(s -> true), timeout, "replica " + r + " to answer /status");
    }
  }

  /** Polls {@code probe} every 50 ms until it yields a value; fails with {@code what} at the deadline. */
  public <T> T await(Supplier<Optional<T>> probe, Duration timeout, String what) {
    return ReplicaJvm.await(probe, timeout, what, this::describe, this::assertStillRunning);
  }

  public static void awaitTrue(BooleanSupplier condition, Duration timeout, String what) {
    awaitTrue(condition, timeout, () -> what);
  }

  /** Polls {@code condition} every 50 ms; {@code what} is computed only when the wait fails. */
  public static void awaitTrue(BooleanSupplier condition, Duration timeout, Supplier<String> what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what.get());
      }
      sleep(50);
    }
  }

  static void sleep(long ms) {
    ReplicaJvm.sleep(ms);
  }

  /** A replica that exited by itself (not killed by us) is a finding: fail loudly with its log. */
  private synchronized void assertStillRunning() {
    for (int i = 1; i <= SIZE; i++) {
      Process p = processes[i - 1];
      if (p != null && !p.isAlive()) {
        processes[i - 1] = null;
        throw new AssertionError("replica " + i + " (pid " + p.pid() + ") exited by itself with code "
            + p.exitValue() + "; see " + logFile(i) + ":\n" + tail(logFile(i), 40));
      }
    }
  }

  /** One line per replica: pid and what /status says. */
  public String describe() {
    StringBuilder b = new StringBuilder();
    for (int i = 1; i <= SIZE; i++) {
      b.append(i == 1 ? "" : "; ").append("n").append(i).append(": ");
      if (!isRunning(i)) {
        b.append("not running");
        continue;
      }
      Optional<ReplicaStatus> s = status(i);
      b.append(s.map(st -> st.getRole() + " term " + st.getTerm() + " leader " + st.getLeaderId() + " commit "
          + st.getCommitIndex() + " applied " + st.getAppliedIndex() + " store " + st.getStoreAppliedIndex()
          + " snapshot " + st.getSnapshotIndex()).orElse("no /status"));
    }
    return b.toString();
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e + ")";
    }
  }

  private static void check(int i) {
    if (i < 1 || i > SIZE) {
      throw new IllegalArgumentException("replica must be 1.." + SIZE + ", got " + i);
    }
  }

  private synchronized void killAllQuietly() {
    for (Process p : processes) {
      if (p != null && p.isAlive()) {
        // A stopped process still dies of SIGKILL.
        p.destroyForcibly();
      }
    }
  }

  /** SIGKILLs every replica still running and waits for them to go. */
  @Override
  public void close() {
    killAllQuietly();
    for (int i = 0; i < SIZE; i++) {
      Process p = processes[i];
      if (p != null) {
        try {
          p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        processes[i] = null;
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException e) {
      // already shutting down
    }
  }
}
