package io.raftcoord.server.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.client.CatalogClient;
import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.internal.Futures;
import io.raftcoord.client.internal.RaftTransport;
import io.raftcoord.proto.ChangeEvent;
import io.raftcoord.proto.ChangeKind;
import io.raftcoord.proto.CollectionBrief;
import io.raftcoord.proto.CollectionDescription;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.DatabaseInfo;
import io.raftcoord.proto.DumpReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryBatch;
import io.raftcoord.proto.QueryBatchReply;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.WatchQuery;
import io.raftcoord.proto.WatchReply;
import io.raftcoord.server.fault.DdlChecker.Observed;
import io.raftcoord.server.fault.DdlChecker.ReplicaCatalog;
import io.raftcoord.server.fault.DdlHistory.Type;
import io.raftcoord.server.fault.Nemesis.Fault;
import io.raftcoord.server.fault.Nemesis.Target;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Catalog DDL on three real replica JVMs while the leader is SIGKILLed (and restarted on its data
 * directory) four times, a follower once, and the leader is frozen with SIGSTOP once. Five DDL
 * threads on one client create uniquely named collections (8 fields) WITHOUT idempotency keys,
 * add partitions and sometimes drop them, retrying calls whose outcome is unknown; two watchers
 * (one on the DDL client, one on a client of its own) follow the change feed from revision 1 through
 * every fault. After healing, {@link DdlChecker} judges the history against each replica's catalog
 * (read on that replica), the full feed (read raw on every replica) and what each watcher got: no
 * acknowledged change lost, no acknowledged drop undone, no partial collection, definite failures
 * explained, identical replicas, and every watcher saw exactly the feed, once and in order.
 * Data and the history (JSONL) are kept in the test's temp dir when it fails.
 */
class CatalogDdlFaultIT {
  private static final Logger LOG = LoggerFactory.getLogger(CatalogDdlFaultIT.class);
  static final String DB2 = "ddl_second";
  private static final int THREADS = 5;
  private static final String NAME = "catalog-ddl";

  /**
   * One watcher: its watch, the revision it continues from as of the last batch its listener
   * recorded (the watch's own {@code nextRevision()} moves before the listener runs), its errors,
   * and whether it ended.
   */

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void ddlThroughLeaderKillsFollowerKillAndLeaderPause(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir)
      throws Exception {
    long t0 = System.nanoTime();
    DdlHistory history = new DdlHistory();
    List<FeedWatcher> watchers = new ArrayList<>();
    try (ReplicaProcesses cluster = new ReplicaProcesses(dir, FaultSupport.replicaArgs());
         CoordClient client = FaultSupport.client(cluster.peers());
         CoordClient watchClient = FaultSupport.client(cluster.peers());
         DdlWorkload load = new DdlWorkload(client, THREADS, history, List.of("default", DB2), 11)) {
      cluster.startAll();
      history.event("started n1..n3");
      cluster.awaitLeader(Duration.ofSeconds(90));
      createSecondDatabase(client, history);
      watchers.add(FeedWatcher.start(client, "w1-ddl-client", history));
      watchers.add(FeedWatcher.start(watchClient, "w2-own-client", history));
      load.mark();
      load.start();
      load.awaitOkSinceMark(100, Duration.ofSeconds(60), "to warm up");
      history.event("warmed up");

      Nemesis nemesis = new Nemesis(cluster, history::event, load, Duration.ofSeconds(2), 50);
      List<Fault> faults = new ArrayList<>();
      faults.add(nemesis.killAndRestart(Target.LEADER));
      faults.add(nemesis.killAndRestart(Target.FOLLOWER));
      faults.add(nemesis.killAndRestart(Target.LEADER));
      faults.add(nemesis.pauseAndResume(Target.LEADER, Duration.ofSeconds(3)));
      faults.add(nemesis.killAndRestart(Target.LEADER));
      faults.add(nemesis.killAndRestart(Target.LEADER));
      load.stop(Duration.ofSeconds(30));
      long loadSeconds = (System.nanoTime() - t0) / 1_000_000_000;
      history.event("load stopped");
      for (int k = 0; k < faults.size(); k++) {
        Fault f = faults.get(k);
        LOG.info("fault {}: {} {} n{}: {} OK DDL ops while down, {} after it caught up", k + 1, f.action(),
            f.target(), f.victim(), f.okWhileDown(), f.okAfterRecovery());
        assertTrue(f.okWhileDown() > 0, "no DDL progress while n" + f.victim() + " was down (fault " + (k + 1) + ")");
      }

      // Heal: every replica up and the three stores identical.
      cluster.awaitAllUp(Duration.ofSeconds(30));
      DumpReply common = FaultSupport.awaitConvergence(cluster, client, Duration.ofSeconds(60));
      long applied = common.getAppliedIndex();
      history.event("converged at " + applied);
      LOG.info("converged at store index {} digest {}; {}", applied, common.getDigest(), FaultSupport.snapshots(cluster));

      // The feed, read raw (WatchQuery pages, no CatalogWatch) on every replica: identical.
      List<ChangeEvent> feed = null;
      try (RaftTransport raw = new RaftTransport(cluster.peers(), 1, FaultSupport.CLIENT_DEADLINE)) {
        for (int i = 1; i <= ReplicaProcesses.SIZE; i++) {
          List<ChangeEvent> f = readFeed(cluster, raw, ReplicaProcesses.peerId(i), applied);
          if (feed == null) {
            feed = f;
          } else {
            assertEquals(feed.size(), f.size(), "n" + i + "'s change feed differs in length from n1's");
            assertTrue(feed.equals(f), "n" + i + "'s change feed differs from n1's");
          }
        }
      }
      // A fresh watch from revision 1 once everything is applied: also judged against the feed.
      watchers.add(FeedWatcher.start(client, "w3-fresh", history));

      // Every watcher, still running after all faults, reaches the end of the feed.
      for (FeedWatcher w : watchers) {
        ReplicaProcesses.awaitTrue(() -> w.recordedThrough().get() > applied || w.watch().isClosed(),
            Duration.ofSeconds(60), () -> w.name() + " to reach revision " + (applied + 1) + " (at "
                + w.recordedThrough().get() + ")");
        assertFalse(w.watch().isClosed(), w.name() + " ended" + (w.compacted().get() ? " (COMPACTED)" : ""));
      }
      for (FeedWatcher w : watchers) {
        w.watch().close();
      }
      Map<String, List<ChangeEvent>> seen = history.watchers();

      // Each replica's catalog, listed and described on that replica (follower reads).
      List<ReplicaCatalog> catalogs = new ArrayList<>();
      for (int i = 1; i <= ReplicaProcesses.SIZE; i++) {
        catalogs.add(readCatalog(cluster, client, ReplicaProcesses.peerId(i)));
      }

      DdlChecker.Verdict v = DdlChecker.check(history, new Observed(catalogs, feed, seen), DdlSchema::of);
      LOG.info("{}: verdict: {}", NAME, v.summary());
      LOG.info("{}: watcher poll errors (retried): {}; feed kinds {}", NAME,
          watchers.stream().map(w -> w.name() + "=" + w.errors().get()).toList(), kinds(feed));
      logNotOk(history);
      assertTrue(v.valid(), v.summary());
      // Enough happened for the verdict to mean something.
      assertTrue(v.counts(Type.CREATE_COLLECTION).ok() >= 100, v.summary());
      assertTrue(v.counts(Type.CREATE_PARTITION).ok() >= 100, v.summary());
      assertTrue(v.counts(Type.DROP_COLLECTION).ok() >= 20, v.summary());
      assertTrue(feed.size() >= 300, v.summary());
      LOG.info("{}: load ran {} s; {} collections present, {} feed events", NAME, loadSeconds,
          v.collectionsPresent(), feed.size());
    } finally {
      for (FeedWatcher w : watchers) {
        w.watch().close();
      }
      save(history, dir);
    }
    LOG.info("ddlThroughLeaderKillsFollowerKillAndLeaderPause took {} s", (System.nanoTime() - t0) / 1_000_000_000);
  }

  /** Writes the history as JSONL into {@code dir} whatever happened. */
  private static void save(DdlHistory history, Path dir) {
    Path file = dir.resolve(NAME + "-history.jsonl");
    try {
      history.writeJsonl(file);
      LOG.info("{}: history of {} ops in {}", NAME, history.ops().size(), file);
    } catch (java.io.IOException | RuntimeException e) {
      LOG.warn("{}: could not write {}", NAME, file, e);
    }
  }

  /** Creates {@link #DB2} without an idempotency key, retrying unknown outcomes; ALREADY_EXISTS then means it applied. */
  private static void createSecondDatabase(CoordClient client, DdlHistory history) {
    ReplicaProcesses.awaitTrue(() -> {
      long invoke = System.nanoTime();
      try {
        client.catalog().createDatabase(DB2);
        history.ok("setup", Type.CREATE_DATABASE, DB2, "", null, invoke, System.nanoTime(), null, null);
        return true;
      } catch (CoordException e) {
        DdlHistory.Op op = history.failed("setup", Type.CREATE_DATABASE, DB2, "", null, invoke, System.nanoTime(), e);
        if (op.outcome() == History.Outcome.FAILED) {
          assertEquals(ErrorCode.ALREADY_EXISTS, e.code(), "creating database " + DB2 + ": " + e);
          return true;
        }
        return false;
      }
    }, Duration.ofSeconds(60), "database " + DB2 + " to be created");
    // Creating a database must leave the others alone (a new database once took the default
    // database's id, 1, and replaced it: every later create in "default" failed NOT_FOUND).
    List<DatabaseInfo> dbs = client.catalog().listDatabases();
    List<String> names = dbs.stream().map(d -> d.getName() + " (id " + d.getId() + ")").toList();
    boolean both = dbs.stream().anyMatch(d -> d.getName().equals("default"))
        && dbs.stream().anyMatch(d -> d.getName().equals(DB2));
    boolean distinctIds = dbs.stream().map(DatabaseInfo::getId).distinct().count() == dbs.size();
    assertTrue(both && distinctIds, "after creating database " + DB2 + " on a fresh cluster the databases are " + names
            + "; expected \"default\" (id 1) and " + DB2 + " with ids of their own");
    history.event("databases " + names);
  }

  /**
   * Replica {@code peer}'s whole feed from revision 1 through {@code applied}, paging raw watch
   * queries (timeout 0: answered at once) served by that replica.
   */
  private static List<ChangeEvent> readFeed(ReplicaProcesses cluster, RaftTransport raw, String peer, long applied) {
    List<ChangeEvent> out = new ArrayList<>();
    long[] from = {1};
    cluster.await(() -> {
      while (from[0] <= applied) {
        WatchQuery q = WatchQuery.newBuilder().setFromRevision(from[0]).setTimeoutMs(0).build();
        byte[] req = QueryBatch.newBuilder().addQueries(Query.newBuilder().setWatch(q)).build().toByteArray();
        QueryReply r;
        try {
          r = QueryBatchReply.parseFrom(Futures.join(raw.readFrom(req, peer))).getReplies(0);
        } catch (CoordException e) {
          return Optional.empty(); // transient (e.g. no leader known yet): poll again
        } catch (InvalidProtocolBufferException e) {
          throw new AssertionError(peer + " answered an unreadable watch reply", e);
        }
        assertEquals(ErrorCode.OK, r.getCode(), peer + " refused to read the feed from " + from[0] + ": " + r.getMessage());
        WatchReply w = r.getWatch();
        assertEquals(0, w.getCompactedBelow(), peer + " compacted its feed; the test needs all of it");
        assertTrue(w.getNextRevision() > from[0], peer + ": the feed read from " + from[0] + " did not advance");
        out.addAll(w.getEventsList());
        from[0] = w.getNextRevision();
      }
      return Optional.of(true);
    }, Duration.ofSeconds(60), "the change feed of " + peer);
    LOG.info("{}: change feed of {} events through revision {}", peer, out.size(), applied);
    return out;
  }

  /** Replica {@code peer}'s databases and collections, listed and then described on that replica. */
  private static ReplicaCatalog readCatalog(ReplicaProcesses cluster, CoordClient client, String peer) {
    CatalogClient at = client.catalog().at(peer);
    ReplicaCatalog c = cluster.await(() -> {
      try {
        TreeSet<String> dbs = new TreeSet<>();
        for (DatabaseInfo d : at.listDatabases()) {
          dbs.add(d.getName());
        }
        SortedMap<String, CollectionInfo> colls = new TreeMap<>();
        for (String db : dbs) {
          List<CollectionBrief> briefs = at.listCollections(db);
          // Describe in parallel waves: the targeted reads run on the transport's own threads.
          for (int from = 0; from < briefs.size(); from += 64) {
            List<CollectionBrief> wave = briefs.subList(from, Math.min(briefs.size(), from + 64));
            List<CompletableFuture<CollectionDescription>> fs = new ArrayList<>();
            for (CollectionBrief b : wave) {
              fs.add(at.describeCollectionAsync(db, b.getName()));
            }
            for (int k = 0; k < wave.size(); k++) {
              CollectionBrief b = wave.get(k);
              CollectionInfo info = Futures.join(fs.get(k)).getCollection();
              assertEquals(b.getId(), info.getId(), peer + ": listed and described ids of " + db + "/" + b.getName() + " differ");
              assertEquals(b.getCreatedTimestamp(), info.getCreatedTimestamp(),
                  peer + ": listed and described timestamps of " + db + "/" + b.getName() + " differ");
              colls.put(DdlHistory.key(db, b.getName()), info);
            }
          }
        }
        DumpReply d = client.admin().localDump(peer);
        return Optional.of(new ReplicaCatalog(peer, d.getAppliedIndex(), d.getDigest(), dbs, colls));
      } catch (CoordException e) {
        LOG.info("reading the catalog of {} failed, retrying: {}", peer, e.toString());
        return Optional.empty();
      }
    }, Duration.ofSeconds(60), "the catalog of " + peer);
    LOG.info("{}: {} databases, {} collections, applied {}", peer, c.databases().size(), c.collections().size(),
        c.appliedIndex());
    return c;
  }

  /** Every op that did not succeed (few: retried unknowns and what their retries met), and the slowest call. */
  private static void logNotOk(DdlHistory history) {
    List<DdlHistory.Op> ops = history.ops();
    ops.stream().filter(o -> !o.ok()).limit(60)
        .forEach(o -> LOG.info("{}: not OK: {}", NAME, o.describe(history.originNanos())));
    ops.stream().max(java.util.Comparator.comparingLong(o -> o.returnNanos() - o.invokeNanos())).ifPresent(o ->
        LOG.info("{}: slowest call took {} ms (client deadline {} ms): {}", NAME,
            (o.returnNanos() - o.invokeNanos()) / 1_000_000, FaultSupport.CLIENT_DEADLINE.toMillis(),
            o.describe(history.originNanos())));
  }

  private static Map<ChangeKind, Integer> kinds(List<ChangeEvent> feed) {
    Map<ChangeKind, Integer> out = new TreeMap<>();
    for (ChangeEvent e : feed) {
      out.merge(e.getChange().getKind(), 1, Integer::sum);
    }
    return out;
  }
}
