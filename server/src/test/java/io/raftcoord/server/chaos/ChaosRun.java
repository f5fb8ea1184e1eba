package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.Steps.m;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.proto.DumpReply;
import io.raftcoord.server.fault.History.Kind;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One nemesis run: three replica processes (each in its own network namespace when partitions
 * are asked for and possible), the workloads, and a nemesis injecting random available faults
 * with quiet gaps until the time is up (or, when a violation is expected, until a workload has
 * seen one); then it heals everything, lets the load run a little on the whole cluster, stops
 * the workloads, waits until the replicas' store digests agree, runs every checker and writes
 * the report folder:
 * <pre>
 *   verdict.txt, verdict.json   the outcome, fault counts, failover gaps, each checker's result
 *   history.jsonl               every operation of every workload, by invoke time
 *   faults.jsonl                the fault timeline
 *   driver.log                  this run's log
 *   replicas/n&lt;i&gt;/replica.log   each replica's output over all its starts
 *   replicas/n&lt;i&gt;/data          each replica's data directory at the end
 * </pre>
 * Everything it creates outside the JVM (processes, namespaces, mounts) is listed in a cleanup
 * manifest as it is made and removed at the end, also on Ctrl-C (a shutdown hook).
 */
final class ChaosRun {
  private static final Logger LOG = LoggerFactory.getLogger(ChaosRun.class);

  static final List<String> ALL_FAULTS = List.of("kill", "pause", "partition", "clock", "disk", "snapshot",
      "crash-majority", "crash-all");
  static final List<String> ALL_WORKLOADS = List.of("tso", "ids", "ddl", "kv", "sessions", "segments",
      "querycoord", "datacoord");
  static final String KV_CLASS = "io.raftcoord.server.chaos.KvWorkload";
  /** Planted bugs of the replicas (server flag); the rest are the client's. */
  static final Set<String> SERVER_BUGS = Set.of("tso-local", "ids-memory-only", "reaper-skips-grace",
      "datacoord-accepts-stale-epoch", "querycoord-loaded-before-served", "log-acks-before-flush",
      "compaction-split-swap");
  static final Set<String> CLIENT_BUGS = Set.of(RunEnv.CLIENT_BUG);

  /** How long healing may take before it is a liveness finding. */
  static final Duration HEAL_TIMEOUT = Duration.ofSeconds(90);
  /** The same once a heal has already failed (the run then only finishes its report). */
  static final Duration SHORT_TIMEOUT = Duration.ofSeconds(30);

  /** A workload that can say in one line how its operations went. */
  interface Summarized {
    String summary();
  }

  /**
   * What to run.
   *
   * @param workDir where replicas keep their data while running (null: a new temp dir, deleted at the end)
   * @param useNetns whether network namespaces may be used (when partition or snapshot is asked for)
   * @param completeFirstRound inject every available fault once even if that takes longer than the time
   */
  record Options(long timeSeconds, List<String> faults, List<String> workloads, long seed, Path reportDir,
                 Path workDir, List<String> plantedBugs, boolean expectViolation, long snapshotThreshold,
                 long segmentSizeBytes, boolean useNetns, long quietMinMs, long quietMaxMs,
                 boolean completeFirstRound) {
    Options {
      faults = List.copyOf(faults);
      workloads = List.copyOf(workloads);
      plantedBugs = List.copyOf(plantedBugs);
    }
  }

  /** Whether the kv workload (written separately) is in this build. */
  static boolean kvAvailable() {
    try {
      Class<?> c = Class.forName(KV_CLASS);
      return ChaosWorkload.class.isAssignableFrom(c);
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  private final Options options;
  private final List<String> faultErrors = new ArrayList<>();
  private final List<String> livenessProblems = new ArrayList<>();
  private int heals;

  ChaosRun(Options options) {
    this.options = options;
  }

  /**
   * Loads (without initializing) every class of this package and of the fault suite's when they
   * come from a directory: a build running meanwhile in the same workspace recompiles that
   * directory, and a class first needed at the end of a run (the report's) would then be missing.
   */
  static int preloadOwnClasses() {
    int n = 0;
    try {
      Path root = Path.of(ChaosRun.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (!Files.isDirectory(root)) {
        return 0;
      }
      ClassLoader loader = ChaosRun.class.getClassLoader();
      for (String pkg : List.of("io/raftcoord/server/chaos", "io/raftcoord/server/fault")) {
        Path dir = root.resolve(pkg);
        if (!Files.isDirectory(dir)) {
          continue;
        }
        List<Path> files;
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
          files = s.filter(f -> f.getFileName().toString().endsWith(".class")).toList();
        }
        for (Path f : files) {
          String name = pkg.replace('/', '.') + "." + f.getFileName().toString().replace(".class", "");
          try {
            Class.forName(name, false, loader);
            n++;
          } catch (Throwable e) {
            // gone meanwhile, or not loadable on its own: not needed then
          }
        }
      }
    } catch (Exception e) {
      LOG.debug("could not preload classes", e);
    }
    return n;
  }

  /** Runs everything and writes the report; never throws for a failure of the system under test. */
  Report run() throws IOException {
    preloadOwnClasses();
    Path report = options.reportDir().toAbsolutePath().normalize();
    Files.createDirectories(report);
    FileAppender<ILoggingEvent> driverLog = attachLog(report.resolve("driver.log"));
    long originNanos = System.nanoTime();
    String startedAt = Instant.now().toString();
    boolean tempWork = options.workDir() == null;
    Path work = tempWork ? Files.createTempDirectory("raftcoord-chaos-") : options.workDir().toAbsolutePath();
    Files.createDirectories(work);
    CleanupManifest manifest = new CleanupManifest(work);
    Random random = new Random(options.seed());
    LOG.info("chaos run: seed {}, time {} s, faults {}, workloads {}, planted bugs {}, report {}, work dir {}",
        options.seed(), options.timeSeconds(), options.faults(), options.workloads(), options.plantedBugs(), report, work);

    Timeline timeline = new Timeline(report.resolve("faults.jsonl"));
    NetnsNetwork network = null;
    ChaosReplicas cluster = null;
    List<ChaosWorkload> workloads = new ArrayList<>();
    Map<String, String> unavailable = new LinkedHashMap<>();
    Map<String, Integer> counts = new LinkedHashMap<>();
    List<Verdict> verdicts = new ArrayList<>();
    Map<String, String> summaries = new LinkedHashMap<>();
    List<String> observations = new ArrayList<>();
    FailoverGaps.Summary failover = new FailoverGaps.Summary("none", List.of(), Double.NaN, Double.NaN);
    String networkText = "-";
    String error = null;
    Set<ChaosWorkload> stopped = new java.util.HashSet<>();
    Thread hook = null;
    Thread monitor = null;
    RunEnv env = null;
    try {
      // ---- the network ----
      String netReason = null;
      boolean wantNet = options.faults().contains("partition") || options.faults().contains("snapshot");
      if (!options.useNetns()) {
        netReason = "network namespaces turned off (--no-netns)";
      } else if (wantNet) {
        netReason = NetnsNetwork.unavailableReason();
        if (netReason == null) {
          try {
            network = NetnsNetwork.create(manifest);
          } catch (RuntimeException e) {
            netReason = "setting up network namespaces failed: " + e.getMessage();
          }
        }
      } else {
        netReason = "not needed (no partition or snapshot fault asked for)";
      }
      networkText = network != null ? network.describe() : "loopback, no namespaces: " + netReason;
      if (network == null && wantNet && options.useNetns()) {
        LOG.warn("partition faults are unavailable: {}; running the other faults", netReason);
      }
      String diskReason = options.faults().contains("disk") ? DiskFault.probe(work) : null;

      // ---- the replicas ----
      NetnsNetwork net = network;
      List<String> hosts = net == null ? List.of("127.0.0.1", "127.0.0.1", "127.0.0.1")
          : List.of(net.ip(1), net.ip(2), net.ip(3));
      Path props = work.resolve("replica.properties");
      Files.writeString(props, "log.segment.size=" + options.segmentSizeBytes() + "\n", StandardCharsets.UTF_8);
      List<String> args = new ArrayList<>(List.of("--config", props.toString(),
          "--snapshot-threshold", String.valueOf(options.snapshotThreshold())));
      for (String bug : options.plantedBugs()) {
        if (SERVER_BUGS.contains(bug)) {
          args.addAll(List.of("--planted-bug", bug));
        }
      }
      cluster = new ChaosReplicas(work, hosts, i -> net == null ? List.of() : net.launcher(i), args, manifest,
          () -> (System.nanoTime() - originNanos) / 1_000_000);
      env = new RunEnv(originNanos, cluster, network, timeline, report, Set.copyOf(options.plantedBugs()), options.seed());
      hook = cleanupHook(cluster, network, manifest);
      Runtime.getRuntime().addShutdownHook(hook);

      // ---- the faults ----
      List<Fault> faults = new ArrayList<>();
      for (String f : options.faults()) {
        faults.add(switch (f) {
          case "kill" -> new KillFault();
          case "pause" -> new PauseFault();
          case "partition" -> new PartitionFault(network == null ? netReason : null);
          case "clock" -> new ClockFault();
          case "disk" -> new DiskFault(diskReason, manifest);
          case "snapshot" -> new SnapshotFault();
          case "crash-majority" -> new MajorityCrashFault();
          case "crash-all" -> new CrashAllFault();
          default -> throw new IllegalArgumentException("unknown fault " + f);
        });
      }
      Map<String, Fault> available = new LinkedHashMap<>();
      for (Fault f : faults) {
        Optional<String> why = f.unavailableReason(env);
        if (why.isPresent()) {
          unavailable.put(f.name(), why.get());
          LOG.warn("fault {} is unavailable: {}", f.name(), why.get());
        } else {
          available.put(f.name(), f);
        }
        counts.put(f.name(), 0);
      }

      // ---- start ----
      env.event("run", "start", m("seed", options.seed(), "timeSeconds", options.timeSeconds(), "network", networkText,
          "faults", List.copyOf(available.keySet()), "unavailable", unavailable, "workloads", options.workloads(),
          "plantedBugs", options.plantedBugs(), "peers", cluster.peers()));
      cluster.startAll();
      int leader = cluster.awaitLeader(Duration.ofSeconds(90));
      env.event("run", "leader", m("replica", leader));
      ChaosReplicas c = cluster;
      RunEnv e = env;
      monitor = new Thread(() -> watchExits(c, e), "chaos-exit-monitor");
      monitor.setDaemon(true);
      monitor.start();

      for (String w : options.workloads()) {
        ChaosWorkload wl = newWorkload(w);
        wl.start(env);
        workloads.add(wl);
      }
      long loadStart = System.nanoTime();
      long endNanos = loadStart + options.timeSeconds() * 1_000_000_000L;
      env.event("run", "workloads-started", m("workloads", options.workloads()));

      // ---- the nemesis ----
      FaultSchedule schedule = new FaultSchedule(List.copyOf(available.keySet()), random, options.quietMinMs(),
          options.quietMaxMs());
      boolean healthy = true;
      boolean caught = false;
      int injected = 0;
      while (healthy && !caught && !schedule.isEmpty()) {
        long quiet = schedule.quietMs();
        boolean firstRound = options.completeFirstRound() && injected < available.size();
        if (!firstRound && System.nanoTime() + (quiet + 4000) * 1_000_000L > endNanos) {
          break;
        }
        injected++;
        Steps.sleep(quiet);
        String name = schedule.next();
        Fault f = available.get(name);
        counts.merge(name, 1, Integer::sum);
        long t0 = System.nanoTime();
        env.event(name, "begin", m("n", counts.get(name)));
        try {
          f.inject(env, random);
          env.event(name, "end", m("ms", Steps.ms(t0)));
        } catch (Throwable ex) {
          String msg = name + " #" + counts.get(name) + " at " + String.format("%.1f s", env.nowMs() / 1000.0) + ": "
              + firstLine(ex);
          faultErrors.add(msg);
          env.event(name, "error", m("error", firstLine(ex), "ms", Steps.ms(t0)));
          LOG.warn("fault {} failed", name, ex);
        }
        healthy = heal(env, "after " + name, HEAL_TIMEOUT);
        caught = violationCaught(workloads, env);
      }
      while (healthy && !caught && System.nanoTime() < endNanos) {
        Steps.sleep(Math.min(500, Math.max(1, (endNanos - System.nanoTime()) / 1_000_000)));
        caught = violationCaught(workloads, env);
      }
      env.event("run", "nemesis-end", m("faults", counts));

      // ---- heal, settle, stop ----
      // Once the cluster failed to heal, the end waits less: the finding is made, the report matters.
      Duration endHeal = healthy ? HEAL_TIMEOUT : SHORT_TIMEOUT;
      if (!heal(env, "at the end", endHeal) && healthy) {
        heal(env, "at the end, second try", SHORT_TIMEOUT);
      }
      Steps.sleep(2000); // some load on the whole cluster before stopping
      for (ChaosWorkload w : workloads) {
        stopped.add(w);
        try {
          w.stop();
        } catch (Exception ex) {
          LOG.warn("stopping workload {} failed", w.name(), ex);
        }
      }
      env.event("run", "workloads-stopped", m());

      // ---- check ----
      verdicts.add(convergence(env));
      for (ChaosWorkload w : workloads) {
        long t0 = System.nanoTime();
        try {
          verdicts.addAll(w.check(env));
        } catch (Throwable ex) {
          LOG.warn("checker of {} failed", w.name(), ex);
          verdicts.add(new Verdict(w.name(), 0, List.of("the checker could not run: " + firstLine(ex)), ""));
        }
        if (w instanceof Summarized s) {
          summaries.put(w.name(), s.summary());
        }
        LOG.info("checked {} in {} ms", w.name(), Steps.ms(t0));
      }
      cluster.pollExits();
      verdicts.add(exitsVerdict(cluster));
      verdicts.add(new Verdict("liveness", heals, livenessProblems,
          livenessProblems.isEmpty() ? "" : livenessProblems.get(0)));
      env.event("run", "checked", m("valid", verdicts.stream().allMatch(Verdict::valid)));

      failover = failover(workloads, timeline.events(), originNanos);
      observations.addAll(observations(timeline.events(), cluster));
    } catch (Throwable ex) {
      error = firstLine(ex);
      LOG.error("the chaos run failed", ex);
      if (env != null) {
        env.event("run", "error", m("error", error));
      }
    } finally {
      for (ChaosWorkload w : workloads) {
        try {
          if (stopped.add(w)) {
            w.stop();
          }
        } catch (Exception ex) {
          LOG.warn("stopping workload {} failed", w.name(), ex);
        }
        if (w instanceof AutoCloseable a) {
          try {
            a.close();
          } catch (Exception ex) {
            LOG.debug("closing {}", w.name(), ex);
          }
        }
      }
      if (monitor != null) {
        monitor.interrupt();
      }
      if (cluster != null) {
        cluster.close();
        copyReplicas(cluster, report); // before unmounting: a data directory may be on a tmpfs
      }
      unmountAll(manifest);
      if (network != null) {
        network.close();
      }
      if (hook != null) {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ex) {
          // shutting down
        }
      }
      timeline.close();
    }
    try {
      try {
        writeHistory(workloads, report.resolve("history.jsonl"));
      } catch (IOException | RuntimeException | LinkageError e) {
        LOG.error("could not write history.jsonl", e);
        error = error != null ? error : "could not write history.jsonl: " + firstLine(e);
      }
      Report r = new Report(options.seed(), options.timeSeconds(), Steps.ms(originNanos), report.toString(), startedAt,
          options.faults(), unavailable, options.workloads(), networkText, options.plantedBugs(),
          options.expectViolation(), counts, faultErrors, verdicts, summaries, failover, observations, error);
      r.write(report);
      LOG.info("chaos run done: {}, exit code {}; report in {}", r.outcome(), r.exitCode(), report);
      return r;
    } finally {
      if (tempWork) {
        PrivateClasspath.deleteTree(work);
      }
      detachLog(driverLog);
    }
  }

  /**
   * With --expect-violation, whether some workload already shows one: the run then stops its
   * nemesis early and goes on to heal, check and report as usual.
   */
  private boolean violationCaught(List<ChaosWorkload> workloads, RunEnv env) {
    if (!options.expectViolation()) {
      return false;
    }
    for (ChaosWorkload w : workloads) {
      try {
        if (w.violationSeen(env)) {
          env.event("run", "violation-seen", m("workload", w.name()));
          return true;
        }
      } catch (RuntimeException e) {
        LOG.warn("{}: looking for a violation so far failed: {}", w.name(), e.toString());
      }
    }
    return false;
  }

  private ChaosWorkload newWorkload(String name) throws Exception {
    return switch (name) {
      case "tso" -> new AllocWorkload(Kind.TSO, 4);
      case "ids" -> new AllocWorkload(Kind.IDS, 2);
      case "ddl" -> new DdlChaosWorkload(3);
      case "sessions" -> new SessionsWorkload();
      case "segments" -> new SegmentsWorkload();
      case "querycoord" -> new QueryCoordWorkload();
      case "datacoord" -> new DataTasksWorkload();
      case "kv" -> {
        if (!kvAvailable()) {
          throw new IllegalArgumentException("the kv workload (" + KV_CLASS + ") is not in this build");
        }
        yield (ChaosWorkload) Class.forName(KV_CLASS).getDeclaredConstructor().newInstance();
      }
      default -> throw new IllegalArgumentException("unknown workload " + name);
    };
  }

  /** Records every exit of a replica that nobody asked for, as it happens. */
  private static void watchExits(ChaosReplicas cluster, RunEnv env) {
    while (!Thread.currentThread().isInterrupted()) {
      for (ChaosReplicas.Exit x : cluster.pollExits()) {
        env.event("monitor", "exited", m("replica", x.replica(), "pid", x.pid(), "code", x.code(),
            "expected", x.expected(), "failure", x.expected() ? null : ReplicaLogLines.failure(cluster.logFile(x.replica()))));
      }
      try {
        Thread.sleep(250);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * Makes the cluster whole: no cuts, nothing frozen, every replica running with its true clock,
   * a leader, and every replica caught up. False (a liveness problem, recorded) if that takes
   * longer than {@code timeout}.
   */
  private boolean heal(RunEnv env, String why, Duration timeout) {
    heals++;
    ChaosReplicas c = env.cluster();
    long t0 = System.nanoTime();
    List<String> did = new ArrayList<>();
    try {
      if (env.netns().isPresent() && !env.netns().get().cuts().isEmpty()) {
        env.netns().get().healAll();
        did.add("healed cuts");
      }
      for (int i = 1; i <= 3; i++) {
        if (c.isStopped(i)) {
          c.sigcont(i);
          did.add("SIGCONT n" + i);
        }
      }
      for (int i = 1; i <= 3; i++) {
        if (c.isRunning(i)) {
          try {
            c.setClockOffset(i, 0);
          } catch (Exception e) {
            // starting or busy; a replica that restarts has its true clock anyway
          }
        } else {
          did.add("restarted n" + i);
          c.start(i);
        }
      }
      if (!did.isEmpty()) {
        env.event("heal", "repair", m("why", why, "did", did));
      }
      long deadline = System.nanoTime() + timeout.toNanos();
      c.awaitLeader(timeout);
      for (int i = 1; i <= 3; i++) {
        c.awaitCaughtUp(i, Duration.ofNanos(Math.max(1_000_000_000L, deadline - System.nanoTime())));
      }
      // Checkers that must know when the quorum was whole again (the sessions' expiry deadlines) read this.
      env.event("heal", "whole", m("why", why, "ms", Steps.ms(t0)));
      return true;
    } catch (Throwable e) {
      String msg = "the cluster was not whole again " + Steps.ms(t0) + " ms into healing " + why + ": " + firstLine(e);
      livenessProblems.add(msg);
      env.event("heal", "failed", m("why", why, "error", firstLine(e), "state", c.describe()));
      LOG.error("heal failed", e);
      return false;
    }
  }

  /** All three replicas at the same applied index with the same store digest (the load is stopped). */
  private Verdict convergence(RunEnv env) {
    long t0 = System.nanoTime();
    long limitMs = (livenessProblems.isEmpty() ? HEAL_TIMEOUT : SHORT_TIMEOUT).toMillis();
    List<String> last = new ArrayList<>();
    // A store digest after a long run takes seconds; the replica has that long to answer.
    try (CoordClient client = CoordClient.builder().peers(env.peers()).deadline(Duration.ofSeconds(30)).build()) {
      while (Steps.ms(t0) < limitMs) {
        last.clear();
        List<DumpReply> dumps = new ArrayList<>();
        for (String peer : env.peerIds()) {
          try {
            DumpReply d = client.admin().localDump(peer);
            dumps.add(d);
            last.add(peer + " applied " + d.getAppliedIndex() + " digest " + d.getDigest());
          } catch (CoordException | IllegalStateException e) {
            last.add(peer + " " + firstLine(e));
          }
        }
        if (dumps.size() == 3 && dumps.get(0).getAppliedIndex() > 0 && dumps.stream().allMatch(d ->
            d.getAppliedIndex() == dumps.get(0).getAppliedIndex() && Objects.equals(d.getDigest(), dumps.get(0).getDigest()))) {
          env.event("run", "converged", m("appliedIndex", dumps.get(0).getAppliedIndex(), "digest",
              dumps.get(0).getDigest(), "afterMs", Steps.ms(t0)));
          return new Verdict("convergence", 3, List.of(), "");
        }
        Steps.sleep(200);
      }
    }
    String msg = "the replicas did not reach the same applied index and store digest within " + limitMs / 1000
        + " s after healing: "
        + String.join("; ", last);
    env.event("run", "not-converged", m("last", List.copyOf(last)));
    return new Verdict("convergence", 3, List.of(msg), String.format("after healing, at %.1f s: %s",
        env.nowMs() / 1000.0, String.join("; ", last)));
  }

  /** An exit of a replica that no fault allowed is a finding. */
  private static Verdict exitsVerdict(ChaosReplicas cluster) {
    List<String> v = new ArrayList<>();
    for (ChaosReplicas.Exit x : cluster.exits()) {
      if (!x.expected()) {
        v.add(String.format("n%d (pid %d) exited by itself with code %d at %.1f s; see replicas/n%d/replica.log",
            x.replica(), x.pid(), x.code(), x.atMs() / 1000.0, x.replica()));
      }
    }
    return new Verdict("replica-exits", cluster.exits().size(), v, v.isEmpty() ? "" : v.get(0));
  }

  /** Failover gaps from the tso history (else ids, else ddl). */
  static FailoverGaps.Summary failover(List<ChaosWorkload> workloads, List<Timeline.Event> events, long originNanos) {
    for (String source : List.of("tso", "ids", "ddl")) {
      for (ChaosWorkload w : workloads) {
        long[] ok = null;
        if (w.name().equals(source) && w instanceof AllocWorkload a) {
          ok = a.okReturnNanos();
        } else if (w.name().equals(source) && w instanceof DdlChaosWorkload d) {
          ok = d.okReturnNanos();
        }
        if (ok != null) {
          double[] ms = Arrays.stream(ok).mapToDouble(n -> (n - originNanos) / 1e6).toArray();
          return FailoverGaps.compute(source, events, ms);
        }
      }
    }
    return new FailoverGaps.Summary("none", List.of(), Double.NaN, Double.NaN);
  }

  /** Notable things the faults saw: disk-full behaviour, snapshot installs, unexpected events. */
  static List<String> observations(List<Timeline.Event> events, ChaosReplicas cluster) {
    List<String> out = new ArrayList<>();
    for (Timeline.Event e : events) {
      String at = String.format("%.1f s", e.atMs() / 1000);
      switch (e.fault() + "/" + e.what()) {
        case "disk/full" -> out.add("disk " + at + ": n" + e.get("replica") + " (" + e.get("role") + ") disk full, ballast "
            + e.get("ballastMb") + " MB");
        case "disk/observed" -> out.add("disk " + at + ": n" + e.get("replica") + (Boolean.TRUE.equals(e.get("exited"))
            ? " exited " + e.get("exitedAfterMs") + " ms after its disk filled"
            : " stayed up for the " + e.get("watchedMs") + " ms watched (first I/O error in its log after "
            + e.get("firstErrorAfterMs") + " ms; answers /status: " + e.get("answersStatus") + ", role " + e.get("role")
            + ", applied " + e.get("appliedAtFull") + " -> " + e.get("appliedNow") + " while leader n" + e.get("leader")
            + " committed " + e.get("leaderCommit") + ")"));
        case "disk/log" -> out.add("disk " + at + ": n" + e.get("replica") + " logged " + e.get("errorLines")
            + " error lines" + (Boolean.TRUE.equals(e.get("raftLogFailed")) ? " (its Raft log failed for good: \"Log "
            + "already failed\")" : "") + (e.get("first") == null ? "" : ", first: " + e.get("first")));
        case "disk/recovered" -> out.add("disk " + at + ": n" + e.get("replica") + " recovered " + e.get("how"));
        case "snapshot/purged", "snapshot/purge-timeout" -> out.add("snapshot " + at + ": " + e.what() + " " + e.details());
        case "snapshot/caught-up" -> out.add("snapshot " + at + ": n" + e.get("replica") + " caught up in "
            + e.get("afterMs") + " ms; snapshot index " + e.get("snapshotBefore") + " -> " + e.get("snapshotAfter")
            + ", install log lines " + e.get("installLogLines"));
        case "clock/transfer-leadership", "disk/transfer-leadership" -> {
          if (!Boolean.TRUE.equals(e.get("ok"))) {
            out.add(e.fault() + " " + at + ": leadership transfer to n" + e.get("to") + " did not happen");
          }
        }
        case "partition/no-new-leader" -> out.add("partition " + at + ": no new leader while the leader was isolated");
        case "monitor/exited" -> out.add("replica n" + e.get("replica") + " exited with code " + e.get("code") + " at "
            + at + (Boolean.TRUE.equals(e.get("expected")) ? " (allowed by the disk fault)" : " (UNEXPECTED)"
            + (e.get("failure") == null ? "" : "; it logged: " + e.get("failure"))));
        case "heal/repair" -> out.add("heal " + at + " " + e.get("why") + ": " + e.get("did"));
        default -> { }
      }
    }
    return out;
  }

  /** history.jsonl: every workload's lines merged by their invoke time (lines without one keep their place). */
  static void writeHistory(List<ChaosWorkload> workloads, Path file) throws IOException {
    record Line(double at, int seq, String json) {}
    List<Line> lines = new ArrayList<>();
    int seq = 0;
    for (ChaosWorkload w : workloads) {
      List<String> hs;
      try {
        hs = w.historyLines();
      } catch (RuntimeException e) {
        LOG.warn("history of {} could not be read", w.name(), e);
        continue;
      }
      double lastAt = 0;
      for (String s : hs) {
        double at = lastAt;
        try {
          JsonObject o = JsonParser.parseString(s).getAsJsonObject();
          for (String key : List.of("invokeMs", "atMs", "timeMs", "startMs")) {
            if (o.has(key) && o.get(key).isJsonPrimitive() && o.get(key).getAsJsonPrimitive().isNumber()) {
              at = o.get(key).getAsDouble();
              break;
            }
          }
        } catch (RuntimeException e) {
          // not an object: keep its place
        }
        lastAt = at;
        lines.add(new Line(at, seq++, s));
      }
    }
    lines.sort(Comparator.comparingDouble(Line::at).thenComparingInt(Line::seq));
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (Line l : lines) {
        w.write(l.json());
        w.newLine();
      }
    }
  }

  /** Copies each replica's log and data directory into the report (replicas are stopped). */
  private static void copyReplicas(ChaosReplicas cluster, Path report) {
    for (int i = 1; i <= 3; i++) {
      Path dst = report.resolve("replicas").resolve("n" + i);
      try {
        Files.createDirectories(dst);
        if (Files.exists(cluster.logFile(i))) {
          Files.copy(cluster.logFile(i), dst.resolve("replica.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        if (Files.isDirectory(cluster.dataDir(i))) {
          PrivateClasspath.copyTree(cluster.dataDir(i), dst.resolve("data"));
        }
      } catch (IOException | RuntimeException e) {
        LOG.warn("could not copy replica n{} into the report: {}", i, e.toString());
      }
    }
  }

  /** Unmounts the tmpfs the disk fault left in place (the replicas are stopped). */
  private static void unmountAll(CleanupManifest manifest) {
    try {
      if (!Files.exists(manifest.file())) {
        return;
      }
      for (String line : Files.readAllLines(manifest.file(), StandardCharsets.UTF_8)) {
        if (line.startsWith("mount ")) {
          String path = line.substring("mount ".length());
          Cmd.Result r = Cmd.exec("umount", "-l", path);
          LOG.info("unmounted the tmpfs on {}: {}", path, r.ok() ? "ok" : r.output());
          manifest.remove("mount", path);
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot read {}: {}", manifest.file(), e.toString());
    }
  }

  /** On Ctrl-C / SIGTERM: kill the replicas, unmount, remove the namespaces. */
  private static Thread cleanupHook(ChaosReplicas cluster, NetnsNetwork network, CleanupManifest manifest) {
    return new Thread(() -> {
      cluster.close();
      unmountAll(manifest);
      if (network != null) {
        network.close();
      }
    }, "chaos-cleanup");
  }

  private static FileAppender<ILoggingEvent> attachLog(Path file) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
      return null;
    }
    PatternLayoutEncoder enc = new PatternLayoutEncoder();
    enc.setContext(ctx);
    enc.setPattern("%d{HH:mm:ss.SSS} %-5level [%thread] %logger{30} - %msg%n");
    enc.start();
    FileAppender<ILoggingEvent> app = new FileAppender<>();
    app.setContext(ctx);
    app.setName("chaos-driver-log");
    app.setFile(file.toString());
    app.setEncoder(enc);
    app.start();
    ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(app);
    return app;
  }

  private static void detachLog(FileAppender<ILoggingEvent> app) {
    if (app != null && LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
      ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(app);
      app.stop();
    }
  }

  static String firstLine(Throwable t) {
    String s = t.toString();
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  /** Names in {@code csv} (comma-separated), checked against {@code known}; an unknown one is a usage error. */
  static List<String> parseList(String csv, List<String> known, String what) {
    Set<String> seen = new TreeSet<>();
    List<String> out = new ArrayList<>();
    for (String s : csv.split(",")) {
      String n = s.trim().toLowerCase(java.util.Locale.ROOT);
      if (n.isEmpty()) {
        continue;
      }
      if (!known.contains(n)) {
        throw new IllegalArgumentException("unknown " + what + " '" + n + "' (known: " + String.join(",", known) + ")");
      }
      if (seen.add(n)) {
        out.add(n);
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no " + what + "s given");
    }
    return out;
  }
}
