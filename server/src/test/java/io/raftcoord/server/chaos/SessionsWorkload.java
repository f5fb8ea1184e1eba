package io.raftcoord.server.chaos;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.session.SessionSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Node sessions (Milvus's service discovery) under faults: {@link #WORKERS} worker nodes and
 * {@link #COORDINATORS} nodes of the exclusive role datacoord, each a {@code NodeAgent}
 * heartbeating every second, spread over three clients, with the replicated session TTL set short
 * at setup ({@link #TTL_MS}). A churn thread crashes nodes on purpose: every 2-4 s it halts the
 * node it started the round before and starts another (every third one a datacoord standby), and
 * every fourth round it halts the ACTIVE datacoord and starts a replacement, so that standbys take
 * over under faults. The agents' reports and the session feed go into a {@link SessionHistory};
 * after healing, {@link SessionChecker} judges it. System properties
 * {@code raftcoord.chaos.sessions.{ttlMs,workers}} tune it.
 */
final class SessionsWorkload implements ChaosWorkload, ChaosRun.Summarized, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SessionsWorkload.class);
  static final long TTL_MS = Long.getLong("raftcoord.chaos.sessions.ttlMs", 4000);
  static final int WORKERS = Integer.getInteger("raftcoord.chaos.sessions.workers", 20);
  static final int COORDINATORS = 3;
  static final String COORDINATOR_ROLE = "datacoord";
  static final Duration HEARTBEAT = Duration.ofSeconds(1);
  /** The agents' clients: a heartbeat stuck on a frozen leader is given up after this. */
  static final Duration DEADLINE = Duration.ofSeconds(3);
  private static final Duration SETUP = Duration.ofSeconds(90);
  private static final int CLIENTS = 3;
  /** How long the check waits for halted sessions to reach their deadlines and the feed to show them. */
  private static final Duration CHECK_WAIT = Duration.ofSeconds(90);

  private final List<CoordClient> clients = new ArrayList<>();
  private final List<AgentProbe> probes = new CopyOnWriteArrayList<>();
  private SessionHistory history;
  private CoordClient admin;
  private CoordClient feedClient;
  private SessionFeed feed;
  private Thread churn;
  private Thread sampler;
  private int started;
  private volatile boolean running;
  private volatile boolean sampling;

  @Override
  public String name() {
    return "sessions";
  }

  @Override
  public void start(ChaosEnv env) {
    history = new SessionHistory(env.originNanos());
    admin = env.newClient(Duration.ofSeconds(10));
    history.settings(configure(admin));
    feedClient = env.newClient(Duration.ofSeconds(10));
    feed = SessionFeed.start(feedClient, history);
    for (int i = 0; i < CLIENTS; i++) {
      clients.add(env.newClient(DEADLINE));
    }
    sampling = true;
    sampler = WorkloadThreads.daemon("sessions-sampler", this::sampleLoop);
    running = true;
    for (int i = 0; i < WORKERS; i++) {
      startAtSetup("w" + i, i % 2 == 0 ? "querynode" : "datanode");
    }
    for (int i = 0; i < COORDINATORS; i++) {
      startAtSetup("dc" + i, COORDINATOR_ROLE);
    }
    Random rnd = new Random(env.seed() * 31 + 4242);
    churn = WorkloadThreads.daemon("sessions-churn", () -> churnLoop(rnd));
    LOG.info("sessions workload: ttl {} ms, {} workers and {} {} agents on {} clients, heartbeat every {} ms",
        history.ttlMs(), WORKERS, COORDINATORS, COORDINATOR_ROLE, CLIENTS, HEARTBEAT.toMillis());
  }

  /** Sets the TTL; the leader refuses session commands until every replica reported a binary that has them. */
  private static long configure(CoordClient admin) {
    long deadline = System.nanoTime() + SETUP.toNanos();
    while (true) {
      try {
        return admin.sessions().setSettings(SessionSettings.newBuilder().setTtlMs(TTL_MS).build()).getTtlMs();
      } catch (CoordException e) {
        if (e.code() == ErrorCode.INVALID_ARGUMENT || System.nanoTime() > deadline) {
          throw new IllegalStateException("could not set the session TTL to " + TTL_MS + " ms: " + e, e);
        }
        ChaosReplicas.sleep(250);
      }
    }
  }

  /** A node of the steady population; the faults have not begun, so failing to register for long is an error. */
  private void startAtSetup(String name, String role) {
    long deadline = System.nanoTime() + SETUP.toNanos();
    for (int attempt = 0; ; attempt++) {
      if (startProbe(attempt == 0 ? name : name + "-" + attempt, role).running()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("could not register session agent " + name + " within " + SETUP);
      }
      ChaosReplicas.sleep(250);
    }
  }

  private AgentProbe startProbe(String name, String role) {
    AgentProbe p = new AgentProbe(name, role, history);
    probes.add(p);
    p.start(clients.get(started++ % CLIENTS), HEARTBEAT);
    return p;
  }

  private void churnLoop(Random rnd) {
    AgentProbe previous = null;
    for (int round = 1; pause(2000 + rnd.nextInt(2001)); round++) {
      if (previous != null) {
        previous.halt("churn");
      }
      previous = startProbe("h" + round, round % 3 == 0 ? COORDINATOR_ROLE : "querynode");
      if (round % 4 == 0) {
        replaceActiveCoordinator("dc-r" + round);
      }
    }
  }

  /** Crashes the node holding the ACTIVE datacoord session (a standby must take over) and starts another. */
  private void replaceActiveCoordinator(String replacement) {
    Optional<Long> active = history.active(COORDINATOR_ROLE);
    Optional<AgentProbe> holder = active.flatMap(id -> probes.stream()
        .filter(p -> p.running() && id.equals(p.serverId())).findFirst());
    if (holder.isPresent()) {
      holder.get().halt("active " + COORDINATOR_ROLE);
      startProbe(replacement, COORDINATOR_ROLE);
    }
  }

  /** Sleeps while the workload runs; false once it is stopped. */
  private boolean pause(long ms) {
    return WorkloadThreads.pause(() -> running, ms);
  }

  private void sampleLoop() {
    while (sampling) {
      for (AgentProbe p : probes) {
        p.sample();
      }
      ChaosReplicas.sleep(50);
    }
  }

  /** Stops the churn and deregisters every node still running (their sessions end as REMOVED). */
  @Override
  public void stop() throws InterruptedException {
    running = false;
    if (churn != null) {
      churn.join(DEADLINE.toMillis() + 5_000);
    }
    ExecutorService closers = Executors.newFixedThreadPool(8, r -> {
      Thread t = new Thread(r, "sessions-close");
      t.setDaemon(true);
      return t;
    });
    for (AgentProbe p : probes) {
      if (p.running()) {
        closers.execute(p::close);
      }
    }
    closers.shutdown();
    if (!closers.awaitTermination(DEADLINE.toMillis() * 4, TimeUnit.MILLISECONDS)) {
      LOG.warn("sessions: some agents were still deregistering after {} ms", DEADLINE.toMillis() * 4);
    }
  }

  @Override
  public List<String> historyLines() {
    return history == null ? List.of() : history.lines();
  }

  @Override
  public String summary() {
    return history == null ? "not started" : history.summary() + (feed == null ? "" : "; feed poll errors (retried) "
        + feed.pollErrors());
  }

  /** Judges the history once halted sessions have had their time and the feed shows everything committed. */
  @Override
  public List<Verdict> check(ChaosEnv env) throws InterruptedException {
    List<Timeline.Event> events = env.faultEvents();
    boolean trusted = !FaultWindows.clockMoved(events);
    List<FaultWindows.Window> windows = FaultWindows.from(events);
    double observed = Double.NEGATIVE_INFINITY;
    long limit = System.nanoTime() + CHECK_WAIT.toNanos();
    while (true) {
      Optional<Double> o = feed.awaitCaughtUp(env.cluster(), history, Duration.ofSeconds(30));
      if (o.isEmpty()) {
        break;
      }
      observed = o.get();
      OptionalDouble pending = HaltedExpiryCheck.latestPending(history.records(trusted, windows, observed));
      if (pending.isEmpty() || observed > pending.getAsDouble() || System.nanoTime() > limit) {
        break;
      }
      ChaosReplicas.sleep(250);
    }
    sampling = false;
    if (sampler != null) {
      sampler.join(1000);
    }
    SessionRecords r = history.records(trusted, windows, observed);
    List<SessionChecker.Finding> findings = SessionChecker.check(r);
    close();
    LOG.info("sessions: {} finding(s); {}", findings.size(), summary());
    return List.of(SessionChecker.verdict(name(), history.size(), findings));
  }

  /** A live node expired so far: lets a run that expects a violation end early. Later records never undo one. */
  @Override
  public boolean violationSeen(ChaosEnv env) {
    if (history == null) {
      return false;
    }
    List<Timeline.Event> events = env.faultEvents();
    SessionRecords r = history.records(!FaultWindows.clockMoved(events), FaultWindows.from(events),
        Double.NEGATIVE_INFINITY);
    return !AliveExpiryCheck.check(r).isEmpty();
  }

  @Override
  public void close() {
    running = false;
    sampling = false;
    for (AgentProbe p : probes) {
      p.halt("closed");
    }
    if (feed != null) {
      feed.close();
    }
    List<CoordClient> all = new ArrayList<>(clients);
    clients.clear();
    all.add(feedClient);
    all.add(admin);
    WorkloadClients.closeQuietly(name(), all);
    feedClient = null;
    admin = null;
  }
}
