package io.raftcoord.tools.bench;

import io.raftcoord.client.CatalogClient;
import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.MetadataCache;
import io.raftcoord.client.catalog.Schemas;
import io.raftcoord.client.internal.Futures;
import io.raftcoord.proto.CatalogLimits;
import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.CreateCollectionRequest;
import io.raftcoord.proto.DataType;
import io.raftcoord.proto.ErrorCode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The catalog workloads of the load generator. {@code ddl}: each caller creates uniquely named
 * collections (8 fields, a partition key with 2 partitions), which are dropped after the point
 * (warm-up alternates create and drop, so nothing accumulates). {@code
 * describe}: linearizable describes of random collections among N prepared ones; {@code
 * describe-cached}: the same through the client's metadata cache.
 */
final class CatalogWorkloads {
  private CatalogWorkloads() {}

  /** The benchmark schema: 8 fields, one of them the partition key. */
  static CollectionSchema schema() {
    return Schemas.schema()
        .field(Schemas.int64("id").primary())
        .field(Schemas.varChar("title", 512))
        .field(Schemas.int64("tenant").partitionKey())
        .field(Schemas.int32("year"))
        .field(Schemas.doubleField("price"))
        .field(Schemas.json("meta"))
        .field(Schemas.array("tags", DataType.VARCHAR, 16).maxLength(64))
        .field(Schemas.floatVector("embedding", 768))
        .enableDynamicField(true)
        .build();
  }

  static CreateCollectionRequest create(String db, String name) {
    return CreateCollectionRequest.newBuilder().setDb(db).setName(name).setSchema(SCHEMA).setNumPartitions(2).build();
  }

  private static final CollectionSchema SCHEMA = schema();

  /** Creates {@code db} if it does not exist. */
  static void ensureDatabase(CatalogClient catalog, String db) {
    try {
      catalog.createDatabase(db);
    } catch (CoordException e) {
      if (e.code() != ErrorCode.ALREADY_EXISTS) {
        throw e;
      }
    }
  }

  /** Names created by a point, to drop after it. */
  static final class Created {
    final java.util.concurrent.ConcurrentLinkedQueue<String> names = new java.util.concurrent.ConcurrentLinkedQueue<>();
  }

  /** Creates only: every call creates one new collection and remembers its name. */
  static ClosedLoop.Op creates(CoordClient client, String db, Created created) {
    String run = UUID.randomUUID().toString().substring(0, 8);
    AtomicLong seq = new AtomicLong();
    return () -> {
      String name = "ddl_" + run + "_" + seq.incrementAndGet();
      client.catalog().createCollection(create(db, name));
      created.names.add(name);
      return 1;
    };
  }

  /** Drops everything in {@code created} with {@code concurrency} drops outstanding; reports drops/s. */
  static void dropAll(CoordClient client, String db, Created created, int concurrency, PrintWriter err) {
    int n = created.names.size();
    long t0 = System.nanoTime();
    java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(concurrency);
    List<CompletableFuture<?>> all = new ArrayList<>(n);
    for (String name; (name = created.names.poll()) != null; ) {
      slots.acquireUninterruptibly();
      all.add(client.catalog().dropCollectionAsync(db, name).whenComplete((r, e) -> slots.release()));
    }
    long failed = all.stream().filter(f -> {
      try {
        f.join();
        return false;
      } catch (RuntimeException e) {
        return true;
      }
    }).count();
    double s = (System.nanoTime() - t0) / 1e9;
    err.printf(Locale.ROOT, "# C=%d: dropped %d collections in %.1f s: %.0f drops/s%s%n", concurrency, n - failed, s,
        (n - failed) / s, failed > 0 ? ", " + failed + " failed" : "");
    err.flush();
  }

  /** Raises the collection limits to at least {@code n} (benchmarks create many). */
  static void ensureCapacity(CatalogClient catalog, int n) {
    CatalogLimits limits = catalog.limits();
    if (limits.getMaxCollections() < n || limits.getMaxCollectionsPerDb() < n) {
      catalog.setLimits(CatalogLimits.newBuilder().setMaxCollections(Math.max(limits.getMaxCollections(), n))
          .setMaxCollectionsPerDb(Math.max(limits.getMaxCollectionsPerDb(), n)).build());
    }
  }

  /** Alternately creates a collection and drops it (steady state, for warming up). */
  static ClosedLoop.Op ddl(CoordClient client, String db) {
    String run = UUID.randomUUID().toString().substring(0, 8);
    AtomicLong threads = new AtomicLong();
    ThreadLocal<String[]> pending = ThreadLocal.withInitial(() -> new String[] {null, "t" + threads.incrementAndGet()});
    AtomicLong seq = new AtomicLong();
    return () -> {
      String[] p = pending.get();
      if (p[0] == null) {
        String name = "ddl_" + run + "_" + p[1] + "_" + seq.incrementAndGet();
        client.catalog().createCollection(create(db, name));
        p[0] = name;
        return 1;
      }
      String name = p[0];
      p[0] = null;
      client.catalog().dropCollection(db, name);
      return 0;
    };
  }

  /**
   * Makes sure {@code db} holds collections {@code describe_0 .. describe_<n-1>}, creating the
   * missing ones with up to 256 creates in flight (raising the collection limits if n needs it).
   */
  static List<String> prepareDescribe(CoordClient client, String db, int n, PrintWriter err) {
    CatalogClient catalog = client.catalog();
    ensureCapacity(catalog, n + 1000);
    ensureDatabase(catalog, db);
    java.util.Set<String> existing = new java.util.HashSet<>();
    catalog.listCollections(db).stream().map(b -> b.getName()).filter(x -> x.startsWith("describe_"))
        .forEach(existing::add);
    List<String> names = new ArrayList<>(n);
    List<CompletableFuture<?>> inFlight = new ArrayList<>();
    long created = 0;
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      String name = "describe_" + i;
      names.add(name);
      if (existing.contains(name)) {
        continue;
      }
      inFlight.add(catalog.createCollectionAsync(create(db, name)).exceptionally(e -> {
        CoordException ce = Futures.toCoord(e);
        if (ce.code() != ErrorCode.ALREADY_EXISTS) {
          throw ce;
        }
        return null;
      }));
      created++;
      if (inFlight.size() >= 256) {
        inFlight.forEach(f -> Futures.join(f));
        inFlight.clear();
      }
      if (created % 10_000 == 0) {
        err.printf(Locale.ROOT, "prepare: %d collections created%n", created);
        err.flush();
      }
    }
    inFlight.forEach(f -> Futures.join(f));
    if (created > 0) {
      err.printf(Locale.ROOT, "prepare: created %d collections in %.1f s (%d existed)%n", created,
          (System.nanoTime() - t0) / 1e9, existing.size());
      err.flush();
    }
    return names;
  }

  static ClosedLoop.Op describe(CoordClient client, String db, List<String> names) {
    CatalogClient catalog = client.catalog();
    return () -> {
      catalog.describeCollection(db, names.get(ThreadLocalRandom.current().nextInt(names.size())));
      return 1;
    };
  }

  static ClosedLoop.Op describeCached(CoordClient client, String db, List<String> names) {
    MetadataCache cache = client.metadataCache();
    for (String n : names) {
      cache.describe(db, n);
    }
    return () -> {
      cache.describe(db, names.get(ThreadLocalRandom.current().nextInt(names.size())));
      return 1;
    };
  }
}
