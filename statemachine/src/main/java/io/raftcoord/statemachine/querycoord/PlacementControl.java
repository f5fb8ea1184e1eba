package io.raftcoord.statemachine.querycoord;

import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Record;
import io.raftcoord.proto.querycoord.ChannelPlace;
import io.raftcoord.proto.querycoord.CollectionLoad;
import io.raftcoord.proto.querycoord.LoadState;
import io.raftcoord.proto.querycoord.NodeDistribution;
import io.raftcoord.proto.querycoord.ObserveTarget;
import io.raftcoord.proto.querycoord.PlaceTasks;
import io.raftcoord.proto.querycoord.Placement;
import io.raftcoord.proto.querycoord.QueryCoordEventKind;
import io.raftcoord.proto.querycoord.QueryCoordReply;
import io.raftcoord.proto.querycoord.Replica;
import io.raftcoord.proto.querycoord.ReportDistribution;
import io.raftcoord.proto.querycoord.SegmentPlace;
import io.raftcoord.proto.querycoord.TargetChannel;
import io.raftcoord.proto.querycoord.TargetSegment;
import io.raftcoord.proto.session.Session;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.apply.ApplyResult;
import io.raftcoord.statemachine.pipeline.Refusal;
import io.raftcoord.statemachine.session.SessionTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Placements planned by the checkers, distributions reported by query nodes, and the promotion of
 * the next target. A planned step applies only if the placement is still where the plan saw it and
 * the chosen node is still a live, not stopping, member of the replica; a report is accepted only
 * from the node's current session; the next target becomes current only when every replica serves
 * all of it. So a late or stale step changes nothing.
 */
final class PlacementControl {
  static final int MAX_REPORT_ITEMS = 100_000;

  private final QueryCoordTable table;
  private final SessionTable sessions;
  private final Serving serving;
  private final LoadControl loads;
  private final boolean waitForServing;

  PlacementControl(QueryCoordTable table, SessionTable sessions, LoadControl loads, boolean waitForServing) {
    this.table = table;
    this.sessions = sessions;
    this.serving = new Serving(table);
    this.loads = loads;
    this.waitForServing = waitForServing;
  }

  ApplyResult place(ApplyContext ctx, PlaceTasks cmd) {
    Map<Long, TargetSegment> segs = new LinkedHashMap<>();
    Map<String, TargetChannel> chans = new LinkedHashMap<>();
    int applied = 0;
    int skipped = 0;
    for (SegmentPlace step : cmd.getSegmentsList()) {
      TargetSegment s = segs.getOrDefault(step.getSegmentId(), table.segment(step.getSegmentId()).orElse(null));
      Optional<Placement> p = s == null ? Optional.empty() : Serving.placement(s.getPlacementsList(), step.getReplicaId());
      if (p.isEmpty() || !holds(p.get(), step.getReplicaId(), step.getExpectedNodeId(), step.getNodeId())) {
        skipped++;
        continue;
      }
      // The old node keeps serving until the new one reports the segment, unless it already does
      // (a node may hold it still from an earlier placement): then no report would ever end the move.
      boolean keepOld = step.getMove() && table.serves(p.get().getNodeId(), s.getSegmentId())
          && !table.serves(step.getNodeId(), s.getSegmentId());
      segs.put(s.getSegmentId(), s.toBuilder().clearPlacements()
          .addAllPlacements(replace(s.getPlacementsList(), moved(ctx, p.get(), step.getNodeId(), step.getMove(), keepOld)))
          .build());
      applied++;
    }
    for (ChannelPlace step : cmd.getChannelsList()) {
      TargetChannel c = chans.getOrDefault(step.getChannel(), table.channel(step.getChannel()).orElse(null));
      Optional<Placement> p = c == null ? Optional.empty() : Serving.placement(c.getPlacementsList(), step.getReplicaId());
      if (p.isEmpty() || !holds(p.get(), step.getReplicaId(), step.getExpectedNodeId(), step.getNodeId())) {
        skipped++;
        continue;
      }
      boolean keepOld = step.getMove() && table.servesChannel(p.get().getNodeId(), c.getName())
          && !table.servesChannel(step.getNodeId(), c.getName());
      chans.put(c.getName(), c.toBuilder().clearPlacements()
          .addAllPlacements(replace(c.getPlacementsList(), moved(ctx, p.get(), step.getNodeId(), step.getMove(), keepOld)))
          .build());
      applied++;
    }
    List<Record> out = new ArrayList<>();
    segs.values().forEach(s -> out.add(QueryRecords.segment(QueryCoordEventKind.TARGET_SEGMENT_PUT, s)));
    chans.values().forEach(c -> out.add(QueryRecords.channel(QueryCoordEventKind.TARGET_CHANNEL_PUT, c)));
    return QueryRecords.ok(out, QueryCoordReply.newBuilder().setApplied(applied).setSkipped(skipped).build());
  }

  private boolean holds(Placement p, long replicaId, long expected, long node) {
    Replica r = table.replicas().get(replicaId);
    if (r == null || p.getNodeId() != expected || !r.getNodesList().contains(node)) {
      return false;
    }
    Optional<Session> s = QueryNodes.liveNode(sessions, node);
    return s.isPresent() && !QueryNodes.stopping(s.get());
  }

  private static Placement moved(ApplyContext ctx, Placement p, long to, boolean move, boolean keepOld) {
    boolean retry = !move && p.getNodeId() != 0;
    return p.toBuilder().setNodeId(to).setPreviousNodeId(keepOld && p.getNodeId() != to ? p.getNodeId() : 0)
        .setPlacedMs(ctx.nowMs()).setAttempts(retry ? p.getAttempts() + 1 : 0).build();
  }

  private static List<Placement> replace(List<Placement> all, Placement changed) {
    List<Placement> out = new ArrayList<>(all.size());
    for (Placement p : all) {
      out.add(p.getReplicaId() == changed.getReplicaId() ? changed : p);
    }
    return out;
  }

  ApplyResult report(ReportDistribution r) {
    long node = r.getNode().getServerId();
    Optional<Session> s = QueryNodes.liveNode(sessions, node);
    if ((s.isEmpty() || s.get().getEpoch() != r.getNode().getEpoch())) {
      return new Refusal(ErrorCode.STALE_EPOCH, "query node " + node + " at epoch " + r.getNode().getEpoch()
          + " is not a live query node session; register again").result();
    }
    int items = r.getLoadedSegmentsCount() + r.getReleasedSegmentsCount() + r.getLoadedChannelsCount()
        + r.getReleasedChannelsCount();
    if (items > MAX_REPORT_ITEMS) {
      return new Refusal(ErrorCode.INVALID_ARGUMENT, "distribution report of query node " + node + " has " + items
          + " items, more than " + MAX_REPORT_ITEMS).result();
    }
    NodeDistribution before = table.distribution(node).orElse(NodeDistribution.newBuilder().setNodeId(node).build());
    TreeSet<Long> segs = new TreeSet<>(before.getSegmentIdsList());
    segs.addAll(r.getLoadedSegmentsList());
    r.getReleasedSegmentsList().forEach(segs::remove);
    TreeSet<String> chans = new TreeSet<>(before.getChannelsList());
    chans.addAll(r.getLoadedChannelsList());
    r.getReleasedChannelsList().forEach(chans::remove);
    NodeDistribution after = NodeDistribution.newBuilder().setNodeId(node).setEpoch(r.getNode().getEpoch())
        .addAllSegmentIds(segs).addAllChannels(chans).build();
    List<Record> out = new ArrayList<>();
    if (!after.equals(before)) {
      out.add(QueryRecords.distribution(QueryCoordEventKind.DISTRIBUTION_PUT, after));
    }
    for (long id : r.getLoadedSegmentsList()) {
      table.segment(id).ifPresent(t -> {
        List<Placement> ps = settle(t.getPlacementsList(), node);
        if (ps != null) {
          out.add(QueryRecords.segment(QueryCoordEventKind.TARGET_SEGMENT_PUT,
              t.toBuilder().clearPlacements().addAllPlacements(ps).build()));
        }
      });
    }
    for (String name : r.getLoadedChannelsList()) {
      table.channel(name).ifPresent(c -> {
        List<Placement> ps = settle(c.getPlacementsList(), node);
        if (ps != null) {
          out.add(QueryRecords.channel(QueryCoordEventKind.TARGET_CHANNEL_PUT,
              c.toBuilder().clearPlacements().addAllPlacements(ps).build()));
        }
      });
    }
    return QueryRecords.ok(out, QueryCoordReply.getDefaultInstance());
  }

  /** The placements once {@code node} serves the item: a move to it is finished (null: no change). */
  private static List<Placement> settle(List<Placement> placements, long node) {
    boolean changed = false;
    List<Placement> out = new ArrayList<>(placements.size());
    for (Placement p : placements) {
      if (p.getNodeId() == node && p.getPreviousNodeId() != 0) {
        out.add(p.toBuilder().setPreviousNodeId(0).build());
        changed = true;
      } else {
        out.add(p);
      }
    }
    return changed ? out : null;
  }

  ApplyResult observe(ApplyContext ctx, ObserveTarget cmd) {
    Optional<CollectionLoad> l = table.load(cmd.getCollectionId());
    if (l.isEmpty()) {
      return stale("collection " + cmd.getCollectionId() + " is no longer loaded");
    }
    if (cmd.getCancelLoad()) {
      if (l.get().getState() != LoadState.LOADING
          || ctx.nowMs() - l.get().getCreatedMs() < table.settings().getLoadTimeoutMs()) {
        return stale("load of collection " + cmd.getCollectionId() + " has not timed out");
      }
      return QueryRecords.ok(loads.releaseAll(cmd.getCollectionId()), QueryCoordReply.newBuilder()
          .setCollectionId(cmd.getCollectionId()).setState(LoadState.NOT_LOAD).build());
    }
    boolean pending = l.get().getState() == LoadState.LOADING || serving.targetsDiffer(cmd.getCollectionId());
    if (!pending) {
      return QueryRecords.ok(List.of(), reply(l.get()));
    }
    if (waitForServing ? !serving.nextServed(cmd.getCollectionId()) : !serving.nextPlaced(cmd.getCollectionId())) {
      return stale("not every replica of collection " + cmd.getCollectionId() + " serves its next target yet");
    }
    List<Record> out = new ArrayList<>();
    for (TargetSegment s : table.segmentsOf(cmd.getCollectionId()).values()) {
      if (s.getNext() && !s.getCurrent()) {
        out.add(QueryRecords.segment(QueryCoordEventKind.TARGET_SEGMENT_PUT, s.toBuilder().setCurrent(true).build()));
      } else if (!s.getNext()) {
        out.add(QueryRecords.segment(QueryCoordEventKind.TARGET_SEGMENT_REMOVED, s));
      }
    }
    CollectionLoad after = l.get().toBuilder().setState(LoadState.LOADED)
        .setLoadedMs(l.get().getState() == LoadState.LOADED ? l.get().getLoadedMs() : ctx.nowMs())
        .setTargetVersion(l.get().getTargetVersion() + 1).build();
    out.add(QueryRecords.load(QueryCoordEventKind.LOAD_PUT, after));
    return QueryRecords.ok(out, reply(after));
  }

  private static QueryCoordReply reply(CollectionLoad l) {
    return QueryCoordReply.newBuilder().setCollectionId(l.getCollectionId()).setState(l.getState())
        .setTargetVersion(l.getTargetVersion()).build();
  }

  private static ApplyResult stale(String message) {
    return new Refusal(ErrorCode.STALE_EPOCH, message).result();
  }
}
