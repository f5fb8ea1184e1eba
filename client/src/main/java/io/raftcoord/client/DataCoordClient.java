package io.raftcoord.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.raftcoord.client.internal.CommandPipeline;
import io.raftcoord.client.internal.Futures;
import io.raftcoord.client.internal.QueryPipeline;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.datacoord.AssignSegments;
import io.raftcoord.proto.datacoord.ChannelCheckpoint;
import io.raftcoord.proto.datacoord.ChannelList;
import io.raftcoord.proto.datacoord.ChannelWatchState;
import io.raftcoord.proto.datacoord.CollectionSelector;
import io.raftcoord.proto.datacoord.DataCoordReply;
import io.raftcoord.proto.datacoord.DataCoordSettings;
import io.raftcoord.proto.datacoord.DescribeSegment;
import io.raftcoord.proto.datacoord.FlushCollection;
import io.raftcoord.proto.datacoord.FlushState;
import io.raftcoord.proto.datacoord.GetDataCoordSettings;
import io.raftcoord.proto.datacoord.GetFlushState;
import io.raftcoord.proto.datacoord.ListChannels;
import io.raftcoord.proto.datacoord.ListSegments;
import io.raftcoord.proto.datacoord.ReportChannelState;
import io.raftcoord.proto.datacoord.SaveBinlogPaths;
import io.raftcoord.proto.datacoord.SaveChannelCheckpoints;
import io.raftcoord.proto.datacoord.SegmentDescription;
import io.raftcoord.proto.datacoord.SegmentList;
import io.raftcoord.proto.datacoord.SegmentRequest;
import io.raftcoord.proto.datacoord.SetDataCoordSettings;
import io.raftcoord.proto.session.SessionRef;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * DataCoord: segment allocation, binlog reports, channel checkpoints and watch states from data
 * nodes; flush, lists and settings for users. Calls of a data node carry its session; one whose
 * epoch no longer owns the channel fails with STALE_EPOCH. A data node normally embeds a
 * {@link NodeAgent} with the data-node role, which makes these calls for it.
 */
public final class DataCoordClient {
  private final CommandPipeline commands;
  private final QueryPipeline reads;

  DataCoordClient(CommandPipeline commands, QueryPipeline reads) {
    this.commands = commands;
    this.reads = reads;
  }

  /** assignSegment: rows for each request, out of Growing segments with room or new ones. */
  public CompletableFuture<DataCoordReply> assignAsync(List<SegmentRequest> requests) {
    return command(AssignSegments.newBuilder().addAllRequests(requests).build());
  }

  public DataCoordReply assign(List<SegmentRequest> requests) {
    return Futures.join(assignAsync(requests));
  }

  /** saveBinlogPaths: binlogs, positions and row counts of segments on the node's channels. */
  public CompletableFuture<DataCoordReply> saveBinlogPathsAsync(SaveBinlogPaths report) {
    return command(report);
  }

  public DataCoordReply saveBinlogPaths(SaveBinlogPaths report) {
    return Futures.join(saveBinlogPathsAsync(report));
  }

  /** Saves channel checkpoints (they only move forward). */
  public CompletableFuture<DataCoordReply> saveCheckpointsAsync(SessionRef node, List<ChannelCheckpoint> checkpoints) {
    return command(SaveChannelCheckpoints.newBuilder().setNode(node).addAllCheckpoints(checkpoints).build());
  }

  public DataCoordReply saveCheckpoints(SessionRef node, List<ChannelCheckpoint> checkpoints) {
    return Futures.join(saveCheckpointsAsync(node, checkpoints));
  }

  /** A node's answer to TO_WATCH (WATCH_SUCCESS/FAILURE) or TO_RELEASE (RELEASE_SUCCESS/FAILURE). */
  public CompletableFuture<DataCoordReply> reportChannelStateAsync(SessionRef node, String channel,
                                                                    ChannelWatchState state) {
    return command(ReportChannelState.newBuilder().setNode(node).setChannel(channel).setState(state).build());
  }

  public DataCoordReply reportChannelState(SessionRef node, String channel, ChannelWatchState state) {
    return Futures.join(reportChannelStateAsync(node, channel, state));
  }

  /**
   * flush(collection): seals every Growing segment of the collection; the reply names the
   * segments to wait for and a flush timestamp (see {@link #flushState}).
   */
  public DataCoordReply flush(String db, String collection) {
    return Futures.join(command(FlushCollection.newBuilder().setDb(db).setCollection(collection).build()));
  }

  /** Whether the segments of a {@link #flush} are all Flushed and the channels' checkpoints passed its timestamp. */
  public FlushState flushState(DataCoordReply flush) {
    return Futures.join(query(GetFlushState.newBuilder().addAllSegmentIds(flush.getSegmentIdsList())
        .setFlushTs(flush.getFlushTs()).setCollection(CollectionSelector.newBuilder().setId(flush.getCollectionId())).build(),
        FlushState.class));
  }

  public CompletableFuture<ChannelList> channelsAsync(ListChannels q) {
    return query(q, ChannelList.class);
  }

  public ChannelList channels(ListChannels q) {
    return Futures.join(channelsAsync(q));
  }

  public CompletableFuture<SegmentList> segmentsAsync(ListSegments q) {
    return query(q, SegmentList.class);
  }

  public SegmentList segments(ListSegments q) {
    return Futures.join(segmentsAsync(q));
  }

  public CompletableFuture<SegmentDescription> describeAsync(long segmentId) {
    return query(DescribeSegment.newBuilder().setSegmentId(segmentId).build(), SegmentDescription.class);
  }

  public SegmentDescription describe(long segmentId) {
    return Futures.join(describeAsync(segmentId));
  }

  public DataCoordSettings settings() {
    return Futures.join(query(GetDataCoordSettings.getDefaultInstance(), DataCoordSettings.class));
  }

  /** Changes the replicated DataCoord settings (fields not set keep their value); returns them all. */
  public DataCoordSettings setSettings(DataCoordSettings change) {
    return Futures.join(command(SetDataCoordSettings.newBuilder().setSettings(change).build()))
        .getSettings();
  }

  public static CollectionSelector collection(String db, String name) {
    return CollectionSelector.newBuilder().setDb(db).setName(name).build();
  }

  private CompletableFuture<DataCoordReply> command(Message body) {
    return commands.submitChecked(Command.newBuilder().setDomain(Any.pack(body)).build())
        .thenApply(DataCoordClient::unpack);
  }

  private <T extends Message> CompletableFuture<T> query(Message body, Class<T> type) {
    return reads.submit(Query.newBuilder().setDomain(Any.pack(body)).build())
        .thenApply(r -> unpack(QueryPipeline.checked(r), type));
  }

  private static DataCoordReply unpack(CommandReply r) {
    try {
      return r.getDomain().unpack(DataCoordReply.class);
    } catch (InvalidProtocolBufferException e) {
      throw new CoordException(ErrorCode.INTERNAL, "unreadable datacoord reply: " + e.getMessage());
    }
  }

  private static <T extends Message> T unpack(QueryReply r, Class<T> type) {
    try {
      return r.getDomain().unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new CoordException(ErrorCode.INTERNAL, "unreadable datacoord reply: " + e.getMessage());
    }
  }
}
