package io.raftcoord.statemachine.datacoord;

import static io.raftcoord.statemachine.sm.Batches.only;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Message;
import io.raftcoord.proto.BatchReply;
import io.raftcoord.proto.CatalogChange;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandBatch;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.CreateCollectionRequest;
import io.raftcoord.proto.DataType;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.datacoord.AssignSegments;
import io.raftcoord.proto.datacoord.Binlog;
import io.raftcoord.proto.datacoord.Channel;
import io.raftcoord.proto.datacoord.ChannelCheckpoint;
import io.raftcoord.proto.datacoord.ChannelList;
import io.raftcoord.proto.datacoord.ChannelMove;
import io.raftcoord.proto.datacoord.ChannelWatchState;
import io.raftcoord.proto.datacoord.DataCoordReply;
import io.raftcoord.proto.datacoord.DataCoordSettings;
import io.raftcoord.proto.datacoord.FieldBinlog;
import io.raftcoord.proto.datacoord.FlushCollection;
import io.raftcoord.proto.datacoord.FlushState;
import io.raftcoord.proto.datacoord.GetFlushState;
import io.raftcoord.proto.datacoord.ListChannels;
import io.raftcoord.proto.datacoord.Position;
import io.raftcoord.proto.datacoord.ReportChannelState;
import io.raftcoord.proto.datacoord.SaveBinlogPaths;
import io.raftcoord.proto.datacoord.SaveChannelCheckpoints;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentAssignment;
import io.raftcoord.proto.datacoord.SegmentBinlogs;
import io.raftcoord.proto.datacoord.SegmentLevel;
import io.raftcoord.proto.datacoord.SegmentReport;
import io.raftcoord.proto.datacoord.SegmentRequest;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.proto.datacoord.SetDataCoordSettings;
import io.raftcoord.proto.session.ExpireSessions;
import io.raftcoord.proto.session.RegisterSession;
import io.raftcoord.proto.session.RemoveSession;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionCommandReply;
import io.raftcoord.proto.session.SessionRef;
import io.raftcoord.proto.session.StopSession;
import io.raftcoord.statemachine.sm.Batches;
import io.raftcoord.statemachine.sm.CoordState;
import io.raftcoord.statemachine.domain.PlantedBug;
import io.raftcoord.statemachine.store.StoreDump;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model-based test of DataCoord. Thousands of seeded random steps (assignments, binlog reports
 * with and without flush, retries, reports from stale nodes, checkpoints, the seal, flush and
 * channel duties, collection flushes and their flush state, node stops, expiries and removals,
 * partition and collection creates and drops, store reopens) go both to the state machine and to
 * a plain model of the contract in /tmp/dc/SPEC.md and the proto, written here with its own
 * maps and rules (it calls no production class). Every reply code must agree, OK replies must
 * name the same segments, and after every step the segments (ids, states, rows, sizes, live
 * allocations, seal reasons) and the channels (owner, state, checkpoint) must agree; binlog ids
 * are compared field by field every 25 steps and at the end. Finally the whole log is replayed
 * into a fresh store: same replies, same dump.
 *
 * <p>Settings make segments small (100 or 63 rows) and the jitter 0.1%, so that the size policy's
 * threshold is an exact row count; the balance quiet period is too long to elapse, so channels
 * move only when a node leaves, stops or fails a watch (balancing is ChannelPlannerTest's).
 */
class DataCoordModelTest {
  private static final int STEPS = 3_000;
  private static final long SEGMENT_BYTES = 5_600;
  private static final int PROPORTION = 500;
  private static final int JITTER = 1;
  private static final long LIFE = 60_000;
  private static final long IDLE = 15_000;
  private static final long MIN_IDLE_BYTES = 1_000;
  private static final int MAX_FILES = 5;
  private static final long CAP = 8_000;
  private static final long L0_ENTRIES = 60;
  private static final long L0_BYTES = 20_000;
  private static final long EXPIRE = 2_000;
  private static final long QUIET = 1_000_000_000_000L;
  private static final Set<ChannelWatchState> HOLDING =
      Set.of(ChannelWatchState.TO_WATCH, ChannelWatchState.WATCH_SUCCESS, ChannelWatchState.TO_RELEASE);

  @TempDir
  Path dir;

  // ================================= the model =================================

  static final class Seg {
    final long id;
    final long coll;
    final long part;
    final String channel;
    final SegmentLevel level;
    final long maxRows;
    final long rowBytes;
    final long created;
    SegmentState state;
    long rows;
    long lastWrite;
    String reason = "";
    final List<long[]> allocations = new ArrayList<>();
    final Map<String, TreeMap<Long, LinkedHashMap<Long, Binlog>>> logs = new TreeMap<>();
    SessionRef lastNode;
    SegmentReport lastReport;

    Seg(long id, long coll, long part, String channel, SegmentLevel level, long maxRows, long rowBytes, long created,
        SegmentState state) {
      this.id = id;
      this.coll = coll;
      this.part = part;
      this.channel = channel;
      this.level = level;
      this.maxRows = maxRows;
      this.rowBytes = rowBytes;
      this.created = created;
      this.state = state;
      this.lastWrite = created;
      for (String kind : List.of("binlogs", "deltalogs", "statslogs")) {
        logs.put(kind, new TreeMap<>());
      }
    }

    Seg copy() {
      Seg c = new Seg(id, coll, part, channel, level, maxRows, rowBytes, created, state);
      c.rows = rows;
      c.lastWrite = lastWrite;
      c.reason = reason;
      c.allocations.addAll(allocations);
      logs.forEach((kind, fields) -> fields.forEach((f, m) -> c.logs.get(kind).put(f, new LinkedHashMap<>(m))));
      c.lastNode = lastNode;
      c.lastReport = lastReport;
      return c;
    }

    boolean active() {
      return state != SegmentState.FLUSHED && state != SegmentState.DROPPED;
    }

    long live(long now) {
      return allocations.stream().filter(a -> a[1] > now).mapToLong(a -> a[0]).sum();
    }

    boolean allExpired(long now) {
      return allocations.stream().allMatch(a -> a[1] <= now);
    }

    long files() {
      return logs.get("binlogs").values().stream().mapToLong(Map::size).max().orElse(0);
    }

    long bytes(String kind) {
      return logs.get(kind).values().stream().flatMap(m -> m.values().stream()).mapToLong(Binlog::getSize).sum();
    }

    long deltaEntries() {
      return logs.get("deltalogs").values().stream().flatMap(m -> m.values().stream()).mapToLong(Binlog::getEntries).sum();
    }

    long size() {
      return Math.max(bytes("binlogs"), rows * rowBytes);
    }

    String shape(long now) {
      return id + " coll=" + coll + " part=" + part + " ch=" + channel + " " + state + " " + level + " rows=" + rows
          + " max=" + maxRows + " reason=" + reason + " created=" + created + " lastWrite=" + lastWrite + " files=" + files()
          + " bytes=" + bytes("binlogs") + " deltas=" + deltaEntries() + "/" + bytes("deltalogs") + " live=" + live(now);
    }

    String logShape() {
      StringBuilder b = new StringBuilder();
      logs.forEach((kind, fields) -> fields.forEach((f, m) -> b.append(kind).append(':').append(f).append('=')
          .append(m.keySet()).append(' ')));
      return b.toString();
    }
  }

  static final class Coll {
    final long id;
    final String name;
    final List<String> channels;
    final List<Long> partitions = new ArrayList<>();
    final long rowBytes;

    Coll(long id, String name, List<String> channels, long rowBytes) {
      this.id = id;
      this.name = name;
      this.channels = channels;
      this.rowBytes = rowBytes;
    }
  }

  static final class Ch {
    final String name;
    final long coll;
    SessionRef node;
    ChannelWatchState state;
    long checkpoint = -1;

    Ch(String name, long coll) {
      this.name = name;
      this.coll = coll;
    }

    String shape() {
      return name + " coll=" + coll + " node=" + node.getServerId() + "@" + node.getEpoch() + " " + state + " cp="
          + (checkpoint < 0 ? "none" : checkpoint);
    }
  }

  /** What the model expects of one command: a code, and for some OK replies the segment ids named. */
  record Expect(ErrorCode code, List<Long> ids, String why) {
    static Expect fail(ErrorCode code, String why) {
      return new Expect(code, null, why);
    }

    static Expect ok(List<Long> ids) {
      return new Expect(ErrorCode.OK, ids, "ok");
    }
  }

  static final class Model {
    final TreeMap<Long, Seg> segs = new TreeMap<>();
    final TreeMap<Long, Coll> colls = new TreeMap<>();
    /** Live data node sessions: id → (epoch, stopping). */
    final TreeMap<Long, long[]> nodes = new TreeMap<>();
    final TreeMap<String, Ch> chans = new TreeMap<>();
    final boolean planted;
    final long maxSegments;
    long nextId;
    /** Segments a flushed report finished (FLUSHED or, without rows, DROPPED): coverage. */
    int flushedByReport;

    Model(boolean planted, long maxSegments) {
      this.planted = planted;
      this.maxSegments = maxSegments;
    }

    static long maxRows(long rowBytes) {
      return Math.max(1, SEGMENT_BYTES / rowBytes);
    }

    Coll liveColl(long id) {
      return colls.get(id);
    }

    // ---- assignment ----

    /** The grants of {@code reqs} as (segment id, rows, request index), committed only if OK. */
    Expect assign(List<SegmentRequest> reqs, long now, List<long[]> grantsOut) {
      if (reqs.isEmpty()) {
        return Expect.fail(ErrorCode.INVALID_ARGUMENT, "no requests");
      }
      for (SegmentRequest r : reqs) {
        Coll c = colls.get(r.getCollectionId());
        if (c == null) {
          return Expect.fail(ErrorCode.NOT_FOUND, "no collection");
        }
        if (!c.channels.contains(r.getChannel())) {
          return Expect.fail(ErrorCode.INVALID_ARGUMENT, "channel of another collection");
        }
        boolean allPartitions = r.getPartitionId() == -1 && r.getLevel() == SegmentLevel.L0;
        if (!allPartitions && !c.partitions.contains(r.getPartitionId())) {
          return Expect.fail(ErrorCode.INVALID_ARGUMENT, "no such partition");
        }
        if (r.getRows() < 1) {
          return Expect.fail(ErrorCode.INVALID_ARGUMENT, "rows");
        }
        if (r.getLevel() == SegmentLevel.L2) {
          return Expect.fail(ErrorCode.INVALID_ARGUMENT, "level");
        }
        if (r.getImporting() && r.getLevel() == SegmentLevel.L0) {
          return Expect.fail(ErrorCode.INVALID_ARGUMENT, "L0 import");
        }
      }
      TreeMap<Long, Seg> work = new TreeMap<>();
      int opened = 0;
      List<long[]> grants = new ArrayList<>();
      for (int i = 0; i < reqs.size(); i++) {
        SegmentRequest r = reqs.get(i);
        Coll c = colls.get(r.getCollectionId());
        long maxRows = maxRows(c.rowBytes);
        SegmentLevel level = r.getLevel() == SegmentLevel.L0 ? SegmentLevel.L0 : SegmentLevel.L1;
        TreeMap<Long, Seg> candidates = new TreeMap<>();
        for (Seg s : segs.values()) {
          if (s.channel.equals(r.getChannel())) {
            candidates.put(s.id, s);
          }
        }
        for (Seg s : work.values()) {
          if (s.channel.equals(r.getChannel())) {
            candidates.put(s.id, s);
          }
        }
        List<Seg> open = candidates.values().stream().filter(s -> s.state == SegmentState.GROWING && s.coll == c.id
            && s.part == r.getPartitionId() && s.level == level).toList();
        List<long[]> mine = new ArrayList<>(); // (existing id or -(new index + 1), rows)
        if (level == SegmentLevel.L0) {
          mine.add(new long[] {open.isEmpty() ? -1 : open.get(0).id, r.getRows()});
        } else if (!r.getImporting() && r.getRows() < maxRows) {
          Seg target = null;
          for (Seg s : open) {
            long used = s.rows + s.live(now);
            if (used < PROPORTION / 1000.0 * s.maxRows && used + r.getRows() <= s.maxRows) {
              target = s;
              break;
            }
          }
          mine.add(new long[] {target == null ? -1 : target.id, r.getRows()});
        } else {
          int k = 0;
          for (long left = r.getRows(); left > 0; left -= Math.min(left, maxRows)) {
            mine.add(new long[] {-(++k), Math.min(left, maxRows)});
          }
        }
        for (long[] g : mine) {
          Seg s;
          if (g[0] < 0) {
            long id = nextId + opened++;
            s = new Seg(id, c.id, r.getPartitionId(), r.getChannel(), level, maxRows, c.rowBytes, now,
                r.getImporting() ? SegmentState.IMPORTING : SegmentState.GROWING);
            work.put(id, s);
          } else {
            s = work.computeIfAbsent(g[0], id -> segs.get(id).copy());
          }
          s.allocations.add(new long[] {g[1], now + EXPIRE});
          s.lastWrite = now;
          grants.add(new long[] {s.id, g[1], i});
        }
      }
      if (opened > 0 && segs.values().stream().filter(x -> x.state != SegmentState.DROPPED).count() + opened > maxSegments) {
        return Expect.fail(ErrorCode.QUOTA_EXCEEDED, "max_segments");
      }
      segs.putAll(work);
      nextId += opened;
      grantsOut.addAll(grants);
      return Expect.ok(grants.stream().map(g -> g[0]).toList());
    }

    // ---- reports ----

    /** Whether {@code node} may write {@code channel}: null if so, else the refusal. */
    Expect fence(SessionRef node, String channel) {
      if (node.getServerId() == 0) {
        return Expect.fail(ErrorCode.INVALID_ARGUMENT, "no node");
      }
      Ch c = chans.get(channel);
      if (c == null) {
        return Expect.fail(ErrorCode.STALE_EPOCH, "channel not assigned");
      }
      if (planted) {
        return null;
      }
      if (!HOLDING.contains(c.state) || !c.node.equals(node)) {
        return Expect.fail(ErrorCode.STALE_EPOCH, "not the owner");
      }
      long[] live = nodes.get(node.getServerId());
      if (live == null || live[0] != node.getEpoch()) {
        return Expect.fail(ErrorCode.STALE_EPOCH, "the owner's session ended; the channel has not moved yet");
      }
      return null;
    }

    Expect save(SaveBinlogPaths cmd, long now) {
      for (SegmentReport r : cmd.getSegmentsList()) {
        if (r.getNumRows() < 0) {
          return Expect.fail(ErrorCode.INVALID_ARGUMENT, "negative rows");
        }
      }
      TreeMap<Long, Seg> next = new TreeMap<>();
      List<Long> ids = new ArrayList<>();
      for (SegmentReport r : cmd.getSegmentsList()) {
        Seg s = segs.get(r.getSegmentId());
        if (s == null) {
          return Expect.fail(ErrorCode.NOT_FOUND, "no segment");
        }
        Expect stale = fence(cmd.getNode(), s.channel);
        if (stale != null) {
          return stale;
        }
        ids.add(s.id);
        if (cmd.getNode().equals(s.lastNode) && r.equals(s.lastReport)) {
          continue; // the same report again: answered, nothing changes
        }
        if (!s.active()) {
          return Expect.fail(ErrorCode.FAILED_PRECONDITION, "segment is " + s.state);
        }
        Seg n = s.copy();
        append(n, "binlogs", r.getBinlogsList());
        append(n, "deltalogs", r.getDeltalogsList());
        append(n, "statslogs", r.getStatslogsList());
        n.rows = Math.max(n.rows, r.getNumRows());
        n.lastWrite = now;
        n.lastNode = cmd.getNode();
        n.lastReport = r;
        if (r.getFlushed()) {
          n.allocations.clear();
          n.state = n.rows > 0 || (n.level == SegmentLevel.L0 && n.deltaEntries() > 0) ? SegmentState.FLUSHED
              : SegmentState.DROPPED;
          flushedByReport++;
        }
        next.put(n.id, n);
      }
      Map<String, Long> cps = new TreeMap<>();
      Expect bad = checkpoints(cmd.getNode(), cmd.getCheckpointsList(), cps);
      if (bad != null) {
        return bad;
      }
      segs.putAll(next);
      cps.forEach((ch, ts) -> chans.get(ch).checkpoint = ts);
      return Expect.ok(ids);
    }

    private static void append(Seg s, String kind, List<FieldBinlog> fields) {
      for (FieldBinlog f : fields) {
        LinkedHashMap<Long, Binlog> m = s.logs.get(kind).computeIfAbsent(f.getFieldId(), k -> new LinkedHashMap<>());
        for (Binlog b : f.getBinlogsList()) {
          m.putIfAbsent(b.getLogId(), b);
        }
      }
    }

    /** Fills {@code out} with the checkpoints that move forward, or answers the refusal. */
    Expect checkpoints(SessionRef node, List<ChannelCheckpoint> list, Map<String, Long> out) {
      for (ChannelCheckpoint cp : list) {
        Expect stale = fence(node, cp.getChannel());
        if (stale != null) {
          return stale;
        }
        if (cp.getPosition().getTimestamp() < 0) {
          return Expect.fail(ErrorCode.INVALID_ARGUMENT, "negative checkpoint");
        }
        long current = out.getOrDefault(cp.getChannel(), chans.get(cp.getChannel()).checkpoint);
        if (cp.getPosition().getTimestamp() > current) {
          out.put(cp.getChannel(), cp.getPosition().getTimestamp());
        }
      }
      return null;
    }

    Expect saveCheckpoints(SaveChannelCheckpoints cmd) {
      if (cmd.getCheckpointsCount() < 1 || cmd.getCheckpointsCount() > 128) {
        return Expect.fail(ErrorCode.INVALID_ARGUMENT, "checkpoint count");
      }
      Map<String, Long> cps = new TreeMap<>();
      Expect bad = checkpoints(cmd.getNode(), cmd.getCheckpointsList(), cps);
      if (bad != null) {
        return bad;
      }
      cps.forEach((ch, ts) -> chans.get(ch).checkpoint = ts);
      return Expect.ok(List.of());
    }

    Expect channelState(ReportChannelState cmd) {
      Ch c = chans.get(cmd.getChannel());
      if (c == null || !c.node.equals(cmd.getNode())) {
        return Expect.fail(ErrorCode.STALE_EPOCH, "not the owner");
      }
      if (c.state == cmd.getState()) {
        return Expect.ok(List.of());
      }
      boolean expected = switch (c.state) {
        case TO_WATCH -> cmd.getState() == ChannelWatchState.WATCH_SUCCESS || cmd.getState() == ChannelWatchState.WATCH_FAILURE;
        case TO_RELEASE -> cmd.getState() == ChannelWatchState.RELEASE_SUCCESS
            || cmd.getState() == ChannelWatchState.RELEASE_FAILURE;
        default -> false;
      };
      if (!expected) {
        return Expect.fail(ErrorCode.FAILED_PRECONDITION, c.state + " does not take " + cmd.getState());
      }
      c.state = cmd.getState();
      return Expect.ok(List.of());
    }

    // ---- duties ----

    /** Active segments by channel name, each by id. */
    TreeMap<String, List<Seg>> activeByChannel() {
      TreeMap<String, List<Seg>> out = new TreeMap<>();
      for (Seg s : segs.values()) {
        if (s.active()) {
          out.computeIfAbsent(s.channel, k -> new ArrayList<>()).add(s);
        }
      }
      return out;
    }

    /** The seal policies at leader time {@code t}: segment id → reason. */
    Map<Long, String> sealPlan(long t) {
      Map<Long, String> out = new LinkedHashMap<>();
      for (List<Seg> channel : activeByChannel().values()) {
        List<Seg> growing = channel.stream().filter(s -> s.state == SegmentState.GROWING).toList();
        for (Seg s : growing) {
          String r = policy(s, t);
          if (r != null) {
            out.put(s.id, r);
          }
        }
        List<Seg> l1 = growing.stream().filter(s -> s.level != SegmentLevel.L0).toList();
        long total = l1.stream().filter(s -> !out.containsKey(s.id)).mapToLong(Seg::size).sum();
        if (total >= CAP) {
          List<Seg> largest = new ArrayList<>(l1);
          largest.sort(Comparator.comparingLong(Seg::size).reversed().thenComparingLong(s -> s.id));
          for (Seg s : largest) {
            if (total < CAP) {
              break;
            }
            if (!out.containsKey(s.id)) {
              out.put(s.id, "channel-growing-cap");
              total -= s.size();
            }
          }
        }
        List<Seg> l0 = growing.stream().filter(s -> s.level == SegmentLevel.L0).toList();
        long entries = l0.stream().mapToLong(Seg::deltaEntries).sum();
        long bytes = l0.stream().mapToLong(s -> s.bytes("deltalogs")).sum();
        if (!l0.isEmpty() && (entries >= L0_ENTRIES || bytes >= L0_BYTES)) {
          Seg oldest = l0.stream().min(Comparator.comparingLong((Seg s) -> s.created).thenComparingLong(s -> s.id)).orElseThrow();
          out.putIfAbsent(oldest.id, "l0-volume");
        }
      }
      return out;
    }

    private static String policy(Seg s, long t) {
      if (s.level != SegmentLevel.L0) {
        double at = PROPORTION / 1000.0 * s.maxRows;
        double jittered = at * (1 - JITTER / 1000.0);
        if (s.rows > jittered && s.rows < at) {
          throw new IllegalStateException("the model cannot tell the jittered size threshold for " + s.rows + " rows of "
              + s.maxRows);
        }
        if (s.rows > 0 && s.rows >= at) {
          return "size";
        }
      }
      if (t - s.created >= LIFE) {
        return "lifetime";
      }
      if (t - s.lastWrite >= IDLE && s.size() >= MIN_IDLE_BYTES && s.size() > 0) {
        return "idle";
      }
      if (s.files() >= MAX_FILES) {
        return "binlog-files";
      }
      return null;
    }

    List<Long> seal(Map<Long, String> plan) {
      List<Long> out = new ArrayList<>();
      plan.forEach((id, reason) -> {
        Seg s = segs.get(id);
        if (s.state == SegmentState.GROWING) {
          s.state = SegmentState.SEALED;
          s.reason = reason;
          out.add(id);
        }
      });
      return out;
    }

    List<Long> flushPlan(long t) {
      List<Long> out = new ArrayList<>();
      for (List<Seg> channel : activeByChannel().values()) {
        for (Seg s : channel) {
          if (s.state == SegmentState.SEALED && s.allExpired(t)) {
            out.add(s.id);
          }
        }
      }
      return out;
    }

    List<Long> startFlush(List<Long> ids, long now) {
      List<Long> out = new ArrayList<>();
      for (long id : ids) {
        Seg s = segs.get(id);
        if (s.state == SegmentState.SEALED && s.allExpired(now)) {
          s.state = SegmentState.FLUSHING;
          s.allocations.clear();
          out.add(id);
        }
      }
      return out;
    }

    /** The live owner of a channel (assigned at the epoch of a live data node and holding it), or null. */
    long[] owner(Ch c) {
      if (c == null) {
        return null;
      }
      long[] n = nodes.get(c.node.getServerId());
      if (n == null || n[0] != c.node.getEpoch() || !HOLDING.contains(c.state)) {
        return null;
      }
      return n;
    }

    /** One round of placement: channel → (target, state). */
    Map<String, Object[]> channelPlan() {
      Map<String, Object[]> moves = new LinkedHashMap<>();
      TreeMap<String, Long> slots = new TreeMap<>();
      for (Coll c : colls.values()) {
        c.channels.forEach(ch -> slots.put(ch, c.id));
      }
      TreeMap<Long, Integer> load = new TreeMap<>();
      nodes.forEach((id, n) -> {
        if (n[1] == 0) {
          load.put(id, 0);
        }
      });
      for (String name : slots.keySet()) {
        Ch c = chans.get(name);
        if (owner(c) != null && load.containsKey(c.node.getServerId())) {
          load.merge(c.node.getServerId(), 1, Integer::sum);
        }
      }
      for (String name : slots.keySet()) {
        Ch c = chans.get(name);
        long[] owner = owner(c);
        if (owner != null) {
          if (owner[1] == 1 && c.state != ChannelWatchState.TO_RELEASE && !load.isEmpty()) {
            moves.put(name, new Object[] {c.node, ChannelWatchState.TO_RELEASE});
          }
          continue;
        }
        long failed = c != null && c.state == ChannelWatchState.WATCH_FAILURE ? c.node.getServerId() : -1;
        Long best = null;
        for (Map.Entry<Long, Integer> e : load.entrySet()) {
          if (e.getKey() == failed && load.size() > 1) {
            continue;
          }
          if (best == null || e.getValue() < load.get(best)) {
            best = e.getKey();
          }
        }
        if (best != null) {
          load.merge(best, 1, Integer::sum);
          SessionRef to = SessionRef.newBuilder().setServerId(best).setEpoch(nodes.get(best)[0]).build();
          moves.put(name, new Object[] {to, ChannelWatchState.TO_WATCH, slots.get(name)});
        }
      }
      return moves;
    }

    void move(Map<String, Object[]> moves) {
      moves.forEach((name, m) -> {
        ChannelWatchState st = (ChannelWatchState) m[1];
        if (st == ChannelWatchState.TO_WATCH) {
          Ch c = chans.computeIfAbsent(name, n -> new Ch(n, (Long) m[2]));
          c.node = (SessionRef) m[0];
        }
        chans.get(name).state = st;
      });
    }

    // ---- flush ----

    Expect flushCollection(String name, List<Long> idsOut) {
      Coll c = colls.values().stream().filter(x -> x.name.equals(name)).findFirst().orElse(null);
      if (c == null) {
        return Expect.fail(ErrorCode.NOT_FOUND, "no collection");
      }
      List<Long> ids = new ArrayList<>();
      for (String ch : c.channels) {
        for (Seg s : segs.values()) {
          if (s.channel.equals(ch) && s.coll == c.id && s.active() && s.state != SegmentState.IMPORTING) {
            if (s.state == SegmentState.GROWING) {
              s.state = SegmentState.SEALED;
              s.reason = "flush";
            }
            ids.add(s.id);
          }
        }
      }
      idsOut.addAll(ids);
      return Expect.ok(ids);
    }

    FlushState flushState(List<Long> ids, long flushTs, long collection) {
      FlushState.Builder b = FlushState.newBuilder();
      for (long id : ids) {
        Seg s = segs.get(id);
        if (s != null && s.active()) {
          b.addPendingSegments(id);
        }
      }
      Coll c = colls.get(collection);
      if (c != null) {
        for (String ch : c.channels) {
          Ch x = chans.get(ch);
          if (x == null || Math.max(x.checkpoint, 0) < flushTs) {
            b.addPendingChannels(ch);
          }
        }
      }
      return b.setFlushed(b.getPendingSegmentsCount() == 0 && b.getPendingChannelsCount() == 0).build();
    }

    // ---- catalog ----

    void dropCollection(long id) {
      Coll c = colls.remove(id);
      c.channels.forEach(chans::remove);
      for (Seg s : segs.values()) {
        if (s.coll == id && s.state != SegmentState.DROPPED) {
          s.state = SegmentState.DROPPED;
          s.allocations.clear();
        }
      }
    }

    void dropPartition(Coll c, long part) {
      c.partitions.remove(part);
      for (Seg s : segs.values()) {
        if (s.coll == c.id && s.part == part && s.state != SegmentState.DROPPED) {
          s.state = SegmentState.DROPPED;
          s.allocations.clear();
        }
      }
    }
  }

  // ================================= the run =================================

  /** One seeded run: the generator, the state machine, the model, and the comparisons. */
  private final class Run {
    final long seed;
    final Random rnd;
    final Model model;
    final DataCoordFixture f;
    final List<BatchReply> replies = new ArrayList<>();
    final List<SessionRef> ended = new ArrayList<>();
    final Map<Long, Integer> logSizes = new TreeMap<>();
    long nextLogId = 1;
    int step;
    int collections;
    int partitions;
    SaveBinlogPaths lastReport;
    DataCoordReply lastFlush;
    long lastFlushTs = 1_000_000;
    final Map<String, Integer> seen = new TreeMap<>();

    Run(long seed, Path storeDir) {
      this.seed = seed;
      this.rnd = new Random(seed);
      boolean planted = seed % 4 == 3;
      this.model = new Model(planted, seed % 4 == 2 ? 40 : 10_000_000);
      this.f = new DataCoordFixture(storeDir, planted ? Set.of(PlantedBug.DATACOORD_ACCEPTS_STALE_EPOCH) : Set.of());
    }

    String where() {
      return "seed " + seed + " step " + step;
    }

    CommandReply apply(Command c) {
      f.time += 1;
      BatchReply r = f.entry(0, c);
      replies.add(r);
      return only(r);
    }

    CommandReply apply(Message body) {
      return apply(DataCoordFixture.command(body));
    }

    /** The entry time of the next command. */
    long now() {
      return f.time + 1;
    }

    void check(Expect e, CommandReply r, Supplier<String> what) {
      assertEquals(e.code(), r.getCode(),
          () -> where() + ": " + what.get() + " -> " + r.getMessage() + " (model: " + e.why() + ")");
      seen.merge(r.getCode().name(), 1, Integer::sum);
    }

    void setUp() {
      CommandReply r = apply(SetDataCoordSettings.newBuilder().setSettings(DataCoordSettings.newBuilder()
          .setMaxSegmentBytes(SEGMENT_BYTES).setSealProportionPermille(PROPORTION).setSealJitterPermille(JITTER)
          .setMaxLifeMs(LIFE).setMaxIdleMs(IDLE).setMinSizeFromIdleBytes(MIN_IDLE_BYTES).setMaxBinlogFiles(MAX_FILES)
          .setChannelGrowingCapBytes(CAP).setL0MaxEntries(L0_ENTRIES).setL0MaxBytes(L0_BYTES).setAllocationExpireMs(EXPIRE)
          .setChannelBalanceQuietMs(QUIET).setMaxSegments(model.maxSegments)).build());
      assertEquals(ErrorCode.OK, r.getCode(), r::getMessage);
      model.nextId = f.state.ids().nextId();
      for (int i = 0; i < 2; i++) {
        registerNode();
      }
      for (int i = 0; i < 2; i++) {
        createCollection();
      }
    }

    // ---- catalog and sessions (set the scene; checked only as far as DataCoord depends on them) ----

    void createCollection() {
      int dim = rnd.nextBoolean() ? 8 : 16;
      CollectionSchema schema = CollectionSchema.newBuilder()
          .addFields(Batches.field("id", DataType.INT64).setIsPrimary(true))
          .addFields(Batches.field("vec", DataType.FLOAT_VECTOR).setDim(dim)).build();
      String name = "c" + collections++;
      CommandReply r = apply(Batches.createCollection(CreateCollectionRequest.newBuilder().setDb("default").setName(name)
          .setSchema(schema).setShardsNum(1 + rnd.nextInt(3)).build()));
      CollectionInfo c = Batches.catalogOk(r).getCollection();
      assertEquals(model.nextId, c.getId(), where() + ": the collection takes the next id");
      model.nextId += 2;
      Coll m = new Coll(c.getId(), name, List.copyOf(c.getVirtualChannelsList()), 16 + 8 + 4L * dim);
      m.partitions.add(c.getPartitions(0).getId());
      model.colls.put(m.id, m);
    }

    void dropCollection() {
      Coll c = pick(new ArrayList<>(model.colls.values()));
      Batches.catalogOk(apply(Batches.dropCollection("default", c.name)));
      model.dropCollection(c.id);
    }

    void createPartition() {
      Coll c = pick(new ArrayList<>(model.colls.values()));
      String name = "p" + partitions++;
      CatalogChange change = Batches.catalogOk(apply(Batches.createPartition("default", c.name, name)));
      assertEquals(model.nextId, change.getPartition().getId());
      model.nextId++;
      c.partitions.add(change.getPartition().getId());
    }

    void dropPartition() {
      List<Coll> with = model.colls.values().stream().filter(c -> c.partitions.size() > 1).toList();
      if (with.isEmpty()) {
        createPartition();
        return;
      }
      Coll c = pick(with);
      long part = c.partitions.get(1 + rnd.nextInt(c.partitions.size() - 1));
      CatalogChange dropped = null;
      CollectionInfo info = f.collection(c.id);
      for (var p : info.getPartitionsList()) {
        if (p.getId() == part) {
          dropped = Batches.catalogOk(apply(Batches.dropPartition("default", c.name, p.getName())));
        }
      }
      assertEquals(part, dropped.getPartition().getId());
      model.dropPartition(c, part);
    }

    void registerNode() {
      CommandReply r = apply(RegisterSession.newBuilder().setRole(rnd.nextInt(3) == 0 ? "streamingnode" : "datanode")
          .setAddress("n" + model.nextId + ":1").build());
      assertEquals(ErrorCode.OK, r.getCode(), r::getMessage);
      Session s = DataCoordFixture.unpack(r.getDomain(), SessionCommandReply.class).getSession();
      assertEquals(model.nextId, s.getServerId(), where() + ": the session takes the next id");
      model.nextId++;
      model.nodes.put(s.getServerId(), new long[] {s.getEpoch(), 0});
    }

    void endOrStopNode() {
      if (model.nodes.isEmpty()) {
        registerNode();
        return;
      }
      long id = pick(new ArrayList<>(model.nodes.keySet()));
      long[] n = model.nodes.get(id);
      SessionRef ref = SessionRef.newBuilder().setServerId(id).setEpoch(n[0]).build();
      int op = rnd.nextInt(3);
      CommandReply r;
      if (op == 0) {
        r = apply(StopSession.newBuilder().setSession(ref).build());
        n[1] = 1;
      } else {
        r = apply(op == 1 ? ExpireSessions.newBuilder().addExpire(ref).setPlannedRevision(f.state.appliedIndex()).build()
            : RemoveSession.newBuilder().setSession(ref).build());
        model.nodes.remove(id);
        ended.add(ref);
      }
      assertEquals(ErrorCode.OK, r.getCode(), () -> where() + ": " + r.getMessage());
    }

    // ---- datacoord steps ----

    <T> T pick(List<T> list) {
      return list.get(rnd.nextInt(list.size()));
    }

    void assign() {
      List<SegmentRequest> reqs = new ArrayList<>();
      int n = rnd.nextInt(10) < 8 ? 1 : 2 + rnd.nextInt(2);
      for (int i = 0; i < n; i++) {
        reqs.add(request());
      }
      List<long[]> grants = new ArrayList<>();
      long now = now();
      Expect e = model.assign(reqs, now, grants);
      CommandReply r = apply(AssignSegments.newBuilder().addAllRequests(reqs).build());
      check(e, r, () -> "assign " + reqs);
      if (e.code() == ErrorCode.OK) {
        List<SegmentAssignment> got = DataCoordFixture.dc(r).getAssignmentsList();
        assertEquals(grants.size(), got.size(), where());
        for (int i = 0; i < got.size(); i++) {
          long[] g = grants.get(i);
          SegmentAssignment a = got.get(i);
          assertEquals(List.of(g[0], g[1], g[2], now + EXPIRE), List.of(a.getSegmentId(), a.getRows(), (long) a.getRequest(),
              a.getExpireMs()), where() + ": assignment " + i);
        }
      }
    }

    SegmentRequest request() {
      List<Coll> live = new ArrayList<>(model.colls.values());
      Coll c = pick(live);
      SegmentRequest.Builder b = SegmentRequest.newBuilder().setCollectionId(c.id).setChannel(pick(c.channels))
          .setPartitionId(pick(c.partitions));
      int kind = rnd.nextInt(100);
      long maxRows = Model.maxRows(c.rowBytes);
      if (kind < 3) {
        b.setCollectionId(424_242);
      } else if (kind < 6) {
        b.setChannel("by-dev-rootcoord-dml_999_1v0");
      } else if (kind < 9) {
        b.setPartitionId(rnd.nextBoolean() ? 424_242 : -1);
      } else if (kind < 10) {
        b.setLevel(SegmentLevel.L2);
      } else if (kind < 20) {
        b.setLevel(SegmentLevel.L0).setPartitionId(rnd.nextBoolean() ? -1 : b.getPartitionId());
      } else if (kind < 25) {
        b.setImporting(true).setLevel(rnd.nextInt(10) == 0 ? SegmentLevel.L0 : SegmentLevel.L1);
      } else if (kind < 27) {
        b.setRows(0);
        return b.build();
      }
      long rows = rnd.nextInt(10) == 0 ? maxRows + rnd.nextInt((int) (2 * maxRows)) : 1 + rnd.nextInt(30);
      return b.setRows(rows).build();
    }

    /** The channel's owner now (as a data node would know itself), or a stale reference. */
    SessionRef nodeFor(String channel, boolean stale) {
      Ch c = model.chans.get(channel);
      if (!stale && c != null) {
        return c.node;
      }
      List<SessionRef> others = new ArrayList<>(ended);
      model.nodes.forEach((id, n) -> others.add(SessionRef.newBuilder().setServerId(id).setEpoch(n[0]).build()));
      if (c != null) {
        others.add(c.node.toBuilder().setEpoch(c.node.getEpoch() - 1).build());
      }
      if (others.isEmpty()) {
        return SessionRef.newBuilder().setServerId(987_654).setEpoch(1).build();
      }
      return pick(others);
    }

    FieldBinlog logs(Seg s, long fieldId, boolean delta) {
      FieldBinlog.Builder b = FieldBinlog.newBuilder().setFieldId(fieldId);
      int fresh = 1 + rnd.nextInt(2);
      for (int i = 0; i < fresh; i++) {
        long id = nextLogId++;
        logSizes.put(id, delta ? 100 + rnd.nextInt(2_000) : 100 + rnd.nextInt(1_400));
        b.addBinlogs(binlog(id, delta));
      }
      if (rnd.nextInt(4) == 0) {
        // An old log id again: of this field (skipped), or of another field (a different file: kept).
        List<Long> old = new ArrayList<>();
        for (var m : s.logs.get(delta ? "deltalogs" : "binlogs").values()) {
          old.addAll(m.keySet());
        }
        if (!old.isEmpty()) {
          b.addBinlogs(binlog(pick(old), delta));
        }
      }
      return b.build();
    }

    Binlog binlog(long id, boolean delta) {
      return Binlog.newBuilder().setLogId(id).setEntries(delta ? 1 + id % 15 : 10).setTimestampFrom(id).setTimestampTo(id + 5)
          .setSize(logSizes.get(id)).build();
    }

    void report(boolean forceStale) {
      List<Seg> active = model.segs.values().stream().filter(Seg::active).toList();
      if (model.segs.isEmpty()) {
        assign();
        return;
      }
      List<Seg> flushing = active.stream().filter(x -> x.state == SegmentState.FLUSHING).toList();
      Seg s = !flushing.isEmpty() && rnd.nextInt(3) == 0 ? pick(flushing)
          : !active.isEmpty() && rnd.nextInt(10) > 0 ? pick(active) : pick(new ArrayList<>(model.segs.values()));
      boolean stale = forceStale || rnd.nextInt(100) < 12;
      SessionRef node = nodeFor(s.channel, stale);
      SegmentReport.Builder r = SegmentReport.newBuilder().setSegmentId(rnd.nextInt(50) == 0 ? 424_242 : s.id);
      long rows = s.level == SegmentLevel.L0 ? 0 : s.rows + rnd.nextInt(26);
      if (s.level != SegmentLevel.L0 && rnd.nextInt(10) == 0) {
        rows = Math.max(0, s.rows - 1 - rnd.nextInt(5));
      }
      if (s.level != SegmentLevel.L0 && s.rows == 0 && rnd.nextInt(8) == 0) {
        rows = 0;
      }
      r.setNumRows(rows);
      if (s.level == SegmentLevel.L0) {
        if (rnd.nextInt(4) > 0) {
          r.addDeltalogs(logs(s, 0, true));
        }
      } else {
        for (long field : List.of(100L, 101L)) {
          if (rnd.nextInt(3) > 0) {
            r.addBinlogs(logs(s, field, false));
          }
        }
        if (rnd.nextInt(5) == 0) {
          r.addStatslogs(logs(s, 100, false));
        }
      }
      int flushChance = switch (s.state) {
        case FLUSHING -> 80;
        case IMPORTING -> 30;
        default -> 8;
      };
      r.setFlushed(rnd.nextInt(100) < flushChance);
      r.setCheckpoint(Position.newBuilder().setTimestamp(step));
      SaveBinlogPaths.Builder cmd = SaveBinlogPaths.newBuilder().setNode(node).addSegments(r);
      if (rnd.nextInt(10) < 3) {
        cmd.addCheckpoints(checkpoint(s.channel));
      }
      send(cmd.build());
    }

    void send(SaveBinlogPaths cmd) {
      lastReport = cmd;
      Expect e = model.save(cmd, now());
      CommandReply r = apply(cmd);
      check(e, r, () -> "report " + cmd);
      if (e.code() == ErrorCode.OK) {
        assertEquals(e.ids(), DataCoordFixture.dc(r).getSegmentIdsList(), where());
      }
    }

    ChannelCheckpoint checkpoint(String channel) {
      long ts = rnd.nextInt(40) == 0 ? -1 : Math.max(0, lastFlushTs + rnd.nextInt(2_001) - 1_000);
      return ChannelCheckpoint.newBuilder().setChannel(channel).setPosition(Position.newBuilder().setTimestamp(ts)).build();
    }

    void saveCheckpoints() {
      Coll c = pick(new ArrayList<>(model.colls.values()));
      String ch = pick(c.channels);
      SaveChannelCheckpoints.Builder cmd = SaveChannelCheckpoints.newBuilder().setNode(nodeFor(ch, rnd.nextInt(10) == 0));
      int n = rnd.nextInt(20) == 0 ? 0 : 1 + rnd.nextInt(3);
      for (int i = 0; i < n; i++) {
        cmd.addCheckpoints(checkpoint(rnd.nextInt(4) == 0 ? pick(c.channels) : ch));
      }
      Expect e = model.saveCheckpoints(cmd.build());
      CommandReply r = apply(cmd.build());
      check(e, r, () -> "checkpoints " + cmd);
    }

    void channelState() {
      List<Ch> assigned = new ArrayList<>(model.chans.values());
      if (assigned.isEmpty()) {
        channelRound();
        return;
      }
      Ch c = pick(assigned);
      SessionRef node = rnd.nextInt(10) == 0 ? nodeFor(c.name, true) : c.node;
      ChannelWatchState st;
      if (c.state == ChannelWatchState.TO_WATCH && rnd.nextInt(10) > 0) {
        st = rnd.nextInt(5) == 0 ? ChannelWatchState.WATCH_FAILURE : ChannelWatchState.WATCH_SUCCESS;
      } else if (c.state == ChannelWatchState.TO_RELEASE && rnd.nextInt(10) > 0) {
        st = rnd.nextInt(8) == 0 ? ChannelWatchState.RELEASE_FAILURE : ChannelWatchState.RELEASE_SUCCESS;
      } else {
        st = pick(List.of(ChannelWatchState.TO_WATCH, ChannelWatchState.WATCH_SUCCESS, ChannelWatchState.WATCH_FAILURE,
            ChannelWatchState.RELEASE_SUCCESS));
      }
      ReportChannelState cmd = ReportChannelState.newBuilder().setNode(node).setChannel(c.name).setState(st).build();
      Expect e = model.channelState(cmd);
      CommandReply r = apply(cmd);
      check(e, r, () -> "channel state " + cmd);
    }

    /** Plans {@code duty} at the current leader time and applies each planned command in its own entry. */
    List<DataCoordReply> duty(String duty) {
      List<DataCoordReply> out = new ArrayList<>();
      for (Command c : f.plan(duty)) {
        CommandReply r = apply(c);
        assertEquals(ErrorCode.OK, r.getCode(), () -> where() + ": " + duty + " -> " + r.getMessage());
        out.add(DataCoordFixture.dc(r));
      }
      return out;
    }

    void sealRound() {
      Map<Long, String> plan = model.sealPlan(f.time);
      List<Long> expected = model.seal(plan);
      List<Long> got = new ArrayList<>();
      duty("datacoord-seal").forEach(r -> got.addAll(r.getSegmentIdsList()));
      assertEquals(new TreeSet<>(expected), new TreeSet<>(got), where() + ": sealed (model's reasons " + plan + ")");
      seen.merge("sealed", got.size(), Integer::sum);
    }

    void flushRound() {
      List<Long> planned = model.flushPlan(f.time);
      List<Long> expected = model.startFlush(planned, now());
      List<Long> got = new ArrayList<>();
      duty("datacoord-flush").forEach(r -> got.addAll(r.getSegmentIdsList()));
      assertEquals(expected, got, where() + ": flushing");
      seen.merge("flushing", got.size(), Integer::sum);
    }

    void channelRound() {
      Map<String, Object[]> plan = model.channelPlan();
      model.move(plan);
      List<String> got = new ArrayList<>();
      for (DataCoordReply r : duty("datacoord-channels")) {
        r.getMovesList().stream().map(ChannelMove::getChannel).forEach(got::add);
      }
      assertEquals(new TreeSet<>(plan.keySet()), new TreeSet<>(got), where() + ": channel moves");
      seen.merge("moves", got.size(), Integer::sum);
    }

    void flush() {
      String name = rnd.nextInt(10) == 0 ? "c-gone" : pick(new ArrayList<>(model.colls.values())).name;
      List<Long> ids = new ArrayList<>();
      Expect e = model.flushCollection(name, ids);
      CommandReply r = apply(FlushCollection.newBuilder().setCollection(name).build());
      check(e, r, () -> "flush " + name);
      if (e.code() == ErrorCode.OK) {
        DataCoordReply reply = DataCoordFixture.dc(r);
        assertEquals(ids, reply.getSegmentIdsList(), where() + ": flush names the segments to wait for");
        assertTrue(reply.getFlushTs() > lastFlushTs, where() + ": flush_ts moves forward");
        lastFlushTs = reply.getFlushTs();
        lastFlush = reply;
      }
    }

    void flushState() {
      if (lastFlush == null) {
        flush();
        return;
      }
      GetFlushState q = GetFlushState.newBuilder().addAllSegmentIds(lastFlush.getSegmentIdsList())
          .setFlushTs(lastFlush.getFlushTs()).setCollection(DataCoordFixture.byId(lastFlush.getCollectionId())).build();
      FlushState expected = model.flushState(lastFlush.getSegmentIdsList(), lastFlush.getFlushTs(), lastFlush.getCollectionId());
      assertEquals(expected, f.read(q, FlushState.class), where() + ": flush state");
      seen.merge(expected.getFlushed() ? "flushState=flushed" : "flushState=pending", 1, Integer::sum);
    }

    // ---- comparisons ----

    /** Channels always; every segment when {@code all}, else the active ones; binlogs when {@code binlogs}. */
    void compare(boolean all, boolean binlogs) {
      DataCoordTable table = f.table();
      long now = f.time;
      assertEquals(model.segs.size(), table.segmentCount(), where() + ": segment count");
      for (Seg s : model.segs.values()) {
        if (!all && !s.active()) {
          continue;
        }
        Segment got = table.segment(s.id).orElseThrow(() -> new AssertionError(where() + ": no segment " + s.id));
        assertEquals(s.shape(now), shape(got, now), where());
        if (binlogs) {
          assertEquals(s.logShape(), logShape(table.binlogs(s.id)), where() + ": binlogs of " + s.id);
        }
      }
      ChannelList listed = f.read(ListChannels.getDefaultInstance(), ChannelList.class);
      TreeMap<String, String> channels = new TreeMap<>();
      listed.getChannelsList().forEach(c -> channels.put(c.getName(), shape(c)));
      TreeMap<String, String> expected = new TreeMap<>();
      model.chans.values().forEach(c -> expected.put(c.name, c.shape()));
      assertEquals(expected, channels, where() + ": channels");
      TreeSet<String> unassigned = new TreeSet<>();
      model.colls.values().forEach(c -> c.channels.stream().filter(ch -> !model.chans.containsKey(ch)).forEach(unassigned::add));
      assertEquals(unassigned, new TreeSet<>(listed.getUnassignedList()), where() + ": unassigned channels");
    }

    String shape(Segment g, long now) {
      long live = g.getAllocationsList().stream().filter(a -> a.getExpireMs() > now).mapToLong(a -> a.getRows()).sum();
      return g.getId() + " coll=" + g.getCollectionId() + " part=" + g.getPartitionId() + " ch=" + g.getChannel() + " "
          + g.getState() + " " + g.getLevel() + " rows=" + g.getNumRows() + " max=" + g.getMaxRows() + " reason="
          + g.getSealReason() + " created=" + g.getCreatedMs() + " lastWrite=" + g.getLastWriteMs() + " files="
          + g.getBinlogFiles() + " bytes=" + g.getBinlogBytes() + " deltas=" + g.getDeltalogEntries() + "/"
          + g.getDeltalogBytes() + " live=" + live;
    }

    String shape(Channel c) {
      return c.getName() + " coll=" + c.getCollectionId() + " node=" + c.getNode().getServerId() + "@" + c.getNode().getEpoch()
          + " " + c.getState() + " cp=" + (c.hasCheckpoint() ? c.getCheckpoint().getTimestamp() : "none");
    }

    String logShape(SegmentBinlogs b) {
      StringBuilder out = new StringBuilder();
      Map<String, List<FieldBinlog>> kinds = new LinkedHashMap<>();
      kinds.put("binlogs", b.getBinlogsList());
      kinds.put("deltalogs", b.getDeltalogsList());
      kinds.put("statslogs", b.getStatslogsList());
      kinds.forEach((kind, fields) -> {
        TreeMap<Long, List<Long>> byField = new TreeMap<>();
        for (FieldBinlog fb : fields) {
          assertTrue(byField.put(fb.getFieldId(), fb.getBinlogsList().stream().map(Binlog::getLogId).toList()) == null,
              where() + ": field " + fb.getFieldId() + " listed twice");
        }
        byField.forEach((field, ids) -> out.append(kind).append(':').append(field).append('=').append(ids).append(' '));
      });
      return out.toString();
    }

    // ---- the loop ----

    void go() {
      setUp();
      for (step = 0; step < STEPS; step++) {
        int t = rnd.nextInt(100);
        f.time += t < 70 ? 1 + rnd.nextInt(300) : t < 95 ? 300 + rnd.nextInt(2_700) : 10_000 + rnd.nextInt(20_000);
        int op = rnd.nextInt(1_000);
        if (model.colls.isEmpty()) {
          createCollection();
        } else if (op < 230) {
          assign();
        } else if (op < 450) {
          report(false);
        } else if (op < 490) {
          if (lastReport == null) {
            report(false);
          } else {
            send(lastReport);
          }
        } else if (op < 510) {
          report(true);
        } else if (op < 570) {
          saveCheckpoints();
        } else if (op < 640) {
          sealRound();
        } else if (op < 710) {
          flushRound();
        } else if (op < 780) {
          channelRound();
        } else if (op < 860) {
          channelState();
        } else if (op < 890) {
          flush();
        } else if (op < 910) {
          flushState();
        } else if (op < 930) {
          if (model.nodes.size() < 4 || rnd.nextBoolean()) {
            registerNode();
          } else {
            endOrStopNode();
          }
        } else if (op < 945) {
          endOrStopNode();
        } else if (op < 960) {
          createPartition();
        } else if (op < 970) {
          dropPartition();
        } else if (op < 980) {
          if (model.colls.size() < 3) {
            createCollection();
          } else {
            dropCollection();
          }
        } else if (op < 990) {
          flushState();
        } else {
          f.reopen();
          seen.merge("reopen", 1, Integer::sum);
        }
        compare(step % 4 == 0, step % 25 == 0);
      }
      compare(true, true);
      f.reopen();
      compare(true, true);
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void randomStepsMatchTheModel(long seed) {
    Path storeDir = dir.resolve("a");
    Run run = new Run(seed, storeDir);
    StoreDump dump;
    List<CommandBatch> log;
    try {
      run.go();
      dump = run.f.state.dump(true);
      log = List.copyOf(run.f.log);
    } finally {
      run.f.close();
    }
    // The outcomes each seed must reach, or the run proved little.
    for (String what : List.of("OK", "STALE_EPOCH", "FAILED_PRECONDITION", "INVALID_ARGUMENT", "NOT_FOUND", "sealed",
        "flushing", "moves", "flushState=pending", "flushState=flushed", "reopen")) {
      assertTrue(run.seen.getOrDefault(what, 0) > 0, "seed " + seed + " never saw " + what + ": " + run.seen);
    }
    if (run.model.maxSegments < 1_000) {
      assertTrue(run.seen.getOrDefault("QUOTA_EXCEEDED", 0) > 0, "seed " + seed + ": " + run.seen);
    }
    assertTrue(run.model.flushedByReport > 20,
        "seed " + seed + ": " + run.model.flushedByReport + " segments flushed by reports");

    // The same log into a fresh store: the same replies and the same store.
    AtomicLong clock = new AtomicLong();
    CoordState fresh = DataCoordFixture.openState(dir.resolve("b"), run.f.bugs, clock);
    try {
      for (int i = 0; i < log.size(); i++) {
        BatchReply r = Batches.applyNext(fresh, log.get(i));
        assertEquals(run.replies.get(i), r, "seed " + seed + ": reply of entry " + (i + 1));
      }
      StoreDump replayed = fresh.dump(true);
      assertEquals(dump.appliedIndex(), replayed.appliedIndex());
      assertEquals(dump.entries(), replayed.entries(), "seed " + seed + ": replayed store");
      assertEquals(dump.digest(), replayed.digest());
    } finally {
      fresh.close();
    }
  }
}
