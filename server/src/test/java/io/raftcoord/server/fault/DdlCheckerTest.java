package io.raftcoord.server.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.CatalogChange;
import io.raftcoord.proto.ChangeEvent;
import io.raftcoord.proto.ChangeKind;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.DatabaseInfo;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.FieldSchema;
import io.raftcoord.proto.PartitionInfo;
import io.raftcoord.server.fault.DdlChecker.Check;
import io.raftcoord.server.fault.DdlChecker.Observed;
import io.raftcoord.server.fault.DdlChecker.ReplicaCatalog;
import io.raftcoord.server.fault.DdlChecker.Verdict;
import io.raftcoord.server.fault.DdlHistory.Op;
import io.raftcoord.server.fault.DdlHistory.Type;
import io.raftcoord.server.fault.History.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hand-made DDL histories and end states that {@link DdlChecker} must accept or reject. A small
 * model ({@link World}) applies changes the way the state machine does (complete collections,
 * one feed event each) so that the valid world is consistent; each must-fail test then breaks
 * exactly one thing and checks that it is reported (and by the check that names it).
 */
class DdlCheckerTest {
  private static final CollectionSchema SCHEMA = DdlSchema.EIGHT_FIELDS;

  /** The workload's schemas as this test names its collections: "big*" ones are large. */
  private static CollectionSchema schemaOf(String name) {
    return name.startsWith("big") ? DdlSchema.LARGE : SCHEMA;
  }
  private static final String DB2 = "db2";

  /** A cluster that applies changes correctly, and the history of calls made against it. */
  private static final class World {
    final List<Op> ops = new ArrayList<>();
    final SortedSet<String> dbs = new TreeSet<>(List.of("default"));
    final SortedMap<String, CollectionInfo> state = new TreeMap<>();
    final List<ChangeEvent> feed = new ArrayList<>();
    long revision = 3;
    long nextId = 1000;
    long now = 0;

    private void event(CatalogChange change) {
      feed.add(ChangeEvent.newBuilder().setRevision(revision).setOrdinal(0).setNowMs(revision * 10)
          .setChange(change).build());
      revision += 2; // not every log entry changes the catalog
    }

    void applyDatabase(String name) {
      dbs.add(name);
      event(CatalogChange.newBuilder().setKind(ChangeKind.DATABASE_CREATED)
          .setDatabase(DatabaseInfo.newBuilder().setId(nextId++).setName(name)).build());
    }

    CollectionInfo applyCreate(String db, String name) {
      long id = nextId;
      nextId += 2;
      CollectionInfo.Builder c = CollectionInfo.newBuilder().setId(id).setDbId(db.equals("default") ? 1 : 2)
          .setDbName(db).setName(name).setShardsNum(1).addVirtualChannels("dml_0_" + id + "v0")
          .addPhysicalChannels("dml_0").setCreatedTimestamp(revision << 18)
          .addPartitions(PartitionInfo.newBuilder().setId(id + 1).setName("_default").setCreatedTimestamp(revision << 18));
      CollectionSchema schema = schemaOf(name);
      c.getSchemaBuilder().setDescription(schema.getDescription());
      for (int i = 0; i < schema.getFieldsCount(); i++) {
        c.getSchemaBuilder().addFields(schema.getFields(i).toBuilder().setFieldId(100 + i));
      }
      CollectionInfo info = c.build();
      state.put(DdlHistory.key(db, name), info);
      event(CatalogChange.newBuilder().setKind(ChangeKind.COLLECTION_CREATED).setCollection(info).build());
      return info;
    }

    PartitionInfo applyPartition(String db, String name, String part) {
      PartitionInfo p = PartitionInfo.newBuilder().setId(nextId++).setName(part).setCreatedTimestamp(revision << 18).build();
      CollectionInfo c = state.get(DdlHistory.key(db, name)).toBuilder().addPartitions(p).build();
      state.put(DdlHistory.key(db, name), c);
      event(CatalogChange.newBuilder().setKind(ChangeKind.PARTITION_CREATED).setCollection(c).setPartition(p).build());
      return p;
    }

    CollectionInfo applyDrop(String db, String name) {
      CollectionInfo c = state.remove(DdlHistory.key(db, name));
      event(CatalogChange.newBuilder().setKind(ChangeKind.COLLECTION_DROPPED).setCollection(c).build());
      return c;
    }

    Op op(Type type, String db, String name, String part, Outcome outcome, ErrorCode code, CollectionInfo result,
          PartitionInfo partition) {
      Op op = new Op(ops.size(), "t", type, db, name, part, now, now + 10, outcome, code,
          outcome == Outcome.OK ? null : String.valueOf(code), result, partition);
      now += 20;
      ops.add(op);
      return op;
    }

    Op created(String db, String name, CollectionInfo c) {
      return op(Type.CREATE_COLLECTION, db, name, null, Outcome.OK, ErrorCode.OK, c, null);
    }

    Op createFailed(String db, String name, Outcome outcome, ErrorCode code) {
      return op(Type.CREATE_COLLECTION, db, name, null, outcome, code, null, null);
    }

    Op partitioned(String db, String name, PartitionInfo p) {
      return op(Type.CREATE_PARTITION, db, name, p.getName(), Outcome.OK, ErrorCode.OK, null, p);
    }

    Op partitionFailed(String db, String name, String part, Outcome outcome, ErrorCode code) {
      return op(Type.CREATE_PARTITION, db, name, part, outcome, code, null, null);
    }

    Op dropped(String db, String name, CollectionInfo c) {
      return op(Type.DROP_COLLECTION, db, name, null, Outcome.OK, ErrorCode.OK, c, null);
    }

    Op dropFailed(String db, String name, Outcome outcome, ErrorCode code) {
      return op(Type.DROP_COLLECTION, db, name, null, outcome, code, null, null);
    }

    ReplicaCatalog replica(String id) {
      return new ReplicaCatalog(id, revision, "digest", new TreeSet<>(dbs), new TreeMap<>(state));
    }

    /** Three identical replicas, and two watchers that saw exactly the feed. */
    Observed observed() {
      Map<String, List<ChangeEvent>> watchers = new LinkedHashMap<>();
      watchers.put("w1", new ArrayList<>(feed));
      watchers.put("w2", new ArrayList<>(feed));
      return new Observed(new ArrayList<>(List.of(replica("n1"), replica("n2"), replica("n3"))), feed, watchers);
    }
  }

  /**
   * Every legal shape of the workload: acknowledged creates, partitions and drops; unknown creates
   * that applied (then ALREADY_EXISTS) or did not; an unknown drop that applied (then NOT_FOUND);
   * and an unknown create applied late, after the retry's collection was dropped.
   */
  private static World valid() {
    World w = new World();
    w.applyDatabase(DB2);
    w.op(Type.CREATE_DATABASE, DB2, "", null, Outcome.UNKNOWN, ErrorCode.DEADLINE_EXCEEDED, null, null);
    w.op(Type.CREATE_DATABASE, DB2, "", null, Outcome.FAILED, ErrorCode.ALREADY_EXISTS, null, null);

    // c1: created, two partitions.
    w.created("default", "c1", w.applyCreate("default", "c1"));
    w.partitioned("default", "c1", w.applyPartition("default", "c1", "p1"));
    w.partitioned("default", "c1", w.applyPartition("default", "c1", "p2"));
    // c2: created, partition, dropped.
    w.created(DB2, "c2", w.applyCreate(DB2, "c2"));
    w.partitioned(DB2, "c2", w.applyPartition(DB2, "c2", "p1"));
    w.dropped(DB2, "c2", w.applyDrop(DB2, "c2"));
    // c3: unknown create that applied, the retry meets ALREADY_EXISTS; same for its partition.
    w.applyCreate("default", "c3");
    w.createFailed("default", "c3", Outcome.UNKNOWN, ErrorCode.UNAVAILABLE);
    w.createFailed("default", "c3", Outcome.FAILED, ErrorCode.ALREADY_EXISTS);
    w.applyPartition("default", "c3", "p1");
    w.partitionFailed("default", "c3", "p1", Outcome.UNKNOWN, ErrorCode.DEADLINE_EXCEEDED);
    w.partitionFailed("default", "c3", "p1", Outcome.FAILED, ErrorCode.ALREADY_EXISTS);
    // c4: unknown create that never applied.
    w.createFailed(DB2, "c4", Outcome.UNKNOWN, ErrorCode.DEADLINE_EXCEEDED);
    // c5: unknown create that did not apply; the retry did.
    w.createFailed("default", "c5", Outcome.UNKNOWN, ErrorCode.UNAVAILABLE);
    w.created("default", "c5", w.applyCreate("default", "c5"));
    // c6: unknown drop that applied; the retry meets NOT_FOUND.
    w.created(DB2, "c6", w.applyCreate(DB2, "c6"));
    w.applyDrop(DB2, "c6");
    w.dropFailed(DB2, "c6", Outcome.UNKNOWN, ErrorCode.DEADLINE_EXCEEDED);
    w.dropFailed(DB2, "c6", Outcome.FAILED, ErrorCode.NOT_FOUND);
    // c7: unknown drop that never applied.
    w.created("default", "c7", w.applyCreate("default", "c7"));
    w.dropFailed("default", "c7", Outcome.UNKNOWN, ErrorCode.UNAVAILABLE);
    // c8: unknown create, retried, acknowledged, dropped; then the first attempt applied late.
    w.createFailed("default", "c8", Outcome.UNKNOWN, ErrorCode.DEADLINE_EXCEEDED);
    w.created("default", "c8", w.applyCreate("default", "c8"));
    w.dropped("default", "c8", w.applyDrop("default", "c8"));
    w.applyCreate("default", "c8");
    // c9: unknown partition create that never applied; the collection stays.
    w.created(DB2, "c9", w.applyCreate(DB2, "c9"));
    w.partitionFailed(DB2, "c9", "p1", Outcome.UNKNOWN, ErrorCode.UNAVAILABLE);
    // big1: a collection with the large schema.
    w.created("default", "big1", w.applyCreate("default", "big1"));
    return w;
  }

  private static Verdict check(World w, Observed o) {
    return DdlChecker.check(w.ops, o, DdlCheckerTest::schemaOf, 0);
  }

  /** Only {@code expected} checks (at least the first of them) report anything. */
  private static void assertOnly(Verdict v, Check... expected) {
    assertFalse(v.valid(), "must be rejected: " + v.summary());
    Set<Check> allowed = EnumSet.of(expected[0], expected);
    assertTrue(v.violations(expected[0]) > 0, "expected " + expected[0] + ": " + v.summary());
    for (Check c : Check.values()) {
      if (!allowed.contains(c)) {
        assertEquals(0, v.violations(c), c + " reported unexpectedly: " + v.summary());
      }
    }
  }

  private static Observed withCatalog(World w, SortedMap<String, CollectionInfo> state) {
    Observed o = w.observed();
    List<ReplicaCatalog> rs = new ArrayList<>();
    for (ReplicaCatalog r : o.replicas()) {
      rs.add(new ReplicaCatalog(r.replica(), r.appliedIndex(), r.digest(), r.databases(), new TreeMap<>(state)));
    }
    return new Observed(rs, o.feed(), o.watchers());
  }

  private static Observed withWatcher(World w, String name, List<ChangeEvent> seen) {
    Observed o = w.observed();
    Map<String, List<ChangeEvent>> ws = new LinkedHashMap<>(o.watchers());
    ws.put(name, seen);
    return new Observed(o.replicas(), o.feed(), ws);
  }

  // ---- must pass ----

  @Test
  void validHistoryIsAccepted() {
    World w = valid();
    Verdict v = check(w, w.observed());
    assertTrue(v.valid(), v.summary());
    assertEquals(new HistoryChecker.Counts(8, 1, 4), v.counts(Type.CREATE_COLLECTION));
    assertEquals(new HistoryChecker.Counts(3, 1, 2), v.counts(Type.CREATE_PARTITION));
    assertEquals(new HistoryChecker.Counts(2, 1, 2), v.counts(Type.DROP_COLLECTION));
    assertEquals(7, v.collectionsPresent(), v.summary()); // c1 c3 c5 c7 c8 (late) c9 big1
  }

  @Test
  void emptyWorldIsAccepted() {
    World w = new World();
    Verdict v = check(w, w.observed());
    assertTrue(v.valid(), v.summary());
  }

  @Test
  void watcherThatSawNothingOfAnEmptyFeedIsFine() {
    World w = new World();
    Verdict v = check(w, withWatcher(w, "w3", List.of()));
    assertTrue(v.valid(), v.summary());
  }

  /**
   * A 30-minute chaos run's size (~40,000 collections and ~110,000 feed events): every shape is
   * still judged, and a single lost acknowledged create among them is found and named. (The
   * first such run never finished its DDL check: a pass over the whole feed per collection.)
   */
  @Test
  void longRunSizedHistoryIsJudgedWholly() {
    World w = new World();
    w.applyDatabase(DB2);
    w.op(Type.CREATE_DATABASE, DB2, "", null, Outcome.OK, ErrorCode.OK, null, null);
    int collections = 40_000;
    for (int k = 0; k < collections; k++) {
      String db = k % 2 == 0 ? "default" : DB2;
      String name = "c_" + k;
      w.created(db, name, w.applyCreate(db, name));
      w.partitioned(db, name, w.applyPartition(db, name, "p1"));
      if (k % 3 == 0) {
        w.partitioned(db, name, w.applyPartition(db, name, "p2"));
      }
      if (k % 5 < 2) {
        w.dropped(db, name, w.applyDrop(db, name));
      }
    }
    Verdict v = check(w, w.observed());
    assertTrue(v.valid(), v.summary());
    assertEquals(collections * 3 / 5, v.collectionsPresent(), v.summary());

    w.state.remove("default/c_39992");
    Verdict lost = check(w, w.observed());
    assertEquals(1, lost.violations(Check.ACKED_CREATE_LOST), lost.summary());
    assertEquals("c_39992", lost.first(Check.ACKED_CREATE_LOST).orElseThrow().op().collection());
  }

  // ---- must fail: the catalog ----

  @Test
  void lostAcknowledgedCreateIsReported() {
    World w = valid();
    w.state.remove("default/c1");
    Verdict v = check(w, w.observed());
    // The feed still holds c1's create: replaying it disagrees with the catalog too.
    assertOnly(v, Check.ACKED_CREATE_LOST, Check.ACKED_PARTITION_LOST, Check.FEED_STATE);
    assertEquals(1, v.violations(Check.ACKED_CREATE_LOST), v.summary());
    assertEquals(2, v.violations(Check.ACKED_PARTITION_LOST), v.summary());
    assertEquals("c1", v.first(Check.ACKED_CREATE_LOST).orElseThrow().op().collection());
  }

  @Test
  void lostAcknowledgedCreateIsReportedEvenWhenTheFeedAgrees() {
    World w = valid();
    w.state.remove(DdlHistory.key(DB2, "c9"));
    w.feed.removeIf(e -> e.getChange().getKind() == ChangeKind.COLLECTION_CREATED
        && e.getChange().getCollection().getName().equals("c9"));
    Verdict v = check(w, w.observed());
    assertOnly(v, Check.ACKED_CREATE_LOST, Check.FEED_HISTORY);
    assertEquals(1, v.violations(Check.FEED_HISTORY), v.summary());
  }

  @Test
  void acknowledgedCreateReplacedByAnotherIncarnationIsReported() {
    World w = valid();
    CollectionInfo c7 = w.state.get("default/c7");
    SortedMap<String, CollectionInfo> state = new TreeMap<>(w.state);
    state.put("default/c7", c7.toBuilder().setId(999_999).build());
    Verdict v = check(w, withCatalog(w, state));
    // c7 has an unknown drop, so its acknowledged incarnation may be gone; but no create made the new one.
    assertOnly(v, Check.PHANTOM, Check.FEED_STATE);
  }

  @Test
  void resurrectedAcknowledgedDropIsReported() {
    World w = valid();
    CollectionInfo c2 = w.feed.stream().filter(e -> e.getChange().getKind() == ChangeKind.COLLECTION_DROPPED
        && e.getChange().getCollection().getName().equals("c2")).findFirst().orElseThrow().getChange().getCollection();
    SortedMap<String, CollectionInfo> state = new TreeMap<>(w.state);
    state.put(DdlHistory.key(DB2, "c2"), c2);
    Verdict v = check(w, withCatalog(w, state));
    assertOnly(v, Check.DROP_RESURRECTED, Check.FEED_STATE);
    assertEquals(1, v.violations(Check.DROP_RESURRECTED), v.summary());
    assertTrue(v.first(Check.DROP_RESURRECTED).orElseThrow().message().contains("drop was acknowledged"), v.summary());
  }

  @Test
  void acknowledgedDropUndoneWithoutAnyCreateToExplainItIsReported() {
    World w = valid();
    // c2 back under a new id, as if re-created, but no create of c2 has an unknown outcome.
    CollectionInfo again = w.applyCreate(DB2, "c2");
    Verdict v = check(w, w.observed());
    assertOnly(v, Check.DROP_RESURRECTED, Check.PHANTOM, Check.FEED_HISTORY);
    assertTrue(v.first(Check.DROP_RESURRECTED).orElseThrow().message().contains("id " + again.getId()), v.summary());
  }

  @Test
  void partialCollectionMissingAFieldIsReported() {
    World w = valid();
    CollectionInfo c3 = w.state.get("default/c3");
    CollectionInfo.Builder b = c3.toBuilder();
    b.getSchemaBuilder().removeFields(7);
    SortedMap<String, CollectionInfo> state = new TreeMap<>(w.state);
    state.put("default/c3", b.build());
    Verdict v = check(w, withCatalog(w, state));
    assertOnly(v, Check.PARTIAL_COLLECTION, Check.FEED_STATE);
    assertTrue(v.first(Check.PARTIAL_COLLECTION).orElseThrow().message().contains("7 fields instead of 8"), v.summary());
  }

  @Test
  void aLargeCollectionWithATruncatedDescriptionIsReported() {
    World w = valid();
    CollectionInfo big = w.state.get("default/big1");
    CollectionInfo.Builder b = big.toBuilder();
    String description = b.getSchema().getDescription();
    b.getSchemaBuilder().setDescription(description.substring(0, 32 * 1024));
    SortedMap<String, CollectionInfo> state = new TreeMap<>(w.state);
    state.put("default/big1", b.build());
    Verdict v = check(w, withCatalog(w, state));
    assertOnly(v, Check.PARTIAL_COLLECTION, Check.FEED_STATE);
    assertTrue(v.first(Check.PARTIAL_COLLECTION).orElseThrow().message()
        .contains("a description of 32768 characters instead of " + description.length()), v.summary());
  }

  @Test
  void partialCollectionWithWrongFieldIdsIsReported() {
    World w = valid();
    CollectionInfo c5 = w.state.get("default/c5");
    CollectionInfo.Builder b = c5.toBuilder();
    FieldSchema f = b.getSchema().getFields(3);
    b.getSchemaBuilder().setFields(3, f.toBuilder().setFieldId(0));
    SortedMap<String, CollectionInfo> state = new TreeMap<>(w.state);
    state.put("default/c5", b.build());
    assertOnly(check(w, withCatalog(w, state)), Check.PARTIAL_COLLECTION, Check.FEED_STATE);
  }

  @Test
  void partialCollectionWithoutItsDefaultPartitionIsReported() {
    World w = valid();
    CollectionInfo c3 = w.state.get("default/c3");
    SortedMap<String, CollectionInfo> state = new TreeMap<>(w.state);
    state.put("default/c3", c3.toBuilder().removePartitions(0).build());
    Verdict v = check(w, withCatalog(w, state));
    assertOnly(v, Check.PARTIAL_COLLECTION, Check.FEED_STATE);
    assertTrue(v.first(Check.PARTIAL_COLLECTION).orElseThrow().message().contains("_default"), v.summary());
  }

  @Test
  void partialCreateInTheFeedIsReported() {
    World w = valid();
    // The unknown create of c4 half-applied: a collection without fields, both in the feed and the catalog.
    CollectionInfo c4 = w.applyCreate(DB2, "c4");
    CollectionInfo half = c4.toBuilder().clearSchema().build();
    w.state.put(DdlHistory.key(DB2, "c4"), half);
    w.feed.set(w.feed.size() - 1, w.feed.get(w.feed.size() - 1).toBuilder()
        .setChange(CatalogChange.newBuilder().setKind(ChangeKind.COLLECTION_CREATED).setCollection(half)).build());
    Verdict v = check(w, w.observed());
    assertOnly(v, Check.PARTIAL_COLLECTION);
    assertEquals(2, v.violations(Check.PARTIAL_COLLECTION), v.summary()); // the catalog's and the feed's
  }

  @Test
  void lostAcknowledgedPartitionIsReported() {
    World w = valid();
    CollectionInfo c1 = w.state.get("default/c1");
    SortedMap<String, CollectionInfo> state = new TreeMap<>(w.state);
    state.put("default/c1", c1.toBuilder().removePartitions(2).build());
    Verdict v = check(w, withCatalog(w, state));
    assertOnly(v, Check.ACKED_PARTITION_LOST, Check.FEED_STATE);
    assertEquals("p2", v.first(Check.ACKED_PARTITION_LOST).orElseThrow().op().partitionName());
  }

  @Test
  void phantomCollectionIsReported() {
    World w = valid();
    w.applyCreate("default", "nobody_made_me");
    Verdict v = check(w, w.observed());
    assertOnly(v, Check.PHANTOM, Check.FEED_HISTORY);
  }

  @Test
  void collectionWhoseOnlyCreateFailedIsAPhantom() {
    World w = valid();
    w.applyCreate("default", "refused");
    w.createFailed("default", "refused", Outcome.FAILED, ErrorCode.QUOTA_EXCEEDED);
    Verdict v = check(w, w.observed());
    assertOnly(v, Check.PHANTOM, Check.FEED_HISTORY, Check.FAILURE_INCONSISTENT);
  }

  @Test
  void twoAcknowledgedCreatesOfOneNameAreReported() {
    World w = valid();
    CollectionInfo a = w.applyCreate("default", "twice");
    w.created("default", "twice", a);
    w.created("default", "twice", a.toBuilder().setId(424_242).build());
    Verdict v = check(w, w.observed());
    assertTrue(v.violations(Check.DUPLICATE_CREATE) > 0, v.summary());
  }

  // ---- must fail: definite failures ----

  @Test
  void alreadyExistsWithoutAnEarlierCreateIsReported() {
    World w = valid();
    w.createFailed("default", "c77", Outcome.FAILED, ErrorCode.ALREADY_EXISTS);
    assertOnly(check(w, w.observed()), Check.FAILURE_INCONSISTENT);
  }

  @Test
  void notFoundDropOfAnExistingCollectionIsReported() {
    World w = valid();
    w.dropFailed("default", "c1", Outcome.FAILED, ErrorCode.NOT_FOUND);
    Verdict v = check(w, w.observed());
    assertOnly(v, Check.FAILURE_INCONSISTENT);
    assertEquals(ErrorCode.NOT_FOUND, v.first(Check.FAILURE_INCONSISTENT).orElseThrow().op().code());
  }

  @Test
  void notFoundPartitionCreateOnAnExistingCollectionIsReported() {
    World w = valid();
    w.partitionFailed("default", "c1", "p3", Outcome.FAILED, ErrorCode.NOT_FOUND);
    assertOnly(check(w, w.observed()), Check.FAILURE_INCONSISTENT);
  }

  @Test
  void unexpectedDomainErrorIsReported() {
    World w = valid();
    w.partitionFailed("default", "c1", "p3", Outcome.FAILED, ErrorCode.INVALID_ARGUMENT);
    assertOnly(check(w, w.observed()), Check.FAILURE_INCONSISTENT);
  }

  @Test
  void acknowledgedDatabaseMissingIsReported() {
    World w = valid();
    w.dbs.remove(DB2);
    Verdict v = check(w, w.observed());
    assertTrue(v.violations(Check.ACKED_CREATE_LOST) > 0, v.summary());
  }

  @Test
  void missingDefaultDatabaseIsReported() {
    // As when a created database took the default database's id and replaced it.
    World w = new World();
    w.applyDatabase(DB2);
    w.op(Type.CREATE_DATABASE, DB2, "", null, Outcome.OK, ErrorCode.OK, null, null);
    w.dbs.remove("default");
    w.createFailed("default", "c1", Outcome.FAILED, ErrorCode.NOT_FOUND);
    Verdict v = check(w, w.observed());
    assertOnly(v, Check.ACKED_CREATE_LOST, Check.FEED_STATE, Check.FAILURE_INCONSISTENT);
    assertEquals(3, v.violations(Check.ACKED_CREATE_LOST), v.summary()); // once per replica
    assertTrue(v.first(Check.ACKED_CREATE_LOST).orElseThrow().message().contains("default database is missing"),
        v.summary());
    assertEquals(1, v.violations(Check.FAILURE_INCONSISTENT), v.summary());
  }

  // ---- must fail: replicas ----

  @Test
  void replicaMissingACollectionIsReported() {
    World w = valid();
    Observed o = w.observed();
    ReplicaCatalog n3 = o.replicas().get(2);
    SortedMap<String, CollectionInfo> less = new TreeMap<>(n3.collections());
    less.remove("default/c5");
    o.replicas().set(2, new ReplicaCatalog("n3", n3.appliedIndex(), n3.digest(), n3.databases(), less));
    Verdict v = check(w, o);
    assertOnly(v, Check.REPLICAS_DIVERGE);
    assertTrue(v.first(Check.REPLICAS_DIVERGE).orElseThrow().message().contains("default/c5"), v.summary());
  }

  @Test
  void replicaWithADifferentCollectionOrDigestIsReported() {
    World w = valid();
    Observed o = w.observed();
    ReplicaCatalog n2 = o.replicas().get(1);
    SortedMap<String, CollectionInfo> other = new TreeMap<>(n2.collections());
    other.put("default/c1", other.get("default/c1").toBuilder().setShardsNum(2).build());
    o.replicas().set(1, new ReplicaCatalog("n2", n2.appliedIndex(), "other-digest", n2.databases(), other));
    Verdict v = check(w, o);
    assertOnly(v, Check.REPLICAS_DIVERGE);
    assertEquals(2, v.violations(Check.REPLICAS_DIVERGE), v.summary());
  }

  // ---- must fail: the feed ----

  @Test
  void feedOutOfOrderIsReported() {
    World w = valid();
    ChangeEvent a = w.feed.get(3);
    w.feed.set(3, w.feed.get(4));
    w.feed.set(4, a);
    Verdict v = check(w, w.observed());
    assertTrue(v.violations(Check.FEED_ORDER) > 0, v.summary());
  }

  @Test
  void feedOrdinalsMustCountUpWithinARevision() {
    World w = valid();
    ChangeEvent e = w.feed.get(5);
    w.feed.set(5, e.toBuilder().setRevision(w.feed.get(4).getRevision()).setOrdinal(2).build());
    Verdict v = check(w, w.observed());
    assertTrue(v.violations(Check.FEED_ORDER) > 0, v.summary());
  }

  @Test
  void feedWithMoreCreatesThanCallsIsReported() {
    World w = valid();
    w.applyDrop("default", "c5");
    w.applyCreate("default", "c5"); // a second COLLECTION_CREATED for c5, which had one unknown and one OK create
    w.applyDrop("default", "c5");
    w.applyCreate("default", "c5"); // a third
    Verdict v = check(w, w.observed());
    assertTrue(v.violations(Check.FEED_HISTORY) > 0, v.summary());
  }

  // ---- must fail: watchers ----

  @Test
  void duplicatedWatchEventIsReported() {
    World w = valid();
    List<ChangeEvent> seen = new ArrayList<>(w.feed);
    seen.add(6, seen.get(5));
    Verdict v = check(w, withWatcher(w, "w1", seen));
    assertOnly(v, Check.WATCH_DUPLICATE);
    assertTrue(v.first(Check.WATCH_DUPLICATE).orElseThrow().message().startsWith("w1 "), v.summary());
  }

  @Test
  void redeliveryAfterAReconnectIsADuplicate() {
    World w = valid();
    List<ChangeEvent> seen = new ArrayList<>(w.feed.subList(0, 8));
    seen.addAll(w.feed.subList(6, w.feed.size())); // a retry that restarted two events too early
    Verdict v = check(w, withWatcher(w, "w2", seen));
    assertOnly(v, Check.WATCH_DUPLICATE);
    assertEquals(2, v.violations(Check.WATCH_DUPLICATE), v.summary());
  }

  @Test
  void reorderedWatchEventsAreReported() {
    World w = valid();
    List<ChangeEvent> seen = new ArrayList<>(w.feed);
    ChangeEvent a = seen.get(2);
    seen.set(2, seen.get(3));
    seen.set(3, a);
    Verdict v = check(w, withWatcher(w, "w2", seen));
    assertOnly(v, Check.WATCH_ORDER);
    assertEquals(1, v.violations(Check.WATCH_ORDER), v.summary());
  }

  @Test
  void watchGapIsReported() {
    World w = valid();
    List<ChangeEvent> seen = new ArrayList<>(w.feed);
    ChangeEvent missing = seen.remove(7);
    Verdict v = check(w, withWatcher(w, "w1", seen));
    assertOnly(v, Check.WATCH_GAP);
    assertEquals(1, v.violations(Check.WATCH_GAP), v.summary());
    assertTrue(v.first(Check.WATCH_GAP).orElseThrow().message().contains("(" + missing.getRevision() + ",0)"), v.summary());
  }

  @Test
  void watcherThatStoppedEarlyHasAGapAtTheEnd() {
    World w = valid();
    Verdict v = check(w, withWatcher(w, "w1", new ArrayList<>(w.feed.subList(0, w.feed.size() - 1))));
    assertOnly(v, Check.WATCH_GAP);
  }

  @Test
  void watchEventNotInTheFeedIsReported() {
    World w = valid();
    List<ChangeEvent> seen = new ArrayList<>(w.feed);
    seen.add(seen.get(seen.size() - 1).toBuilder().setRevision(w.revision + 100).build());
    assertOnly(check(w, withWatcher(w, "w1", seen)), Check.WATCH_EXTRA);
  }

  @Test
  void watchEventDifferentFromTheFeedIsReported() {
    World w = valid();
    List<ChangeEvent> seen = new ArrayList<>(w.feed);
    seen.set(4, seen.get(4).toBuilder().setNowMs(1).build());
    assertOnly(check(w, withWatcher(w, "w1", seen)), Check.WATCH_CONTENT);
  }

  // ---- the history file ----

  @Test
  void writesOpsEventsAndWatchedEventsAsJsonLines(@TempDir Path dir) throws Exception {
    World w = valid();
    DdlHistory h = new DdlHistory(0);
    w.ops.forEach(h::add);
    h.event("kill9 n1 \"leader\"");
    h.watcher("w1");
    h.watched("w1", w.feed.subList(0, 3));
    Path f = dir.resolve("ddl.jsonl");
    h.writeJsonl(f);
    List<String> lines = Files.readAllLines(f);
    assertEquals(w.ops.size() + 1 + 3, lines.size(), String.join("\n", lines));
    assertTrue(lines.stream().allMatch(l -> l.startsWith("{") && l.endsWith("}")), String.join("\n", lines));
    assertTrue(lines.stream().anyMatch(l -> l.contains("\"code\":\"ALREADY_EXISTS\"")), String.join("\n", lines));
    assertTrue(lines.stream().anyMatch(l -> l.contains("\"watcher\":\"w1\"") && l.contains("DATABASE_CREATED db2")),
        String.join("\n", lines));
  }
}
