package io.raftcoord.tools.bench;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.internal.RaftTransport;
import io.raftcoord.proto.ClusterLayout;
import io.raftcoord.proto.datacoord.CollectionSelector;
import io.raftcoord.proto.datacoord.ListSegments;
import io.raftcoord.proto.datacoord.SegmentList;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.util.TimeDuration;

/**
 * The measurements of {@code segments-scale} that read a filled quorum: the time to list one
 * collection's segments (paged), a snapshot taken on demand and its size on disk, and a replica's
 * heap after a full GC (jcmd).
 */
final class ScaleProbe {
  private static final Pattern SNAPSHOT_DIR = Pattern.compile("snapshot\\.(\\d+)_(\\d+)");
  /** A heap line of GC.heap_info: "PSYoungGen total 305664K, used 15728K" or "garbage-first heap total ..K, used ..K". */
  private static final Pattern HEAP_USED = Pattern.compile("total \\d+K, used (\\d+)K");

  private ScaleProbe() {}

  /** One full paged list of the collection: milliseconds and segments seen. */
  record ListRun(double ms, long segments) {}

  static ListRun listOnce(CoordClient client, long collectionId, int pageSize) {
    long t0 = System.nanoTime();
    long after = 0;
    long n = 0;
    while (true) {
      SegmentList page = client.dataCoord().segments(ListSegments.newBuilder()
          .setCollection(CollectionSelector.newBuilder().setId(collectionId)).setAfterId(after).setLimit(pageSize).build());
      n += page.getSegmentsCount();
      if (page.getSegmentsCount() > 0) {
        after = page.getSegments(page.getSegmentsCount() - 1).getId();
      }
      if (!page.getMore() || page.getSegmentsCount() == 0) {
        return new ListRun((System.nanoTime() - t0) / 1e6, n);
      }
    }
  }

  /** Two untimed lists, then {@code runs} timed ones; their times in ms. */
  static double[] listTimes(CoordClient client, long collectionId, int pageSize, int runs, long expect) {
    for (int i = 0; i < 2; i++) {
      listOnce(client, collectionId, pageSize);
    }
    double[] ms = new double[runs];
    for (int i = 0; i < runs; i++) {
      ListRun r = listOnce(client, collectionId, pageSize);
      if (r.segments() != expect) {
        throw new IllegalStateException("the list collection has " + r.segments() + " segments, expected " + expect);
      }
      ms[i] = r.ms();
    }
    return ms;
  }

  /** A snapshot taken by Ratis's snapshot management call on replica {@code peerId}: its index. */
  static long takeSnapshot(String peers, String peerId, long timeoutMs) throws IOException {
    RaftProperties props = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(timeoutMs, TimeUnit.MILLISECONDS));
    RaftGroup group = RaftGroup.valueOf(RaftTransport.GROUP_ID, ClusterLayout.parsePeers(peers).stream()
        .map(p -> RaftPeer.newBuilder().setId(p.id()).setAddress(p.address()).build()).toList());
    try (RaftClient rc = RaftClient.newBuilder().setProperties(props).setRaftGroup(group).build()) {
      RaftClientReply reply = rc.getSnapshotManagementApi(RaftPeerId.valueOf(peerId)).create(true, timeoutMs);
      if (!reply.isSuccess()) {
        throw new IOException("snapshot on " + peerId + " failed: " + reply.getException());
      }
      return reply.getLogIndex();
    }
  }

  /** The newest snapshot folder under a replica's data directory ({@code raft/<group>/sm/snapshot.<term>_<index>}). */
  static Optional<Path> latestSnapshot(Path replicaDir) throws IOException {
    if (!Files.isDirectory(replicaDir)) {
      return Optional.empty();
    }
    Path best = null;
    long bestIndex = -1;
    try (Stream<Path> s = Files.find(replicaDir, 5, (p, a) -> a.isDirectory()
        && SNAPSHOT_DIR.matcher(p.getFileName().toString()).matches())) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Matcher m = SNAPSHOT_DIR.matcher(p.getFileName().toString());
        if (m.matches() && Long.parseLong(m.group(2)) > bestIndex) {
          bestIndex = Long.parseLong(m.group(2));
          best = p;
        }
      }
    }
    return Optional.ofNullable(best);
  }

  /** The snapshot index in a snapshot folder's name. */
  static long snapshotIndex(Path snapshotDir) {
    Matcher m = SNAPSHOT_DIR.matcher(snapshotDir.getFileName().toString());
    return m.matches() ? Long.parseLong(m.group(2)) : -1;
  }

  /** Bytes of the regular files under {@code dir}. */
  static long sizeOnDisk(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          return 0; // removed meanwhile
        }
      }).sum();
    }
  }

  /** Heap in use after a full GC of process {@code pid}, in bytes (jcmd GC.run, then GC.heap_info). */
  static OptionalLong heapAfterFullGc(long pid) throws IOException {
    jcmd(pid, "GC.run");
    return heapUsed(jcmd(pid, "GC.heap_info"));
  }

  /** The sum of the heap lines' "used" figures of GC.heap_info output (metaspace excluded). */
  static OptionalLong heapUsed(String heapInfo) {
    Matcher m = HEAP_USED.matcher(heapInfo);
    long kb = 0;
    boolean any = false;
    while (m.find()) {
      kb += Long.parseLong(m.group(1));
      any = true;
    }
    return any ? OptionalLong.of(kb * 1024) : OptionalLong.empty();
  }

  private static String jcmd(long pid, String command) throws IOException {
    String javaHome = System.getProperty("java.home");
    Path jcmd = Path.of(javaHome, "bin", "jcmd");
    List<String> cmd = new ArrayList<>(List.of(Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd",
        Long.toString(pid), command));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + " did not finish within 120 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new IOException("interrupted running " + String.join(" ", cmd));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + out.strip());
    }
    return out;
  }
}
