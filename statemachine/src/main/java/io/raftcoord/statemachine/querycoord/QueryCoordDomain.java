package io.raftcoord.statemachine.querycoord;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandHeader;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.Record;
import io.raftcoord.proto.datacoord.DataCoordEvent;
import io.raftcoord.proto.querycoord.CreateResourceGroup;
import io.raftcoord.proto.querycoord.DropResourceGroup;
import io.raftcoord.proto.querycoord.GetDistribution;
import io.raftcoord.proto.querycoord.GetLoadState;
import io.raftcoord.proto.querycoord.GetNodeWork;
import io.raftcoord.proto.querycoord.GetQueryCoordSettings;
import io.raftcoord.proto.querycoord.GetSearchPlan;
import io.raftcoord.proto.querycoord.ListReplicas;
import io.raftcoord.proto.querycoord.ListResourceGroups;
import io.raftcoord.proto.querycoord.LoadCollection;
import io.raftcoord.proto.querycoord.NodeDistribution;
import io.raftcoord.proto.querycoord.ObserveTarget;
import io.raftcoord.proto.querycoord.PlaceTasks;
import io.raftcoord.proto.querycoord.QueryCoordEvent;
import io.raftcoord.proto.querycoord.QueryCoordEventKind;
import io.raftcoord.proto.querycoord.QueryCoordReply;
import io.raftcoord.proto.querycoord.QueryCoordSettings;
import io.raftcoord.proto.querycoord.ReleaseCollection;
import io.raftcoord.proto.querycoord.ReportDistribution;
import io.raftcoord.proto.querycoord.SetQueryCoordSettings;
import io.raftcoord.proto.querycoord.TransferNode;
import io.raftcoord.proto.querycoord.TransferReplica;
import io.raftcoord.proto.querycoord.UpdateResourceGroup;
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
import io.raftcoord.statemachine.ids.IdControl;
import io.raftcoord.statemachine.pipeline.Refusal;
import io.raftcoord.statemachine.session.SessionTable;
import io.raftcoord.statemachine.domain.PlantedBug;
import io.raftcoord.statemachine.store.ColumnFamily;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.store.StoreBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * QueryCoord: resource groups, replicas, loads, targets and placements, kept in the same state
 * machine as DataCoord, whose segments it reads directly. Loads, releases and group changes come
 * from users; placements and target promotions from the leader's checkers; distributions from
 * query nodes. It follows the catalog (drops release), DataCoord (flushed and dropped segments
 * move the next target) and sessions (a query node that joins or leaves changes groups and
 * replicas in the same entry). Needs apply version 5 on every member.
 */
public final class QueryCoordDomain implements Domain {
  public static final String NAME = "querycoord";
  public static final int SINCE_VERSION = 5;

  private final QueryCoordTable table = new QueryCoordTable();
  private final Membership membership;
  private final GroupControl groups;
  private final LoadControl loads;
  private final PlacementControl placements;
  private final QueryCoordReads reads;
  private final List<LeaderDuty> duties;
  private final MessageRoutes<ApplyContext, ApplyResult> commands;
  private final MessageRoutes<Void, QueryReply.Builder> queries;

  public QueryCoordDomain(Catalog catalog, SessionTable sessions, DataCoordTable data, IdControl ids, DomainEnv env) {
    boolean waitForServing = !env.planted(PlantedBug.QUERYCOORD_LOADED_BEFORE_SERVED);
    this.membership = new Membership(table, sessions);
    this.groups = new GroupControl(table, membership, catalog);
    this.loads = new LoadControl(table, membership, catalog, data, ids);
    this.placements = new PlacementControl(table, sessions, loads, waitForServing);
    this.reads = new QueryCoordReads(table, catalog, sessions, membership);
    this.duties = List.of(CheckerDuty.checker(table, sessions, waitForServing), CheckerDuty.balancer(table, sessions));
    this.commands = new MessageRoutes<ApplyContext, ApplyResult>("querycoord command")
        .on(LoadCollection.getDefaultInstance(), loads::load)
        .on(ReleaseCollection.getDefaultInstance(), loads::release)
        .on(PlaceTasks.getDefaultInstance(), placements::place)
        .on(ReportDistribution.getDefaultInstance(), placements::report)
        .on(ObserveTarget.getDefaultInstance(), placements::observe)
        .on(CreateResourceGroup.getDefaultInstance(), groups::create)
        .on(UpdateResourceGroup.getDefaultInstance(), groups::update)
        .on(DropResourceGroup.getDefaultInstance(), groups::drop)
        .on(TransferNode.getDefaultInstance(), groups::transferNode)
        .on(TransferReplica.getDefaultInstance(), groups::transferReplica)
        .on(SetQueryCoordSettings.getDefaultInstance(), (SetQueryCoordSettings c) -> setSettings(c.getSettings()));
    this.queries = new MessageRoutes<Void, QueryReply.Builder>("querycoord query")
        .on(GetLoadState.getDefaultInstance(), reads::loadState)
        .on(ListReplicas.getDefaultInstance(), reads::replicas)
        .on(GetDistribution.getDefaultInstance(), reads::distribution)
        .on(ListResourceGroups.getDefaultInstance(), (ListResourceGroups q) -> reads.groups())
        .on(GetNodeWork.getDefaultInstance(), reads::nodeWork)
        .on(GetSearchPlan.getDefaultInstance(), reads::searchPlan)
        .on(GetQueryCoordSettings.getDefaultInstance(), (GetQueryCoordSettings q) -> reads.settings());
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Claims claims() {
    return Claims.messages(commands.types(), Set.of(QueryCoordEvent.getDescriptor()), queries.types());
  }

  @Override
  public List<ColumnFamily> columnFamilies() {
    return List.of(QueryCoordTable.CF);
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

  private ApplyResult setSettings(QueryCoordSettings change) {
    QueryCoordSettings stored = QueryCoordSettingsDefaults.merge(table.storedSettings(), change);
    Optional<String> bad = QueryCoordSettingsDefaults.invalid(QueryCoordSettingsDefaults.effective(stored));
    if (bad.isPresent()) {
      return new Refusal(ErrorCode.INVALID_ARGUMENT, "querycoord settings: " + bad.get()).result();
    }
    return QueryRecords.ok(List.of(QueryRecords.wrap(QueryCoordEvent.newBuilder()
            .setKind(QueryCoordEventKind.QUERYCOORD_SETTINGS_CHANGED).setSettings(stored).build())),
        QueryCoordReply.newBuilder().setSettings(QueryCoordSettingsDefaults.effective(stored)).build());
  }

  @Override
  public void replay(ApplyContext ctx, Record record, StoreBatch sb) {
    table.replay(unpack(record), sb);
  }

  @Override
  public List<Record> follow(ApplyContext ctx, Record record) {
    if (record.getBodyCase() == Record.BodyCase.CATALOG) {
      return loads.followCatalog(record.getCatalog());
    }
    if (record.getBodyCase() != Record.BodyCase.DOMAIN) {
      return List.of();
    }
    Any body = record.getDomain();
    try {
      if (AnyBody.is(body, DataCoordEvent.getDescriptor())) {
        DataCoordEvent e = DataCoordEvent.parseFrom(body.getValue());
        return switch (e.getKind()) {
          case SEGMENT_FLUSHED, SEGMENT_DROPPED -> loads.followSegment(e.getSegment());
          default -> List.of();
        };
      }
      if (AnyBody.is(body, SessionEvent.getDescriptor())) {
        return followSession(SessionEvent.parseFrom(body.getValue()));
      }
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt record followed by querycoord", e);
    }
    return List.of();
  }

  /** A query node joined, is stopping or ended: groups recover and replicas re-split in the same entry. */
  private List<Record> followSession(SessionEvent e) {
    if (!QueryNodes.ROLE.equals(e.getSession().getRole())) {
      return List.of();
    }
    List<Record> earlier = new ArrayList<>();
    switch (e.getKind()) {
      case SESSION_EXPIRED, SESSION_REMOVED -> {
        long node = e.getSession().getServerId();
        table.distribution(node).ifPresent(d -> earlier.add(QueryRecords.distribution(
            QueryCoordEventKind.DISTRIBUTION_REMOVED, NodeDistribution.newBuilder().setNodeId(node).build())));
      }
      case SESSION_ADDED, SESSION_STOPPING -> { }
      default -> {
        return List.of();
      }
    }
    if (table.replicas().isEmpty() && table.groups().size() == 1 && table.nodeGroups().isEmpty()) {
      return earlier;
    }
    return membership.commit(membership.draftGroups(), membership.draftReplicas(), earlier);
  }

  @Override
  public QueryReply.Builder read(Query query) {
    return queries.route(null, query.getDomain(), m -> new Refusal(ErrorCode.INVALID_ARGUMENT, m).queryReply());
  }

  /** Loads, releases, replicas and groups; not placements, distributions or target segments (node traffic). */
  @Override
  public Optional<FeedEvent> event(Record record) {
    QueryCoordEvent e = unpack(record);
    return switch (e.getKind()) {
      case GROUP_PUT, GROUP_REMOVED, NODE_GROUP_PUT, NODE_GROUP_REMOVED, REPLICA_PUT, REPLICA_REMOVED, LOAD_PUT,
          LOAD_REMOVED, QUERYCOORD_SETTINGS_CHANGED -> Optional.of(new FeedEvent(NAME, e.getKind().name(), e));
      case TARGET_SEGMENT_PUT, TARGET_SEGMENT_REMOVED, TARGET_CHANNEL_PUT, TARGET_CHANNEL_REMOVED, DISTRIBUTION_PUT,
          DISTRIBUTION_REMOVED, QUERYCOORD_EVENT_NONE, UNRECOGNIZED -> Optional.empty();
    };
  }

  @Override
  public List<LeaderDuty> duties() {
    return duties;
  }

  /** For tests in this module: the committed state. */
  public QueryCoordTable table() {
    return table;
  }

  private static QueryCoordEvent unpack(Record record) {
    try {
      return QueryCoordEvent.parseFrom(record.getDomain().getValue());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt querycoord record", e);
    }
  }
}
