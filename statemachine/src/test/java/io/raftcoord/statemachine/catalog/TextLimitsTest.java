package io.raftcoord.statemachine.catalog;

import static io.raftcoord.statemachine.sm.Batches.applyNext;
import static io.raftcoord.statemachine.sm.Batches.batch;
import static io.raftcoord.statemachine.sm.Batches.createCollection;
import static io.raftcoord.statemachine.sm.Batches.createDatabase;
import static io.raftcoord.statemachine.sm.Batches.alterCollection;
import static io.raftcoord.statemachine.sm.Batches.kv;
import static io.raftcoord.statemachine.sm.Batches.only;
import static io.raftcoord.statemachine.sm.Batches.setLimits;
import static io.raftcoord.statemachine.sm.Batches.simpleSchema;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftcoord.proto.CatalogLimits;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandBatch;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.ReportVersionsRequest;
import io.raftcoord.proto.UpgradeRequest;
import io.raftcoord.statemachine.idempotency.IdempotencyLog;
import io.raftcoord.statemachine.sm.CoordState;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.version.ApplyVersions;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Apply version 2 holds descriptions and property values to {@code max_text_bytes}; at version 1
 * they are taken as before, so replicas of both binaries apply the same log identically until the
 * upgrade commits.
 */
class TextLimitsTest {
  private static final int DEFAULT = CatalogLimitsDefaults.DEFAULT_MAX_TEXT_BYTES;

  @TempDir
  Path dir;
  private long time = 1_700_000_000_000L;

  private CommandReply apply(CoordState s, Command c) {
    time += 10;
    return only(applyNext(s, batch(time, c)));
  }

  private void upgradeTo2(CoordState s) {
    for (String m : List.of("n1", "n2", "n3")) {
      apply(s, Command.newBuilder().setReportVersions(ReportVersionsRequest.newBuilder()
          .setReplica(new ApplyVersions(1, 2).toProto(m))).build());
    }
    time += 10;
    CommandBatch b = batch(time, Command.newBuilder().setUpgrade(UpgradeRequest.newBuilder().setVersion(2)).build());
    b = b.toBuilder().setHeader(b.getHeader().toBuilder().addAllMembers(List.of("n1", "n2", "n3"))).build();
    assertEquals(ErrorCode.OK, only(applyNext(s, b)).getCode());
  }

  private static Command collectionWithDescription(String name, int bytes) {
    return createCollection("", name, simpleSchema().toBuilder().setDescription("d".repeat(bytes)).build());
  }

  @Test
  void versionOneTakesLongTextAndRefusesTheLimitItself() {
    try (CoordState s = new CoordState(CoordStore.open(dir), IdempotencyLog.Retention.DEFAULT, Set.of())) {
      assertEquals(ErrorCode.OK, apply(s, collectionWithDescription("long", DEFAULT + 1)).getCode());
      CommandReply r = apply(s, setLimits(CatalogLimits.newBuilder().setMaxTextBytes(100).build()));
      assertEquals(ErrorCode.FAILED_PRECONDITION, r.getCode());
      assertEquals(true, r.getMessage().startsWith("limit max_text_bytes needs apply version 2"), r.getMessage());
    }
  }

  @Test
  void versionTwoRefusesTextOverTheLimitByName() {
    try (CoordState s = new CoordState(CoordStore.open(dir), IdempotencyLog.Retention.DEFAULT, Set.of())) {
      upgradeTo2(s);
      assertEquals(ErrorCode.OK, apply(s, collectionWithDescription("at_limit", DEFAULT)).getCode());
      CommandReply over = apply(s, collectionWithDescription("over", DEFAULT + 1));
      assertEquals(ErrorCode.INVALID_ARGUMENT, over.getCode());
      assertEquals("collection \"over\": the description is 65537 bytes, over the limit max_text_bytes (65536)",
          over.getMessage());

      var schema = simpleSchema();
      schema = schema.toBuilder().setFields(0, schema.getFields(0).toBuilder().setDescription("é".repeat(DEFAULT / 2 + 1)))
          .build();
      CommandReply field = apply(s, createCollection("", "field_over", schema));
      assertEquals(ErrorCode.INVALID_ARGUMENT, field.getCode());
      assertEquals(true, field.getMessage().contains("the description is 65538 bytes"), field.getMessage());

      CommandReply prop = apply(s, createDatabase("db1", kv("k", "v".repeat(DEFAULT + 1))));
      assertEquals(ErrorCode.INVALID_ARGUMENT, prop.getCode());
      assertEquals("property \"k\": the value is 65537 bytes, over the limit max_text_bytes (65536)", prop.getMessage());

      assertEquals(ErrorCode.OK, apply(s, setLimits(CatalogLimits.newBuilder().setMaxTextBytes(100).build())).getCode());
      CommandReply altered = apply(s, alterCollection("", "at_limit", List.of(kv("k", "v".repeat(101))), List.of()));
      assertEquals(ErrorCode.INVALID_ARGUMENT, altered.getCode());
      assertEquals(true, altered.getMessage().contains("over the limit max_text_bytes (100)"), altered.getMessage());
      assertEquals(ErrorCode.OK, apply(s, alterCollection("", "at_limit", List.of(kv("k", "v".repeat(100))), List.of()))
          .getCode());
    }
  }
}
