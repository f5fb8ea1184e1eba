package io.raftcoord.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.client.CatalogClient;
import io.raftcoord.client.CatalogWatch;
import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.MetadataCache;
import io.raftcoord.client.catalog.Schemas;
import io.raftcoord.proto.ChangeEvent;
import io.raftcoord.proto.ChangeKind;
import io.raftcoord.proto.CollectionDescription;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.WatchQuery;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The catalog through three in-process replicas and the real client: follower reads, watch, cache. */
class CatalogIntegrationTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  static CollectionSchema schema() {
    return Schemas.schema()
        .field(Schemas.int64("id").primary())
        .field(Schemas.varChar("title", 256))
        .field(Schemas.floatVector("embedding", 8))
        .build();
  }

  @Test
  void everyFollowerSeesAWriteRightAfterItIsAcknowledged() throws Exception {
    try (LocalQuorum q = new LocalQuorum(dir, 10_000, 8 << 20);
         CoordClient c = CoordClient.builder().peers(q.peersString()).build()) {
      int leader = q.awaitLeader(WAIT);
      CatalogClient catalog = c.catalog();
      for (int i = 0; i < 20; i++) {
        CollectionInfo created = catalog.createCollection("", "books_" + i, schema());
        for (int r = 1; r <= 3; r++) {
          // ReadIndex on every replica: an acknowledged create is visible everywhere at once.
          CollectionDescription d = catalog.at("n" + r).describeCollection("", "books_" + i);
          assertEquals(created.getId(), d.getCollection().getId(), "replica n" + r + (r == leader ? " (leader)" : ""));
        }
        catalog.at("n" + (1 + i % 3)).describeCollection(created.getId());
        catalog.alterCollection("", "books_" + i, Map.of("round", "1"), List.of());
        int follower = leader % 3 + 1;
        assertEquals("1", catalog.at("n" + follower).describeCollection("", "books_" + i).getCollection()
            .getProperties(0).getValue());
      }
      assertEquals(20, catalog.listCollections("").size());
    }
  }

  @Test
  void aliasesResolveAndDdlIsAtomicAcrossTheQuorum() throws Exception {
    try (LocalQuorum q = new LocalQuorum(dir, 10_000, 8 << 20);
         CoordClient c = CoordClient.builder().peers(q.peersString()).build()) {
      q.awaitLeader(WAIT);
      CatalogClient catalog = c.catalog();
      catalog.createDatabase("library");
      CollectionInfo books = catalog.createCollection("library", "books", schema());
      assertEquals(List.of(100L, 101L, 102L), books.getSchema().getFieldsList().stream().map(f -> f.getFieldId()).toList());
      assertEquals("_default", books.getPartitions(0).getName());
      assertTrue(books.getCreatedTimestamp() > 0);
      catalog.createPartition("library", "books", "p2024");
      catalog.createAlias("library", "shelf", "books");
      assertEquals(books.getId(), catalog.describeCollection("library", "shelf").getCollection().getId());
      assertEquals(List.of("_default", "p2024"),
          catalog.listPartitions("library", "shelf").stream().map(p -> p.getName()).toList());
      CoordException e = assertThrows(CoordException.class, () -> catalog.dropCollection("library", "books"));
      assertEquals(ErrorCode.FAILED_PRECONDITION, e.code());
      assertTrue(e.getMessage().contains("shelf"), e.getMessage());
      e = assertThrows(CoordException.class, () -> catalog.dropDatabase("library"));
      assertEquals(ErrorCode.FAILED_PRECONDITION, e.code());
      catalog.dropAlias("library", "shelf");
      catalog.dropCollection("library", "books");
      catalog.dropDatabase("library");
      e = assertThrows(CoordException.class, () -> catalog.describeCollection("library", "books"));
      assertEquals(ErrorCode.NOT_FOUND, e.code());
      q.assertStoresIdentical(WAIT);
    }
  }

  @Test
  void watchDeliversEveryChangeOnceInOrderAcrossALeaderStop() throws Exception {
    try (LocalQuorum q = new LocalQuorum(dir, 10_000, 8 << 20);
         CoordClient c = CoordClient.builder().peers(q.peersString()).build()) {
      q.awaitLeader(WAIT);
      List<ChangeEvent> seen = new CopyOnWriteArrayList<>();
      try (CatalogWatch w = c.watch(WatchQuery.newBuilder().setFromRevision(1).build(), (events, next) -> seen.addAll(events))) {
        for (int i = 0; i < 10; i++) {
          c.catalog().createCollection("", "w_" + i, schema());
        }
        int leader = q.awaitLeader(WAIT);
        q.stop(leader);
        for (int i = 10; i < 20; i++) {
          c.catalog().createCollection("", "w_" + i, schema());
        }
        q.start(leader);
        c.catalog().dropCollection("", "w_0");
        LocalQuorum.await(() -> seen.size() >= 21, WAIT, "21 events, got " + seen.size());
      }
      assertEquals(21, seen.size());
      for (int i = 0; i < 20; i++) {
        assertEquals(ChangeKind.COLLECTION_CREATED, seen.get(i).getChange().getKind());
        assertEquals("w_" + i, seen.get(i).getChange().getCollection().getName());
      }
      assertEquals(ChangeKind.COLLECTION_DROPPED, seen.get(20).getChange().getKind());
      for (int i = 1; i < seen.size(); i++) {
        assertTrue(seen.get(i).getRevision() > seen.get(i - 1).getRevision(), "revisions increase");
      }
    }
  }

  @Test
  void metadataCacheServesHitsLocallyAndFollowsChangesThroughTheWatch() throws Exception {
    try (LocalQuorum q = new LocalQuorum(dir, 10_000, 8 << 20);
         CoordClient c = CoordClient.builder().peers(q.peersString()).build();
         CoordClient other = CoordClient.builder().peers(q.peersString()).build()) {
      q.awaitLeader(WAIT);
      other.catalog().createCollection("", "cached", schema());
      MetadataCache cache = c.metadataCache();
      LocalQuorum.await(() -> cache.revision() > 0, WAIT, "the cache's watch to start");
      CollectionDescription first = cache.describe("", "cached");
      assertEquals(1, cache.misses());
      CollectionDescription again = cache.describe("", "cached");
      assertSame(first, again, "a hit is served from memory");
      assertEquals(1, cache.hits());

      // Another client changes it: the change reaches this cache through the watch.
      other.catalog().alterCollection("", "cached", Map.of("ttl", "60"), List.of());
      LocalQuorum.await(() -> {
        CollectionDescription d = cache.lookup("", "cached");
        return d != null && d.getCollection().getPropertiesCount() == 1;
      }, WAIT, "the alter to reach the cache");
      other.catalog().createAlias("", "cached_alias", "cached");
      LocalQuorum.await(() -> cache.lookup("", "cached_alias") != null, WAIT, "the alias to reach the cache");
      assertEquals(List.of("cached_alias"), cache.lookup("", "cached").getAliasesList());
      other.catalog().renameCollection("", "cached", "", "renamed");
      LocalQuorum.await(() -> cache.lookup("", "cached") == null && cache.lookup("", "renamed") != null,
          WAIT, "the rename to reach the cache");
      assertEquals("renamed", cache.lookup("", "cached_alias").getCollection().getName());
      other.catalog().dropAlias("", "cached_alias");
      other.catalog().dropCollection("", "renamed");
      LocalQuorum.await(() -> cache.lookup("", "renamed") == null && cache.lookup("", "cached_alias") == null,
          WAIT, "the drop to reach the cache");
      CoordException e = assertThrows(CoordException.class, () -> cache.describe("", "renamed"));
      assertEquals(ErrorCode.NOT_FOUND, e.code());
      assertNull(cache.lookup("", "renamed"));
    }
  }
}
