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
import io.raftcoord.proto.session.Session;
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
  /**
   * Leader-local: what the last full round saw (table changes, query-node sessions, leadership) and
   * until when its plan stays valid (the earliest task or load timeout it found, and at most
   * {@link #FULL_ROUND_MS} later in any case, in case a proposal was lost). A round that would see
   * the same state before then is skipped: planning is a pure function of it.
   */
  private long lastSignature;
  private long validUntilMs = Long.MIN_VALUE;
  static final long FULL_ROUND_MS = 2_000;

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
    boolean normal = balance && when.nowMs() - lastNormalBalanceMs >= s.getBalanceIntervalMs();
    long signature = signature(when);
    if (signature == lastSignature && when.leaderTimeMs() < validUntilMs && (!balance || !normal)) {
      return List.of();
    }
    SegmentBalancer balancer = SegmentBalancer.of(s);
    ReplicaViews views = new ReplicaViews(table, sessions);
    long due = when.leaderTimeMs() + FULL_ROUND_MS;
    List<SegmentPlace> segs = new ArrayList<>();
    List<ChannelPlace> chans = new ArrayList<>();
    List<Command> out = new ArrayList<>();
    Serving serving = new Serving(table);
    for (CollectionLoad l : table.loads().values()) {
      for (Replica r : table.replicasOf(l.getCollectionId()).values()) {
        ReplicaView v = views.of(r);
        due = Math.min(due, nextTimeout(v, s));
        PlacementPlanner.Steps steps = balance ? PlacementPlanner.balance(v, s, balancer, normal)
            : PlacementPlanner.check(v, s, balancer, when.leaderTimeMs());
        segs.addAll(steps.segments());
        chans.addAll(steps.channels());
      }
      if (!balance) {
        observe(l, s, serving, when).ifPresent(out::add);
        if (l.getState() == LoadState.LOADING) {
          due = Math.min(due, l.getCreatedMs() + s.getLoadTimeoutMs());
        }
      }
    }
    if (normal) {
      lastNormalBalanceMs = when.nowMs();
    }
    if (!balance || normal) {
      lastSignature = signature;
      validUntilMs = due;
    }
    for (int i = 0; i < Math.max(segs.size(), chans.size()); i += MAX_STEPS_PER_COMMAND) {
      out.add(0, Command.newBuilder().setDomain(Any.pack(PlaceTasks.newBuilder()
          .addAllSegments(segs.subList(Math.min(i, segs.size()), Math.min(segs.size(), i + MAX_STEPS_PER_COMMAND)))
          .addAllChannels(chans.subList(Math.min(i, chans.size()), Math.min(chans.size(), i + MAX_STEPS_PER_COMMAND)))
          .setPlannedRevision(when.revision()).build())).build());
    }
    return out;
  }

  /** The state a round plans from: committed QueryCoord records, query-node sessions, this leadership. */
  private long signature(When when) {
    long h = table.changes() * 1_000_003L + when.leaderSinceMs();
    for (Session n : QueryNodes.live(sessions).values()) {
      h = h * 31 + n.getServerId() * 7 + n.getEpoch() + n.getStateValue();
    }
    return h;
  }

  /** When the earliest placement of the view that is not served yet times out. */
  private static long nextTimeout(ReplicaView v, QueryCoordSettings s) {
    long due = Long.MAX_VALUE;
    for (ReplicaView.Item i : v.segments()) {
      if (i.node() != 0 && !i.served() && !i.moving()) {
        due = Math.min(due, i.placedMs() + s.getSegmentTaskTimeoutMs());
      }
    }
    for (ReplicaView.Item i : v.channels()) {
      if (i.node() != 0 && !i.served() && !i.moving()) {
        due = Math.min(due, i.placedMs() + s.getChannelTaskTimeoutMs());
      }
    }
    return due;
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
