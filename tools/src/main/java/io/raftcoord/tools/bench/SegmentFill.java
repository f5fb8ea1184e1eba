package io.raftcoord.tools.bench;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.internal.Futures;
import io.raftcoord.proto.EntryLimits;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.datacoord.ChannelCheckpoint;
import io.raftcoord.proto.datacoord.SaveBinlogPaths;
import io.raftcoord.proto.datacoord.SegmentAssignment;
import io.raftcoord.proto.datacoord.SegmentReport;
import io.raftcoord.proto.datacoord.SegmentRequest;
import io.raftcoord.proto.session.SessionRef;
import java.io.PrintWriter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Fills collections with FLUSHED segments through the real API, fast: importing assigns of max
 * rows each (one new segment per request, {@code requestsPerAssign} requests per command, spread
 * over the collection's channels; the client packs concurrent commands into one Raft entry), then
 * per channel the owner's saveBinlogPaths
 * with flushed=true and {@code binlogs} binlogs per segment (as many segments per report as fit
 * one Raft entry, at most {@value #MAX_REPORT_SEGMENTS}), with {@code inFlight} commands
 * outstanding. A report whose outcome is unknown (UNAVAILABLE, DEADLINE_EXCEEDED) is sent again
 * identically, which the server answers the same without a second change; one refused with
 * STALE_EPOCH (the channel moved) is rebuilt for the channel's new owner.
 */
final class SegmentFill {
  /**
   * Requests per assign command by default. The server's apply of one AssignSegments costs
   * quadratic time in its requests (each request re-reads every segment the command touched so far
   * on its channel: 64 requests 35 ms, 256 275 ms, 1024 2.5 s on 2 busy cores), so the fill sends
   * several smaller commands, which the client batches into one entry anyway.
   */
  static final int DEFAULT_REQUESTS_PER_ASSIGN = 64;
  static final int MAX_REQUESTS_PER_ASSIGN = 1024;
  static final int MAX_REPORT_SEGMENTS = 1024;
  /** A report's share of one entry (the rest is the envelope and whatever else shares the batch). */
  static final int REPORT_BYTES = EntryLimits.MAX_BATCH_BYTES * 3 / 4;

  private final CoordClient client;
  private final ChannelOwners owners;
  private final LogIds logIds;
  private final TsClock clock;
  private final int binlogs;
  private final Semaphore slots;
  private final int inFlight;
  private final int requestsPerAssign;
  private final PrintWriter err;
  private final AtomicReference<RuntimeException> failure = new AtomicReference<>();
  private final AtomicLong flushed = new AtomicLong();
  /** Per channel: segments assigned and not yet reported, {id, rows}. */
  private final Map<String, ArrayDeque<long[]>> queued = new HashMap<>();
  private final AtomicLong retries = new AtomicLong();
  /** Reports to send again as they were. */
  private final java.util.concurrent.ConcurrentLinkedQueue<Resend> resend = new java.util.concurrent.ConcurrentLinkedQueue<>();

  private record Resend(String channel, List<long[]> segs, SaveBinlogPaths cmd) {}

  SegmentFill(CoordClient client, ChannelOwners owners, LogIds logIds, TsClock clock, int binlogs, int inFlight,
      int requestsPerAssign, PrintWriter err) {
    this.requestsPerAssign = requestsPerAssign;
    this.client = client;
    this.owners = owners;
    this.logIds = logIds;
    this.clock = clock;
    this.binlogs = binlogs;
    this.inFlight = inFlight;
    this.slots = new Semaphore(inFlight);
    this.err = err;
  }

  /** Adds {@code n} FLUSHED segments of {@code rows} rows each to {@code coll}; returns the seconds it took. */
  double fill(SegmentCollections.Coll coll, long n, long rows, String what) {
    long t0 = System.nanoTime();
    long lastLog = t0;
    long requested = 0;
    long start = flushed.get();
    int perReport = segmentsPerReport(coll);
    int nextChannel = 0;
    while (flushed.get() - start < n) {
      rethrow();
      Resend again = resend.poll();
      String ready = again != null ? null : readyChannel(coll, perReport, requested >= n);
      if (again != null) {
        send(again.channel(), again.segs(), again.cmd());
      } else if (ready != null) {
        report(ready, take(ready, perReport), coll);
      } else if (requested < n) {
        int k = (int) Math.min(requestsPerAssign, n - requested);
        List<SegmentRequest> reqs = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
          String ch = coll.channels().get(nextChannel++ % coll.channels().size());
          reqs.add(SegmentRequest.newBuilder().setCollectionId(coll.id()).setPartitionId(coll.partitionId()).setChannel(ch)
              .setRows(rows).setImporting(true).build());
        }
        requested += k;
        assign(reqs);
      } else {
        ClosedLoop.sleepQuietly(2);
      }
      long now = System.nanoTime();
      if (now - lastLog > 10_000_000_000L) {
        lastLog = now;
        long done = flushed.get() - start;
        err.printf(Locale.ROOT, "fill %s: %,d of %,d segments flushed (%,.0f/s)%n", what, done, n,
            done / ((now - t0) / 1e9));
        err.flush();
      }
    }
    slots.acquireUninterruptibly(inFlight);
    slots.release(inFlight);
    rethrow();
    return (System.nanoTime() - t0) / 1e9;
  }

  long retries() {
    return retries.get();
  }

  /** Segments per report: as many as fit {@link #REPORT_BYTES}, at most {@link #MAX_REPORT_SEGMENTS}. */
  int segmentsPerReport(SegmentCollections.Coll coll) {
    long ts = clock.now();
    int one = SegmentReport.newBuilder().setSegmentId(Long.MAX_VALUE / 3).setNumRows(Integer.MAX_VALUE).setFlushed(true)
        .addAllBinlogs(Binlogs.spread(coll.fieldIds(), binlogs, Integer.MAX_VALUE, Long.MAX_VALUE / 3, ts, ts)).build()
        .getSerializedSize() + 4;
    return Math.max(1, Math.min(MAX_REPORT_SEGMENTS, REPORT_BYTES / one));
  }

  /** A channel of {@code coll} with a full report's worth queued (or anything queued, at the end) and a watching owner. */
  private synchronized String readyChannel(SegmentCollections.Coll coll, int perReport, boolean draining) {
    for (String ch : coll.channels()) {
      ArrayDeque<long[]> q = queued.get(ch);
      if (q != null && !q.isEmpty() && (q.size() >= perReport || draining) && owners.owner(ch) != null) {
        return ch;
      }
    }
    return null;
  }

  private synchronized List<long[]> take(String channel, int max) {
    ArrayDeque<long[]> q = queued.get(channel);
    List<long[]> out = new ArrayList<>(Math.min(max, q.size()));
    while (out.size() < max && !q.isEmpty()) {
      out.add(q.poll());
    }
    return out;
  }

  private synchronized void requeue(String channel, List<long[]> segs) {
    ArrayDeque<long[]> q = queued.computeIfAbsent(channel, c -> new ArrayDeque<>());
    segs.forEach(q::addFirst);
  }

  private void assign(List<SegmentRequest> reqs) {
    slots.acquireUninterruptibly();
    client.dataCoord().assignAsync(reqs).whenComplete((reply, e) -> {
      try {
        if (e != null) {
          failure.compareAndSet(null, Futures.toCoord(e));
          return;
        }
        synchronized (this) {
          for (SegmentAssignment a : reply.getAssignmentsList()) {
            queued.computeIfAbsent(reqs.get(a.getRequest()).getChannel(), c -> new ArrayDeque<>())
                .add(new long[] {a.getSegmentId(), a.getRows()});
          }
        }
      } finally {
        slots.release();
      }
    });
  }

  private void report(String channel, List<long[]> segs, SegmentCollections.Coll coll) {
    SessionRef owner = owners.owner(channel);
    long ts = clock.now();
    long firstLog = logIds.take(segs.size() * binlogs);
    SaveBinlogPaths.Builder cmd = SaveBinlogPaths.newBuilder().setNode(owner)
        .addCheckpoints(ChannelCheckpoint.newBuilder().setChannel(channel).setPosition(SegmentOps.position(ts)));
    for (int i = 0; i < segs.size(); i++) {
      long[] s = segs.get(i);
      cmd.addSegments(SegmentReport.newBuilder().setSegmentId(s[0]).setNumRows(s[1]).setFlushed(true)
          .setStartPosition(SegmentOps.position(ts)).setCheckpoint(SegmentOps.position(ts))
          .addAllBinlogs(Binlogs.spread(coll.fieldIds(), binlogs, s[1], firstLog + (long) i * binlogs, ts, ts)));
    }
    send(channel, segs, cmd.build());
  }

  private void send(String channel, List<long[]> segs, SaveBinlogPaths cmd) {
    slots.acquireUninterruptibly();
    client.dataCoord().saveBinlogPathsAsync(cmd).whenComplete((r, e) -> {
      try {
        if (e == null) {
          flushed.addAndGet(segs.size());
          return;
        }
        CoordException ce = Futures.toCoord(e);
        boolean unknown = ce.code() == ErrorCode.UNAVAILABLE || ce.code() == ErrorCode.DEADLINE_EXCEEDED;
        if ((unknown || ce.code() == ErrorCode.STALE_EPOCH) && retries.incrementAndGet() <= 1000) {
          if (unknown) {
            resend.add(new Resend(channel, segs, cmd));
          } else {
            requeue(channel, segs);
          }
        } else {
          failure.compareAndSet(null, ce);
        }
      } finally {
        slots.release();
      }
    });
  }

  private void rethrow() {
    RuntimeException e = failure.get();
    if (e != null) {
      throw e;
    }
  }
}
