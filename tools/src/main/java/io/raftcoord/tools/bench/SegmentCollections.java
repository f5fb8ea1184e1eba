package io.raftcoord.tools.bench;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.catalog.Schemas;
import io.raftcoord.client.internal.Futures;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.CreateCollectionRequest;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.FieldSchema;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * The collections the segment benchmarks write to: a primary key and a 128-dim float vector
 * (Milvus's estimate: 16 + 8 + 512 = 536 bytes per row), created with up to 64 creates in flight,
 * and dropped again. Each collection's channels, default partition and field ids are what the
 * segment operations need.
 */
final class SegmentCollections {
  static final int DIM = 128;
  /** The system fields (row id, timestamp) Milvus writes binlogs for besides the schema's. */
  static final List<Long> SYSTEM_FIELDS = List.of(0L, 1L);
  static final CollectionSchema SCHEMA = Schemas.schema()
      .field(Schemas.int64("id").primary())
      .field(Schemas.floatVector("vec", DIM))
      .build();
  /** The server's row size estimate of {@link #SCHEMA} (RowSizeEstimator: 16 + int64 + 4 × dim). */
  static final long ROW_BYTES = 16 + 8 + 4L * DIM;

  /** One created collection, as the segment operations use it. */
  record Coll(String name, long id, long partitionId, List<String> channels, List<Long> fieldIds) {}

  private SegmentCollections() {}

  static Coll of(CollectionInfo c) {
    List<Long> fields = new ArrayList<>(SYSTEM_FIELDS);
    c.getSchema().getFieldsList().stream().map(FieldSchema::getFieldId).forEach(fields::add);
    return new Coll(c.getName(), c.getId(), c.getPartitions(0).getId(), List.copyOf(c.getVirtualChannelsList()),
        List.copyOf(fields));
  }

  /** Creates {@code names} in {@code db} (created if missing), {@code shards} channels each. */
  static List<Coll> create(CoordClient client, String db, List<String> names, int shards, PrintWriter err) {
    CatalogWorkloads.ensureDatabase(client.catalog(), db);
    CatalogWorkloads.ensureCapacity(client.catalog(), names.size() + 1000);
    long t0 = System.nanoTime();
    List<CompletableFuture<CollectionInfo>> all = new ArrayList<>();
    List<Coll> out = new ArrayList<>();
    for (String name : names) {
      all.add(client.catalog().createCollectionAsync(CreateCollectionRequest.newBuilder().setDb(db).setName(name)
          .setSchema(SCHEMA).setShardsNum(shards).build()));
      if (all.size() >= 64) {
        all.forEach(f -> out.add(of(Futures.join(f))));
        all.clear();
      }
    }
    all.forEach(f -> out.add(of(Futures.join(f))));
    err.printf(Locale.ROOT, "segments: created %d collections x %d shards in %s in %.1f s%n", names.size(), shards, db,
        (System.nanoTime() - t0) / 1e9);
    err.flush();
    return out;
  }

  /** Drops the collections (their channels go and their segments become DROPPED), up to 16 at once. */
  static void drop(CoordClient client, String db, List<Coll> colls, PrintWriter err) {
    long t0 = System.nanoTime();
    List<CompletableFuture<?>> all = new ArrayList<>();
    int failed = 0;
    for (Coll c : colls) {
      all.add(client.catalog().dropCollectionAsync(db, c.name()));
      if (all.size() >= 16) {
        failed += joinAll(all);
        all.clear();
      }
    }
    failed += joinAll(all);
    err.printf(Locale.ROOT, "segments: dropped %d collections in %.1f s%s%n", colls.size() - failed,
        (System.nanoTime() - t0) / 1e9, failed > 0 ? " (" + failed + " failed)" : "");
    err.flush();
  }

  private static int joinAll(List<CompletableFuture<?>> fs) {
    int failed = 0;
    for (CompletableFuture<?> f : fs) {
      try {
        Futures.join(f);
      } catch (CoordException e) {
        if (e.code() != ErrorCode.NOT_FOUND) {
          failed++;
        }
      }
    }
    return failed;
  }
}
