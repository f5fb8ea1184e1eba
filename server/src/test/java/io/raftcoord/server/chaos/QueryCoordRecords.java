package io.raftcoord.server.chaos;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the querycoord workload recorded, as the {@link QueryCoordChecker} reads it. Times are ms
 * on the run clock. Immutable.
 *
 * @param ops every load and release call, in invoke order
 * @param observations every successful observation of a collection, in invoke order
 * @param events what the workload did to its query nodes (start, halt, stop, close) and the
 *     session changes it saw (lost, re-registered), in time order
 * @param copies the end-phase samples of which segments are on two nodes of one replica
 * @param finals each collection's load state after the end-phase wait
 * @param finalErrors end-phase reads that kept failing (what could not be judged)
 * @param ttlMs the session TTL set at setup
 */
record QueryCoordRecords(List<Op> ops, List<Obs> observations, List<NodeEvent> events, List<CopySample> copies,
                         List<FinalLoad> finals, List<String> finalErrors, long ttlMs) {
  QueryCoordRecords {
    ops = List.copyOf(ops);
    observations = List.copyOf(observations);
    events = List.copyOf(events);
    copies = List.copyOf(copies);
    finals = List.copyOf(finals);
    finalErrors = List.copyOf(finalErrors);
  }

  /** OK: acknowledged; REFUSED: answered with an error code (nothing changed); UNKNOWN: no answer. */
  enum Outcome { OK, REFUSED, UNKNOWN }

  /** A load ({@code replicas} > 0) or release of {@code collection}. */
  record Op(String type, String collection, int replicas, double invokeMs, double completeMs, Outcome outcome,
            String code) {
    boolean load() {
      return type.equals("load");
    }
  }

  enum ObsKind {
    /** LOADED (a promoted target): the search plan was read. */
    PLAN,
    /** LOADING: the replicas were read before the state. */
    PENDING,
    /** Not loaded. */
    NOT_LOADED
  }

  /**
   * One observation of a collection. For PLAN the replica ids, nodes (the plan's node capacities:
   * every node of every replica), version and segments all come from the one search-plan read;
   * for PENDING the replicas were read before the load state. {@code alive}: the query nodes of
   * the workload alive (not halted, not stopping, session unchanged) before and after the reads.
   * {@code unserved}: segments of the current target that no replica serves (every replica lists
   * them under node 0, or has no delegator for their channel).
   */
  record Obs(String collection, double invokeMs, double completeMs, ObsKind kind, long version, List<Long> replicaIds,
             Set<Long> nodes, Set<Long> alive, Set<Long> segments, Set<Long> unserved) {
    Obs {
      replicaIds = List.copyOf(replicaIds);
      nodes = Set.copyOf(nodes);
      alive = Set.copyOf(alive);
      segments = Set.copyOf(segments);
      unserved = Set.copyOf(unserved);
    }
  }

  /** {@code what}: start, halt, stop, close, lost (the agent's session ended), session (registered again). */
  record NodeEvent(String what, String agent, long serverId, double atMs) {
    /** Events after which a replica may legitimately serve less for a while. */
    boolean disruptive() {
      return !what.equals("start");
    }
  }

  /**
   * One end-phase sample of a collection: each (replica, segment) that two or more nodes of the
   * replica report serving, as "replica R segment S" to the nodes.
   */
  record CopySample(String collection, double atMs, Map<String, List<Long>> doubled) {
    CopySample {
      doubled = Map.copyOf(doubled);
    }
  }

  /** A collection's load state read after the end-phase wait. */
  record FinalLoad(String collection, String state, double atMs) {}
}
