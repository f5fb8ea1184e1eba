package io.raftcoord.statemachine.datatasks;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.proto.CatalogChange;
import io.raftcoord.proto.ChangeKind;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandHeader;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.Record;
import io.raftcoord.proto.datatasks.AssignTasks;
import io.raftcoord.proto.datatasks.CompleteCompaction;
import io.raftcoord.proto.datatasks.CompleteGc;
import io.raftcoord.proto.datatasks.CompleteIndexBuild;
import io.raftcoord.proto.datatasks.CreateIndex;
import io.raftcoord.proto.datatasks.DataTasksEvent;
import io.raftcoord.proto.datatasks.DataTasksEventKind;
import io.raftcoord.proto.datatasks.DataTasksReply;
import io.raftcoord.proto.datatasks.DataTasksSettings;
import io.raftcoord.proto.datatasks.DescribeIndexes;
import io.raftcoord.proto.datatasks.DescribeTask;
import io.raftcoord.proto.datatasks.DropIndex;
import io.raftcoord.proto.datatasks.ExpireTasks;
import io.raftcoord.proto.datatasks.FailTask;
import io.raftcoord.proto.datatasks.GetCompactionState;
import io.raftcoord.proto.datatasks.GetDataTasksSettings;
import io.raftcoord.proto.datatasks.GetGcStatus;
import io.raftcoord.proto.datatasks.IndexInfo;
import io.raftcoord.proto.datatasks.ListTasks;
import io.raftcoord.proto.datatasks.PlanCompactions;
import io.raftcoord.proto.datatasks.PlanGc;
import io.raftcoord.proto.datatasks.PlanIndexBuilds;
import io.raftcoord.proto.datatasks.ReportSlots;
import io.raftcoord.proto.datatasks.ReportSlotsReply;
import io.raftcoord.proto.datatasks.SetDataTasksSettings;
import io.raftcoord.proto.datatasks.Task;
import io.raftcoord.proto.datatasks.TriggerCompaction;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionEvent;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.apply.ApplyResult;
import io.raftcoord.statemachine.catalog.Catalog;
import io.raftcoord.statemachine.datacoord.DataCoordTable;
import io.raftcoord.statemachine.domain.AnyBody;
import io.raftcoord.statemachine.domain.Claims;
import io.raftcoord.statemachine.domain.Domain;
import io.raftcoord.statemachine.domain.DomainEnv;
import io.raftcoord.statemachine.domain.FeedEvent;
import io.raftcoord.statemachine.domain.LeaderDuty;
import io.raftcoord.statemachine.domain.MessageRoutes;
import io.raftcoord.statemachine.domain.PlantedBug;
import io.raftcoord.statemachine.ids.IdControl;
import io.raftcoord.statemachine.pipeline.Refusal;
import io.raftcoord.statemachine.session.SessionTable;
import io.raftcoord.statemachine.store.ColumnFamily;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.store.StoreBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * DataCoord's background work: compactions (planned by Milvus's triggers or by hand), index
 * builds, and garbage collection, as tasks in one table that one slot-aware scheduler hands to
 * worker nodes. Plans, assignments, completions, timeouts and retries are logged commands; a
 * compaction's completion drops its inputs and adds its results in one entry. It reads DataCoord's
 * segments directly and writes them through {@code SegmentRewrites}. It follows the catalog (a
 * dropped collection takes its tasks and indexes along in the same entry) and sessions (a worker
 * that ends gives its tasks back). Workers' free slots are leader-local soft state. Needs apply
 * version 6 on every member.
 */
public final class DataTasksDomain implements Domain {
  public static final String NAME = "datatasks";
  public static final int SINCE_VERSION = 6;

  private final DataTasksTable table = new DataTasksTable();
  private final TaskControl tasks;
  private final CompactionControl compactions;
  private final IndexControl indexes;
  private final GcControl gc;
  private final DataTasksReads reads;
  private final WorkerSlots slots;
  private final PendingBuilds pendingBuilds;
  private final DomainEnv env;
  private final List<LeaderDuty> duties;
  private final MessageRoutes<ApplyContext, ApplyResult> commands;
  private final MessageRoutes<Void, QueryReply.Builder> queries;

  public DataTasksDomain(Catalog catalog, SessionTable sessions, DataCoordTable data, IdControl ids, DomainEnv env) {
    this.env = env;
    WorkerFence fence = new WorkerFence(sessions);
    this.tasks = new TaskControl(table, fence);
    this.compactions = new CompactionControl(table, data, catalog, ids, fence,
        env.planted(PlantedBug.COMPACTION_SPLIT_SWAP));
    this.indexes = new IndexControl(table, data, catalog, ids, fence);
    this.gc = new GcControl(table, data, ids, fence);
    this.reads = new DataTasksReads(table, data, catalog);
    this.slots = env.leaderLocal(NAME, WorkerSlots.class, WorkerSlots::new);
    this.pendingBuilds = new PendingBuilds(table, data);
    table.track(pendingBuilds);
    data.watch(pendingBuilds);
    this.duties = List.of(new SchedulerDuty(table, sessions, slots, env.clock()), new CompactionDuty(table, data),
        new IndexDuty(table, pendingBuilds), new GcDuty(table, data));
    this.commands = new MessageRoutes<ApplyContext, ApplyResult>("datatasks command")
        .on(PlanCompactions.getDefaultInstance(), compactions::plan)
        .on(TriggerCompaction.getDefaultInstance(), compactions::trigger)
        .on(CompleteCompaction.getDefaultInstance(), compactions::complete)
        .on(CreateIndex.getDefaultInstance(), indexes::create)
        .on(DropIndex.getDefaultInstance(), (DropIndex c) -> indexes.drop(c))
        .on(PlanIndexBuilds.getDefaultInstance(), indexes::plan)
        .on(CompleteIndexBuild.getDefaultInstance(), indexes::complete)
        .on(PlanGc.getDefaultInstance(), gc::plan)
        .on(CompleteGc.getDefaultInstance(), gc::complete)
        .on(AssignTasks.getDefaultInstance(), (ApplyContext ctx, AssignTasks c) -> withSplitSwaps(ctx, tasks.assign(ctx, c)))
        .on(ExpireTasks.getDefaultInstance(), tasks::expire)
        .on(FailTask.getDefaultInstance(), tasks::fail)
        .on(SetDataTasksSettings.getDefaultInstance(), (SetDataTasksSettings c) -> setSettings(c.getSettings()));
    this.queries = new MessageRoutes<Void, QueryReply.Builder>("datatasks query")
        .on(ListTasks.getDefaultInstance(), reads::tasks)
        .on(DescribeTask.getDefaultInstance(), reads::task)
        .on(DescribeIndexes.getDefaultInstance(), reads::indexes)
        .on(GetCompactionState.getDefaultInstance(), reads::compactionState)
        .on(GetGcStatus.getDefaultInstance(), (GetGcStatus q) -> reads.gc())
        .on(GetDataTasksSettings.getDefaultInstance(), (GetDataTasksSettings q) -> reads.settings())
        .on(ReportSlots.getDefaultInstance(), this::reportSlots);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Claims claims() {
    return Claims.messages(commands.types(), Set.of(DataTasksEvent.getDescriptor()), queries.types());
  }

  @Override
  public List<ColumnFamily> columnFamilies() {
    return List.of(DataTasksTable.CF);
  }

  @Override
  public int sinceVersion() {
    return SINCE_VERSION;
  }

  @Override
  public void load(CoordStore store) {
    table.load(store);
  }

  @Override
  public ApplyResult generate(ApplyContext ctx, CommandHeader header, Command command) {
    return commands.route(ctx, command.getDomain(), m -> ApplyResult.error(ErrorCode.INVALID_ARGUMENT, m));
  }

  /** Only with the planted bug: an assignment also finishes the swaps completions left half done. */
  private ApplyResult withSplitSwaps(ApplyContext ctx, ApplyResult assigned) {
    List<Record> late = compactions.finishSplitSwaps(ctx);
    if (late.isEmpty() || assigned.reply().getCode() != ErrorCode.OK) {
      return assigned;
    }
    List<Record> all = new ArrayList<>(late);
    all.addAll(assigned.records());
    return ApplyResult.ok(all, assigned.reply());
  }

  private ApplyResult setSettings(DataTasksSettings change) {
    DataTasksSettings stored = DataTasksSettingsDefaults.merge(table.storedSettings(), change);
    Optional<String> bad = DataTasksSettingsDefaults.invalid(DataTasksSettingsDefaults.effective(stored));
    if (bad.isPresent()) {
      return new Refusal(ErrorCode.INVALID_ARGUMENT, "datatasks settings: " + bad.get()).result();
    }
    return TaskRecords.ok(List.of(TaskRecords.wrap(DataTasksEvent.newBuilder()
            .setKind(DataTasksEventKind.DATATASKS_SETTINGS_CHANGED).setSettings(stored).build())),
        DataTasksReply.newBuilder().setSettings(DataTasksSettingsDefaults.effective(stored)).build());
  }

  @Override
  public void replay(ApplyContext ctx, Record record, StoreBatch sb) {
    table.replay(unpack(record), sb);
  }

  @Override
  public List<Record> follow(ApplyContext ctx, Record record) {
    if (record.getBodyCase() == Record.BodyCase.CATALOG) {
      return followCatalog(record.getCatalog());
    }
    if (record.getBodyCase() == Record.BodyCase.DOMAIN && AnyBody.is(record.getDomain(), SessionEvent.getDescriptor())) {
      SessionEvent e;
      try {
        e = SessionEvent.parseFrom(record.getDomain().getValue());
      } catch (InvalidProtocolBufferException ex) {
        throw new IllegalStateException("corrupt session record followed by datatasks", ex);
      }
      Session s = e.getSession();
      return switch (e.getKind()) {
        case SESSION_EXPIRED, SESSION_REMOVED -> WorkerFence.ROLES.contains(s.getRole()) ? tasks.workerGone(ctx, s)
            : List.of();
        default -> List.of();
      };
    }
    return List.of();
  }

  /** A dropped collection takes its tasks and indexes along; a dropped partition its tasks. */
  private List<Record> followCatalog(CatalogChange c) {
    List<Record> out = new ArrayList<>();
    switch (c.getKind()) {
      case COLLECTION_DROPPED, PARTITION_DROPPED -> {
        boolean whole = c.getKind() == ChangeKind.COLLECTION_DROPPED;
        long collection = c.getCollection().getId();
        for (Task t : table.tasks().values()) {
          if (t.getCollectionId() == collection && (whole || t.getPartitionId() == c.getPartition().getId())) {
            out.add(TaskRecords.removed(t, true));
          }
        }
        if (whole) {
          for (IndexInfo i : table.indexesOf(collection)) {
            out.add(TaskRecords.wrap(DataTasksEvent.newBuilder().setKind(DataTasksEventKind.INDEX_DROPPED).setIndex(i)
                .setCascade(true).build()));
          }
        }
      }
      default -> { }
    }
    return out;
  }

  @Override
  public QueryReply.Builder read(Query query) {
    return queries.route(null, query.getDomain(), m -> new Refusal(ErrorCode.INVALID_ARGUMENT, m).queryReply());
  }

  /** Slot reports feed the scheduler's soft state: only the leader's counts. */
  @Override
  public boolean leaderOnly(Query query) {
    return AnyBody.is(query.getDomain(), ReportSlots.getDescriptor());
  }

  private QueryReply.Builder reportSlots(ReportSlots r) {
    if (r.getTotalSlots() < 0 || r.getFreeSlots() < 0 || r.getFreeSlots() > r.getTotalSlots()) {
      return new Refusal(ErrorCode.INVALID_ARGUMENT, "report slots: free " + r.getFreeSlots() + " of total "
          + r.getTotalSlots() + " is not a slot count").queryReply();
    }
    if (r.getKnownTaskIdsCount() > DataTasksReads.MAX_LIMIT) {
      return new Refusal(ErrorCode.INVALID_ARGUMENT, "report slots: " + r.getKnownTaskIdsCount()
          + " known task ids, at most " + DataTasksReads.MAX_LIMIT).queryReply();
    }
    slots.report(r.getNode(), r.getTotalSlots(), r.getFreeSlots(), env.clockMs());
    ReportSlotsReply.Builder reply = ReportSlotsReply.newBuilder().setIntervalMs(WorkerSlots.REPORT_INTERVAL_MS);
    return QueryReply.newBuilder().setDomain(Any.pack((r.getListTasks() ? reads.workList(r, reply) : reply).build()));
  }

  /** Task and index changes; not what a collection drop takes along (the catalog's event says it once). */
  @Override
  public Optional<FeedEvent> event(Record record) {
    DataTasksEvent e = unpack(record);
    if (e.getCascade()) {
      return Optional.empty();
    }
    return Optional.of(new FeedEvent(NAME, e.getKind().name(), e));
  }

  @Override
  public List<LeaderDuty> duties() {
    return duties;
  }

  /** For tests and benchmarks in this module: the committed state. */
  public DataTasksTable table() {
    return table;
  }

  PendingBuilds pendingBuilds() {
    return pendingBuilds;
  }

  private static DataTasksEvent unpack(Record record) {
    try {
      return DataTasksEvent.parseFrom(record.getDomain().getValue());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt datatasks record", e);
    }
  }
}
