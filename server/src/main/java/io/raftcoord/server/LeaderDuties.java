package io.raftcoord.server;

import io.raftcoord.proto.BatchReply;
import io.raftcoord.proto.CommandBatch;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.statemachine.domain.DutyPlan;
import io.raftcoord.statemachine.sm.CoordStateMachine;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the domains' leader duties while this replica leads: started when the leadership is ready
 * (an entry of its own term applied, so the state it plans from includes everything committed
 * before), stopped when it ends. Every duty has a lane of its own (one thread): it plans the duty
 * against the state machine and proposes the commands to this replica's own Raft server, up to
 * {@link #MAX_IN_FLIGHT} at a time, waiting for every reply before it plans that duty again. Lanes
 * never wait for each other, so a slow planner or a slow quorum for one duty never delays session
 * expiry; each command is fenced in apply on its own, so their order across duties does not
 * matter. Knows nothing of any domain: what a duty plans and how apply fences it belong to the
 * domain.
 */
final class LeaderDuties implements CoordStateMachine.Leadership, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderDuties.class);
  /** How often new duties (a domain enabled by an apply-version upgrade) are looked for. */
  private static final long DISCOVER_MS = 100;
  /** The least pause between two runs of one duty, so that a duty due at once never spins. */
  private static final long MIN_PAUSE_MS = 10;
  private static final long PROPOSE_TIMEOUT_MS = 5_000;
  static final int MAX_IN_FLIGHT = 32;

  private final CoordStateMachine stateMachine;
  private final RaftServer.Division division;
  private final LongSupplier clockMs;
  private final ScheduledExecutorService supervisor = daemonThread("leader-duties");
  /** Each duty's lane and the leadership its run chain belongs to; changed by the supervisor only. */
  private final Map<String, ScheduledExecutorService> lanes = new ConcurrentHashMap<>();
  private final Map<String, Long> laneGeneration = new ConcurrentHashMap<>();
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callId = new AtomicLong();
  private final AtomicLong generation = new AtomicLong();
  private final Map<String, DutyMetrics> metrics = new ConcurrentHashMap<>();
  private volatile long leaderSinceMs;
  private volatile boolean closed;

  /** Counters of one duty, read by the admin endpoint. */
  static final class DutyMetrics {
    final AtomicLong runs = new AtomicLong();
    final AtomicLong nanos = new AtomicLong();
    final AtomicLong planNanos = new AtomicLong();
    final AtomicLong proposed = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
  }

  LeaderDuties(CoordStateMachine stateMachine, RaftServer.Division division, LongSupplier clockMs) {
    this.stateMachine = stateMachine;
    this.division = division;
    this.clockMs = clockMs;
  }

  private static ScheduledExecutorService daemonThread(String name) {
    return Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public void ready() {
    long gen = generation.incrementAndGet();
    leaderSinceMs = clockMs.getAsLong();
    LOG.info("leadership ready: starting leader duties (round {})", gen);
    supervisor.execute(() -> discover(gen));
  }

  @Override
  public void ended() {
    if (leaderSinceMs != 0) {
      generation.incrementAndGet();
      leaderSinceMs = 0;
      LOG.info("leadership ended: leader duties stop");
    }
  }

  Map<String, DutyMetrics> metrics() {
    return metrics;
  }

  /** Starts a run chain for every duty without one in this leadership, then looks again later. */
  private void discover(long gen) {
    if (gen != generation.get() || closed) {
      return;
    }
    try {
      for (String duty : stateMachine.dutyNames()) {
        if (laneGeneration.getOrDefault(duty, -1L) == gen) {
          continue;
        }
        laneGeneration.put(duty, gen);
        // A chain of an older leadership still queued on the lane sees the new generation and ends.
        lanes.computeIfAbsent(duty, d -> daemonThread("duty-" + d)).execute(() -> run(gen, duty));
      }
    } catch (RuntimeException e) {
      LOG.warn("leader duties: looking for duties failed: {}", e.toString());
    } finally {
      if (gen == generation.get() && !closed) {
        supervisor.schedule(() -> discover(gen), DISCOVER_MS, TimeUnit.MILLISECONDS);
      }
    }
  }

  private void run(long gen, String duty) {
    if (gen != generation.get() || closed) {
      return;
    }
    long pauseMs = DISCOVER_MS;
    long startMs = clockMs.getAsLong();
    try {
      DutyMetrics m = metrics.computeIfAbsent(duty, d -> new DutyMetrics());
      long start = System.nanoTime();
      List<DutyPlan> plans = stateMachine.planDuties(leaderSinceMs, duty::equals);
      m.planNanos.addAndGet(System.nanoTime() - start);
      for (DutyPlan plan : plans) {
        m.runs.incrementAndGet();
        if (gen == generation.get()) {
          proposeAll(plan, m);
        }
        pauseMs = startMs + plan.intervalMs() - clockMs.getAsLong();
      }
      m.nanos.addAndGet(System.nanoTime() - start);
    } catch (RuntimeException e) {
      LOG.warn("leader duty {} failed: {}", duty, e.toString());
    } finally {
      if (gen == generation.get() && !closed) {
        ScheduledExecutorService lane = lanes.get(duty);
        lane.schedule(() -> run(gen, duty), Math.max(MIN_PAUSE_MS, pauseMs), TimeUnit.MILLISECONDS);
      }
    }
  }

  private void proposeAll(DutyPlan plan, DutyMetrics m) {
    java.util.ArrayDeque<CompletableFuture<RaftClientReply>> inFlight = new java.util.ArrayDeque<>();
    for (var command : plan.commands()) {
      if (inFlight.size() >= MAX_IN_FLIGHT) {
        await(plan.duty(), inFlight.poll(), m);
      }
      inFlight.add(submit(CommandBatch.newBuilder().addCommands(command).build(), m));
    }
    while (!inFlight.isEmpty()) {
      await(plan.duty(), inFlight.poll(), m);
    }
  }

  private CompletableFuture<RaftClientReply> submit(CommandBatch batch, DutyMetrics m) {
    RaftClientRequest req = RaftClientRequest.newBuilder().setClientId(clientId).setServerId(division.getId())
        .setGroupId(division.getGroup().getGroupId()).setCallId(callId.incrementAndGet())
        .setMessage(Message.valueOf(UnsafeByteOperations.unsafeWrap(batch.toByteArray())))
        .setType(RaftClientRequest.writeRequestType()).build();
    m.proposed.incrementAndGet();
    try {
      return division.getRaftServer().submitClientRequestAsync(req);
    } catch (java.io.IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private void await(String duty, CompletableFuture<RaftClientReply> pending, DutyMetrics m) {
    try {
      RaftClientReply reply = pending.get(PROPOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      if (!reply.isSuccess()) {
        m.failed.incrementAndGet();
        LOG.info("duty {}: proposal not committed: {}", duty, reply.getException() == null ? "?" : reply.getException().toString());
        return;
      }
      BatchReply r = BatchReply.parseFrom(reply.getMessage().getContent().toByteArray());
      CommandReply c = r.getRepliesCount() == 1 ? r.getReplies(0) : CommandReply.newBuilder().setCode(r.getCode()).build();
      if (c.getCode() == ErrorCode.STALE_EPOCH) {
        m.refused.incrementAndGet();
        LOG.debug("duty {}: refused as stale: {}", duty, c.getMessage());
      } else if (c.getCode() != ErrorCode.OK) {
        m.failed.incrementAndGet();
        LOG.warn("duty {}: command refused: {} {}", duty, c.getCode(), c.getMessage());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      m.failed.incrementAndGet();
      LOG.info("duty {}: proposal failed: {}", duty, e.toString());
    }
  }

  @Override
  public void close() {
    closed = true;
    generation.incrementAndGet();
    supervisor.shutdownNow();
    lanes.values().forEach(ScheduledExecutorService::shutdownNow);
  }
}
