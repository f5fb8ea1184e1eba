package io.raftcoord.server.chaos;

import io.raftcoord.proto.ClusterLayout;
import io.raftcoord.proto.ReplicaStatus;
import io.raftcoord.server.fault.ReplicaJvm;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The three replica JVMs of a chaos run, like the fault suite's {@code ReplicaProcesses} but
 * optionally each in a network namespace: replica {@code i} then runs under
 * {@code ip netns exec <ns> java ...} and binds its Raft and admin ports on its namespace
 * address, which is its entry in {@code --peers} (a replica binds to its own peers entry). Data
 * directories are {@code root/data/n<i>}; stdout/stderr of every start are appended to
 * {@code root/logs/n<i>.log} (outside the data directory, so a full disk does not stop the log).
 * Replicas run with {@code --test-clock-control}. An exit nobody asked for is recorded and
 * reported by {@link #pollExits()}.
 */
final class ChaosReplicas implements ChaosCluster, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ChaosReplicas.class);
  static final int SIZE = 3;

  /** A replica that exited by itself. {@code expected}: a fault had said it might (e.g. a full disk). */
  record Exit(int replica, long pid, int code, boolean expected, long atMs) {}

  private final Path root;
  private final String[] hosts = new String[SIZE];
  private final int[] raftPorts = new int[SIZE];
  private final int[] adminPorts = new int[SIZE];
  private final String peers;
  private final List<String> extraArgs;
  private final Function<Integer, List<String>> launcher;
  private final CleanupManifest manifest;
  private final Supplier<Long> clockMs;
  private final Process[] processes = new Process[SIZE];
  private final boolean[] stopped = new boolean[SIZE];
  private final boolean[] exitExpected = new boolean[SIZE];
  private final int[] starts = new int[SIZE];
  private final List<Exit> exits = new ArrayList<>();
  private final List<Exit> unreported = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(400)).build();
  private final Thread reaper = new Thread(this::killAllQuietly, "chaos-replica-reaper");
  private RaftClient adminRaftClient;

  /**
   * @param hosts per replica the address it binds and clients use (127.0.0.1, or its namespace address)
   * @param launcher per replica the command prefix (empty, or {@code ip netns exec ns})
   * @param extraArgs added to every replica's command line
   * @param clockMs the run clock, for stamping exits
   */
  ChaosReplicas(Path root, List<String> hosts, Function<Integer, List<String>> launcher, List<String> extraArgs,
                CleanupManifest manifest, Supplier<Long> clockMs) throws IOException {
    this.root = root;
    this.launcher = launcher;
    this.extraArgs = List.copyOf(extraArgs);
    this.manifest = manifest;
    this.clockMs = clockMs;
    Files.createDirectories(root.resolve("data"));
    Files.createDirectories(root.resolve("logs"));
    Set<Integer> taken = new HashSet<>();
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < SIZE; i++) {
      this.hosts[i] = hosts.get(i);
      raftPorts[i] = ReplicaJvm.freePort(taken);
      adminPorts[i] = ReplicaJvm.freePort(taken);
      sb.append(i == 0 ? "" : ",").append(this.hosts[i]).append(':').append(raftPorts[i]);
    }
    this.peers = sb.toString();
    Runtime.getRuntime().addShutdownHook(reaper);
    LOG.info("replicas under {}: peers {}, admin ports {},{},{}, extra args {}", root, peers, adminPorts[0],
        adminPorts[1], adminPorts[2], extraArgs);
  }

  String peers() {
    return peers;
  }

  @Override
  public Path dataDir(int i) {
    check(i);
    return root.resolve("data").resolve("n" + i);
  }

  @Override
  public Path logFile(int i) {
    check(i);
    return root.resolve("logs").resolve("n" + i + ".log");
  }

  int adminPort(int i) {
    return adminPorts[i - 1];
  }

  @Override
  public URI adminUri(int i) {
    check(i);
    return URI.create("http://" + hosts[i - 1] + ":" + adminPorts[i - 1]);
  }

  String host(int i) {
    return hosts[i - 1];
  }

  @Override
  public synchronized boolean isRunning(int i) {
    check(i);
    reap(i);
    Process p = processes[i - 1];
    return p != null && p.isAlive();
  }

  /** If replica {@code i} died by itself, records its exit (as expected or not, as of now). */
  private synchronized Exit reap(int i) {
    Process p = processes[i - 1];
    if (p == null || p.isAlive()) {
      return null;
    }
    processes[i - 1] = null;
    stopped[i - 1] = false;
    manifest.remove("pid", String.valueOf(p.pid()));
    Exit e = new Exit(i, p.pid(), p.exitValue(), exitExpected[i - 1], clockMs.get());
    exits.add(e);
    unreported.add(e);
    LOG.warn("replica n{} (pid {}) exited by itself with code {}{}", i, p.pid(), p.exitValue(),
        exitExpected[i - 1] ? " (a fault allowed it)" : "");
    return e;
  }

  @Override
  public synchronized boolean isStopped(int i) {
    return isRunning(i) && stopped[i - 1];
  }

  synchronized long pid(int i) {
    Process p = processes[i - 1];
    if (p == null || !p.isAlive()) {
      throw new IllegalStateException("replica n" + i + " is not running");
    }
    return p.pid();
  }

  void startAll() throws IOException {
    for (int i = 1; i <= SIZE; i++) {
      start(i);
    }
  }

  @Override
  public synchronized void start(int i) throws IOException {
    check(i);
    if (isRunning(i)) {
      throw new IllegalStateException("replica n" + i + " is already running (pid " + processes[i - 1].pid() + ")");
    }
    Path dir = dataDir(i);
    Files.createDirectories(dir);
    PrivateClasspath cp = PrivateClasspath.get(root);
    List<String> cmd = new ArrayList<>(launcher.apply(i));
    int prefix = cmd.size();
    cmd.addAll(ReplicaJvm.javaCommand("1g", cp.classpath(), cp.logback()));
    int args = cmd.size();
    cmd.addAll(List.of("--id", String.valueOf(i), "--peers", peers, "--data", dir.toString(),
        "--admin-port", String.valueOf(adminPorts[i - 1]), "--test-clock-control"));
    cmd.addAll(extraArgs);
    Path log = logFile(i);
    starts[i - 1]++;
    Files.writeString(log, "=== " + Instant.now() + " start #" + starts[i - 1] + " of replica n" + i + ": "
        + String.join(" ", cmd.subList(0, prefix)) + (prefix > 0 ? " " : "") + "java ... CoordServer "
        + String.join(" ", cmd.subList(args, cmd.size())) + System.lineSeparator(), StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    processes[i - 1] = p;
    stopped[i - 1] = false;
    manifest.add("pid", String.valueOf(p.pid()));
    LOG.info("started replica n{} (pid {}, start #{})", i, p.pid(), starts[i - 1]);
  }

  @Override
  public void kill9All(int... replicas) {
    List<Process> victims = new ArrayList<>();
    synchronized (this) {
      for (int i : replicas) {
        check(i);
        reap(i);
        Process p = processes[i - 1];
        if (p == null) {
          throw new IllegalStateException("replica n" + i + " is not running");
        }
        processes[i - 1] = null;
        stopped[i - 1] = false;
        victims.add(p);
      }
    }
    victims.forEach(Process::destroyForcibly); // SIGKILL on Linux, all before any wait
    for (int k = 0; k < victims.size(); k++) {
      Process p = victims.get(k);
      ReplicaJvm.sigkillAndWait(p, "replica n" + replicas[k]);
      manifest.remove("pid", String.valueOf(p.pid()));
    }
    LOG.info("killed replicas {} with SIGKILL at once", java.util.Arrays.toString(replicas));
  }

  @Override
  public void kill9(int i) {
    Process p;
    synchronized (this) {
      check(i);
      reap(i);
      p = processes[i - 1];
      if (p == null) {
        throw new IllegalStateException("replica n" + i + " is not running");
      }
      processes[i - 1] = null; // from here on its exit is ours, not a finding
      stopped[i - 1] = false;
    }
    ReplicaJvm.sigkillAndWait(p, "replica n" + i);
    manifest.remove("pid", String.valueOf(p.pid()));
    LOG.info("killed replica n{} (pid {}) with SIGKILL", i, p.pid());
  }

  @Override
  public void sigstop(int i) {
    signal(i, "STOP");
    synchronized (this) {
      stopped[i - 1] = true;
    }
  }

  @Override
  public void sigcont(int i) {
    signal(i, "CONT");
    synchronized (this) {
      stopped[i - 1] = false;
    }
  }

  private void signal(int i, String sig) {
    long pid = pid(i);
    ReplicaJvm.signal(pid, sig);
    LOG.info("sent SIG{} to replica n{} (pid {})", sig, i, pid);
  }

  @Override
  public synchronized void expectExit(int i, boolean expected) {
    reap(i);
    exitExpected[i - 1] = expected;
  }

  /** Replicas that exited by themselves since the last call (each reported once). */
  synchronized List<Exit> pollExits() {
    for (int i = 1; i <= SIZE; i++) {
      reap(i);
    }
    List<Exit> found = List.copyOf(unreported);
    unreported.clear();
    return found;
  }

  synchronized List<Exit> exits() {
    return List.copyOf(exits);
  }

  @Override
  public Optional<ReplicaStatus> status(int i) {
    check(i);
    if (!isRunning(i)) {
      return Optional.empty();
    }
    try {
      return statusAsync(i).get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  private CompletableFuture<Optional<ReplicaStatus>> statusAsync(int i) {
    if (!isRunning(i)) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + hosts[i - 1] + ":" + adminPorts[i - 1] + "/status"))
        .timeout(Duration.ofMillis(800)).GET().build();
    return http.sendAsync(req, HttpResponse.BodyHandlers.ofString()).handle((resp, err) ->
        err != null || resp.statusCode() != 200 ? Optional.empty() : ReplicaJvm.parseStatus(resp.body()));
  }

  /** Every replica's status, asked in parallel (a stopped replica costs one timeout, not three). */
  List<Optional<ReplicaStatus>> statusAll() {
    List<CompletableFuture<Optional<ReplicaStatus>>> fs = new ArrayList<>();
    for (int i = 1; i <= SIZE; i++) {
      fs.add(statusAsync(i));
    }
    List<Optional<ReplicaStatus>> out = new ArrayList<>();
    for (CompletableFuture<Optional<ReplicaStatus>> f : fs) {
      try {
        out.add(f.get(2, TimeUnit.SECONDS));
      } catch (Exception e) {
        out.add(Optional.empty());
      }
    }
    return out;
  }

  /** The replica that says it leads (the highest term wins if two do, e.g. a stopped old leader). */
  @Override
  public Optional<Integer> leader() {
    List<Optional<ReplicaStatus>> all = new ArrayList<>(statusAll());
    for (int i = 1; i <= SIZE; i++) {
      if (isStopped(i)) {
        all.set(i - 1, Optional.empty());
      }
    }
    return ReplicaJvm.leaderOf(all);
  }

  @Override
  public int awaitLeader(Duration timeout) {
    return await(this::leader, timeout, "a leader");
  }

  /** A running, not stopped replica other than the leader, at random. */
  Optional<Integer> aFollower(int leader, java.util.Random random) {
    List<Integer> c = new ArrayList<>();
    for (int i = 1; i <= SIZE; i++) {
      if (i != leader && isRunning(i) && !isStopped(i)) {
        c.add(i);
      }
    }
    return c.isEmpty() ? Optional.empty() : Optional.of(c.get(random.nextInt(c.size())));
  }

  @Override
  public long awaitCaughtUp(int i, Duration timeout) {
    return ReplicaJvm.awaitCaughtUp(i, timeout, this::status, this::awaitLeader, this::describe, () -> {});
  }

  @Override
  public void setClockOffset(int i, long offsetMs) throws IOException, InterruptedException {
    HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + hosts[i - 1] + ":" + adminPorts[i - 1]
            + "/admin/clock?offsetMs=" + offsetMs)).timeout(Duration.ofSeconds(2))
        .POST(HttpRequest.BodyPublishers.noBody()).build();
    HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
    if (resp.statusCode() != 200 || !resp.body().trim().equals("offsetMs=" + offsetMs)) {
      throw new IOException("n" + i + " /admin/clock?offsetMs=" + offsetMs + " answered " + resp.statusCode() + ": "
          + resp.body().trim());
    }
    LOG.info("n{} clock offset now {} ms", i, offsetMs);
  }

  /**
   * Ratis transferLeadership, up to three attempts: under load the target is often not yet
   * up to date when asked, and Ratis then answers DIFFERENT_LEADER.
   */
  @Override
  public boolean transferLeadership(int to, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int attempt = 1; attempt <= 3 && System.nanoTime() < deadline; attempt++) {
      try {
        RaftClient c = adminClient();
        long left = Math.max(500, (deadline - System.nanoTime()) / 1_000_000);
        RaftClientReply r = c.admin().transferLeadership(RaftPeerId.valueOf("n" + to), left);
        if (r.isSuccess() && leader().filter(l -> l == to).isPresent()) {
          return true;
        }
        LOG.info("transferLeadership to n{} (attempt {}) not done: {}", to, attempt,
            r.getException() == null ? "leader is " + leader().orElse(-1) : r.getException().toString());
      } catch (IOException | RuntimeException e) {
        LOG.info("transferLeadership to n{} (attempt {}) failed: {}", to, attempt, e.toString());
      }
      if (leader().filter(l -> l == to).isPresent()) {
        return true;
      }
      sleep(200);
    }
    return leader().filter(l -> l == to).isPresent();
  }

  private synchronized RaftClient adminClient() {
    if (adminRaftClient == null) {
      List<RaftPeer> ps = new ArrayList<>();
      for (ClusterLayout.Peer p : ClusterLayout.parsePeers(peers)) {
        ps.add(RaftPeer.newBuilder().setId(p.id()).setAddress(p.address()).build());
      }
      RaftGroup group = RaftGroup.valueOf(RaftGroupId.valueOf(ClusterLayout.GROUP_UUID), ps);
      adminRaftClient = RaftClient.newBuilder().setProperties(new RaftProperties()).setRaftGroup(group)
          .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(10,
              org.apache.ratis.util.TimeDuration.valueOf(200, TimeUnit.MILLISECONDS))).build();
    }
    return adminRaftClient;
  }

  @Override
  public String describe() {
    StringBuilder b = new StringBuilder();
    List<Optional<ReplicaStatus>> all = statusAll();
    for (int i = 1; i <= SIZE; i++) {
      b.append(i == 1 ? "" : "; ").append('n').append(i).append(": ");
      if (!isRunning(i)) {
        b.append("not running");
        continue;
      }
      if (isStopped(i)) {
        b.append("SIGSTOPped ");
      }
      b.append(all.get(i - 1).map(s -> s.getRole() + " term " + s.getTerm() + " commit " + s.getCommitIndex()
          + " applied " + s.getAppliedIndex() + " snapshot " + s.getSnapshotIndex()).orElse("no /status"));
    }
    return b.toString();
  }

  /** Polls {@code probe} every 50 ms until it yields a value; fails (AssertionError) with {@code what} at the deadline. */
  <T> T await(Supplier<Optional<T>> probe, Duration timeout, String what) {
    return ReplicaJvm.await(probe, timeout, what, this::describe, () -> {});
  }

  static void sleep(long ms) {
    ReplicaJvm.sleep(ms);
  }

  private static void check(int i) {
    if (i < 1 || i > SIZE) {
      throw new IllegalArgumentException("replica must be 1.." + SIZE + ", got " + i);
    }
  }

  private synchronized void killAllQuietly() {
    for (Process p : processes) {
      if (p != null && p.isAlive()) {
        p.destroyForcibly();
      }
    }
  }

  /** SIGKILLs every replica still running and waits for them. */
  @Override
  public void close() {
    List<Process> victims = new ArrayList<>();
    synchronized (this) {
      for (int i = 0; i < SIZE; i++) {
        if (processes[i] != null) {
          victims.add(processes[i]);
          processes[i] = null;
        }
      }
    }
    for (Process p : victims) {
      p.destroyForcibly();
    }
    for (Process p : victims) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      manifest.remove("pid", String.valueOf(p.pid()));
    }
    synchronized (this) {
      if (adminRaftClient != null) {
        try {
          adminRaftClient.close();
        } catch (IOException e) {
          // best effort
        }
        adminRaftClient = null;
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException e) {
      // already shutting down
    }
  }
}
