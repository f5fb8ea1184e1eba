package io.raftcoord.server.chaos;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.client.CatalogClient;
import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.internal.Futures;
import io.raftcoord.client.internal.RaftTransport;
import io.raftcoord.proto.CatalogChange;
import io.raftcoord.proto.ChangeEvent;
import io.raftcoord.proto.CollectionBrief;
import io.raftcoord.proto.CollectionDescription;
import io.raftcoord.proto.CatalogLimits;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.CreateCollectionRequest;
import io.raftcoord.proto.DatabaseInfo;
import io.raftcoord.proto.DumpReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.PartitionInfo;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryBatch;
import io.raftcoord.proto.QueryBatchReply;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.WatchQuery;
import io.raftcoord.proto.WatchReply;
import io.raftcoord.server.fault.DdlChecker;
import io.raftcoord.server.fault.DdlChecker.Observed;
import io.raftcoord.server.fault.DdlChecker.ReplicaCatalog;
import io.raftcoord.server.fault.DdlHistory;
import io.raftcoord.server.fault.DdlSchema;
import io.raftcoord.server.fault.FeedWatcher;
import io.raftcoord.server.fault.DdlHistory.Op;
import io.raftcoord.server.fault.DdlHistory.Type;
import io.raftcoord.server.fault.History.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code ddl} workload: the fault suite's catalog DDL load (its {@code DdlWorkload} and
 * {@code CatalogDdlFaultIT} are package-private there, so their loop and end-of-run reads are
 * repeated here) judged by its {@link DdlChecker}. Threads on ONE client create uniquely named
 * collections {@code c_<thread>_<seq>} (8 fields) without idempotency keys in one of two databases
 * of its own, add one or two partitions, sometimes drop them, and retry unknown outcomes; two
 * watchers (one on the DDL client, one on a client of its own) follow the change feed from
 * revision 1 through every fault, and a third is started after healing. The check reads each
 * replica's catalog on that replica and the whole feed raw from every replica; equal events
 * are held once ({@link DdlHistory#intern}), so a 30-minute run's feed fits the driver's heap.
 *
 * <p>Other workloads may share the catalog: the checker is given only this workload's part of
 * it — its databases (and {@code default}), their collections, and the feed's revisions that
 * touch them (whole revisions, so the feed's ordering checks still hold).
 */
final class DdlChaosWorkload implements ChaosWorkload, ChaosRun.Summarized, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DdlChaosWorkload.class);
  static final Duration DEADLINE = Duration.ofSeconds(5);
  static final int MAX_ATTEMPTS = 6;
  static final int DROP_PCT = 40;
  static final List<String> DATABASES = List.of("chaos_ddl_a", "chaos_ddl_b");

  private record Result(CollectionInfo collection, PartitionInfo partition) {}

  private final int threads;
  private final List<Thread> workers = new ArrayList<>();
  private final List<FeedWatcher> watchers = new ArrayList<>();
  private final AtomicInteger errorsLogged = new AtomicInteger();
  private DdlHistory history;
  private CoordClient client;
  private CoordClient watchClient;
  private CoordClient checkClient;
  private volatile boolean running;
  private String summary = "";

  DdlChaosWorkload(int threads) {
    this.threads = threads;
  }

  @Override
  public String name() {
    return "ddl";
  }

  @Override
  public void start(ChaosEnv env) {
    history = new DdlHistory(env.originNanos());
    client = env.newClient(DEADLINE);
    watchClient = env.newClient(DEADLINE);
    keepTheWholeFeed();
    for (String db : DATABASES) {
      createDatabase(db);
    }
    watchers.add(FeedWatcher.start(client, "w1-ddl-client", history));
    watchers.add(FeedWatcher.start(watchClient, "w2-own-client", history));
    running = true;
    for (int t = 0; t < threads; t++) {
      String name = "d" + (t + 1);
      int thread = t + 1;
      Random rnd = new Random(env.seed() * 31 + t + 2000);
      Thread th = new Thread(() -> loop(name, thread, rnd), "chaos-ddl-" + name);
      th.setDaemon(true);
      workers.add(th);
      th.start();
    }
    LOG.info("ddl workload: {} threads on one client, databases {}, 2 watchers", threads, DATABASES);
  }

  /**
   * The check reads the whole change feed from revision 1, and the watchers must never fall
   * behind its retention: keep every event of a run, however long (setting limits is idempotent,
   * so an unknown outcome is simply retried).
   */
  private void keepTheWholeFeed() {
    CatalogLimits keepAll = CatalogLimits.newBuilder()
        .setWatchRetentionEvents(Integer.MAX_VALUE).setWatchRetentionMs(7L * 24 * 3600 * 1000).build();
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (true) {
      try {
        client.catalog().setLimits(keepAll);
        return;
      } catch (CoordException e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not raise the change feed's retention within 60 s: " + e);
        }
        ChaosReplicas.sleep(200);
      }
    }
  }

  /** Creates {@code db} without an idempotency key, retrying unknown outcomes; ALREADY_EXISTS then means it applied. */
  private void createDatabase(String db) {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (true) {
      long invoke = System.nanoTime();
      try {
        client.catalog().createDatabase(db);
        history.ok("setup", Type.CREATE_DATABASE, db, "", null, invoke, System.nanoTime(), null, null);
        return;
      } catch (CoordException e) {
        Op op = history.failed("setup", Type.CREATE_DATABASE, db, "", null, invoke, System.nanoTime(), e);
        if (op.outcome() == Outcome.FAILED) {
          return; // the checker judges whether ALREADY_EXISTS is explained
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("could not create database " + db + " within 60 s: " + e);
        }
        ChaosReplicas.sleep(200);
      }
    }
  }

  private void loop(String name, int thread, Random rnd) {
    CatalogClient catalog = client.catalog();
    for (int seq = 1; running; seq++) {
      String db = DATABASES.get(rnd.nextInt(DATABASES.size()));
      String coll = "c_" + thread + "_" + seq;
      CreateCollectionRequest req = CreateCollectionRequest.newBuilder().setDb(db).setName(coll).setSchema(DdlSchema.of(coll)).build();
      Op created = resolve(name, Type.CREATE_COLLECTION, db, coll, null,
          () -> new Result(catalog.createCollection(req), null), ErrorCode.ALREADY_EXISTS);
      if (created == null || !(created.ok() || created.code() == ErrorCode.ALREADY_EXISTS)) {
        continue;
      }
      int partitions = 1 + rnd.nextInt(2);
      for (int p = 1; p <= partitions && running; p++) {
        String part = "p" + p;
        resolve(name, Type.CREATE_PARTITION, db, coll, part,
            () -> new Result(null, catalog.createPartition(db, coll, part)), ErrorCode.ALREADY_EXISTS);
      }
      if (running && rnd.nextInt(100) < DROP_PCT) {
        resolve(name, Type.DROP_COLLECTION, db, coll, null,
            () -> new Result(catalog.dropCollection(db, coll), null), ErrorCode.NOT_FOUND);
      }
    }
  }

  private Op resolve(String thread, Type type, String db, String coll, String part, Supplier<Result> call,
                     ErrorCode expectedOnRetry) {
    Op last = null;
    for (int attempt = 1; attempt <= MAX_ATTEMPTS && (attempt == 1 || running); attempt++) {
      long invoke = System.nanoTime();
      try {
        Result r = call.get();
        return history.ok(thread, type, db, coll, part, invoke, System.nanoTime(), r.collection(), r.partition());
      } catch (RuntimeException | Error e) {
        last = history.failed(thread, type, db, coll, part, invoke, System.nanoTime(), e);
        if (last.outcome() == Outcome.FAILED) {
          if (last.code() != expectedOnRetry || attempt == 1) {
            LOG.warn("{}: {} {} refused on attempt {}: {}", thread, type, last.key(), attempt, last.error());
          }
          return last;
        }
        if (errorsLogged.incrementAndGet() <= 20) {
          LOG.info("{}: {} {} outcome unknown (attempt {}): {}", thread, type, last.key(), attempt, last.error());
        }
        ChaosReplicas.sleep(50);
      }
    }
    return last;
  }

  @Override
  public void stop() throws InterruptedException {
    running = false;
    long deadline = System.nanoTime() + DEADLINE.toNanos() * MAX_ATTEMPTS + 10_000_000_000L;
    for (Thread t : workers) {
      t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      if (t.isAlive()) {
        LOG.error("{} did not stop in time (a client call hung?)", t.getName());
      }
    }
  }

  /** Return times of OK calls, ascending. */
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
      m.put("type", op.type().name());
      m.put("id", op.id());
      m.put("thread", op.thread());
      m.put("db", op.db());
      m.put("collection", op.collection());
      if (op.partitionName() != null) {
        m.put("partition", op.partitionName());
      }
      m.put("invokeMs", AllocWorkload.ms(op.invokeNanos(), origin));
      m.put("returnMs", AllocWorkload.ms(op.returnNanos(), origin));
      m.put("outcome", op.outcome().name());
      if (op.code() != null) {
        m.put("code", op.code().name());
      }
      if (op.result() != null) {
        m.put("collectionId", op.result().getId());
      }
      if (op.partition() != null) {
        m.put("partitionId", op.partition().getId());
      }
      if (op.error() != null) {
        m.put("error", op.error());
      }
      out.add(Timeline.GSON.toJson(m));
    }
    return out;
  }

  @Override
  public String summary() {
    return summary;
  }

  /** The whole check's budget: on a cluster that did not heal, reads fail until this deadline. */
  static final long CHECK_BUDGET_NANOS = 150_000_000_000L;
  private long checkDeadline = Long.MAX_VALUE;

  private long until(long nanosFromNow) {
    return Math.min(System.nanoTime() + nanosFromNow, checkDeadline);
  }

  @Override
  public List<Verdict> check(ChaosEnv env) throws Exception {
    checkDeadline = System.nanoTime() + CHECK_BUDGET_NANOS;
    // Reads of whole stores and catalogs after a long run take seconds each.
    checkClient = env.newClient(Duration.ofSeconds(30));
    long applied = -1;
    for (int attempt = 0; attempt < 100 && applied < 0; attempt++) {
      try {
        DumpReply d = checkClient.admin().localDump("n1");
        applied = d.getAppliedIndex();
      } catch (CoordException e) {
        ChaosReplicas.sleep(300);
      }
    }
    if (applied < 0) {
      throw new IllegalStateException("could not read n1's applied index");
    }
    long through = applied;
    List<ChangeEvent> feed = null;
    List<String> problems = new ArrayList<>();
    try (RaftTransport raw = new RaftTransport(env.peers(), 1, DEADLINE)) {
      for (String peer : env.peerIds()) {
        List<ChangeEvent> f = readFeed(raw, peer, through);
        if (feed == null) {
          feed = f;
        } else if (!feed.equals(f)) {
          problems.add(peer + "'s change feed (" + f.size() + " events) differs from n1's (" + feed.size() + ")");
        }
      }
    }
    watchers.add(FeedWatcher.start(client, "w3-fresh", history));
    for (FeedWatcher w : watchers) {
      long deadline = until(60_000_000_000L);
      while (w.recordedThrough().get() <= through && !w.watch().isClosed() && System.nanoTime() < deadline) {
        ChaosReplicas.sleep(50);
      }
      if (w.watch().isClosed()) {
        problems.add(w.name() + " ended" + (w.compacted().get() ? " (COMPACTED)" : ""));
      } else if (w.recordedThrough().get() <= through) {
        problems.add(w.name() + " did not reach revision " + (through + 1) + " within 60 s (at "
            + w.recordedThrough().get() + ")");
      }
    }
    for (FeedWatcher w : watchers) {
      w.watch().close();
    }
    List<ReplicaCatalog> catalogs = new ArrayList<>();
    for (String peer : env.peerIds()) {
      catalogs.add(readCatalog(peer));
    }
    Set<Long> mine = myRevisions(feed);
    Map<String, List<ChangeEvent>> seen = new TreeMap<>();
    history.watchers().forEach((w, evs) -> seen.put(w, evs.stream().filter(e -> mine.contains(e.getRevision())).toList()));
    List<ChangeEvent> myFeed = feed.stream().filter(e -> mine.contains(e.getRevision())).toList();
    DdlChecker.Verdict v = DdlChecker.check(history, new Observed(catalogs, myFeed, seen), DdlSchema::of);
    LOG.info("ddl: verdict: {}", v.summary());
    summary = v.summary().lines().findFirst().orElse("") + "; watcher poll errors (retried) "
        + watchers.stream().map(w -> w.name() + "=" + w.errors().get()).toList();
    List<String> violations = new ArrayList<>(problems);
    String window = "";
    long best = Long.MAX_VALUE;
    long origin = history.originNanos();
    for (DdlChecker.Violation x : v.violations()) {
      violations.add(x.check() + ": " + x.message() + (x.op() == null ? "" : "; op: " + x.op().describe(origin)));
      if (x.op() != null && x.op().returnNanos() - x.op().invokeNanos() < best) {
        best = x.op().returnNanos() - x.op().invokeNanos();
        window = String.format("%s [%.3f ms .. %.3f ms]: %s", x.check(), (x.op().invokeNanos() - origin) / 1e6,
            (x.op().returnNanos() - origin) / 1e6, x.op().describe(origin));
      } else if (window.isEmpty() && x.op() == null) {
        window = x.check() + " (state at the end of the run): " + x.message();
      }
    }
    long total = v.violationCounts().values().stream().mapToLong(Long::longValue).sum();
    if (total > v.violations().size()) {
      violations.add("... " + (total - v.violations().size()) + " more");
    }
    if (!problems.isEmpty() && window.isEmpty()) {
      window = "end of run: " + problems.get(0);
    }
    return List.of(new Verdict(name(), history.ops().size(), violations, window));
  }

  /** Revisions with at least one event about this workload's databases or their collections. */
  private static Set<Long> myRevisions(List<ChangeEvent> feed) {
    Set<Long> out = new HashSet<>();
    for (ChangeEvent e : feed) {
      CatalogChange c = e.getChange();
      boolean mine = c.hasDatabase() && DATABASES.contains(c.getDatabase().getName())
          || c.hasCollection() && DATABASES.contains(c.getCollection().getDbName())
          || !c.getPreviousDbName().isEmpty() && DATABASES.contains(c.getPreviousDbName());
      if (mine) {
        out.add(e.getRevision());
      }
    }
    return out;
  }

  /** Replica {@code peer}'s whole feed from revision 1 through {@code applied}, paging raw watch queries it serves. */
  private List<ChangeEvent> readFeed(RaftTransport raw, String peer, long applied) {
    long deadline = until(60_000_000_000L);
    while (true) {
      List<ChangeEvent> out = new ArrayList<>();
      long from = 1;
      try {
        while (from <= applied) {
          WatchQuery q = WatchQuery.newBuilder().setFromRevision(from).setTimeoutMs(0).build();
          byte[] req = QueryBatch.newBuilder().addQueries(Query.newBuilder().setWatch(q)).build().toByteArray();
          QueryReply r = QueryBatchReply.parseFrom(Futures.join(raw.readFrom(req, peer))).getReplies(0);
          if (r.getCode() != ErrorCode.OK) {
            throw new IllegalStateException(peer + " refused to read the feed from " + from + ": " + r.getMessage());
          }
          WatchReply w = r.getWatch();
          if (w.getCompactedBelow() != 0) {
            throw new IllegalStateException(peer + " compacted its feed below " + w.getCompactedBelow()
                + "; the ddl checker needs all of it");
          }
          if (w.getNextRevision() <= from) {
            throw new IllegalStateException(peer + ": the feed read from " + from + " did not advance");
          }
          for (ChangeEvent e : w.getEventsList()) {
            out.add(history.intern(e));
          }
          from = w.getNextRevision();
        }
        LOG.info("{}: change feed of {} events through revision {}", peer, out.size(), applied);
        return out;
      } catch (CoordException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        ChaosReplicas.sleep(200);
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException(peer + " answered an unreadable watch reply", e);
      }
    }
  }

  /** Replica {@code peer}'s catalog (this workload's databases and {@code default}), read on that replica. */
  private ReplicaCatalog readCatalog(String peer) {
    CatalogClient at = checkClient.catalog().at(peer);
    long deadline = until(90_000_000_000L);
    while (true) {
      try {
        TreeSet<String> dbs = new TreeSet<>();
        for (DatabaseInfo d : at.listDatabases()) {
          if (DATABASES.contains(d.getName()) || d.getName().equals(DdlChecker.DEFAULT_DATABASE)) {
            dbs.add(d.getName());
          }
        }
        SortedMap<String, CollectionInfo> colls = new TreeMap<>();
        for (String db : dbs) {
          if (!DATABASES.contains(db)) {
            continue;
          }
          List<CollectionBrief> briefs = at.listCollections(db);
          for (int from = 0; from < briefs.size(); from += 64) {
            List<CollectionBrief> wave = briefs.subList(from, Math.min(briefs.size(), from + 64));
            List<CompletableFuture<CollectionDescription>> fs = new ArrayList<>();
            for (CollectionBrief b : wave) {
              fs.add(at.describeCollectionAsync(db, b.getName()));
            }
            for (int k = 0; k < wave.size(); k++) {
              CollectionInfo info = Futures.join(fs.get(k)).getCollection();
              colls.put(DdlHistory.key(db, wave.get(k).getName()), info);
            }
          }
        }
        DumpReply d = checkClient.admin().localDump(peer);
        LOG.info("{}: {} databases, {} collections, applied {}", peer, dbs.size(), colls.size(), d.getAppliedIndex());
        return new ReplicaCatalog(peer, d.getAppliedIndex(), d.getDigest(), dbs, colls);
      } catch (CoordException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        LOG.info("reading the catalog of {} failed, retrying: {}", peer, e.toString());
        ChaosReplicas.sleep(300);
      }
    }
  }

  /** Closes the clients (the run calls this after checking). */
  @Override
  public void close() {
    for (FeedWatcher w : watchers) {
      w.watch().close();
    }
    if (client != null) {
      client.close();
    }
    if (watchClient != null) {
      watchClient.close();
    }
    if (checkClient != null) {
      checkClient.close();
    }
  }
}
