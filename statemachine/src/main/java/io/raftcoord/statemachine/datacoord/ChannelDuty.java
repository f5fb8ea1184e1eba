package io.raftcoord.statemachine.datacoord;

import com.google.protobuf.Any;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.datacoord.ChannelMove;
import io.raftcoord.proto.datacoord.MoveChannels;
import io.raftcoord.statemachine.catalog.Catalog;
import io.raftcoord.statemachine.domain.LeaderDuty;
import io.raftcoord.statemachine.session.SessionTable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The channel duty: every round, {@link ChannelPlanner} over every live collection's channels and
 * the live data nodes; balancing only once data node membership has been quiet for the
 * replicated balance period.
 */
final class ChannelDuty implements LeaderDuty {
  private final DataCoordTable table;
  private final Catalog catalog;
  private final SessionTable sessions;

  ChannelDuty(DataCoordTable table, Catalog catalog, SessionTable sessions) {
    this.table = table;
    this.catalog = catalog;
    this.sessions = sessions;
  }

  @Override
  public String name() {
    return "datacoord-channels";
  }

  @Override
  public long intervalMs() {
    return 1000;
  }

  @Override
  public List<Command> plan(When when) {
    List<ChannelPlanner.Slot> slots = new ArrayList<>();
    for (CollectionInfo c : catalog.collections().values()) {
      for (String name : c.getVirtualChannelsList()) {
        slots.add(new ChannelPlanner.Slot(name, c.getId(), table.channel(name).orElse(null)));
      }
    }
    slots.sort(Comparator.comparing(ChannelPlanner.Slot::name));
    boolean quiet = when.leaderTimeMs() - DataNodes.lastChangeMs(sessions) >= table.settings().getChannelBalanceQuietMs();
    List<ChannelMove> moves = ChannelPlanner.plan(slots, DataNodes.live(sessions), quiet);
    if (moves.isEmpty()) {
      return List.of();
    }
    List<Command> out = new ArrayList<>();
    for (int i = 0; i < moves.size(); i += SealDuty.MAX_PER_COMMAND) {
      out.add(Command.newBuilder().setDomain(Any.pack(MoveChannels.newBuilder()
          .addAllMoves(moves.subList(i, Math.min(moves.size(), i + SealDuty.MAX_PER_COMMAND)))
          .setPlannedRevision(when.revision()).build())).build());
    }
    return out;
  }
}
