package io.raftcoord.statemachine.datacoord;

import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Record;
import io.raftcoord.proto.datacoord.Channel;
import io.raftcoord.proto.datacoord.ChannelMove;
import io.raftcoord.proto.datacoord.ChannelWatchState;
import io.raftcoord.proto.datacoord.DataCoordEvent;
import io.raftcoord.proto.datacoord.DataCoordEventKind;
import io.raftcoord.proto.datacoord.DataCoordReply;
import io.raftcoord.proto.datacoord.MoveChannels;
import io.raftcoord.proto.datacoord.ReportChannelState;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionRef;
import io.raftcoord.proto.session.SessionState;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.apply.ApplyResult;
import io.raftcoord.statemachine.catalog.Catalog;
import io.raftcoord.statemachine.pipeline.Refusal;
import io.raftcoord.statemachine.session.SessionTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Generates channel records: the channel duty's moves, the nodes' watch and release answers, and
 * the removal of a dropped collection's channels. Invariants: a move applies only if the channel
 * is still where the plan saw it and a TO_WATCH target is still an Active data node at that
 * epoch; a node answers only for a channel assigned to it, and only the answers its state
 * expects (TO_WATCH: WATCH_SUCCESS/FAILURE; TO_RELEASE: RELEASE_SUCCESS/FAILURE).
 */
final class ChannelControl {
  private final DataCoordTable table;
  private final Catalog catalog;
  private final SessionTable sessions;

  ChannelControl(DataCoordTable table, Catalog catalog, SessionTable sessions) {
    this.table = table;
    this.catalog = catalog;
    this.sessions = sessions;
  }

  ApplyResult move(ApplyContext ctx, MoveChannels cmd) {
    Map<String, Channel> after = new HashMap<>();
    List<Record> records = new ArrayList<>();
    DataCoordReply.Builder reply = DataCoordReply.newBuilder();
    for (ChannelMove m : cmd.getMovesList()) {
      Optional<Channel> current = after.containsKey(m.getChannel()) ? Optional.of(after.get(m.getChannel()))
          : table.channel(m.getChannel());
      if (!stillAsPlanned(m, current) || !channelOfLiveCollection(m)) {
        continue;
      }
      Channel.Builder c = current.map(Channel::toBuilder)
          .orElseGet(() -> Channel.newBuilder().setName(m.getChannel()).setCollectionId(m.getCollectionId()));
      if (m.getState() == ChannelWatchState.TO_WATCH && isDataNode(m.getTo())) {
        c.setNode(m.getTo()).setState(ChannelWatchState.TO_WATCH);
      } else if (m.getState() == ChannelWatchState.TO_RELEASE && current.isPresent()
          && current.get().getNode().equals(m.getTo())) {
        c.setState(ChannelWatchState.TO_RELEASE);
      } else {
        continue;
      }
      Channel next = c.setStateChangedMs(ctx.nowMs()).build();
      after.put(next.getName(), next);
      records.add(DataCoordRecords.channel(m.getState() == ChannelWatchState.TO_WATCH
          ? DataCoordEventKind.CHANNEL_ASSIGNED : DataCoordEventKind.CHANNEL_UPDATED, next));
      reply.addMoves(m);
    }
    return DataCoordRecords.ok(records, reply.build());
  }

  private static boolean stillAsPlanned(ChannelMove m, Optional<Channel> current) {
    if (current.isEmpty()) {
      return m.getFrom().getServerId() == 0 && m.getFromState() == ChannelWatchState.WATCH_STATE_NONE;
    }
    return current.get().getNode().equals(m.getFrom()) && current.get().getState() == m.getFromState();
  }

  private boolean channelOfLiveCollection(ChannelMove m) {
    return catalog.collection(m.getCollectionId()).map(c -> c.getVirtualChannelsList().contains(m.getChannel()))
        .orElse(false);
  }

  /** An Active data node (datanode or streamingnode role) at exactly that epoch. */
  private boolean isDataNode(SessionRef ref) {
    Optional<Session> s = sessions.get(ref.getServerId());
    return s.isPresent() && s.get().getEpoch() == ref.getEpoch() && s.get().getState() == SessionState.ACTIVE
        && DataNodes.isDataRole(s.get().getRole());
  }

  ApplyResult report(ApplyContext ctx, ReportChannelState cmd) {
    Optional<Channel> current = table.channel(cmd.getChannel());
    if (current.isEmpty()) {
      return new Refusal(ErrorCode.STALE_EPOCH, "report channel state: channel " + cmd.getChannel()
          + " is not assigned to any node").result();
    }
    Channel c = current.get();
    if (!c.getNode().equals(cmd.getNode())) {
      return new Refusal(ErrorCode.STALE_EPOCH, "report channel state: node " + cmd.getNode().getServerId() + " epoch "
          + cmd.getNode().getEpoch() + " does not own channel " + c.getName() + " (owner: node "
          + c.getNode().getServerId() + " epoch " + c.getNode().getEpoch() + ")").result();
    }
    if (c.getState() == cmd.getState()) {
      return DataCoordRecords.ok(List.of(), DataCoordReply.getDefaultInstance());
    }
    boolean expected = switch (c.getState()) {
      case TO_WATCH -> cmd.getState() == ChannelWatchState.WATCH_SUCCESS || cmd.getState() == ChannelWatchState.WATCH_FAILURE;
      case TO_RELEASE -> cmd.getState() == ChannelWatchState.RELEASE_SUCCESS
          || cmd.getState() == ChannelWatchState.RELEASE_FAILURE;
      case WATCH_SUCCESS, WATCH_FAILURE, RELEASE_SUCCESS, RELEASE_FAILURE, WATCH_STATE_NONE, UNRECOGNIZED -> false;
    };
    if (!expected) {
      return new Refusal(ErrorCode.FAILED_PRECONDITION, "report channel state: channel " + c.getName() + " is "
          + c.getState() + ", which does not take " + cmd.getState()).result();
    }
    Channel next = c.toBuilder().setState(cmd.getState()).setStateChangedMs(ctx.nowMs()).build();
    return DataCoordRecords.ok(List.of(DataCoordRecords.channel(DataCoordEventKind.CHANNEL_UPDATED, next)),
        DataCoordReply.getDefaultInstance());
  }

  /** The dropped collection's channels leave the table. */
  List<Record> release(CollectionInfo dropped) {
    List<Record> records = new ArrayList<>();
    for (String name : dropped.getVirtualChannelsList()) {
      table.channel(name).ifPresent(c -> records.add(DataCoordRecords.wrap(DataCoordEvent.newBuilder()
          .setKind(DataCoordEventKind.CHANNEL_REMOVED).setChannel(c).setCascade(true).build())));
    }
    return records;
  }
}
