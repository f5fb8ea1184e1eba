package io.raftcoord.server.fault;

import io.raftcoord.client.CatalogClient;
import io.raftcoord.client.CoordClient;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.CreateCollectionRequest;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.PartitionInfo;
import io.raftcoord.server.fault.DdlHistory.Op;
import io.raftcoord.server.fault.DdlHistory.Type;
import io.raftcoord.server.fault.History.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closed-loop catalog DDL threads on ONE shared {@link CoordClient}. Each thread repeatedly
 * creates a uniquely named collection {@code c_<thread>_<seq>} (in {@code default} or in the
 * second database, chosen at random) WITHOUT an idempotency key, then creates one or two extra
 * partitions on it, and sometimes drops it. A call whose outcome is unknown is retried (a new call)
 * until its outcome is definite or the attempts run out, so that retried creates meet
 * ALREADY_EXISTS and retried drops NOT_FOUND. Every call is recorded in a {@link DdlHistory}.
 */
final class DdlWorkload implements Nemesis.Load, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DdlWorkload.class);
  /** Calls per step before a thread gives up on an unknown outcome and goes on. */
  static final int MAX_ATTEMPTS = 6;
  static final int DROP_PCT = 40;

  private record Mark(long sinceNanos, LongAdder ok) {}

  private final CoordClient client;
  private final int threads;
  private final DdlHistory history;
  private final List<String> databases;
  private final long seed;
  private final List<Thread> workers = new ArrayList<>();
  private final LongAdder ok = new LongAdder();
  private final AtomicReference<Mark> mark = new AtomicReference<>(new Mark(Long.MIN_VALUE, new LongAdder()));
  private final AtomicInteger errorsLogged = new AtomicInteger();
  private volatile boolean running;

  DdlWorkload(CoordClient client, int threads, DdlHistory history, List<String> databases, long seed) {
    this.client = client;
    this.threads = threads;
    this.history = history;
    this.databases = List.copyOf(databases);
    this.seed = seed;
  }

  void start() {
    running = true;
    for (int t = 0; t < threads; t++) {
      String name = "d" + (t + 1);
      int thread = t + 1;
      Random rnd = new Random(seed * 31 + t);
      Thread th = new Thread(() -> loop(name, thread, rnd), "ddl-" + name);
      th.setDaemon(true);
      workers.add(th);
      th.start();
    }
    LOG.info("ddl workload started: {} threads on one client, databases {}", threads, databases);
  }

  private void loop(String name, int thread, Random rnd) {
    CatalogClient catalog = client.catalog();
    for (int seq = 1; running; seq++) {
      String db = databases.get(rnd.nextInt(databases.size()));
      String coll = "c_" + thread + "_" + seq;
      CreateCollectionRequest req = CreateCollectionRequest.newBuilder().setDb(db).setName(coll).setSchema(DdlSchema.of(coll)).build();
      Op created = resolve(name, Type.CREATE_COLLECTION, db, coll, null,
          () -> new Result(catalog.createCollection(req), null), ErrorCode.ALREADY_EXISTS);
      if (created == null || !(created.ok() || created.code() == ErrorCode.ALREADY_EXISTS)) {
        continue; // outcome still unknown (or an unexpected refusal, which the checker reports)
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

  private record Result(CollectionInfo collection, PartitionInfo partition) {}

  /**
   * Calls until the outcome is definite (OK or a domain error) or {@link #MAX_ATTEMPTS} calls were
   * made; returns the last op (null if none was made). {@code expectedOnRetry} is the refusal a
   * retry meets when an earlier unknown attempt did apply.
   */
  private Op resolve(String thread, Type type, String db, String coll, String part, Supplier<Result> call,
                     ErrorCode expectedOnRetry) {
    Op last = null;
    for (int attempt = 1; attempt <= MAX_ATTEMPTS && (attempt == 1 || running); attempt++) {
      long invoke = System.nanoTime();
      try {
        Result r = call.get();
        long ret = System.nanoTime();
        last = history.ok(thread, type, db, coll, part, invoke, ret, r.collection(), r.partition());
        ok.increment();
        Mark m = mark.get();
        if (invoke > m.sinceNanos()) {
          m.ok().increment();
        }
        return last;
      } catch (RuntimeException | Error e) {
        long ret = System.nanoTime();
        last = history.failed(thread, type, db, coll, part, invoke, ret, e);
        if (last.outcome() == Outcome.FAILED) {
          if (last.code() != expectedOnRetry || attempt == 1) {
            LOG.warn("{}: {} {} refused on attempt {}: {}", thread, type, last.key(), attempt, last.error());
          }
          return last;
        }
        if (e instanceof Error) {
          LOG.error("{}: {} failed with an Error", thread, type, e);
        } else if (errorsLogged.incrementAndGet() <= 20) {
          LOG.info("{}: {} {} outcome unknown after {} ms (attempt {}): {}", thread, type, last.key(),
              (ret - invoke) / 1_000_000, attempt, last.error());
        }
        // The quorum is unavailable: do not spin.
        ReplicaProcesses.sleep(50);
      }
    }
    return last;
  }

  long okCount() {
    return ok.sum();
  }

  @Override
  public long mark() {
    long now = System.nanoTime();
    mark.set(new Mark(now, new LongAdder()));
    return now;
  }

  @Override
  public void awaitOkSinceMark(long n, Duration timeout, String what) {
    Mark m = mark.get();
    ReplicaProcesses.awaitTrue(() -> m.ok().sum() >= n, timeout,
        () -> n + " OK DDL ops " + what + " (got " + m.ok().sum() + ")");
  }

  @Override
  public long okInvokedAfter(long nanos) {
    return history.ops().stream().filter(o -> o.ok() && o.invokeNanos() > nanos).count();
  }

  /** Stops the loop and waits for every thread (each call ends within the client deadline). */
  void stop(Duration timeout) throws InterruptedException {
    running = false;
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread t : workers) {
      t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      if (t.isAlive()) {
        throw new AssertionError(t.getName() + " did not stop within " + timeout + " (a client call hung?)");
      }
    }
    LOG.info("ddl workload stopped: {} OK ops", okCount());
  }

  @Override
  public void close() {
    running = false;
  }
}
