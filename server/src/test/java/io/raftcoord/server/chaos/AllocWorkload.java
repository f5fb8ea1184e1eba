package io.raftcoord.server.chaos;

import io.raftcoord.client.CoordClient;
import io.raftcoord.proto.ReplicaStatus;
import io.raftcoord.server.fault.AllocCall;
import io.raftcoord.server.fault.History;
import io.raftcoord.server.fault.History.Kind;
import io.raftcoord.server.fault.History.Op;
import io.raftcoord.server.fault.History.Outcome;
import io.raftcoord.server.fault.HistoryChecker;
import io.raftcoord.server.fault.UnsafeTso;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code tso} and {@code ids} workloads: closed-loop threads on ONE client (per workload)
 * that lives through every fault, recording each call in a fault-suite {@link History} judged by
 * {@link HistoryChecker} (the same loop as the fault suite's {@code Workload}, which is
 * package-private there). {@code tso}: 2/3 {@code tso().next()} (merged by the client), 1/3
 * {@code tso().allocate(1..32)}; with the planted bug {@code tso-local}, 99 % of the calls are
 * timestamps from the leader's memory ({@code /test/unsafe-tso}, {@link UnsafeTso}) instead. {@code ids}: {@code ids().allocate(1..1000)}.
 * After healing it also checks that nothing acknowledged is missing on any replica (the oracle's
 * last timestamp / the next ID are above everything a client got).
 */
final class AllocWorkload implements ChaosWorkload, ChaosRun.Summarized {
  private static final Logger LOG = LoggerFactory.getLogger(AllocWorkload.class);
  static final Duration DEADLINE = Duration.ofSeconds(5);

  private final Kind kind;
  private final int threads;
  private final List<Thread> workers = new ArrayList<>();
  private final AtomicInteger errorsLogged = new AtomicInteger();
  private History history;
  private CoordClient client;
  private UnsafeTso unsafe;
  private volatile boolean running;

  AllocWorkload(Kind kind, int threads) {
    this.kind = kind;
    this.threads = threads;
  }

  @Override
  public String name() {
    return kind == Kind.TSO ? "tso" : "ids";
  }

  History history() {
    return history;
  }

  @Override
  public void start(ChaosEnv env) {
    history = new History(env.originNanos());
    client = env.newClient(DEADLINE);
    if (kind == Kind.TSO && env.plantedBugs().contains("tso-local")) {
      ChaosCluster cluster = env.cluster();
      unsafe = new UnsafeTso(cluster::adminUri, cluster::leader);
    }
    running = true;
    for (int t = 0; t < threads; t++) {
      String thread = name().charAt(0) + String.valueOf(t + 1);
      Random rnd = new Random(env.seed() * 31 + t + (kind == Kind.TSO ? 0 : 1000));
      Thread th = new Thread(() -> loop(thread, rnd), "chaos-" + name() + "-" + thread);
      th.setDaemon(true);
      workers.add(th);
      th.start();
    }
    LOG.info("{} workload: {} threads on one client{}", name(), threads,
        unsafe != null ? ", single timestamps from the leader's /test/unsafe-tso (planted bug tso-local)" : "");
  }

  private void loop(String thread, Random rnd) {
    while (running) {
      String call;
      int requested;
      if (kind == Kind.IDS) {
        call = "ids.allocate";
        requested = 1 + rnd.nextInt(1000);
      } else if (unsafe != null) {
        boolean local = rnd.nextInt(100) < 99;
        call = local ? AllocCall.UNSAFE_LOCAL : "tso.allocate";
        requested = local ? 1 : 1 + rnd.nextInt(32);
      } else {
        boolean single = rnd.nextInt(3) < 2;
        call = single ? "tso.next" : "tso.allocate";
        requested = single ? 1 : 1 + rnd.nextInt(32);
      }
      long invoke = System.nanoTime();
      try {
        AllocCall.Allocated got = AllocCall.perform(client, unsafe, call, requested);
        history.ok(thread, kind, call, requested, invoke, System.nanoTime(), got.first(), got.count());
      } catch (RuntimeException | Error e) {
        Op op = history.failed(thread, kind, call, requested, invoke, System.nanoTime(), e);
        if (op.outcome() == Outcome.FAILED || e instanceof Error) {
          LOG.warn("{}: {} failed: {}", thread, call, op.error());
        } else if (errorsLogged.incrementAndGet() <= 10) {
          LOG.info("{}: {} outcome unknown after {} ms: {}", thread, call, (op.returnNanos() - invoke) / 1_000_000,
              op.error());
        }
        ChaosReplicas.sleep(20); // the quorum is unavailable: do not spin
      }
    }
  }

  @Override
  public void stop() throws InterruptedException {
    running = false;
    long deadline = System.nanoTime() + DEADLINE.toNanos() + 10_000_000_000L;
    for (Thread t : workers) {
      t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      if (t.isAlive()) {
        LOG.error("{} did not stop within the client deadline + 10 s (a client call hung?)", t.getName());
      }
    }
    if (client != null) {
      client.close();
    }
  }

  /** Return times ({@code System.nanoTime()}) of the OK calls, ascending: when writes succeeded. */
  long[] okReturnNanos() {
    return history.ops().stream().filter(Op::ok).mapToLong(Op::returnNanos).sorted().toArray();
  }

  @Override
  public List<String> historyLines() {
    List<String> out = new ArrayList<>();
    long origin = history.originNanos();
    for (Op op : history.ops()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("workload", name());
      m.put("type", op.call());
      m.put("id", op.id());
      m.put("thread", op.thread());
      m.put("requested", op.requested());
      m.put("invokeMs", ms(op.invokeNanos(), origin));
      m.put("returnMs", ms(op.returnNanos(), origin));
      m.put("outcome", op.outcome().name());
      if (op.ok()) {
        m.put("first", op.first());
        m.put("count", op.count());
      }
      if (op.error() != null) {
        m.put("error", op.error());
      }
      out.add(Timeline.GSON.toJson(m));
    }
    return out;
  }

  static double ms(long nanos, long origin) {
    return Math.round((nanos - origin) / 1e4) / 100.0;
  }

  @Override
  public String summary() {
    HistoryChecker.Counts c = HistoryChecker.check(history).counts(kind);
    return c.toString();
  }

  @Override
  public List<Verdict> check(ChaosEnv env) {
    HistoryChecker.Verdict v = HistoryChecker.check(history);
    List<String> violations = new ArrayList<>();
    long origin = history.originNanos();
    String window = "";
    long best = Long.MAX_VALUE;
    for (HistoryChecker.Violation x : v.violations()) {
      violations.add(x.check() + ": " + x.message() + "; op: " + x.op().describe(origin)
          + (x.other() == null ? "" : "; other: " + x.other().describe(origin)));
      long from = x.other() == null ? x.op().invokeNanos() : Math.min(x.op().invokeNanos(), x.other().invokeNanos());
      long to = x.other() == null ? x.op().returnNanos() : Math.max(x.op().returnNanos(), x.other().returnNanos());
      if (to - from < best) {
        best = to - from;
        window = String.format("%s [%.3f ms .. %.3f ms]: %s%s", x.check(), (from - origin) / 1e6, (to - origin) / 1e6,
            x.op().describe(origin), x.other() == null ? "" : " | " + x.other().describe(origin));
      }
    }
    long total = v.violationCounts().values().stream().mapToLong(Long::longValue).sum();
    if (total > violations.size()) {
      violations.add("... " + (total - violations.size()) + " more (" + v.violationCounts() + ")");
    }
    violations.addAll(nothingLost(env));
    return List.of(new Verdict(name(), history.ops().size(), violations, window));
  }

  /**
   * On every replica that is caught up (applied as far as the most advanced one) the oracle's last
   * timestamp / the next ID covers everything acknowledged. A replica still behind is not judged
   * here: the convergence and liveness checkers report it.
   */
  private List<String> nothingLost(ChaosEnv env) {
    List<String> out = new ArrayList<>();
    List<Op> ok = history.ops().stream().filter(Op::ok).toList();
    if (ok.isEmpty() || unsafe != null) {
      return out; // unsafe local timestamps never reach the store: nothing to compare
    }
    long max = ok.stream().mapToLong(Op::last).max().orElse(0);
    List<Optional<ReplicaStatus>> all = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      Optional<ReplicaStatus> s = Optional.empty();
      for (int attempt = 0; attempt < 20 && s.isEmpty(); attempt++) {
        s = env.cluster().status(i);
        if (s.isEmpty()) {
          ChaosReplicas.sleep(250);
        }
      }
      all.add(s);
    }
    long top = all.stream().flatMap(Optional::stream).mapToLong(ReplicaStatus::getStoreAppliedIndex).max().orElse(-1);
    for (int i = 1; i <= 3; i++) {
      Optional<ReplicaStatus> s = all.get(i - 1);
      if (s.isEmpty() || s.get().getStoreAppliedIndex() < top) {
        LOG.info("{}: n{} not checked for lost values ({})", name(), i,
            s.map(x -> "store applied " + x.getStoreAppliedIndex() + " < " + top).orElse("no /status"));
      } else if (kind == Kind.TSO && s.get().getLastTimestamp() < max) {
        out.add("n" + i + " lost timestamps: its last is " + s.get().getLastTimestamp() + " but a client got " + max);
      } else if (kind == Kind.IDS && s.get().getNextId() <= max) {
        out.add("n" + i + " lost IDs: its next is " + s.get().getNextId() + " but a client got " + max);
      }
    }
    return out;
  }
}
