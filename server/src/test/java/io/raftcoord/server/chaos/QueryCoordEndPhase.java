package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.QueryCoordWorkload.COLLECTIONS;
import static io.raftcoord.server.chaos.QueryCoordWorkload.DB;

import io.raftcoord.client.CoordClient;
import io.raftcoord.proto.querycoord.ChannelRoute;
import io.raftcoord.proto.querycoord.DistributionList;
import io.raftcoord.proto.querycoord.LoadStateReply;
import io.raftcoord.proto.querycoord.NodeDistribution;
import io.raftcoord.proto.querycoord.Replica;
import io.raftcoord.proto.querycoord.ReplicaList;
import io.raftcoord.proto.querycoord.ReplicaRoute;
import io.raftcoord.proto.querycoord.SearchPlan;
import io.raftcoord.server.chaos.QueryCoordRecords.CopySample;
import io.raftcoord.server.chaos.QueryCoordRecords.FinalLoad;
import io.raftcoord.server.chaos.QueryCoordRecords.Op;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The querycoord workload's end-phase reads, on the whole cluster with the loader, flusher and
 * churn stopped: waits (bounded by {@link #END_WAIT}) until every collection the history requires
 * loaded is LOADED and whole, then reads each collection's final load state and takes
 * {@link #COPY_SAMPLES} samples of the distributions for segments doubled within a replica. What
 * it could not read is a final error in the history (the checker says what it could not judge),
 * never a guess.
 */
final class QueryCoordEndPhase {
  private static final Logger LOG = LoggerFactory.getLogger(QueryCoordEndPhase.class);
  private static final Duration END_WAIT = Duration.ofSeconds(60);
  private static final int COPY_SAMPLES = 12;

  private final QueryCoordHistory history;
  private final CoordClient admin;

  QueryCoordEndPhase(QueryCoordHistory history, CoordClient admin) {
    this.history = history;
    this.admin = admin;
  }

  void run() {
    Map<String, Op> required = QueryCoordChecker.required(history.records().ops());
    long t0 = System.nanoTime();
    boolean settled = BoundedWait.until("querycoord", () -> {
      for (String c : required.keySet()) {
        if (!QueryCoordLoader.loaded(admin, c) || !whole(admin.queryCoord().searchPlan(DB, c))) {
          return false;
        }
      }
      return true;
    }, END_WAIT, "the loads to settle");
    LOG.info("querycoord: loads {} {} after {} ms", required.keySet(), settled ? "settled" : "did not settle",
        Steps.ms(t0));
    for (String c : COLLECTIONS) {
      finalState(c);
    }
    Map<String, Integer> samples = new HashMap<>();
    for (int i = 0; i < COPY_SAMPLES; i++) {
      for (String c : COLLECTIONS) {
        if (sampleCopies(c)) {
          samples.merge(c, 1, Integer::sum);
        }
      }
      Steps.sleep(250);
    }
    for (String c : required.keySet()) {
      if (samples.getOrDefault(c, 0) < QueryCoordChecker.MIN_COPY_SAMPLES) {
        history.finalError(c + ": only " + samples.getOrDefault(c, 0) + " of " + COPY_SAMPLES
            + " distribution samples could be read");
      }
    }
  }

  /** Every channel has a delegator and every segment a node in every replica. */
  private static boolean whole(SearchPlan plan) {
    for (ChannelRoute ch : plan.getChannelsList()) {
      for (ReplicaRoute r : ch.getReplicasList()) {
        if (r.getDelegator() == 0 || r.getNodesList().stream().anyMatch(n -> n.getNodeId() == 0)) {
          return false;
        }
      }
    }
    return true;
  }

  /** The load state of {@code c}, retried for 30 s. */
  private void finalState(String c) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        LoadStateReply ls = admin.queryCoord().loadState(DB, c, false);
        history.finalLoad(new FinalLoad(c, ls.getState().name(), history.nowMs()));
        return;
      } catch (RuntimeException e) {
        if (System.nanoTime() > deadline) {
          history.finalError(c + ": load state: " + e);
          return;
        }
      }
      Steps.sleep(250);
    }
  }

  /** One sample of a loaded collection: (replica, segment of its current target) held by two or more of its nodes. */
  private boolean sampleCopies(String c) {
    double at = history.nowMs();
    try {
      if (!QueryCoordLoader.loaded(admin, c)) {
        return false;
      }
      SearchPlan plan = admin.queryCoord().searchPlan(DB, c);
      ReplicaList rl = admin.queryCoord().replicas(DB, c);
      DistributionList dl = admin.queryCoord().distribution(0);
      Set<Long> segments = new HashSet<>();
      plan.getChannelsList().forEach(ch -> ch.getReplicasList().forEach(r -> r.getNodesList()
          .forEach(n -> segments.addAll(n.getSegmentIdsList()))));
      Map<Long, List<Long>> byNode = new HashMap<>();
      for (NodeDistribution d : dl.getNodesList()) {
        byNode.put(d.getNodeId(), d.getSegmentIdsList());
      }
      Map<String, List<Long>> doubled = new TreeMap<>();
      for (Replica r : rl.getReplicasList()) {
        Map<Long, List<Long>> holders = new TreeMap<>();
        for (long n : r.getNodesList()) {
          for (long s : byNode.getOrDefault(n, List.of())) {
            if (segments.contains(s)) {
              holders.computeIfAbsent(s, x -> new ArrayList<>()).add(n);
            }
          }
        }
        holders.forEach((s, ns) -> {
          if (ns.size() > 1) {
            doubled.put("replica " + r.getId() + " segment " + s, ns);
          }
        });
      }
      history.copies(new CopySample(c, at, doubled));
      return true;
    } catch (RuntimeException e) {
      history.observeFailed(c, at, "copies", CallErrors.code(e));
      return false;
    }
  }
}
