package io.raftcoord.statemachine.sm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftcoord.proto.AlterAliasRequest;
import io.raftcoord.proto.AlterCollectionRequest;
import io.raftcoord.proto.AlterDatabaseRequest;
import io.raftcoord.proto.BatchReply;
import io.raftcoord.proto.CatalogChange;
import io.raftcoord.proto.CatalogLimits;
import io.raftcoord.proto.CollectionRef;
import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandBatch;
import io.raftcoord.proto.CommandHeader;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.CreateAliasRequest;
import io.raftcoord.proto.CreateCollectionRequest;
import io.raftcoord.proto.CreateDatabaseRequest;
import io.raftcoord.proto.CreatePartitionRequest;
import io.raftcoord.proto.DataType;
import io.raftcoord.proto.DropAliasRequest;
import io.raftcoord.proto.DropCollectionRequest;
import io.raftcoord.proto.DropDatabaseRequest;
import io.raftcoord.proto.DropPartitionRequest;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.FieldSchema;
import io.raftcoord.proto.IdAllocateReply;
import io.raftcoord.proto.IdAllocateRequest;
import io.raftcoord.proto.KeyValue;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.RenameCollectionRequest;
import io.raftcoord.proto.SetCatalogLimitsRequest;
import io.raftcoord.proto.TsoAllocateReply;
import io.raftcoord.proto.TsoAllocateRequest;
import io.raftcoord.proto.WatchQuery;
import java.util.List;

/** Test helper: builds stamped command batches and feeds them to a {@link CoordState} as log entries. */
public final class Batches {
  /** The term used for every entry fed by {@link #applyNext}. */
  public static final long TERM = 1;

  private Batches() {}

  public static Command tso(int count) {
    return Command.newBuilder().setTsoAllocate(TsoAllocateRequest.newBuilder().setCount(count)).build();
  }

  public static Command ids(int count) {
    return Command.newBuilder().setIdAllocate(IdAllocateRequest.newBuilder().setCount(count)).build();
  }

  /** A command whose body is not set (as sent by a client that knows a newer body type). */
  public static Command noBody() {
    return Command.getDefaultInstance();
  }

  public static Command keyed(String idempotencyKey, Command cmd) {
    return cmd.toBuilder().setIdempotencyKey(idempotencyKey).build();
  }

  /** A batch stamped by the leader with {@code leaderTimeMs}. */
  public static CommandBatch batch(long leaderTimeMs, Command... commands) {
    return CommandBatch.newBuilder()
        .setHeader(CommandHeader.newBuilder().setLeaderTimeMs(leaderTimeMs).setTerm(TERM).setLeaderId("n1"))
        .addAllCommands(List.of(commands)).build();
  }

  /** A stamped batch carrying a batch-level idempotency key. */
  public static CommandBatch keyedBatch(String idempotencyKey, long leaderTimeMs, Command... commands) {
    return batch(leaderTimeMs, commands).toBuilder().setIdempotencyKey(idempotencyKey).build();
  }

  /** Applies {@code batch} as the entry right after the state's applied index; it must be applied. */
  public static BatchReply applyNext(CoordState state, CommandBatch batch) {
    return applyNext(state, batch.toByteArray());
  }

  public static BatchReply applyNext(CoordState state, byte[] data) {
    long index = state.appliedIndex() + 1;
    BatchReply reply = state.apply(TERM, index, data)
        .orElseThrow(() -> new AssertionError("entry " + index + " was not applied"));
    assertEquals(index, state.appliedIndex(), "applied index after entry " + index);
    return reply;
  }

  /** The single reply of a one-command batch. */
  public static CommandReply only(BatchReply reply) {
    assertEquals(1, reply.getRepliesCount(), () -> "replies of " + reply);
    return reply.getReplies(0);
  }

  /** Asserts the reply is OK with a TSO body and returns that body. */
  public static TsoAllocateReply tsoOk(CommandReply reply) {
    assertEquals(ErrorCode.OK, reply.getCode(), () -> "reply " + reply);
    assertEquals(CommandReply.BodyCase.TSO_ALLOCATE, reply.getBodyCase(), () -> "reply " + reply);
    return reply.getTsoAllocate();
  }

  /** Asserts the reply is OK with an ID body and returns that body. */
  public static IdAllocateReply idsOk(CommandReply reply) {
    assertEquals(ErrorCode.OK, reply.getCode(), () -> "reply " + reply);
    assertEquals(CommandReply.BodyCase.ID_ALLOCATE, reply.getBodyCase(), () -> "reply " + reply);
    return reply.getIdAllocate();
  }

  // ---- catalog commands ----

  public static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  public static Command createDatabase(String name, KeyValue... properties) {
    return Command.newBuilder().setCreateDatabase(
        CreateDatabaseRequest.newBuilder().setName(name).addAllProperties(List.of(properties))).build();
  }

  public static Command dropDatabase(String name) {
    return Command.newBuilder().setDropDatabase(DropDatabaseRequest.newBuilder().setName(name)).build();
  }

  public static Command alterDatabase(String name, List<KeyValue> set, List<String> deleteKeys) {
    return Command.newBuilder().setAlterDatabase(
        AlterDatabaseRequest.newBuilder().setName(name).addAllSet(set).addAllDeleteKeys(deleteKeys)).build();
  }

  public static Command createCollection(CreateCollectionRequest req) {
    return Command.newBuilder().setCreateCollection(req).build();
  }

  public static Command createCollection(String db, String name, CollectionSchema schema) {
    return createCollection(CreateCollectionRequest.newBuilder().setDb(db).setName(name).setSchema(schema).build());
  }

  /** A collection with {@link #simpleSchema()}. */
  public static Command createCollection(String db, String name) {
    return createCollection(db, name, simpleSchema());
  }

  public static Command dropCollection(String db, String name) {
    return Command.newBuilder().setDropCollection(DropCollectionRequest.newBuilder().setDb(db).setName(name)).build();
  }

  public static Command renameCollection(String db, String name, String newDb, String newName) {
    return Command.newBuilder().setRenameCollection(RenameCollectionRequest.newBuilder().setDb(db).setName(name)
        .setNewDb(newDb).setNewName(newName)).build();
  }

  public static Command alterCollection(String db, String name, List<KeyValue> set, List<String> deleteKeys) {
    return Command.newBuilder().setAlterCollection(AlterCollectionRequest.newBuilder().setDb(db).setName(name)
        .addAllSet(set).addAllDeleteKeys(deleteKeys)).build();
  }

  public static Command createPartition(String db, String collection, String name) {
    return Command.newBuilder().setCreatePartition(
        CreatePartitionRequest.newBuilder().setDb(db).setCollection(collection).setName(name)).build();
  }

  public static Command dropPartition(String db, String collection, String name) {
    return Command.newBuilder().setDropPartition(
        DropPartitionRequest.newBuilder().setDb(db).setCollection(collection).setName(name)).build();
  }

  public static Command createAlias(String db, String alias, String collection) {
    return Command.newBuilder().setCreateAlias(
        CreateAliasRequest.newBuilder().setDb(db).setAlias(alias).setCollection(collection)).build();
  }

  public static Command dropAlias(String db, String alias) {
    return Command.newBuilder().setDropAlias(DropAliasRequest.newBuilder().setDb(db).setAlias(alias)).build();
  }

  public static Command alterAlias(String db, String alias, String collection) {
    return Command.newBuilder().setAlterAlias(
        AlterAliasRequest.newBuilder().setDb(db).setAlias(alias).setCollection(collection)).build();
  }

  public static Command setLimits(CatalogLimits limits) {
    return Command.newBuilder().setSetCatalogLimits(SetCatalogLimitsRequest.newBuilder().setLimits(limits)).build();
  }

  public static FieldSchema.Builder field(String name, DataType type) {
    return FieldSchema.newBuilder().setName(name).setDataType(type);
  }

  /** The smallest valid schema: an Int64 primary key "id" and an 8-dim float vector "vec". */
  public static CollectionSchema simpleSchema() {
    return CollectionSchema.newBuilder()
        .addFields(field("id", DataType.INT64).setIsPrimary(true))
        .addFields(field("vec", DataType.FLOAT_VECTOR).setDim(8)).build();
  }

  /** Asserts the reply is OK with a catalog body and returns that body. */
  public static CatalogChange catalogOk(CommandReply reply) {
    assertEquals(ErrorCode.OK, reply.getCode(), () -> "reply " + reply);
    assertEquals(CommandReply.BodyCase.CATALOG, reply.getBodyCase(), () -> "reply " + reply);
    return reply.getCatalog();
  }

  // ---- catalog reads ----

  /** Answers a catalog query; it must be one. */
  public static QueryReply read(CoordState state, Query q) {
    return state.domainRead(q);
  }

  public static CollectionRef ref(String db, String name) {
    return CollectionRef.newBuilder().setDb(db).setName(name).build();
  }

  public static CollectionRef ref(long id) {
    return CollectionRef.newBuilder().setId(id).build();
  }

  public static WatchQuery.Builder watchFrom(long revision) {
    return WatchQuery.newBuilder().setFromRevision(revision);
  }
}
