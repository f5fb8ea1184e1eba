package io.raftcoord.tools.bench;

import com.google.gson.JsonObject;
import io.raftcoord.client.CoordClient;
import io.raftcoord.proto.ClusterLayout;
import io.raftcoord.proto.datacoord.DataCoordSettings;
import io.raftcoord.tools.cli.Output;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * {@code bench.sh segments-scale}: fills the quorum to N segment records through the API
 * ({@link SegmentFill}), the listed collection first, and measures (a) the time to list that
 * collection at ~10,000 segments and at N, (b) the size of a snapshot taken at N, (c) every
 * replica's heap after a full GC, (d) restart times of a follower and of the whole cluster
 * ({@link RestartProbe}). The fill stays in the quorum (wipe it afterwards: dropping collections
 * of that many segments is not what is measured here).
 */
final class ScaleBench {
  static final double LIST_RATIO_TARGET = 2.0;
  static final long SNAPSHOT_TARGET_BYTES = 500L * 1000 * 1000;
  static final long HEAP_TARGET_BYTES = 2L * 1024 * 1024 * 1024;
  static final double RESTART_TARGET_S = 15;

  private final Bench opts;
  private final CoordClient client;
  private final ScalePlan plan;
  private final String peers;
  private final String tag = "scale" + Long.toString(System.currentTimeMillis(), 36);
  private final JsonObject json = new JsonObject();
  private final BenchOutput output;

  ScaleBench(Bench opts, CoordClient client, ScalePlan plan, String peers) {
    this.opts = opts;
    this.client = client;
    this.plan = plan;
    this.peers = peers;
    this.output = new BenchOutput(opts);
  }

  int run() throws IOException {
    json.addProperty("workload", "segments-scale");
    json.addProperty("segments", plan.segments());
    json.addProperty("binlogsPerSegment", plan.binlogs());
    AdminProbe probe = new AdminProbe(peers, opts.adminPortOffset);
    DataCoordSettings before = client.dataCoord().settings();
    long maxRows = SegmentsBench.maxRows(before);
    long wantMax = plan.segments() + plan.segments() / 10 + 100_000;
    if (before.getMaxSegments() < wantMax) {
      client.dataCoord().setSettings(DataCoordSettings.newBuilder().setMaxSegments(wantMax).build());
      output.log("segments-scale: max_segments %,d -> %,d for the fill (left so)", before.getMaxSegments(), wantMax);
    }
    if (!opts.json) {
      opts.out.printf(Locale.ROOT, "# segments-scale: %,d segments of %d binlogs (%,d rows each, importing assigns then"
              + " flushed reports); listed collection %,d segments, %d fill collections x %d shards; %d data nodes;"
              + " peers %s%n", plan.segments(), plan.binlogs(), maxRows, plan.listSegments(), plan.collections(),
          plan.shards(), plan.nodes(), peers);
      opts.out.flush();
    }
    List<String> names = new ArrayList<>();
    names.add(tag + "_list");
    for (int i = 0; i < plan.collections(); i++) {
      names.add(tag + "_" + i);
    }
    List<SegmentCollections.Coll> colls;
    SegmentCollections.Coll listed;
    double[] small;
    double[] large;
    try (DataNodeSessions nodes = DataNodeSessions.start(client, plan.nodes(), tag, opts.err)) {
      ClosedLoop.sleepQuietly(DataNodeSessions.SETTLE_MS);
      colls = SegmentCollections.create(client, plan.db(), names, plan.shards(), opts.err);
      listed = colls.get(0);
      Set<String> channels = new HashSet<>();
      colls.forEach(c -> channels.addAll(c.channels()));
      try (ChannelOwners owners = new ChannelOwners(client, nodes, channels, name -> { }, 500);
           TsClock clock = new TsClock(client, 200)) {
        int ready = owners.awaitAll(120_000);
        if (ready < channels.size()) {
          throw new IllegalStateException("only " + ready + " of " + channels.size() + " channels were watched by the"
              + " data nodes after 120 s");
        }
        long commit0 = Bench.maxCommitIndex(client);
        SegmentFill fill = new SegmentFill(client, owners, new LogIds(client, 1 << 22), clock, plan.binlogs(),
            plan.inFlight(), plan.requestsPerAssign(), opts.err);
        double s1 = fill.fill(listed, plan.listSegments(), maxRows, "listed collection");
        output.log("segments-scale: listed collection filled with %,d segments in %.1f s", plan.listSegments(), s1);
        small = ScaleProbe.listTimes(client, listed.id(), plan.pageSize(), plan.listRuns(), plan.listSegments());
        double s2 = 0;
        long left = plan.fillSegments();
        for (int i = 1; i < colls.size(); i++) {
          long share = left / (colls.size() - i);
          s2 += fill.fill(colls.get(i), share, maxRows, colls.get(i).name());
          left -= share;
        }
        long commit1 = Bench.maxCommitIndex(client);
        double fillSeconds = s1 + s2;
        output.log("segments-scale: filled %,d segments in %.1f s (%,.0f segments/s, %,d Raft entries, %d reports sent again)",
            plan.segments(), fillSeconds, plan.segments() / fillSeconds, commit1 - commit0, fill.retries());
        json.addProperty("fillSeconds", round(fillSeconds));
        json.addProperty("fillSegmentsPerSec", Math.round(plan.segments() / fillSeconds));
        large = ScaleProbe.listTimes(client, listed.id(), plan.pageSize(), plan.listRuns(), plan.listSegments());
      }
    }
    reportList(small, large);
    reportSnapshot(probe);
    reportHeap(probe);
    if (plan.restartsAny()) {
      reportRestarts(probe, listed);
    }
    if (opts.json) {
      opts.out.println(Output.json(json));
    }
    opts.out.flush();
    output.log("segments-scale: the %,d segments stay in the quorum; wipe it (scripts/cluster.sh wipe) when done", plan.segments());
    return 0;
  }

  private void reportList(double[] small, double[] large) {
    double a = Stats.median(small);
    double b = Stats.median(large);
    double ratio = b / a;
    JsonObject o = new JsonObject();
    o.addProperty("collectionSegments", plan.listSegments());
    o.addProperty("pageSize", plan.pageSize());
    o.addProperty("runs", plan.listRuns());
    o.addProperty("medianMsAtSmall", round(a));
    o.addProperty("medianMsAtN", round(b));
    o.addProperty("ratio", round(ratio));
    o.addProperty("target", LIST_RATIO_TARGET);
    json.add("list", o);
    output.text("(a) list of the %,d-segment collection (pages of %,d, median of %d): %.1f ms with %,d segments filled (all"
            + " there are on a fresh quorum), %.1f ms with %,d; ratio %.2f (target <= %.0fx) %s", plan.listSegments(),
        plan.pageSize(), plan.listRuns(), a, plan.listSegments(), b, plan.segments(), ratio, LIST_RATIO_TARGET,
        verdict(ratio <= LIST_RATIO_TARGET));
  }

  private void reportSnapshot(AdminProbe probe) throws IOException {
    int leader = probe.leader(0);
    List<ClusterLayout.Peer> ps = ClusterLayout.parsePeers(peers);
    JsonObject o = new JsonObject();
    long index = -1;
    if (leader > 0) {
      try {
        index = ScaleProbe.takeSnapshot(peers, ps.get(leader - 1).id(), 300_000);
      } catch (IOException | RuntimeException e) {
        output.log("segments-scale: the snapshot call on the leader failed: %s", e.toString());
      }
      for (int i = 1; i <= ps.size(); i++) {
        if (i != leader) {
          try {
            ScaleProbe.takeSnapshot(peers, ps.get(i - 1).id(), 300_000);
          } catch (IOException | RuntimeException e) {
            output.log("segments-scale: the snapshot call on follower %s failed (%s); its latest snapshot is what it took"
                + " itself", ps.get(i - 1).id(), e.getMessage());
          }
        }
      }
    }
    o.addProperty("takenAtIndex", index);
    long largest = -1;
    StringBuilder per = new StringBuilder();
    for (int i = 1; i <= ps.size(); i++) {
      Path dir = plan.dataDir().resolve("n" + i);
      Optional<Path> snap = ScaleProbe.latestSnapshot(dir);
      long size = snap.isPresent() ? ScaleProbe.sizeOnDisk(snap.get()) : -1;
      long db = java.nio.file.Files.isDirectory(dir.resolve("db")) ? ScaleProbe.sizeOnDisk(dir.resolve("db")) : -1;
      JsonObject r = new JsonObject();
      r.addProperty("snapshotIndex", snap.map(ScaleProbe::snapshotIndex).orElse(-1L));
      r.addProperty("snapshotBytes", size);
      r.addProperty("dbBytes", db);
      o.add("n" + i, r);
      largest = Math.max(largest, size);
      per.append(String.format(Locale.ROOT, "%s n%d %s at index %d (live store %s)", per.length() == 0 ? "" : ";", i,
          mb(size), snap.map(ScaleProbe::snapshotIndex).orElse(-1L), mb(db)));
    }
    o.addProperty("largestBytes", largest);
    o.addProperty("targetBytes", SNAPSHOT_TARGET_BYTES);
    json.add("snapshot", o);
    if (largest < 0) {
      output.text("(b) snapshot: none found under %s (set --data-dir or RAFTCOORD_DATA to the quorum's data directory)",
          plan.dataDir());
    } else {
      output.text("(b) snapshot taken at index %d; latest snapshot on disk:%s; largest %s (target < 500 MB) %s", index, per,
          mb(largest), verdict(largest < SNAPSHOT_TARGET_BYTES));
    }
  }

  private void reportHeap(AdminProbe probe) {
    JsonObject o = new JsonObject();
    long largest = -1;
    StringBuilder per = new StringBuilder();
    for (int i = 1; i <= probe.size(); i++) {
      OptionalLong pid = ReplicaPids.byAdminPort(probe.adminPort(i));
      long used = -1;
      if (pid.isPresent()) {
        try {
          used = ScaleProbe.heapAfterFullGc(pid.getAsLong()).orElse(-1);
        } catch (IOException e) {
          output.log("segments-scale: heap of n%d (pid %d): %s", i, pid.getAsLong(), e.getMessage());
        }
      }
      o.addProperty("n" + i, used);
      largest = Math.max(largest, used);
      per.append(String.format(Locale.ROOT, "%s n%d %s", per.length() == 0 ? "" : ",", i,
          used < 0 ? "n/a" : mib(used)));
    }
    o.addProperty("largestBytes", largest);
    o.addProperty("targetBytes", HEAP_TARGET_BYTES);
    json.add("heapAfterFullGc", o);
    output.text("(c) heap after a full GC (jcmd GC.run; GC.heap_info):%s; largest %s (target < 2 GiB) %s", per,
        largest < 0 ? "n/a" : mib(largest), largest < 0 ? "(no local replica found)" : verdict(largest < HEAP_TARGET_BYTES));
  }

  private void reportRestarts(AdminProbe probe, SegmentCollections.Coll listed) throws IOException {
    ClusterControl ctl = new ClusterControl(ClusterControl.script(opts.clusterScript), peers, probe);
    RestartProbe.Read read = (c, peerId) -> {
      if (peerId == null) {
        c.catalog().describeCollection(plan.db(), listed.name());
      } else {
        c.catalog().at(peerId).describeCollection(plan.db(), listed.name());
      }
    };
    RestartProbe restarts = new RestartProbe(ctl, peers, read, plan.catchupTimeoutMs());
    if (plan.restartFollower()) {
      int victim = restarts.pickFollower();
      output.log("segments-scale: SIGKILL and restart of follower n%d", victim);
      RestartProbe.Times t = restarts.follower(client, victim);
      json.add("restartFollower", timesJson(t, victim));
      output.text("(d) follower n%d SIGKILLed and restarted: admin up after %s s, caught up with the leader's commit index %d"
              + " after %s s, served a read (ReadIndex through it) after %s s (target <= 15 s) %s", victim, secs(t.up()),
          t.index(), secs(t.caughtUp()), secs(t.served()), verdict(t.served() <= RESTART_TARGET_S));
    }
    if (plan.restartCluster()) {
      output.log("segments-scale: stopping and starting the whole cluster");
      RestartProbe.Times t = restarts.cluster();
      json.add("restartCluster", timesJson(t, 0));
      output.text("(d) whole cluster stopped and started: leader after %s s, every replica at the leader's commit index %d after"
              + " %s s, a linearizable read served after %s s (target <= 15 s) %s", secs(t.up()), t.index(),
          secs(t.caughtUp()), secs(t.served()), verdict(t.served() <= RESTART_TARGET_S));
    }
  }

  private static JsonObject timesJson(RestartProbe.Times t, int replica) {
    JsonObject o = new JsonObject();
    if (replica > 0) {
      o.addProperty("replica", replica);
    }
    o.addProperty("upSeconds", round(t.up()));
    o.addProperty("caughtUpSeconds", round(t.caughtUp()));
    o.addProperty("servedSeconds", round(t.served()));
    o.addProperty("index", t.index());
    o.addProperty("targetSeconds", RESTART_TARGET_S);
    return o;
  }

  static String verdict(boolean ok) {
    return ok ? "ok" : "MISSED";
  }

  static String mb(long bytes) {
    return bytes < 0 ? "n/a" : String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
  }

  static String mib(long bytes) {
    return String.format(Locale.ROOT, "%.0f MiB", bytes / 1048576.0);
  }

  static String secs(double s) {
    return Double.isNaN(s) ? "never" : String.format(Locale.ROOT, "%.2f", s);
  }

  static Double round(double d) {
    return Double.isNaN(d) ? null : Math.round(d * 1000) / 1000.0;
  }
}
