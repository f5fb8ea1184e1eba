package io.raftcoord.tools.bench;

import com.google.protobuf.ByteString;
import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.internal.Futures;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.datacoord.ChannelCheckpoint;
import io.raftcoord.proto.datacoord.DataCoordReply;
import io.raftcoord.proto.datacoord.Position;
import io.raftcoord.proto.datacoord.SaveBinlogPaths;
import io.raftcoord.proto.datacoord.SegmentAssignment;
import io.raftcoord.proto.datacoord.SegmentReport;
import io.raftcoord.proto.datacoord.SegmentRequest;
import io.raftcoord.proto.session.SessionRef;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * One operation of the {@code segments} closed loop, its kind drawn by the mix weights:
 * <ul>
 *   <li>assign: {@code rows} rows on a random channel whose owner watches it (as a proxy would
 *       ask); the granted rows become pending on their segments;
 *   <li>save: the owner of a random channel reports the lowest segment with pending rows: one new
 *       binlog per field (system fields included) with fresh log ids, the absolute row count, the
 *       channel checkpoint; if the channel is busy or has nothing pending a few others are tried,
 *       and failing that the operation is an assign;
 *   <li>flush: flush(collection) of a random bench collection.
 * </ul>
 * Each kind's latency is only the call's; errors are counted per kind and rethrown (so that the
 * closed loop counts them too).
 */
final class SegmentOps implements ClosedLoop.Op {
  enum Kind {
    ASSIGN, SAVE, FLUSH;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Optional<Kind> parse(String s) {
      for (Kind k : values()) {
        if (k.label().equals(s.toLowerCase(Locale.ROOT))) {
          return Optional.of(k);
        }
      }
      return Optional.empty();
    }
  }

  private static final int TRIES = 8;

  private final CoordClient client;
  private final String db;
  private final SegmentBook book;
  private final ChannelOwners owners;
  private final LogIds logIds;
  private final TsClock clock;
  private final long rows;
  private final double[] cumulative;
  private final KindStats<Kind> stats;
  private final Consumer<DataCoordReply> flushes;

  SegmentOps(CoordClient client, String db, SegmentBook book, ChannelOwners owners, LogIds logIds, TsClock clock,
      long rows, Map<Kind, Double> mix, KindStats<Kind> stats, Consumer<DataCoordReply> flushes) {
    this.client = client;
    this.db = db;
    this.book = book;
    this.owners = owners;
    this.logIds = logIds;
    this.clock = clock;
    this.rows = rows;
    this.stats = stats;
    this.flushes = flushes;
    this.cumulative = new double[Kind.values().length];
    double sum = 0;
    for (Kind k : Kind.values()) {
      sum += mix.getOrDefault(k, 0.0);
      cumulative[k.ordinal()] = sum;
    }
  }

  /** The kind for a uniform draw {@code u} in [0, 1) (for tests). */
  Kind kindFor(double u) {
    double x = u * cumulative[cumulative.length - 1];
    for (Kind k : Kind.values()) {
      if (x < cumulative[k.ordinal()]) {
        return k;
      }
    }
    return Kind.ASSIGN;
  }

  @Override
  public long call() {
    Kind k = kindFor(ThreadLocalRandom.current().nextDouble());
    switch (k) {
      case SAVE -> {
        if (!save()) {
          assign();
        }
      }
      case FLUSH -> flush();
      default -> assign();
    }
    return 1;
  }

  private void assign() {
    SegmentBook.Channel ch = readyChannel();
    SegmentRequest req = SegmentRequest.newBuilder().setCollectionId(ch.coll.id()).setPartitionId(ch.coll.partitionId())
        .setChannel(ch.name).setRows(rows).build();
    long t0 = System.nanoTime();
    DataCoordReply reply;
    try {
      reply = client.dataCoord().assign(List.of(req));
    } catch (RuntimeException e) {
      stats.error(Kind.ASSIGN, e);
      throw e;
    }
    stats.ok(Kind.ASSIGN, System.nanoTime() - t0);
    for (SegmentAssignment a : reply.getAssignmentsList()) {
      ch.assigned(a.getSegmentId(), a.getRows());
    }
  }

  /** A random channel whose owner watches it (any channel after a few misses). */
  private SegmentBook.Channel readyChannel() {
    SegmentBook.Channel ch = book.random();
    for (int i = 0; i < TRIES && owners.owner(ch.name) == null; i++) {
      ch = book.random();
    }
    return ch;
  }

  /** Reports one segment with pending rows; false if none was found on a free channel. */
  private boolean save() {
    for (int attempt = 0; attempt < TRIES; attempt++) {
      SegmentBook.Channel ch = book.random();
      SessionRef owner = owners.owner(ch.name);
      if (owner == null || !ch.tryBegin()) {
        continue;
      }
      try {
        SegmentBook.Rows r = ch.firstPending();
        if (r == null) {
          continue;
        }
        report(ch, owner, r);
        return true;
      } finally {
        ch.end();
      }
    }
    return false;
  }

  private void report(SegmentBook.Channel ch, SessionRef owner, SegmentBook.Rows r) {
    long total = Math.max(0, r.reported()) + r.pending();
    long ts = clock.now();
    int files = ch.coll.fieldIds().size();
    SegmentReport.Builder rep = SegmentReport.newBuilder().setSegmentId(r.segmentId()).setNumRows(total)
        .addAllBinlogs(Binlogs.spread(ch.coll.fieldIds(), files, r.pending(), logIds.take(files), ts, ts))
        .setCheckpoint(position(ts));
    if (r.reported() <= 0) {
      rep.setStartPosition(position(ts));
    }
    SaveBinlogPaths cmd = SaveBinlogPaths.newBuilder().setNode(owner).addSegments(rep)
        .addCheckpoints(ChannelCheckpoint.newBuilder().setChannel(ch.name).setPosition(position(ts))).build();
    long t0 = System.nanoTime();
    try {
      client.dataCoord().saveBinlogPaths(cmd);
    } catch (RuntimeException e) {
      stats.error(Kind.SAVE, e);
      CoordException ce = Futures.toCoord(e);
      if (ce.code() == ErrorCode.FAILED_PRECONDITION || ce.code() == ErrorCode.NOT_FOUND) {
        ch.forget(r.segmentId());
      }
      throw e;
    }
    stats.ok(Kind.SAVE, System.nanoTime() - t0);
    ch.reported(r.segmentId(), r.pending(), total);
  }

  private void flush() {
    SegmentCollections.Coll c = book.randomCollection();
    long t0 = System.nanoTime();
    DataCoordReply reply;
    try {
      reply = client.dataCoord().flush(db, c.name());
    } catch (RuntimeException e) {
      stats.error(Kind.FLUSH, e);
      throw e;
    }
    stats.ok(Kind.FLUSH, System.nanoTime() - t0);
    flushes.accept(reply);
  }

  /** A stream position at timestamp {@code ts} (the message id is the timestamp's bytes). */
  static Position position(long ts) {
    return Position.newBuilder().setMsgId(ByteString.copyFrom(ByteBuffer.allocate(8).putLong(ts).array()))
        .setTimestamp(ts).build();
  }
}
