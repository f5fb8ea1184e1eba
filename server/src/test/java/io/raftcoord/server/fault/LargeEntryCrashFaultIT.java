package io.raftcoord.server.fault;

import static io.raftcoord.server.fault.FaultSupport.client;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.catalog.Schemas;
import io.raftcoord.proto.CollectionDescription;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.CreateCollectionRequest;
import io.raftcoord.proto.EntryLimits;
import io.raftcoord.proto.ErrorCode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Large log entries in the open segment at a crash of the whole quorum. Ratis's segment reader
 * could not read a crashed segment back once an entry larger than half its byte limit was in it,
 * so no replica could start again. Here collections with descriptions of 1, 31, 33 and 60 KB and
 * of the largest size a client accepts are created one at a time, each followed by {@code kill
 * -9} of all three replicas and a restart; every acknowledged create must be there afterwards,
 * description included, and one byte more than the largest accepted size is refused by name.
 */
class LargeEntryCrashFaultIT {
  private static final Logger LOG = LoggerFactory.getLogger(LargeEntryCrashFaultIT.class);
  private static final Pattern TOO_LARGE = Pattern.compile("is (\\d+) bytes, over the limit of (\\d+) bytes");

  @Test
  @Timeout(value = 600, unit = TimeUnit.SECONDS)
  void everyAcknowledgedLargeEntrySurvivesAWholeQuorumCrash(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir)
      throws Exception {
    try (ReplicaProcesses cluster = new ReplicaProcesses(dir, FaultSupport.replicaArgs());
         CoordClient c = client(cluster.peers())) {
      cluster.startAll();
      cluster.awaitLeader(Duration.ofSeconds(90));
      Map<String, String> acknowledged = new LinkedHashMap<>();
      for (int kb : new int[] {1, 31, 33, 60}) {
        String name = "d" + kb + "k";
        String description = pattern(kb * 1024);
        create(cluster, c, name, description);
        acknowledged.put(name, description);
        crashAndRestart(cluster, c, acknowledged);
      }

      // The largest accepted: the client names the size of a too-large command, so one refusal
      // tells how much to take off to land exactly on the limit.
      int tooLong = EntryLimits.MAX_BATCH_BYTES;
      CoordException refused = refusedLocally(c, "largest", pattern(tooLong));
      Matcher m = TOO_LARGE.matcher(refused.getMessage());
      assertTrue(m.find(), "the refusal names the size and the limit: " + refused.getMessage());
      assertEquals(EntryLimits.MAX_BATCH_BYTES, Long.parseLong(m.group(2)), refused.getMessage());
      int largest = tooLong - (int) (Long.parseLong(m.group(1)) - EntryLimits.MAX_BATCH_BYTES);
      CoordException oneMore = refusedLocally(c, "largest", pattern(largest + 1));
      assertTrue(oneMore.getMessage().contains("is " + (EntryLimits.MAX_BATCH_BYTES + 1) + " bytes"),
          "one byte over the limit is refused naming its size: " + oneMore.getMessage());
      String description = pattern(largest);
      create(cluster, c, "largest", description);
      acknowledged.put("largest", description);
      LOG.info("largest accepted description: {} bytes (a command of {} bytes)", largest, EntryLimits.MAX_BATCH_BYTES);
      crashAndRestart(cluster, c, acknowledged);
    }
  }

  private static void create(ReplicaProcesses cluster, CoordClient c, String name, String description) {
    cluster.await(() -> {
      try {
        return Optional.of(createAsync(c, name, description).join());
      } catch (RuntimeException e) {
        LOG.info("create {}: {}", name, e.toString());
        return Optional.empty();
      }
    }, Duration.ofSeconds(60), "create " + name + " acknowledged");
    LOG.info("created {} with a {}-byte description", name, description.length());
  }

  /** One idempotency key per collection: a retry after an unknown outcome gets the first reply. */
  private static CompletableFuture<CollectionInfo> createAsync(CoordClient c, String name, String description) {
    CollectionSchema schema = Schemas.schema().description(description)
        .field(Schemas.int64("id").primary())
        .field(Schemas.floatVector("v", 8))
        .build();
    return c.catalog().createCollectionAsync(CreateCollectionRequest.newBuilder().setName(name).setSchema(schema)
        .build(), "create-" + name);
  }

  private static CoordException refusedLocally(CoordClient c, String name, String description) {
    CompletableFuture<CollectionInfo> f = createAsync(c, name, description);
    // Refused before sending: the future is already complete.
    assertTrue(f.isDone(), "a too-large command was sent instead of refused by the client");
    CompletionException e = assertThrows(CompletionException.class, f::join);
    CoordException ce = (CoordException) e.getCause();
    assertEquals(ErrorCode.INVALID_ARGUMENT, ce.code(), ce.toString());
    return ce;
  }

  private static void crashAndRestart(ReplicaProcesses cluster, CoordClient c, Map<String, String> acknowledged)
      throws Exception {
    cluster.kill9All();
    cluster.startAll();
    // A replica that cannot read its log exits by itself, which fails these waits with its log.
    cluster.awaitAllUp(Duration.ofSeconds(90));
    cluster.awaitLeader(Duration.ofSeconds(90));
    for (Map.Entry<String, String> e : acknowledged.entrySet()) {
      CollectionDescription d = cluster.await(() -> {
        try {
          return Optional.of(c.catalog().describeCollection("default", e.getKey()));
        } catch (CoordException ex) {
          if (ex.code() == ErrorCode.NOT_FOUND) {
            throw new AssertionError("acknowledged collection " + e.getKey() + " is gone after the crash", ex);
          }
          return Optional.empty();
        }
      }, Duration.ofSeconds(60), "describe " + e.getKey());
      assertEquals(e.getValue(), d.getCollection().getSchema().getDescription(),
          "description of " + e.getKey() + " after the crash");
    }
    for (int i = 1; i <= ReplicaProcesses.SIZE; i++) {
      cluster.awaitCaughtUp(i, Duration.ofSeconds(60));
    }
    LOG.info("after the crash all {} acknowledged collections are there: {}", acknowledged.size(), cluster.describe());
  }

  /** {@code bytes} ASCII characters that are not all the same, so no layer can shrink them. */
  private static String pattern(int bytes) {
    StringBuilder sb = new StringBuilder(bytes);
    for (int i = 0; i < bytes; i++) {
      sb.append((char) ('a' + (i * 7 + i / 26) % 26));
    }
    return sb.toString();
  }
}
