package io.raftcoord.tools.bench;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.internal.Futures;
import io.raftcoord.proto.datacoord.ChannelCheckpoint;
import io.raftcoord.proto.datacoord.ListSegments;
import io.raftcoord.proto.datacoord.SaveBinlogPaths;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentList;
import io.raftcoord.proto.datacoord.SegmentReport;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.proto.session.SessionRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data nodes' part of the segment lifecycle, outside the measured closed loop: every
 * {@code periodMs} each node lists the FLUSHING segments of its channels and, per channel in the
 * channel's reporting turn, reports them flushed=true (with a binlog per field for rows still
 * pending, and the channel checkpoint); a channel whose turn is taken is left to the next round.
 * Every second each node saves a checkpoint (a recent TSO timestamp) for every channel it
 * watches, so that flushState can pass. Every call is asynchronous; a round waits for its lists
 * only.
 */
final class SegmentLifecycle implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SegmentLifecycle.class);
  private static final long CHECKPOINT_EVERY_MS = 1000;

  private final CoordClient client;
  private final SegmentBook book;
  private final ChannelOwners owners;
  private final LogIds logIds;
  private final TsClock clock;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "bench-lifecycle");
    t.setDaemon(true);
    return t;
  });
  /** Foreign channels (not the bench's) with a flushed report in flight. */
  private final Set<String> foreignBusy = ConcurrentHashMap.newKeySet();
  private final LongAdder flushed = new LongAdder();
  private final LongAdder reports = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final LongAdder checkpoints = new LongAdder();
  private long lastCheckpointNanos;

  /** Counters since the start (or since the last {@link #sample}). */
  record Counts(long flushed, long reports, long errors, long checkpoints) {}

  SegmentLifecycle(CoordClient client, SegmentBook book, ChannelOwners owners, LogIds logIds, TsClock clock,
      long periodMs) {
    this.client = client;
    this.book = book;
    this.owners = owners;
    this.logIds = logIds;
    this.clock = clock;
    timer.scheduleWithFixedDelay(this::tick, periodMs, periodMs, TimeUnit.MILLISECONDS);
  }

  private void tick() {
    try {
      Map<SessionRef, List<String>> byOwner = owners.byOwner();
      Map<SessionRef, CompletableFuture<SegmentList>> lists = new HashMap<>();
      for (SessionRef node : byOwner.keySet()) {
        lists.put(node, client.dataCoord().segmentsAsync(ListSegments.newBuilder().setNodeId(node.getServerId())
            .addStates(SegmentState.FLUSHING).setLimit(100_000).build()));
      }
      Map<String, List<Segment>> byChannel = new HashMap<>();
      lists.forEach((node, f) -> {
        try {
          Futures.join(f).getSegmentsList().forEach(s -> byChannel.computeIfAbsent(s.getChannel(), c -> new ArrayList<>())
              .add(s));
        } catch (RuntimeException e) {
          LOG.debug("listing FLUSHING segments of node {} failed: {}", node.getServerId(), e.toString());
        }
      });
      byChannel.forEach(this::flushChannel);
      if (System.nanoTime() - lastCheckpointNanos >= CHECKPOINT_EVERY_MS * 1_000_000) {
        lastCheckpointNanos = System.nanoTime();
        saveCheckpoints(byOwner);
      }
    } catch (RuntimeException e) {
      LOG.debug("lifecycle round failed: {}", e.toString());
    }
  }

  /** Reports the channel's FLUSHING segments flushed, if its reporting turn is free. */
  private void flushChannel(String channel, List<Segment> segs) {
    SessionRef owner = owners.owner(channel);
    if (owner == null) {
      return;
    }
    SegmentBook.Channel ch = book.channel(channel);
    boolean turn = ch != null ? ch.tryBegin() : foreignBusy.add(channel);
    if (!turn) {
      return;
    }
    Runnable end = ch != null ? ch::end : () -> foreignBusy.remove(channel);
    try {
      long ts = clock.now();
      SaveBinlogPaths.Builder cmd = SaveBinlogPaths.newBuilder().setNode(owner)
          .addCheckpoints(ChannelCheckpoint.newBuilder().setChannel(channel).setPosition(SegmentOps.position(ts)));
      for (Segment s : segs) {
        SegmentBook.Rows r = ch == null ? new SegmentBook.Rows(s.getId(), 0, -1) : ch.rows(s.getId());
        long total = r.reported() < 0 ? s.getNumRows() : r.reported() + r.pending();
        SegmentReport.Builder rep = SegmentReport.newBuilder().setSegmentId(s.getId()).setNumRows(total).setFlushed(true)
            .setCheckpoint(SegmentOps.position(ts));
        if (r.pending() > 0 && ch != null) {
          int files = ch.coll.fieldIds().size();
          rep.addAllBinlogs(Binlogs.spread(ch.coll.fieldIds(), files, r.pending(), logIds.take(files), ts, ts));
        }
        cmd.addSegments(rep);
      }
      client.dataCoord().saveBinlogPathsAsync(cmd.build()).whenComplete((reply, e) -> {
        try {
          if (e == null) {
            reports.increment();
            flushed.add(segs.size());
            if (ch != null) {
              segs.forEach(s -> ch.forget(s.getId()));
            }
          } else {
            errors.increment();
            LOG.debug("flushed report on {} failed: {}", channel, e.toString());
          }
        } finally {
          end.run();
        }
      });
    } catch (RuntimeException e) {
      end.run();
      throw e;
    }
  }

  private void saveCheckpoints(Map<SessionRef, List<String>> byOwner) {
    long ts = clock.now();
    byOwner.forEach((node, channels) -> {
      for (int i = 0; i < channels.size(); i += 128) {
        List<ChannelCheckpoint> cps = new ArrayList<>();
        for (String ch : channels.subList(i, Math.min(channels.size(), i + 128))) {
          cps.add(ChannelCheckpoint.newBuilder().setChannel(ch).setPosition(SegmentOps.position(ts)).build());
        }
        client.dataCoord().saveCheckpointsAsync(node, cps).whenComplete((r, e) -> {
          if (e == null) {
            checkpoints.add(cps.size());
          } else {
            errors.increment();
          }
        });
      }
    });
  }

  Counts sample() {
    return new Counts(flushed.sumThenReset(), reports.sumThenReset(), errors.sumThenReset(), checkpoints.sumThenReset());
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
