package io.raftcoord.statemachine.datacoord;

import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.datacoord.Channel;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionRef;
import io.raftcoord.statemachine.session.SessionTable;
import io.raftcoord.statemachine.pipeline.Refusal;
import java.util.Optional;

/**
 * Who may write a channel's data: the node session (server id and epoch) it is assigned to, while
 * the assignment holds (TO_WATCH, WATCH_SUCCESS, TO_RELEASE) and the session is live. Anyone else
 * gets STALE_EPOCH: the same node at an older epoch, a node after it released the channel, and an
 * owner whose session expired or was removed, from the entry that ended it on, before the
 * channel duty has moved the channel.
 */
final class ChannelFence {
  private final SessionTable sessions;
  private final boolean enforced;

  /** @param enforced false only for the planted bug that lets stale epochs through */
  ChannelFence(SessionTable sessions, boolean enforced) {
    this.sessions = sessions;
    this.enforced = enforced;
  }

  /** Whether the channel's assignment still gives its node the channel (TO_WATCH, WATCH_SUCCESS, TO_RELEASE). */
  static boolean held(Channel c) {
    return switch (c.getState()) {
      case TO_WATCH, WATCH_SUCCESS, TO_RELEASE -> true;
      case WATCH_FAILURE, RELEASE_SUCCESS, RELEASE_FAILURE, WATCH_STATE_NONE, UNRECOGNIZED -> false;
    };
  }

  Optional<Refusal> check(SessionRef node, Optional<Channel> channel, String channelName, String what) {
    if (node.getServerId() == 0) {
      return Optional.of(new Refusal(ErrorCode.INVALID_ARGUMENT, what + ": the reporting node's session is missing"));
    }
    if (channel.isEmpty()) {
      return Optional.of(new Refusal(ErrorCode.STALE_EPOCH, what + ": channel " + channelName
          + " is not assigned to any node"));
    }
    if (!enforced) {
      return Optional.empty();
    }
    Channel c = channel.get();
    if (!held(c) || !c.getNode().equals(node)) {
      return Optional.of(new Refusal(ErrorCode.STALE_EPOCH, what + ": node " + node.getServerId() + " epoch "
          + node.getEpoch() + " does not own channel " + channelName + " (owner: node " + c.getNode().getServerId()
          + " epoch " + c.getNode().getEpoch() + ", " + c.getState() + ")"));
    }
    Optional<Session> owner = sessions.get(node.getServerId());
    if (owner.isEmpty() || owner.get().getEpoch() != node.getEpoch() || !SessionTable.isLive(owner.get())) {
      return Optional.of(new Refusal(ErrorCode.STALE_EPOCH, what + ": the session of node " + node.getServerId()
          + " epoch " + node.getEpoch() + " has ended" + owner.map(s -> " (" + s.getState() + ")").orElse("")));
    }
    return Optional.empty();
  }
}
