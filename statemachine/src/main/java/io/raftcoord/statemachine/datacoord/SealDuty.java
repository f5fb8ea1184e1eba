package io.raftcoord.statemachine.datacoord;

import com.google.protobuf.Any;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.datacoord.FlushSegments;
import io.raftcoord.proto.datacoord.SealRequest;
import io.raftcoord.proto.datacoord.SealSegments;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.statemachine.domain.LeaderDuty;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The seal and flush duties: every round, the active segments of each channel go through
 * {@link SealPlanner} (GROWING → SEALED) and {@link FlushPlanner} (SEALED with expired
 * allocations → FLUSHING) at the leader's time. Apply re-checks each segment's state (and the
 * expiry, at the entry's time), so a plan made from an older state changes nothing it should not.
 */
final class SealDuty implements LeaderDuty {
  static final int MAX_PER_COMMAND = 1000;

  private final DataCoordTable table;
  private final boolean flush;

  private SealDuty(DataCoordTable table, boolean flush) {
    this.table = table;
    this.flush = flush;
  }

  static SealDuty seal(DataCoordTable table) {
    return new SealDuty(table, false);
  }

  static SealDuty flush(DataCoordTable table) {
    return new SealDuty(table, true);
  }

  @Override
  public String name() {
    return flush ? "datacoord-flush" : "datacoord-seal";
  }

  @Override
  public long intervalMs() {
    return flush ? 1000 : 500;
  }

  @Override
  public List<Command> plan(When when) {
    Map<String, Iterable<Segment>> view = new LinkedHashMap<>();
    for (String channel : table.channelsWithActiveSegments()) {
      view.put(channel, table.activeOnChannel(channel).values());
    }
    List<Command> out = new ArrayList<>();
    if (flush) {
      List<Long> ids = FlushPlanner.plan(view, when.leaderTimeMs());
      for (int i = 0; i < ids.size(); i += MAX_PER_COMMAND) {
        out.add(command(FlushSegments.newBuilder().addAllSegmentIds(ids.subList(i, Math.min(ids.size(), i + MAX_PER_COMMAND)))
            .setPlannedRevision(when.revision()).build()));
      }
    } else {
      List<SealRequest> seals = SealPlanner.plan(view, table.settings(), when.leaderTimeMs());
      for (int i = 0; i < seals.size(); i += MAX_PER_COMMAND) {
        out.add(command(SealSegments.newBuilder().addAllSegments(seals.subList(i, Math.min(seals.size(), i + MAX_PER_COMMAND)))
            .setPlannedRevision(when.revision()).build()));
      }
    }
    return out;
  }

  private static Command command(com.google.protobuf.Message body) {
    return Command.newBuilder().setDomain(Any.pack(body)).build();
  }
}
