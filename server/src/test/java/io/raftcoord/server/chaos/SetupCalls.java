package io.raftcoord.server.chaos;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.catalog.Schemas;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.CreateCollectionRequest;
import io.raftcoord.proto.ErrorCode;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * A workload's setup calls on its admin client, before the faults begin. Each is retried through
 * leader changes for at most {@code limit}: the leader refuses a new domain's commands until every
 * replica has reported a binary that has them. INVALID_ARGUMENT is never retried (the workload asked
 * for something the cluster will not do), and giving up fails the setup. Creating the database or
 * a collection that already exists (a retry whose first attempt was applied) is not an error.
 */
final class SetupCalls {
  private final String workload;
  private final CoordClient admin;
  private final Duration limit;

  SetupCalls(String workload, CoordClient admin, Duration limit) {
    this.workload = workload;
    this.admin = admin;
    this.limit = limit;
  }

  <T> T retry(String what, Supplier<T> call) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      try {
        return call.get();
      } catch (CoordException e) {
        if (e.code() == ErrorCode.INVALID_ARGUMENT || System.nanoTime() > deadline) {
          throw new IllegalStateException(workload + ": could not " + what + ": " + e, e);
        }
        Steps.sleep(250);
      }
    }
  }

  void createDatabase(String db) {
    retry("create database " + db, () -> {
      try {
        return admin.catalog().createDatabase(db);
      } catch (CoordException e) {
        if (e.code() == ErrorCode.ALREADY_EXISTS) {
          return null;
        }
        throw e;
      }
    });
  }

  /** A collection of a primary key and a 4-dimensional vector, in {@code shards} channels. */
  CollectionInfo createCollection(String db, String name, int shards) {
    CreateCollectionRequest req = CreateCollectionRequest.newBuilder().setDb(db).setName(name).setSchema(schema(name))
        .setShardsNum(shards).build();
    return retry("create collection " + name, () -> {
      try {
        return admin.catalog().createCollection(req);
      } catch (CoordException e) {
        if (e.code() == ErrorCode.ALREADY_EXISTS) {
          return admin.catalog().describeCollection(db, name).getCollection();
        }
        throw e;
      }
    });
  }

  private CollectionSchema schema(String name) {
    return Schemas.schema().field(Schemas.int64("pk").primary()).field(Schemas.floatVector("vec", 4))
        .description(workload + " chaos workload " + name).build();
  }
}
