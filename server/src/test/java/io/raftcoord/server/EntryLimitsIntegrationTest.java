package io.raftcoord.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.catalog.Schemas;
import io.raftcoord.client.internal.Futures;
import io.raftcoord.client.internal.RaftTransport;
import io.raftcoord.proto.BatchReply;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandBatch;
import io.raftcoord.proto.CreateCollectionRequest;
import io.raftcoord.proto.EntryLimits;
import io.raftcoord.proto.ErrorCode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The byte limit of one Raft entry, seen from outside: by a raw sender and by the client's batching. */
class EntryLimitsIntegrationTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void theLeaderAcceptsABatchOfExactlyTheLimitAndRefusesOneByteMoreByName() throws Exception {
    try (LocalQuorum q = new LocalQuorum(dir, 10_000, 8 << 20);
         RaftTransport raw = new RaftTransport(q.peersString(), 1, WAIT);
         CoordClient c = CoordClient.builder().peers(q.peersString()).build()) {
      q.awaitLeader(WAIT);
      byte[] atLimit = batchOfSize("at_limit", EntryLimits.MAX_BATCH_BYTES);
      assertEquals(EntryLimits.MAX_BATCH_BYTES, atLimit.length);
      BatchReply ok = BatchReply.parseFrom(raw.write(atLimit).get());
      assertEquals(ErrorCode.OK, ok.getReplies(0).getCode(), ok.toString());

      byte[] over = batchOfSize("over_limit", EntryLimits.MAX_BATCH_BYTES + 1);
      CoordException e = assertThrows(CoordException.class, () -> Futures.join(raw.write(over)));
      assertEquals(ErrorCode.INVALID_ARGUMENT, e.code(), e.toString());
      assertTrue(e.getMessage().contains((EntryLimits.MAX_BATCH_BYTES + 1) + " bytes")
          && e.getMessage().contains(String.valueOf(EntryLimits.MAX_BATCH_BYTES)), e.getMessage());
      // Nothing of the refused batch was applied.
      assertEquals(ErrorCode.NOT_FOUND, assertThrows(CoordException.class,
          () -> c.catalog().describeCollection("default", "over_limit")).code());
      assertEquals("at_limit", c.catalog().describeCollection("default", "at_limit").getCollection().getName());
    }
  }

  @Test
  void largeCommandsWaitingTogetherAreSplitIntoBatchesThatFit() throws Exception {
    try (LocalQuorum q = new LocalQuorum(dir, 10_000, 8 << 20);
         CoordClient c = CoordClient.builder().peers(q.peersString()).maxInFlight(1).build()) {
      q.awaitLeader(WAIT);
      c.tso().next();
      long before = c.batchesSent();
      int n = 12;
      int each = 60 * 1024;
      List<CompletableFuture<CollectionInfo>> creates = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        creates.add(c.catalog().createCollectionAsync(request("big_" + i, each)));
      }
      for (CompletableFuture<CollectionInfo> f : creates) {
        Futures.join(f);
      }
      long batches = c.batchesSent() - before;
      // At most four 60 KB commands fit one 256 KB batch.
      assertTrue(batches >= (n + 3) / 4, n + " commands of 60 KB went in " + batches + " batches");
      assertEquals(n, c.catalog().listCollections("default").stream().filter(b -> b.getName().startsWith("big_")).count());
    }
  }

  /** A one-command batch creating {@code name}, padded by its description to exactly {@code bytes}. */
  private static byte[] batchOfSize(String name, int bytes) {
    int pad = bytes;
    for (int attempt = 0; attempt < 3; attempt++) {
      byte[] b = CommandBatch.newBuilder().setIdempotencyKey("raw-" + name)
          .addCommands(Command.newBuilder().setCreateCollection(request(name, pad))).build().toByteArray();
      if (b.length == bytes) {
        return b;
      }
      pad -= b.length - bytes;
    }
    throw new AssertionError("cannot build a batch of exactly " + bytes + " bytes");
  }

  private static CreateCollectionRequest request(String name, int descriptionBytes) {
    return CreateCollectionRequest.newBuilder().setName(name).setSchema(Schemas.schema()
        .description("x".repeat(descriptionBytes))
        .field(Schemas.int64("id").primary()).field(Schemas.floatVector("v", 8)).build()).build();
  }
}
