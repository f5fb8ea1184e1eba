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
 * before), stopped when it ends. Each round plans the due duties against the state machine and
 * proposes their commands to this replica's own Raft server, up to {@link #MAX_IN_FLIGHT} at a time
 * (each command is fenced in apply on its own, so their order does not matter), waiting for
 * every reply before the next duty. Knows nothing of any domain: what a duty plans and how apply fences it belong to the
 * domain.
 */
final class LeaderDuties implements CoordStateMachine.Leadership, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderDuties.class);
  private static final long TICK_MS = 100;
  private static final long PROPOSE_TIMEOUT_MS = 5_000;
  static final int MAX_IN_FLIGHT = 32;

  private final CoordStateMachine stateMachine;
  private final RaftServer.Division division;
  private final LongSupplier clockMs;
  private final ScheduledExecutorService exec = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "leader-duties");
    t.setDaemon(true);
    return t;
  });
  private final ClientId clientId = ClientId.randomId();
  private final AtomicLong callId = new AtomicLong();
  private final AtomicLong generation = new AtomicLong();
  private final Map<String, Long> nextDueMs = new ConcurrentHashMap<>();
  private final Map<String, DutyMetrics> metrics = new ConcurrentHashMap<>();
  private volatile long leaderSinceMs;

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

  @Override
  public void ready() {
    long gen = generation.incrementAndGet();
    leaderSinceMs = clockMs.getAsLong();
    nextDueMs.clear();
    LOG.info("leadership ready: starting leader duties (round {})", gen);
    exec.execute(() -> round(gen));
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

  private void round(long gen) {
    if (gen != generation.get()) {
      return;
    }
    try {
      long now = clockMs.getAsLong();
      for (String duty : stateMachine.dutyNames()) {
        if (gen != generation.get()) {
          return;
        }
        if (nextDueMs.getOrDefault(duty, 0L) > now) {
          continue;
        }
        DutyMetrics m = metrics.computeIfAbsent(duty, d -> new DutyMetrics());
        long start = System.nanoTime();
        List<DutyPlan> plans = stateMachine.planDuties(leaderSinceMs, duty::equals);
        m.planNanos.addAndGet(System.nanoTime() - start);
        for (DutyPlan plan : plans) {
          m.runs.incrementAndGet();
          nextDueMs.put(plan.duty(), now + plan.intervalMs());
          proposeAll(plan, m);
        }
        m.nanos.addAndGet(System.nanoTime() - start);
      }
    } catch (RuntimeException e) {
      LOG.warn("leader duties round failed: {}", e.toString());
    } finally {
      if (gen == generation.get() && !exec.isShutdown()) {
        exec.schedule(() -> round(gen), TICK_MS, TimeUnit.MILLISECONDS);
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
    generation.incrementAndGet();
    exec.shutdownNow();
  }
}
