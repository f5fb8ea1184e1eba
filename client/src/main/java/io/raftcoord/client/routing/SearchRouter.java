package io.raftcoord.client.routing;

import io.raftcoord.proto.querycoord.ChannelRoute;
import io.raftcoord.proto.querycoord.NodeSegments;
import io.raftcoord.proto.querycoord.ReplicaRoute;
import io.raftcoord.proto.querycoord.SearchPlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Routes a collection's searches to one replica at a time, as a proxy would: from a
 * {@link SearchPlan} (QueryCoord's {@code searchPlan}) it knows, per replica, each channel's
 * delegator and the nodes holding its segments; a {@link RoutingPolicy} chooses the replica. Only
 * replicas that serve every channel and segment are candidates (all of them when none does, so a
 * caller still gets an answer to retry). Each {@link #acquire} must be {@link Route#close closed}
 * when the request finishes: that is what least-outstanding routing counts. Thread-safe.
 */
public final class SearchRouter {
  /** Where one request goes: the replica and, per channel, its delegator and the nodes with segments. */
  public record Route(long replicaId, Map<String, Long> delegators, Map<String, Map<Long, List<Long>>> segments,
      SearchRouter router) implements AutoCloseable {
    @Override
    public void close() {
      router.finished(replicaId);
    }
  }

  private final RoutingPolicy policy;
  private final Map<Long, Integer> outstanding = new HashMap<>();
  private SearchPlan plan;
  private List<Long> serviceable;
  private Map<Long, Long> weights;

  public SearchRouter(SearchPlan plan, RoutingPolicy policy) {
    this.policy = policy;
    update(plan);
  }

  /** Takes a newer plan (after a node loss or a balance); outstanding counts carry over. */
  public synchronized void update(SearchPlan plan) {
    this.plan = plan;
    TreeSet<Long> all = new TreeSet<>();
    TreeSet<Long> whole = new TreeSet<>();
    Map<Long, TreeSet<Long>> nodes = new TreeMap<>();
    for (ChannelRoute ch : plan.getChannelsList()) {
      for (ReplicaRoute r : ch.getReplicasList()) {
        all.add(r.getReplicaId());
        nodes.computeIfAbsent(r.getReplicaId(), x -> new TreeSet<>()).add(r.getDelegator());
        r.getNodesList().forEach(n -> nodes.get(r.getReplicaId()).add(n.getNodeId()));
      }
    }
    for (long id : all) {
      if (plan.getChannelsList().stream().allMatch(ch -> ch.getReplicasList().stream()
          .anyMatch(r -> r.getReplicaId() == id && r.getDelegator() != 0
              && r.getNodesList().stream().noneMatch(n -> n.getNodeId() == 0)))) {
        whole.add(id);
      }
    }
    this.serviceable = new ArrayList<>(whole.isEmpty() ? all : whole);
    this.weights = new HashMap<>();
    nodes.forEach((id, ns) -> weights.put(id, Math.max(1, ns.stream().filter(n -> n != 0)
        .mapToLong(n -> plan.getNodeCapacityOrDefault(n, 0)).sum())));
  }

  /** The replica ids requests may go to now, ascending. */
  public synchronized List<Long> candidates() {
    return List.copyOf(serviceable);
  }

  public synchronized Route acquire() {
    if (serviceable.isEmpty()) {
      throw new IllegalStateException("the search plan of collection " + plan.getCollectionId() + " has no replica");
    }
    List<RoutingPolicy.Candidate> cs = new ArrayList<>();
    for (long id : serviceable) {
      cs.add(new RoutingPolicy.Candidate(id, weights.getOrDefault(id, 1L), outstanding.getOrDefault(id, 0)));
    }
    long id = serviceable.get(policy.pick(cs));
    outstanding.merge(id, 1, Integer::sum);
    Map<String, Long> delegators = new LinkedHashMap<>();
    Map<String, Map<Long, List<Long>>> segments = new LinkedHashMap<>();
    for (ChannelRoute ch : plan.getChannelsList()) {
      for (ReplicaRoute r : ch.getReplicasList()) {
        if (r.getReplicaId() == id) {
          delegators.put(ch.getChannel(), r.getDelegator());
          Map<Long, List<Long>> byNode = new TreeMap<>();
          for (NodeSegments n : r.getNodesList()) {
            byNode.put(n.getNodeId(), List.copyOf(n.getSegmentIdsList()));
          }
          segments.put(ch.getChannel(), byNode);
        }
      }
    }
    return new Route(id, delegators, segments, this);
  }

  private synchronized void finished(long replicaId) {
    outstanding.computeIfPresent(replicaId, (k, v) -> v <= 1 ? null : v - 1);
  }
}
