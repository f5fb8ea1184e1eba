package io.raftcoord.tools.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.raftcoord.proto.querycoord.ChannelRoute;
import io.raftcoord.proto.querycoord.CollectionLoad;
import io.raftcoord.proto.querycoord.DistributionList;
import io.raftcoord.proto.querycoord.LoadState;
import io.raftcoord.proto.querycoord.LoadStateReply;
import io.raftcoord.proto.querycoord.NodeDistribution;
import io.raftcoord.proto.querycoord.NodeSegments;
import io.raftcoord.proto.querycoord.PartitionProgress;
import io.raftcoord.proto.querycoord.QueryCoordReply;
import io.raftcoord.proto.querycoord.Replica;
import io.raftcoord.proto.querycoord.ReplicaList;
import io.raftcoord.proto.querycoord.ReplicaRoute;
import io.raftcoord.proto.querycoord.ResourceGroup;
import io.raftcoord.proto.querycoord.ResourceGroupList;
import io.raftcoord.proto.querycoord.SearchPlan;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Pure formatting of the QueryCoord commands' answers. Text: aligned tables with a summary line,
 * id lists with runs joined and long lists cut ({@code 11-14,20,... (+37)}); node 0 in a search
 * plan means "not served". JSON: one line; records as the proto's JSON mapping prints them (64-bit
 * numbers as strings), with derived members next to them.
 */
public final class QueryCoordOutput {
  private QueryCoordOutput() {}

  /** Longest segment-id list in a text cell before the rest is counted. */
  static final int IDS_CHARS = 60;

  /** {@code LOADED}, {@code LOADING}, {@code NOT_LOAD}. */
  static String state(LoadState s) {
    return s == LoadState.LOAD_STATE_NONE || s == LoadState.UNRECOGNIZED ? "-" : s.name();
  }

  static String ids(List<Long> ids) {
    return ids.isEmpty() ? "-" : DataCoordOutput.idRuns(ids, Integer.MAX_VALUE);
  }

  static String ids(List<Long> ids, int maxChars) {
    return DataCoordOutput.idRuns(ids, maxChars);
  }

  private static String time(long ms) {
    return ms == 0 ? "-" : Instant.ofEpochMilli(ms).toString();
  }

  // ---- load / release ----

  /** {@code loading collection_id=3 replicas=2 [7-8]} (the load may already have been there). */
  public static String loadText(QueryCoordReply r) {
    return "load collection_id=" + r.getCollectionId() + " replicas=" + r.getReplicaIdsCount() + " ["
        + ids(r.getReplicaIdsList()) + "]";
  }

  /** After --wait: {@code loaded: collection_id=3 LOADED 100% (waited 2.1s)}. */
  public static String loadedText(LoadStateReply s, long waitedMs) {
    return "loaded: collection_id=" + s.getCollectionId() + " " + state(s.getState()) + " " + s.getPercent()
        + "% (waited " + DataCoordOutput.age(waitedMs) + ")";
  }

  /** One progress line: {@code LOADING 45% (partition 4: 50%, partition 5: 40%)}. */
  public static String progressText(LoadStateReply s) {
    StringBuilder sb = new StringBuilder(state(s.getState())).append(' ').append(s.getPercent()).append('%');
    if (s.getPartitionsCount() > 1) {
      sb.append(" (");
      for (int i = 0; i < s.getPartitionsCount() && i < 8; i++) {
        PartitionProgress p = s.getPartitions(i);
        sb.append(i == 0 ? "" : ", ").append("partition ").append(p.getPartitionId()).append(": ")
            .append(p.getPercent()).append('%');
      }
      if (s.getPartitionsCount() > 8) {
        sb.append(", ... (+").append(s.getPartitionsCount() - 8).append(')');
      }
      sb.append(')');
    }
    return sb.toString();
  }

  public static JsonObject loadJson(QueryCoordReply r, LoadStateReply last, Boolean loaded, long waitedMs) {
    JsonObject o = new JsonObject();
    o.addProperty("collectionId", r.getCollectionId());
    JsonArray ids = new JsonArray();
    r.getReplicaIdsList().forEach(ids::add);
    o.add("replicaIds", ids);
    if (loaded != null) {
      o.addProperty("loaded", loaded);
      o.addProperty("waitedMs", waitedMs);
      o.addProperty("state", last == null ? null : state(last.getState()));
      o.addProperty("percent", last == null ? null : last.getPercent());
    }
    return o;
  }

  public static String releaseText(QueryCoordReply r, List<String> partitions) {
    return "released collection_id=" + r.getCollectionId()
        + (partitions.isEmpty() ? "" : " partitions=" + String.join(",", partitions));
  }

  public static JsonObject releaseJson(QueryCoordReply r, List<String> partitions) {
    JsonObject o = new JsonObject();
    o.addProperty("collectionId", r.getCollectionId());
    JsonArray p = new JsonArray();
    partitions.forEach(p::add);
    o.add("partitions", p);
    return o;
  }

  // ---- load state ----

  /**
   * {@code key: value} lines: collection, state, and what the load asked for; with progress the
   * percent and a table of partitions.
   */
  public static String loadStateText(LoadStateReply s, boolean progress) {
    List<String[]> kv = new ArrayList<>();
    kv.add(new String[] {"collection_id", Long.toString(s.getCollectionId())});
    kv.add(new String[] {"state", state(s.getState())});
    if (progress) {
      kv.add(new String[] {"progress", s.getPercent() + "%"});
    }
    if (s.hasLoad()) {
      CollectionLoad l = s.getLoad();
      kv.add(new String[] {"replicas", Integer.toString(l.getReplicaNumber())});
      kv.add(new String[] {"resource_groups", l.getResourceGroupsCount() == 0 ? "-"
          : String.join(",", l.getResourceGroupsList())});
      kv.add(new String[] {"partitions", ids(l.getPartitionIdsList()) + (l.getWholeCollection() ? " (whole collection)" : "")});
      kv.add(new String[] {"fields", l.getFieldIdsCount() == 0 ? "all" : ids(l.getFieldIdsList())});
      kv.add(new String[] {"target_version", Long.toString(l.getTargetVersion())});
      kv.add(new String[] {"load_started", time(l.getCreatedMs())});
      kv.add(new String[] {"loaded_at", time(l.getLoadedMs())});
    }
    StringBuilder sb = new StringBuilder(keyValues(kv));
    if (progress && s.getPartitionsCount() > 0) {
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"PARTITION", "PROGRESS"});
      for (PartitionProgress p : s.getPartitionsList()) {
        rows.add(new String[] {Long.toString(p.getPartitionId()), p.getPercent() + "%"});
      }
      sb.append(Output.table(rows));
    }
    return strip(sb.toString());
  }

  public static JsonObject loadStateJson(LoadStateReply s) {
    JsonObject o = DataCoordOutput.proto(s);
    o.addProperty("stateName", state(s.getState()));
    return o;
  }

  // ---- replicas ----

  public static String replicasText(ReplicaList l) {
    if (l.getReplicasCount() == 0) {
      return "no replicas";
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"ID", "COLLECTION", "RESOURCE_GROUP", "NODES"});
    for (Replica r : l.getReplicasList()) {
      rows.add(new String[] {Long.toString(r.getId()), Long.toString(r.getCollectionId()), r.getResourceGroup(),
          ids(r.getNodesList())});
    }
    return Output.table(rows) + l.getReplicasCount() + " replica(s)";
  }

  public static JsonObject replicasJson(ReplicaList l) {
    return DataCoordOutput.proto(l);
  }

  // ---- distribution ----

  public static String distributionText(DistributionList l) {
    if (l.getNodesCount() == 0) {
      return "no query node has reported a distribution";
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NODE", "EPOCH", "SEGMENTS", "SEGMENT_IDS", "CHANNELS"});
    long segments = 0;
    long channels = 0;
    for (NodeDistribution d : l.getNodesList()) {
      segments += d.getSegmentIdsCount();
      channels += d.getChannelsCount();
      rows.add(new String[] {Long.toString(d.getNodeId()), Long.toString(d.getEpoch()),
          Integer.toString(d.getSegmentIdsCount()), ids(d.getSegmentIdsList(), IDS_CHARS),
          d.getChannelsCount() == 0 ? "-" : String.join(",", d.getChannelsList())});
    }
    return Output.table(rows) + l.getNodesCount() + " node(s) serving " + segments + " segment(s) and " + channels
        + " channel(s) (a segment or channel counts once per replica serving it)";
  }

  public static JsonObject distributionJson(DistributionList l) {
    return DataCoordOutput.proto(l);
  }

  // ---- search plan ----

  /**
   * Per channel and replica: the delegator, then one row per node with the segments it serves
   * (node 0: nobody serves them); then the node capacities and a line counting what is not served.
   */
  public static String searchPlanText(SearchPlan p) {
    StringBuilder sb = new StringBuilder();
    sb.append("collection_id=").append(p.getCollectionId()).append(" target_version=").append(p.getTargetVersion())
        .append('\n');
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"CHANNEL", "REPLICA", "DELEGATOR", "NODE", "CAPACITY", "SEGMENTS", "SEGMENT_IDS"});
    long unservedSegments = 0;
    long unservedChannels = 0;
    for (ChannelRoute c : p.getChannelsList()) {
      for (ReplicaRoute r : c.getReplicasList()) {
        if (r.getDelegator() == 0) {
          unservedChannels++;
        }
        String delegator = Long.toString(r.getDelegator());
        if (r.getNodesCount() == 0) {
          rows.add(new String[] {c.getChannel(), Long.toString(r.getReplicaId()), delegator, "-", "-", "0", "-"});
          continue;
        }
        boolean first = true;
        for (NodeSegments n : r.getNodesList()) {
          if (n.getNodeId() == 0) {
            unservedSegments += n.getSegmentIdsCount();
          }
          rows.add(new String[] {first ? c.getChannel() : "", first ? Long.toString(r.getReplicaId()) : "",
              first ? delegator : "", Long.toString(n.getNodeId()),
              n.getNodeId() == 0 ? "-" : Long.toString(p.getNodeCapacityOrDefault(n.getNodeId(), 0)),
              Integer.toString(n.getSegmentIdsCount()), ids(n.getSegmentIdsList(), IDS_CHARS)});
          first = false;
        }
      }
    }
    if (p.getChannelsCount() == 0) {
      sb.append("no channels\n");
    } else {
      sb.append(Output.table(rows));
    }
    if (unservedSegments == 0 && unservedChannels == 0) {
      sb.append("every channel and segment of the current target is served in every replica");
    } else {
      sb.append("not served (node 0): ").append(unservedChannels).append(" channel delegator(s), ")
          .append(unservedSegments).append(" segment(s) (counted per replica)");
    }
    return sb.toString();
  }

  public static JsonObject searchPlanJson(SearchPlan p) {
    return DataCoordOutput.proto(p);
  }

  // ---- resource groups ----

  public static String groupsText(ResourceGroupList l) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NAME", "REQUESTS", "LIMITS", "NODES", "NODE_IDS", "REPLICAS"});
    for (int i = 0; i < l.getGroupsCount(); i++) {
      ResourceGroup g = l.getGroups(i);
      int replicas = i < l.getReplicasCount() ? l.getReplicas(i).getReplicasCount() : 0;
      rows.add(new String[] {g.getName(), Integer.toString(g.getRequests()), Integer.toString(g.getLimits()),
          Integer.toString(g.getNodesCount()), ids(g.getNodesList(), IDS_CHARS), Integer.toString(replicas)});
    }
    return Output.table(rows) + l.getGroupsCount() + " resource group(s)";
  }

  public static JsonObject groupsJson(ResourceGroupList l) {
    return DataCoordOutput.proto(l);
  }

  public static String groupText(ResourceGroup g, ReplicaList replicas) {
    List<String[]> kv = new ArrayList<>();
    kv.add(new String[] {"name", g.getName()});
    kv.add(new String[] {"requests", g.getRequests() + " node(s)"});
    kv.add(new String[] {"limits", g.getLimits() + " node(s)"});
    kv.add(new String[] {"nodes", g.getNodesCount() + (g.getNodesCount() == 0 ? "" : " [" + ids(g.getNodesList()) + "]")});
    kv.add(new String[] {"created", time(g.getCreatedMs())});
    kv.add(new String[] {"replicas", Integer.toString(replicas.getReplicasCount())});
    StringBuilder sb = new StringBuilder(keyValues(kv));
    if (replicas.getReplicasCount() > 0) {
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"REPLICA", "COLLECTION", "NODES"});
      for (Replica r : replicas.getReplicasList()) {
        rows.add(new String[] {Long.toString(r.getId()), Long.toString(r.getCollectionId()), ids(r.getNodesList())});
      }
      Output.table(rows).lines().forEach(line -> sb.append("  ").append(line).append('\n'));
    }
    return strip(sb.toString());
  }

  public static JsonObject groupJson(ResourceGroup g, ReplicaList replicas) {
    JsonObject o = DataCoordOutput.proto(g);
    o.add("replicas", DataCoordOutput.proto(replicas).get("replicas"));
    return o;
  }

  // ---- helpers ----

  private static String keyValues(List<String[]> pairs) {
    int w = pairs.stream().mapToInt(p -> p[0].length()).max().orElse(0) + 1;
    StringBuilder sb = new StringBuilder();
    for (String[] p : pairs) {
      String key = p[0] + ":";
      sb.append(key).append(" ".repeat(w - key.length() + 2)).append(p[1]).append('\n');
    }
    return sb.toString();
  }

  private static String strip(String s) {
    return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
  }
}
