package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.QueryCoordWorkload.COLLECTIONS;
import static io.raftcoord.server.chaos.QueryCoordWorkload.DB;
import static io.raftcoord.server.chaos.QueryCoordWorkload.DEADLINE;
import static io.raftcoord.server.chaos.QueryCoordWorkload.OBSERVE_MS;

import io.raftcoord.client.CoordClient;
import io.raftcoord.proto.querycoord.ChannelRoute;
import io.raftcoord.proto.querycoord.LoadState;
import io.raftcoord.proto.querycoord.LoadStateReply;
import io.raftcoord.proto.querycoord.NodeSegments;
import io.raftcoord.proto.querycoord.Replica;
import io.raftcoord.proto.querycoord.ReplicaList;
import io.raftcoord.proto.querycoord.ReplicaRoute;
import io.raftcoord.proto.querycoord.SearchPlan;
import io.raftcoord.server.chaos.QueryCoordRecords.Obs;
import io.raftcoord.server.chaos.QueryCoordRecords.ObsKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every {@link QueryCoordWorkload#OBSERVE_MS} ms, from setup to the end phase: first the session
 * changes of the query nodes, then for each collection its replicas, its load state and (once a
 * target is promoted) its search plan, as one {@link Obs}. An observation's {@code alive} is the
 * nodes alive both before and after its reads, so that the checker never blames a replica for a
 * node that was halted or stopped while it was read. A read that fails is recorded as such and
 * judged by nobody.
 */
final class QueryCoordObserver {
  private final QueryCoordHistory history;
  private final CoordClient client;
  private final QueryCoordFleet fleet;
  private volatile boolean observing;
  private Thread thread;

  QueryCoordObserver(QueryCoordHistory history, CoordClient client, QueryCoordFleet fleet) {
    this.history = history;
    this.client = client;
    this.fleet = fleet;
  }

  void start() {
    observing = true;
    thread = WorkloadThreads.daemon("querycoord-observer", this::loop);
  }

  /** Ends the observations and waits, bounded, for the one under way. */
  void stop() throws InterruptedException {
    observing = false;
    if (thread != null) {
      thread.join(DEADLINE.toMillis() * 6);
    }
  }

  /** Ends the observations without waiting. */
  void halt() {
    observing = false;
  }

  private void loop() {
    while (observing) {
      fleet.noteSessions();
      for (String c : COLLECTIONS) {
        observe(c);
      }
      Steps.sleep(OBSERVE_MS);
    }
  }

  /** Replicas, then load state, then (LOADED) the search plan of one collection. */
  private void observe(String collection) {
    Set<Long> aliveBefore = fleet.alive();
    double inv = history.nowMs();
    String read = "replicas";
    try {
      ReplicaList rl = client.queryCoord().replicas(DB, collection);
      read = "loadState";
      LoadStateReply ls = client.queryCoord().loadState(DB, collection, false);
      Obs o;
      if (ls.getState() == LoadState.LOADED || ls.getLoad().getTargetVersion() > 0) {
        read = "searchPlan";
        o = planObs(collection, inv, client.queryCoord().searchPlan(DB, collection), aliveBefore);
      } else {
        ObsKind kind = ls.getState() == LoadState.LOADING ? ObsKind.PENDING : ObsKind.NOT_LOADED;
        List<Long> ids = new ArrayList<>();
        Set<Long> members = new TreeSet<>();
        for (Replica r : rl.getReplicasList()) {
          ids.add(r.getId());
          members.addAll(r.getNodesList());
        }
        Collections.sort(ids);
        Set<Long> alive = new HashSet<>(aliveBefore);
        alive.retainAll(fleet.alive());
        o = new Obs(collection, inv, history.nowMs(), kind, 0, ids, members, alive, Set.of(), Set.of());
      }
      history.observed(o);
    } catch (RuntimeException e) {
      history.observeFailed(collection, inv, read, CallErrors.code(e));
    }
  }

  private Obs planObs(String collection, double inv, SearchPlan p, Set<Long> aliveBefore) {
    Set<Long> alive = new HashSet<>(aliveBefore);
    alive.retainAll(fleet.alive());
    double done = history.nowMs();
    Set<Long> replicaIds = new TreeSet<>();
    Set<Long> segments = new TreeSet<>();
    Set<Long> unserved = new TreeSet<>();
    for (ChannelRoute ch : p.getChannelsList()) {
      Set<Long> all = new TreeSet<>();
      Set<Long> served = new HashSet<>();
      for (ReplicaRoute r : ch.getReplicasList()) {
        replicaIds.add(r.getReplicaId());
        for (NodeSegments n : r.getNodesList()) {
          all.addAll(n.getSegmentIdsList());
          if (r.getDelegator() != 0 && n.getNodeId() != 0) {
            served.addAll(n.getSegmentIdsList());
          }
        }
      }
      segments.addAll(all);
      all.removeAll(served);
      unserved.addAll(all);
    }
    return new Obs(collection, inv, done, ObsKind.PLAN, p.getTargetVersion(), new ArrayList<>(replicaIds),
        p.getNodeCapacityMap().keySet(), alive, segments, unserved);
  }
}
