package io.raftcoord.statemachine.querycoord;

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
import io.raftcoord.proto.datacoord.AssignSegments;
import io.raftcoord.proto.datacoord.Binlog;
import io.raftcoord.proto.datacoord.ChannelWatchState;
import io.raftcoord.proto.datacoord.DataCoordReply;
import io.raftcoord.proto.datacoord.FieldBinlog;
import io.raftcoord.proto.datacoord.ReportChannelState;
import io.raftcoord.proto.datacoord.SaveBinlogPaths;
import io.raftcoord.proto.datacoord.SegmentReport;
import io.raftcoord.proto.datacoord.SegmentRequest;
import io.raftcoord.proto.querycoord.GetNodeWork;
import io.raftcoord.proto.querycoord.NodeDistribution;
import io.raftcoord.proto.querycoord.NodeWork;
import io.raftcoord.proto.querycoord.QueryCoordReply;
import io.raftcoord.proto.querycoord.ReportDistribution;
import io.raftcoord.proto.querycoord.WorkChannel;
import io.raftcoord.proto.querycoord.WorkSegment;
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
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link CoordState} over a temp store without Raft, fed one entry at a time with a fake leader
 * clock (as the DataCoord tests' fixture), plus what the QueryCoord tests need: query and data
 * nodes, flushed segments made through DataCoord's commands, checker and balance rounds, and
 * query nodes that serve their work list.
 */
final class QueryCoordFixture implements AutoCloseable {
  static final long T0 = 1_700_000_000_000L;

  final Path dir;
  final Set<PlantedBug> bugs;
  final AtomicLong clock = new AtomicLong(1_000_000);
  long time = T0;
  CoordState state;
  /** Every batch applied, in log order (to replay into another store). */
  final List<CommandBatch> log = new ArrayList<>();
  private long logId = 1;

  QueryCoordFixture(Path dir, Set<PlantedBug> bugs) {
    this.dir = dir;
    this.bugs = Set.copyOf(bugs);
    open();
  }

  QueryCoordFixture(Path dir) {
    this(dir, Set.of());
  }

  void open() {
    state = new CoordState(CoordStore.open(dir), IdempotencyLog.Retention.DEFAULT, new DomainEnv("n1", clock::get, bugs),
        ApplyVersions.THIS_BINARY);
  }

  void reopen() {
    state.close();
    open();
  }

  @Override
  public void close() {
    state.close();
  }

  QueryCoordDomain domain() {
    return (QueryCoordDomain) state.domains().byName(QueryCoordDomain.NAME).orElseThrow();
  }

  QueryCoordTable table() {
    return domain().table();
  }

  static Command command(Message body) {
    return Command.newBuilder().setDomain(Any.pack(body)).build();
  }

  BatchReply entry(long step, Command... commands) {
    time += step;
    CommandBatch b = batch(time, commands);
    log.add(b);
    return applyNext(state, b);
  }

  CommandReply run(Command c) {
    return only(entry(10, c));
  }

  CommandReply run(Message body) {
    return run(command(body));
  }

  /** Runs {@code body}, asserts OK and returns the QueryCoord reply. */
  QueryCoordReply ok(Message body) {
    CommandReply r = run(body);
    assertEquals(ErrorCode.OK, r.getCode(), () -> body.getClass().getSimpleName() + ": " + r.getMessage());
    return unpack(r.getDomain(), QueryCoordReply.class);
  }

  static <T extends Message> T unpack(Any a, Class<T> type) {
    try {
      return a.unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  QueryReply query(Message q) {
    return state.domainRead(Query.newBuilder().setDomain(Any.pack(q)).build());
  }

  <T extends Message> T read(Message q, Class<T> type) {
    QueryReply r = query(q);
    assertEquals(ErrorCode.OK, r.getCode(), r::getMessage);
    return unpack(r.getDomain(), type);
  }

  // ---- sessions, catalog, DataCoord ----

  Session register(String role, String address) {
    CommandReply r = run(RegisterSession.newBuilder().setRole(role).setAddress(address).setCapacity(100).build());
    assertEquals(ErrorCode.OK, r.getCode(), r::getMessage);
    return unpack(r.getDomain(), SessionCommandReply.class).getSession();
  }

  static SessionRef ref(Session s) {
    return SessionRef.newBuilder().setServerId(s.getServerId()).setEpoch(s.getEpoch()).build();
  }

  /** A collection of {@code shards} channels, all watched by {@code dataNode} (needed to assign segments). */
  CollectionInfo watchedCollection(String name, int shards, Session dataNode) {
    CommandReply r = run(Batches.createCollection(CreateCollectionRequest.newBuilder().setDb("default").setName(name)
        .setSchema(Batches.simpleSchema()).setShardsNum(shards).build()));
    CollectionInfo c = Batches.catalogOk(r).getCollection();
    for (Command cmd : plan("datacoord-channels")) {
      assertEquals(ErrorCode.OK, run(cmd).getCode());
    }
    for (String ch : c.getVirtualChannelsList()) {
      CommandReply w = run(ReportChannelState.newBuilder().setNode(ref(dataNode)).setChannel(ch)
          .setState(ChannelWatchState.WATCH_SUCCESS).build());
      assertEquals(ErrorCode.OK, w.getCode(), w::getMessage);
    }
    return c;
  }

  /** A FLUSHED segment of {@code rows} rows in the collection's default partition, on channel {@code shard}. */
  long flushedSegment(CollectionInfo c, int shard, long rows, Session dataNode) {
    CommandReply r = run(AssignSegments.newBuilder().addRequests(SegmentRequest.newBuilder().setCollectionId(c.getId())
        .setChannel(c.getVirtualChannels(shard)).setPartitionId(c.getPartitions(0).getId()).setRows(rows)).build());
    assertEquals(ErrorCode.OK, r.getCode(), r::getMessage);
    DataCoordReply dc = unpack(r.getDomain(), DataCoordReply.class);
    assertEquals(1, dc.getAssignmentsCount(), dc::toString);
    long id = dc.getAssignments(0).getSegmentId();
    long log = logId++;
    CommandReply s = run(SaveBinlogPaths.newBuilder().setNode(ref(dataNode)).addSegments(SegmentReport.newBuilder()
        .setSegmentId(id).setNumRows(rows).setFlushed(true).addBinlogs(FieldBinlog.newBuilder().setFieldId(100)
            .addBinlogs(Binlog.newBuilder().setLogId(log).setEntries(rows).setTimestampFrom(log)
                .setTimestampTo(log + 1).setSize(1_000)))).build());
    assertEquals(ErrorCode.OK, s.getCode(), s::getMessage);
    return id;
  }

  // ---- duties ----

  List<Command> plan(String duty) {
    List<DutyPlan> plans = state.planDuties(clock.get(), 0, time, duty::equals);
    assertEquals(1, plans.size(), "duty " + duty);
    return plans.get(0).commands();
  }

  /** One round of {@code duty}: each planned command applied in an entry of its own; the replies. */
  List<CommandReply> round(String duty) {
    List<CommandReply> out = new ArrayList<>();
    for (Command c : plan(duty)) {
      out.add(run(c));
    }
    return out;
  }

  List<CommandReply> checkerRound() {
    return round("querycoord-checker");
  }

  List<CommandReply> balanceRound() {
    return round("querycoord-balance");
  }

  NodeWork work(long node) {
    return read(GetNodeWork.newBuilder().setNodeId(node).build(), NodeWork.class);
  }

  /** The node reports serving its whole work list and releasing what it served but is no longer given. */
  CommandReply serve(Session node) {
    NodeWork w = work(node.getServerId());
    NodeDistribution before = table().distribution(node.getServerId()).orElse(NodeDistribution.getDefaultInstance());
    TreeSet<Long> segs = new TreeSet<>();
    w.getSegmentsList().stream().map(WorkSegment::getSegmentId).forEach(segs::add);
    TreeSet<String> chans = new TreeSet<>();
    w.getChannelsList().stream().map(WorkChannel::getName).forEach(chans::add);
    ReportDistribution.Builder b = ReportDistribution.newBuilder().setNode(ref(node)).addAllLoadedSegments(segs)
        .addAllLoadedChannels(chans);
    before.getSegmentIdsList().stream().filter(s -> !segs.contains(s)).forEach(b::addReleasedSegments);
    before.getChannelsList().stream().filter(c -> !chans.contains(c)).forEach(b::addReleasedChannels);
    return run(b.build());
  }
}
