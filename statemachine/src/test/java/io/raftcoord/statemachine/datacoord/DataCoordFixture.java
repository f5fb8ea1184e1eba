package io.raftcoord.statemachine.datacoord;

import static io.raftcoord.statemachine.sm.Batches.applyNext;
import static io.raftcoord.statemachine.sm.Batches.batch;
import static io.raftcoord.statemachine.sm.Batches.only;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.raftcoord.proto.BatchReply;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandBatch;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.CreateCollectionRequest;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.datacoord.Channel;
import io.raftcoord.proto.datacoord.ChannelList;
import io.raftcoord.proto.datacoord.CollectionSelector;
import io.raftcoord.proto.datacoord.DataCoordReply;
import io.raftcoord.proto.datacoord.ListChannels;
import io.raftcoord.proto.datacoord.ListSegments;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentList;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.proto.session.RegisterSession;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionCommandReply;
import io.raftcoord.proto.session.SessionRef;
import io.raftcoord.statemachine.domain.DomainEnv;
import io.raftcoord.statemachine.domain.DutyPlan;
import io.raftcoord.statemachine.idempotency.IdempotencyLog;
import io.raftcoord.statemachine.sm.Batches;
import io.raftcoord.statemachine.sm.CoordState;
import io.raftcoord.statemachine.domain.PlantedBug;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.version.ApplyVersions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link CoordState} over a temp store without Raft, fed one entry at a time with a fake leader
 * clock, plus the DataCoord calls the tests make: commands in the envelope's {@code domain}
 * field, reads, leader duty rounds, catalog and session set-up.
 */
public final class DataCoordFixture implements AutoCloseable {
  public static final long T0 = 1_700_000_000_000L;

  public final Path dir;
  public final Set<PlantedBug> bugs;
  /** The leader-local monotonic clock (only the session reaper reads it). */
  public final AtomicLong clock = new AtomicLong(1_000_000);
  /** The apply clock: the leader's stamp on the next entry. */
  public long time = T0;
  public CoordState state;
  /** Every batch applied, in log order (to replay into another store). */
  public final List<CommandBatch> log = new ArrayList<>();

  public DataCoordFixture(Path dir, Set<PlantedBug> bugs) {
    this.dir = dir;
    this.bugs = Set.copyOf(bugs);
    open();
  }

  public DataCoordFixture(Path dir) {
    this(dir, Set.of());
  }

  public static CoordState openState(Path dir, Set<PlantedBug> bugs, AtomicLong clock) {
    return new CoordState(CoordStore.open(dir), IdempotencyLog.Retention.DEFAULT, new DomainEnv("n1", clock::get, bugs),
        ApplyVersions.THIS_BINARY);
  }

  public void open() {
    state = openState(dir, bugs, clock);
  }

  /** Closes the store and opens it again: everything in memory is loaded back from RocksDB. */
  public void reopen() {
    state.close();
    open();
  }

  @Override
  public void close() {
    state.close();
  }

  public DataCoordTable table() {
    return ((DataCoordDomain) state.domains().byName(DataCoordDomain.NAME).orElseThrow()).table();
  }

  public static Command command(Message body) {
    return Command.newBuilder().setDomain(Any.pack(body)).build();
  }

  /** One entry holding {@code commands}, stamped {@code step} ms after the last one. */
  public BatchReply entry(long step, Command... commands) {
    time += step;
    CommandBatch b = batch(time, commands);
    log.add(b);
    return applyNext(state, b);
  }

  public CommandReply run(Command c) {
    return only(entry(10, c));
  }

  /** A domain command (datacoord or session) alone in an entry. */
  public CommandReply run(Message body) {
    return run(command(body));
  }

  /** Runs {@code body}, asserts OK and returns the DataCoord reply. */
  public DataCoordReply ok(Message body) {
    CommandReply r = run(body);
    assertEquals(ErrorCode.OK, r.getCode(), () -> body.getClass().getSimpleName() + ": " + r.getMessage());
    return dc(r);
  }

  public static DataCoordReply dc(CommandReply r) {
    return unpack(r.getDomain(), DataCoordReply.class);
  }

  public static <T extends Message> T unpack(Any a, Class<T> type) {
    try {
      return a.unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  public QueryReply query(Message q) {
    return state.domainRead(Query.newBuilder().setDomain(Any.pack(q)).build());
  }

  /** Reads {@code q}, asserts OK, and returns the body. */
  public <T extends Message> T read(Message q, Class<T> type) {
    QueryReply r = query(q);
    assertEquals(ErrorCode.OK, r.getCode(), r::getMessage);
    return unpack(r.getDomain(), type);
  }

  // ---- catalog and sessions ----

  public CollectionInfo createCollection(String name, int shards) {
    CommandReply r = run(Batches.createCollection(CreateCollectionRequest.newBuilder().setDb("default").setName(name)
        .setSchema(Batches.simpleSchema()).setShardsNum(shards).build()));
    return Batches.catalogOk(r).getCollection();
  }

  public CollectionInfo collection(long id) {
    return state.catalog().collection(id).orElseThrow();
  }

  public Session register(String role, String address) {
    CommandReply r = run(RegisterSession.newBuilder().setRole(role).setAddress(address).build());
    assertEquals(ErrorCode.OK, r.getCode(), r::getMessage);
    return unpack(r.getDomain(), SessionCommandReply.class).getSession();
  }

  public static SessionRef ref(Session s) {
    return SessionRef.newBuilder().setServerId(s.getServerId()).setEpoch(s.getEpoch()).build();
  }

  // ---- duties ----

  /** The commands one round of {@code duty} plans now (the leader's stamp clock is {@link #time}). */
  public List<Command> plan(String duty) {
    List<DutyPlan> plans = state.planDuties(clock.get(), 0, time, duty::equals);
    assertEquals(1, plans.size(), "duty " + duty);
    return plans.get(0).commands();
  }

  /** One round of {@code duty}: planned now, each command applied in an entry of its own; the replies. */
  public List<DataCoordReply> duty(String duty) {
    List<DataCoordReply> out = new ArrayList<>();
    for (Command c : plan(duty)) {
      CommandReply r = run(c);
      assertEquals(ErrorCode.OK, r.getCode(), r::getMessage);
      out.add(dc(r));
    }
    return out;
  }

  public List<DataCoordReply> sealRound() {
    return duty("datacoord-seal");
  }

  public List<DataCoordReply> flushRound() {
    return duty("datacoord-flush");
  }

  public List<DataCoordReply> channelRound() {
    return duty("datacoord-channels");
  }

  // ---- reads ----

  public static CollectionSelector byId(long id) {
    return CollectionSelector.newBuilder().setId(id).build();
  }

  /** Every segment of the collection in every state, by id. */
  public List<Segment> segments(long collectionId) {
    return read(ListSegments.newBuilder().setCollection(byId(collectionId))
        .addAllStates(EnumSet.complementOf(EnumSet.of(SegmentState.UNRECOGNIZED))).build(), SegmentList.class)
        .getSegmentsList();
  }

  public Segment segment(long id) {
    return table().segment(id).orElseThrow(() -> new AssertionError("no segment " + id));
  }

  public List<Channel> channels() {
    return read(ListChannels.getDefaultInstance(), ChannelList.class).getChannelsList();
  }

  public Channel channel(String name) {
    return table().channel(name).orElseThrow(() -> new AssertionError("no channel " + name));
  }
}
