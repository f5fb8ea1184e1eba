package io.raftcoord.tools.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.Semaphore;

/**
 * What the simulated data nodes hold per channel: for every segment the rows assigned but not yet
 * reported (pending) and the row count last reported. Reports on a channel are made one at a time
 * (between {@link Channel#tryBegin} or {@link Channel#begin} and {@link Channel#end}, which any
 * thread may call, so an asynchronous report ends its turn in its completion), so a report sees
 * every earlier one's outcome and never races a flushed report.
 */
final class SegmentBook {
  /** A segment's rows: assigned and not yet reported, and the absolute count last reported. */
  record Rows(long segmentId, long pending, long reported) {}

  /** One channel of a bench collection. */
  static final class Channel {
    final String name;
    final SegmentCollections.Coll coll;
    private final Semaphore reporting = new Semaphore(1);
    private final TreeMap<Long, long[]> segments = new TreeMap<>();

    Channel(String name, SegmentCollections.Coll coll) {
      this.name = name;
      this.coll = coll;
    }

    /** Takes the channel's reporting turn if free. */
    boolean tryBegin() {
      return reporting.tryAcquire();
    }

    /** Waits for the channel's reporting turn. */
    void begin() {
      reporting.acquireUninterruptibly();
    }

    void end() {
      reporting.release();
    }

    synchronized void assigned(long segmentId, long rows) {
      segments.computeIfAbsent(segmentId, k -> new long[2])[0] += rows;
    }

    /** The lowest segment id with pending rows, or null. */
    synchronized Rows firstPending() {
      for (Map.Entry<Long, long[]> e : segments.entrySet()) {
        if (e.getValue()[0] > 0) {
          return new Rows(e.getKey(), e.getValue()[0], e.getValue()[1]);
        }
      }
      return null;
    }

    synchronized Rows rows(long segmentId) {
      long[] r = segments.get(segmentId);
      return r == null ? new Rows(segmentId, 0, -1) : new Rows(segmentId, r[0], r[1]);
    }

    /** A report of {@code rows} pending rows succeeded; the segment now has {@code total} rows. */
    synchronized void reported(long segmentId, long rows, long total) {
      long[] r = segments.get(segmentId);
      if (r != null) {
        r[0] -= rows;
        r[1] = total;
      }
    }

    /** The segment is flushed or dropped (or refused): nothing more is reported for it. */
    synchronized void forget(long segmentId) {
      segments.remove(segmentId);
    }

    /** Rows of the channel's segments never reported (dropped when the channel is released). */
    synchronized long forgetAll() {
      long lost = segments.values().stream().mapToLong(r -> r[0]).sum();
      segments.clear();
      return lost;
    }

    synchronized int size() {
      return segments.size();
    }

    synchronized long pendingRows() {
      return segments.values().stream().mapToLong(r -> r[0]).sum();
    }
  }

  private final Map<String, Channel> byName = new HashMap<>();
  private final List<Channel> all = new ArrayList<>();
  private final List<SegmentCollections.Coll> collections;

  SegmentBook(List<SegmentCollections.Coll> collections) {
    this.collections = List.copyOf(collections);
    for (SegmentCollections.Coll c : collections) {
      for (String ch : c.channels()) {
        Channel b = new Channel(ch, c);
        byName.put(ch, b);
        all.add(b);
      }
    }
  }

  Channel channel(String name) {
    return byName.get(name);
  }

  Channel random() {
    return all.get(ThreadLocalRandom.current().nextInt(all.size()));
  }

  List<Channel> channels() {
    return all;
  }

  List<SegmentCollections.Coll> collections() {
    return collections;
  }

  SegmentCollections.Coll randomCollection() {
    return collections.get(ThreadLocalRandom.current().nextInt(collections.size()));
  }

  /** Rows assigned and not yet reported, over every channel. */
  long pendingRows() {
    return all.stream().mapToLong(Channel::pendingRows).sum();
  }

  /** Segments tracked (assigned and not yet flushed). */
  int tracked() {
    return all.stream().mapToInt(Channel::size).sum();
  }
}
