package io.raftcoord.statemachine.datacoord;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.proto.CatalogChange;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandHeader;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.Record;
import io.raftcoord.proto.datacoord.AssignSegments;
import io.raftcoord.proto.datacoord.DataCoordEvent;
import io.raftcoord.proto.datacoord.DataCoordEventKind;
import io.raftcoord.proto.datacoord.DataCoordReply;
import io.raftcoord.proto.datacoord.DataCoordSettings;
import io.raftcoord.proto.datacoord.DescribeSegment;
import io.raftcoord.proto.datacoord.FlushCollection;
import io.raftcoord.proto.datacoord.FlushSegments;
import io.raftcoord.proto.datacoord.GetDataCoordSettings;
import io.raftcoord.proto.datacoord.GetFlushState;
import io.raftcoord.proto.datacoord.ListChannels;
import io.raftcoord.proto.datacoord.ListSegments;
import io.raftcoord.proto.datacoord.MoveChannels;
import io.raftcoord.proto.datacoord.ReportChannelState;
import io.raftcoord.proto.datacoord.SaveBinlogPaths;
import io.raftcoord.proto.datacoord.SaveChannelCheckpoints;
import io.raftcoord.proto.datacoord.SealSegments;
import io.raftcoord.proto.datacoord.SegmentBinlogs;
import io.raftcoord.proto.datacoord.SetDataCoordSettings;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.apply.ApplyResult;
import io.raftcoord.statemachine.catalog.Catalog;
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
import io.raftcoord.statemachine.tso.TsoControl;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * DataCoord: channels and the data nodes that watch them, segments from allocation to flush, and
 * their binlog metadata. Every decision is a logged command; the seal, flush and channel duties
 * plan on the leader and apply re-checks each step. A collection dropped in the catalog releases
 * its channels and drops its segments in the same entry ({@link #follow}). Needs apply version 4
 * on every member.
 */
public final class DataCoordDomain implements Domain {
  public static final String NAME = "datacoord";
  public static final int SINCE_VERSION = 4;

  private final DataCoordTable table = new DataCoordTable();
  private final SegmentControl segments;
  private final ReportControl reports;
  private final ChannelControl channels;
  private final DataCoordReads reads;
  private final List<LeaderDuty> duties;
  private final MessageRoutes<ApplyContext, ApplyResult> commands;
  private final MessageRoutes<Void, QueryReply.Builder> queries;
  /** The record {@link #replay} parsed last: the change feed asks for its event right after. */
  private Record lastReplayed;
  private DataCoordEvent lastEvent;

  public DataCoordDomain(Catalog catalog, SessionTable sessions, IdControl ids, TsoControl tso, DomainEnv env) {
    this.segments = new SegmentControl(table, catalog, ids, tso);
    this.reports = new ReportControl(table, new ChannelFence(sessions, !env.planted(PlantedBug.DATACOORD_ACCEPTS_STALE_EPOCH)));
    this.channels = new ChannelControl(table, catalog, sessions);
    this.reads = new DataCoordReads(table, catalog);
    this.duties = List.of(SealDuty.seal(table), SealDuty.flush(table), new ChannelDuty(table, catalog, sessions));
    this.commands = new MessageRoutes<ApplyContext, ApplyResult>("datacoord command")
        .on(AssignSegments.getDefaultInstance(), segments::assign)
        .on(SaveBinlogPaths.getDefaultInstance(), reports::saveBinlogPaths)
        .on(SaveChannelCheckpoints.getDefaultInstance(), reports::saveCheckpoints)
        .on(ReportChannelState.getDefaultInstance(), channels::report)
        .on(MoveChannels.getDefaultInstance(), channels::move)
        .on(SealSegments.getDefaultInstance(), segments::seal)
        .on(FlushSegments.getDefaultInstance(), segments::startFlush)
        .on(FlushCollection.getDefaultInstance(), segments::flushCollection)
        .on(SetDataCoordSettings.getDefaultInstance(), (SetDataCoordSettings c) -> setSettings(c.getSettings()));
    this.queries = new MessageRoutes<Void, QueryReply.Builder>("datacoord query")
        .on(ListChannels.getDefaultInstance(), reads::channels)
        .on(ListSegments.getDefaultInstance(), reads::segments)
        .on(DescribeSegment.getDefaultInstance(), reads::describe)
        .on(GetFlushState.getDefaultInstance(), reads::flushState)
        .on(GetDataCoordSettings.getDefaultInstance(), (GetDataCoordSettings q) -> reads.settings());
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Claims claims() {
    return Claims.messages(commands.types(), Set.of(DataCoordEvent.getDescriptor()), queries.types());
  }

  @Override
  public List<ColumnFamily> columnFamilies() {
    return List.of(DataCoordTable.CF);
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

  private ApplyResult setSettings(DataCoordSettings change) {
    DataCoordSettings stored = DataCoordSettingsDefaults.merge(table.storedSettings(), change);
    Optional<String> bad = DataCoordSettingsDefaults.invalid(DataCoordSettingsDefaults.effective(stored));
    if (bad.isPresent()) {
      return new Refusal(ErrorCode.INVALID_ARGUMENT, "datacoord settings: " + bad.get()).result();
    }
    return DataCoordRecords.ok(List.of(DataCoordRecords.wrap(DataCoordEvent.newBuilder()
            .setKind(DataCoordEventKind.DATACOORD_SETTINGS_CHANGED).setSettings(stored).build())),
        DataCoordReply.newBuilder().setSettings(DataCoordSettingsDefaults.effective(stored)).build());
  }

  @Override
  public void replay(ApplyContext ctx, Record record, StoreBatch sb) {
    DataCoordEvent e = unpack(record);
    table.replay(e, sb);
    lastReplayed = record;
    lastEvent = e;
  }

  /** A collection or partition dropped in the catalog: its channels go and its segments are DROPPED. */
  @Override
  public List<Record> follow(ApplyContext ctx, Record record) {
    if (record.getBodyCase() != Record.BodyCase.CATALOG) {
      return List.of();
    }
    CatalogChange c = record.getCatalog();
    return switch (c.getKind()) {
      case COLLECTION_DROPPED -> {
        List<Record> out = new ArrayList<>(channels.release(c.getCollection()));
        out.addAll(segments.dropSegments(ctx, c.getCollection().getId(), 0));
        yield out;
      }
      case PARTITION_DROPPED -> segments.dropSegments(ctx, c.getCollection().getId(), c.getPartition().getId());
      default -> List.of();
    };
  }

  @Override
  public QueryReply.Builder read(Query query) {
    return queries.route(null, query.getDomain(), m -> new Refusal(ErrorCode.INVALID_ARGUMENT, m).queryReply());
  }

  /**
   * Lifecycle and channel changes. Not shown: allocations, reports and checkpoints that change no
   * state, and what a collection or partition drop does to its segments and channels (the
   * catalog's event says it once, instead of once per segment).
   */
  @Override
  public Optional<FeedEvent> event(Record record) {
    DataCoordEvent e = record == lastReplayed ? lastEvent : unpack(record);
    if (e.getKind() == DataCoordEventKind.SEGMENT_UPDATED || e.getKind() == DataCoordEventKind.CHANNEL_CHECKPOINTED
        || e.getCascade()) {
      return Optional.empty();
    }
    DataCoordEvent shown = e.hasAddedBinlogs() || e.hasAppliedDeltas()
        ? e.toBuilder().clearAddedBinlogs().clearAppliedDeltas().build() : e;
    return Optional.of(new FeedEvent(NAME, e.getKind().name(), shown));
  }

  @Override
  public List<LeaderDuty> duties() {
    return duties;
  }

  /** For tests and benchmarks in this package's module: the committed state. */
  public DataCoordTable table() {
    return table;
  }

  private static DataCoordEvent unpack(Record record) {
    try {
      return DataCoordEvent.parseFrom(record.getDomain().getValue());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt datacoord record", e);
    }
  }
}
