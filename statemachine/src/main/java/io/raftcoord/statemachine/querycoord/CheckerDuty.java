package io.raftcoord.statemachine.querycoord;

import com.google.protobuf.Any;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.querycoord.ChannelPlace;
import io.raftcoord.proto.querycoord.CollectionLoad;
import io.raftcoord.proto.querycoord.LoadState;
import io.raftcoord.proto.querycoord.ObserveTarget;
import io.raftcoord.proto.querycoord.PlaceTasks;
import io.raftcoord.proto.querycoord.QueryCoordSettings;
import io.raftcoord.proto.querycoord.Replica;
import io.raftcoord.proto.querycoord.SegmentPlace;
import io.raftcoord.statemachine.domain.LeaderDuty;
import io.raftcoord.statemachine.session.SessionTable;
import java.util.ArrayList;
import java.util.List;

/**
 * The leader's QueryCoord checkers. {@code querycoord-checker}: segment and channel checkers (place
 * what is missing, retry what timed out) and the target observer (promote a next target every
 * replica serves, cancel a load past its timeout). {@code querycoord-balance}: drain stopping
 * nodes every round, and at most every {@code balance_interval_ms} a few balancing moves.
 */
final class CheckerDuty implements LeaderDuty {
  static final int MAX_STEPS_PER_COMMAND = 2_000;

  private final QueryCoordTable table;
  private final SessionTable sessions;
  private final boolean balance;
  private final boolean waitForServing;
  /** Leader-local: when the last normal balance round ran. */
  private long lastNormalBalanceMs = Long.MIN_VALUE / 2;

  private CheckerDuty(QueryCoordTable table, SessionTable sessions, boolean balance, boolean waitForServing) {
    this.table = table;
    this.sessions = sessions;
    this.balance = balance;
    this.waitForServing = waitForServing;
  }

  static CheckerDuty checker(QueryCoordTable table, SessionTable sessions, boolean waitForServing) {
    return new CheckerDuty(table, sessions, false, waitForServing);
  }

  static CheckerDuty balancer(QueryCoordTable table, SessionTable sessions) {
    return new CheckerDuty(table, sessions, true, true);
  }

  @Override
  public String name() {
    return balance ? "querycoord-balance" : "querycoord-checker";
  }

  @Override
  public long intervalMs() {
    return balance ? 300 : 250;
  }

  @Override
  public List<Command> plan(When when) {
    if (table.loads().isEmpty()) {
      return List.of();
    }
    QueryCoordSettings s = table.settings();
    SegmentBalancer balancer = SegmentBalancer.of(s);
    ReplicaViews views = new ReplicaViews(table, sessions);
    boolean normal = balance && when.nowMs() - lastNormalBalanceMs >= s.getBalanceIntervalMs();
    List<SegmentPlace> segs = new ArrayList<>();
    List<ChannelPlace> chans = new ArrayList<>();
    List<Command> out = new ArrayList<>();
    Serving serving = new Serving(table);
    for (CollectionLoad l : table.loads().values()) {
      for (Replica r : table.replicasOf(l.getCollectionId()).values()) {
        ReplicaView v = views.of(r);
        PlacementPlanner.Steps steps = balance ? PlacementPlanner.balance(v, s, balancer, normal)
            : PlacementPlanner.check(v, s, balancer, when.leaderTimeMs());
        segs.addAll(steps.segments());
        chans.addAll(steps.channels());
      }
      if (!balance) {
        observe(l, s, serving, when).ifPresent(out::add);
      }
    }
    if (normal) {
      lastNormalBalanceMs = when.nowMs();
    }
    for (int i = 0; i < Math.max(segs.size(), chans.size()); i += MAX_STEPS_PER_COMMAND) {
      out.add(0, Command.newBuilder().setDomain(Any.pack(PlaceTasks.newBuilder()
          .addAllSegments(segs.subList(Math.min(i, segs.size()), Math.min(segs.size(), i + MAX_STEPS_PER_COMMAND)))
          .addAllChannels(chans.subList(Math.min(i, chans.size()), Math.min(chans.size(), i + MAX_STEPS_PER_COMMAND)))
          .setPlannedRevision(when.revision()).build())).build());
    }
    return out;
  }

  private java.util.Optional<Command> observe(CollectionLoad l, QueryCoordSettings s, Serving serving, When when) {
    ObserveTarget.Builder o = ObserveTarget.newBuilder().setCollectionId(l.getCollectionId())
        .setPlannedRevision(when.revision());
    if (l.getState() == LoadState.LOADING && when.leaderTimeMs() - l.getCreatedMs() >= s.getLoadTimeoutMs()) {
      o.setCancelLoad(true);
    } else if (l.getState() == LoadState.LOADED && !serving.targetsDiffer(l.getCollectionId())) {
      return java.util.Optional.empty();
    } else if (waitForServing ? !serving.nextServed(l.getCollectionId()) : !serving.nextPlaced(l.getCollectionId())) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(Command.newBuilder().setDomain(Any.pack(o.build())).build());
  }
}
