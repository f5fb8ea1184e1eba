package io.raftcoord.tools.bench;

import io.raftcoord.proto.querycoord.ChannelRoute;
import io.raftcoord.proto.querycoord.NodeSegments;
import io.raftcoord.proto.querycoord.ReplicaRoute;
import io.raftcoord.proto.querycoord.SearchPlan;
import java.util.HashMap;
import java.util.Map;

/**
 * What one search plan says about a halted node: whether the node still appears in it (as a
 * delegator or serving segments), and whether the plan is complete, i.e. every channel has a
 * delegator in every replica and every replica serves all segments, none left unserved (node 0).
 */
record PlanCheck(boolean victimSeen, boolean complete, int channels, int noDelegator, long unserved,
    Map<Long, Long> perReplica) {

  static PlanCheck check(SearchPlan p, int shards, int replicas, long segments, long victim) {
    boolean seen = false;
    int noDelegator = 0;
    long unserved = 0;
    Map<Long, Long> perReplica = new HashMap<>();
    for (ChannelRoute ch : p.getChannelsList()) {
      if (ch.getReplicasCount() != replicas) {
        noDelegator++;
      }
      for (ReplicaRoute r : ch.getReplicasList()) {
        if (r.getDelegator() == 0) {
          noDelegator++;
        }
        if (r.getDelegator() == victim) {
          seen = true;
        }
        for (NodeSegments ns : r.getNodesList()) {
          if (ns.getNodeId() == victim) {
            seen = true;
          }
          if (ns.getNodeId() == 0) {
            unserved += ns.getSegmentIdsCount();
          } else {
            perReplica.merge(r.getReplicaId(), (long) ns.getSegmentIdsCount(), Long::sum);
          }
        }
      }
    }
    boolean complete = p.getChannelsCount() == shards && noDelegator == 0 && unserved == 0
        && perReplica.size() == replicas && perReplica.values().stream().allMatch(v -> v == segments);
    return new PlanCheck(seen, complete, p.getChannelsCount(), noDelegator, unserved, perReplica);
  }
}
