package io.raftcoord.server.chaos;

import io.raftcoord.client.CatalogClient;
import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.catalog.Schemas;
import io.raftcoord.proto.CollectionDescription;
import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.KeyValue;
import io.raftcoord.server.chaos.KvHistoryOp.Outcome;
import io.raftcoord.server.chaos.KvHistoryOp.Type;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers in the catalog, checked for linearizability: the properties "r0".."r3" of the
 * collections kv_0..kv_4 (database default) are 20 registers. Client threads, each with its own
 * client (some with 2-3 s deadlines, so that faults leave outcomes unknown), write unique values
 * with alterCollection and read them back with describeCollection from the leader path or from
 * a random replica (followers serve reads through ReadIndex). Invariants: every op is recorded
 * before it is sent ({@link KvHistory}); a domain error is FAIL (the write did not happen), a
 * lost or late reply is UNKNOWN, never FAIL; the registers are absent when the history starts.
 * System properties {@code raftcoord.chaos.kv.{collections,threads,pauseMs,seed}} tune it; with
 * the client bug "stale-read" planted, reads aimed at one replica skip ReadIndex ({@link StaleReads})
 * and the checker must fail.
 */
public final class KvWorkload implements ChaosWorkload, ChaosRun.Summarized {
  private static final Logger LOG = LoggerFactory.getLogger(KvWorkload.class);
  static final String DB = "";
  static final int REGISTERS = 4;
  private static final Duration[] DEADLINES = {Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(10)};
  private static final Duration SETUP = Duration.ofSeconds(60);

  private final int collections = Integer.getInteger("raftcoord.chaos.kv.collections", 5);
  private final int threads = Integer.getInteger("raftcoord.chaos.kv.threads", 6);
  private final int pauseMs = Integer.getInteger("raftcoord.chaos.kv.pauseMs", 15);
  private final List<Thread> workers = new ArrayList<>();
  private final List<CoordClient> clients = new ArrayList<>();
  private final List<StaleReads> staleReads = new ArrayList<>();
  private volatile boolean running;
  private KvHistory history = new KvHistory(System::nanoTime);
  private List<String> keys = List.of();
  private long seed;
  private boolean staleBug;
  private volatile String checked = "not checked";

  @Override
  public String name() {
    return "kv";
  }

  @Override
  public void start(ChaosEnv env) throws Exception {
    long base = env.originNanos();
    seed = Long.getLong("raftcoord.chaos.kv.seed", env.seed());
    List<String> ks = new ArrayList<>();
    for (int c = 0; c < collections; c++) {
      for (int r = 0; r < REGISTERS; r++) {
        ks.add("kv_" + c + "/r" + r);
      }
    }
    keys = List.copyOf(ks);
    try (CoordClient admin = env.newClient(Duration.ofSeconds(10))) {
      for (int c = 0; c < collections; c++) {
        resetCollection(admin.catalog(), "kv_" + c);
      }
    }
    history = new KvHistory(() -> System.nanoTime() - base);
    staleBug = env.plantedBugs().contains(RunEnv.CLIENT_BUG);
    running = true;
    for (int t = 0; t < threads; t++) {
      Duration deadline = DEADLINES[t % DEADLINES.length];
      CoordClient client = env.newClient(deadline);
      clients.add(client);
      StaleReads stale = staleBug ? new StaleReads(env.peers(), deadline) : null;
      if (stale != null) {
        staleReads.add(stale);
      }
      KvClientLoop loop = new KvClientLoop("c" + t, client, replicaReaders(client, env.peerIds(), stale),
          new Random(seed * 31 + t));
      Thread th = new Thread(loop::run, "kv-" + t);
      th.setDaemon(true);
      workers.add(th);
      th.start();
    }
    LOG.info("kv workload: {} registers, {} client threads, seed {}, planted bugs {}", keys.size(), threads, seed,
        env.plantedBugs());
  }

  /** Creates the collection if needed and deletes its registers, retrying unknown outcomes. */
  private static void resetCollection(CatalogClient catalog, String name) throws InterruptedException {
    CollectionSchema schema = Schemas.schema().field(Schemas.int64("id").primary())
        .field(Schemas.floatVector("v", 4)).build();
    long until = System.nanoTime() + SETUP.toNanos();
    boolean created = false;
    while (true) {
      try {
        if (!created) {
          catalog.createCollection(DB, name, schema);
          created = true;
        }
        List<String> regs = new ArrayList<>();
        for (int r = 0; r < REGISTERS; r++) {
          regs.add("r" + r);
        }
        catalog.alterCollection(DB, name, Map.of(), regs);
        return;
      } catch (CoordException e) {
        if (e.code() == ErrorCode.ALREADY_EXISTS) {
          created = true;
          continue;
        }
        if (!e.outcomeUnknown() || System.nanoTime() > until) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  /** How a loop reads a collection at one replica. */
  @FunctionalInterface
  private interface ReplicaReader {
    CollectionDescription describeCollection(String db, String collection);
  }

  /**
   * Reads aimed at each replica: linearizable (a follower uses ReadIndex), or with the planted bug
   * {@code stale-read} ({@code stale} not null) from the replica's local state.
   */
  private static Map<String, ReplicaReader> replicaReaders(CoordClient client, List<String> peerIds,
                                                           StaleReads stale) {
    Map<String, ReplicaReader> out = new LinkedHashMap<>();
    for (String p : peerIds) {
      CatalogClient at = client.catalog().at(p);
      out.put(p, stale == null ? at::describeCollection : (db, c) -> stale.describeCollection(p, db, c));
    }
    return out;
  }

  /** One client thread: random writes and reads until stopped. */
  private final class KvClientLoop {
    private final String name;
    private final CatalogClient leader;
    private final Map<String, ReplicaReader> replicas;
    private final Random rnd;
    private int seq;

    KvClientLoop(String name, CoordClient client, Map<String, ReplicaReader> replicas, Random rnd) {
      this.name = name;
      this.leader = client.catalog();
      this.replicas = replicas;
      this.rnd = rnd;
    }

    void run() {
      List<String> peers = List.copyOf(replicas.keySet());
      while (running) {
        String key = keys.get(rnd.nextInt(keys.size()));
        if (rnd.nextBoolean()) {
          write(key, name + "-" + seq++);
        } else {
          String via = rnd.nextInt(4) == 0 ? "leader" : peers.get(rnd.nextInt(peers.size()));
          read(key, via);
        }
        if (pauseMs > 0) {
          try {
            Thread.sleep(rnd.nextInt(pauseMs + 1));
          } catch (InterruptedException e) {
            return;
          }
        }
      }
    }

    private void write(String key, String value) {
      int id = history.invoke(name, Type.WRITE, key, value, "leader");
      try {
        leader.alterCollection(DB, collection(key), Map.of(register(key), value), List.of());
        history.complete(id, Outcome.OK, value, "");
      } catch (CoordException e) {
        history.complete(id, e.outcomeUnknown() ? Outcome.UNKNOWN : Outcome.FAIL, null, brief(e));
      } catch (RuntimeException e) {
        history.complete(id, Outcome.UNKNOWN, null, brief(e));
      }
    }

    private void read(String key, String via) {
      int id = history.invoke(name, Type.READ, key, null, via);
      try {
        CollectionDescription d = via.equals("leader") ? leader.describeCollection(DB, collection(key))
            : replicas.get(via).describeCollection(DB, collection(key));
        history.complete(id, Outcome.OK, property(d, register(key)), "");
      } catch (CoordException e) {
        history.complete(id, e.outcomeUnknown() ? Outcome.UNKNOWN : Outcome.FAIL, null, brief(e));
      } catch (RuntimeException e) {
        history.complete(id, Outcome.UNKNOWN, null, brief(e));
      }
    }
  }

  @Override
  public void stop() throws Exception {
    running = false;
    long joinMs = DEADLINES[DEADLINES.length - 1].toMillis() + 15_000;
    for (Thread t : workers) {
      t.join(joinMs);
      if (t.isAlive()) {
        LOG.warn("kv: {} still has an op outstanding after {} ms; it stays UNKNOWN", t.getName(), joinMs);
      }
    }
    for (CoordClient c : clients) {
      try {
        c.close();
      } catch (RuntimeException e) {
        LOG.debug("kv: closing a client: {}", e.toString());
      }
    }
    for (StaleReads r : staleReads) {
      try {
        r.close();
      } catch (IOException | RuntimeException e) {
        LOG.debug("kv: closing the stale reads: {}", e.toString());
      }
    }
    workers.clear();
    clients.clear();
    staleReads.clear();
    LOG.info("kv workload stopped: {}", counts());
  }

  /** Op counts by type and outcome, and the checker's statistics. */
  @Override
  public String summary() {
    return counts() + "; linearizability: " + checked;
  }

  private Map<String, Long> counts() {
    Map<String, Long> counts = new TreeMap<>();
    for (KvHistoryOp op : history.ops()) {
      counts.merge(op.type().name().toLowerCase(Locale.ROOT) + " " + op.outcome().name().toLowerCase(Locale.ROOT), 1L,
          Long::sum);
    }
    return counts;
  }

  @Override
  public List<String> historyLines() {
    return history.ops().stream().map(KvHistoryOp::toJson).toList();
  }

  /**
   * Reads every register once more from every replica and from the leader path (so that a lost
   * acknowledged write shows), then checks the whole history.
   */
  @Override
  public List<Verdict> check(ChaosEnv env) throws Exception {
    Duration deadline = Duration.ofSeconds(30);
    try (CoordClient c = env.newClient(deadline);
         StaleReads stale = staleBug ? new StaleReads(env.peers(), deadline) : null) {
      KvClientLoop last = new KvClientLoop("final", c, replicaReaders(c, env.peerIds(), stale), new Random(seed));
      for (String key : keys) {
        last.read(key, "leader");
        for (String p : env.peerIds()) {
          last.read(key, p);
        }
      }
    }
    long t0 = System.nanoTime();
    LinearizabilityResult r = new LinearizabilityChecker().check(history.ops());
    checked = String.format(Locale.ROOT, "%s over %d keys, %d informative ops, %d search steps, %d ms", r.status(),
        r.keys(), r.opsChecked(), r.steps(), (System.nanoTime() - t0) / 1_000_000);
    LOG.info("kv-linearizable: {}", checked);
    if (r.first() != null) {
      Files.writeString(env.reportDir().resolve("kv-window.txt"), String.join("\n",
          r.findings().stream().map(LinearizabilityResult.Finding::window).toList()));
    }
    return List.of(r.toVerdict("kv-linearizable"));
  }

  static String collection(String key) {
    return key.substring(0, key.indexOf('/'));
  }

  static String register(String key) {
    return key.substring(key.indexOf('/') + 1);
  }

  static String property(CollectionDescription d, String name) {
    for (KeyValue kv : d.getCollection().getPropertiesList()) {
      if (kv.getKey().equals(name)) {
        return kv.getValue();
      }
    }
    return null;
  }

  private static String brief(RuntimeException e) {
    String s = e.toString();
    return s.length() > 160 ? s.substring(0, 160) + "..." : s;
  }
}
