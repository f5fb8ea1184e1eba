package io.raftcoord.statemachine.datacoord;

import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.IdAllocateRequest;
import io.raftcoord.proto.PartitionInfo;
import io.raftcoord.proto.Record;
import io.raftcoord.proto.TsoAllocateRequest;
import io.raftcoord.proto.datacoord.Allocation;
import io.raftcoord.proto.datacoord.AssignSegments;
import io.raftcoord.proto.datacoord.DataCoordEvent;
import io.raftcoord.proto.datacoord.DataCoordEventKind;
import io.raftcoord.proto.datacoord.DataCoordReply;
import io.raftcoord.proto.datacoord.FlushCollection;
import io.raftcoord.proto.datacoord.FlushSegments;
import io.raftcoord.proto.datacoord.SealRequest;
import io.raftcoord.proto.datacoord.SealSegments;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentAssignment;
import io.raftcoord.proto.datacoord.SegmentLevel;
import io.raftcoord.proto.datacoord.SegmentRequest;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.apply.ApplyResult;
import io.raftcoord.statemachine.catalog.Catalog;
import io.raftcoord.statemachine.ids.IdControl;
import io.raftcoord.statemachine.pipeline.Refusal;
import io.raftcoord.statemachine.tso.TsoControl;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Generates the segment lifecycle's records from committed state, changing nothing: allocation
 * (new segment ids from the ID allocator, in one range per command), sealing, the start of
 * flushing, a collection's flush, and the drops that follow a catalog drop. Invariants: a segment
 * takes allocations only while GROWING; SEALED needs GROWING, FLUSHING needs SEALED with every
 * allocation expired at the entry's time; states never go back; a refusal carries no records.
 */
final class SegmentControl {
  static final int MAX_REQUESTS = 1024;
  static final long MAX_ROWS_PER_REQUEST = 1L << 40;
  /** New segments one command may open (bounds the entry's records however large the rows asked). */
  static final int MAX_NEW_SEGMENTS = 4096;

  private final DataCoordTable table;
  private final Catalog catalog;
  private final IdControl ids;
  private final TsoControl tso;

  SegmentControl(DataCoordTable table, Catalog catalog, IdControl ids, TsoControl tso) {
    this.table = table;
    this.catalog = catalog;
    this.ids = ids;
    this.tso = tso;
  }

  ApplyResult assign(ApplyContext ctx, AssignSegments cmd) {
    if (cmd.getRequestsCount() < 1 || cmd.getRequestsCount() > MAX_REQUESTS) {
      return fail(ErrorCode.INVALID_ARGUMENT, "assign segments: 1 to " + MAX_REQUESTS + " requests, got "
          + cmd.getRequestsCount());
    }
    List<CollectionInfo> collections = new ArrayList<>();
    for (int i = 0; i < cmd.getRequestsCount(); i++) {
      SegmentRequest r = cmd.getRequests(i);
      Optional<CollectionInfo> c = catalog.collection(r.getCollectionId());
      Optional<String> bad = c.isEmpty() ? Optional.of("collection " + r.getCollectionId() + " does not exist")
          : invalid(r, c.get());
      if (bad.isPresent()) {
        return fail(c.isEmpty() ? ErrorCode.NOT_FOUND : ErrorCode.INVALID_ARGUMENT,
            "assign segments: request " + i + ": " + bad.get());
      }
      collections.add(c.get());
    }
    long now = ctx.nowMs();
    long expire = now + table.settings().getAllocationExpireMs();
    long firstNewId = ids.nextIdAfter(List.of());
    // Segments touched by this command, as they will be after it (new ones included), by id.
    TreeMap<Long, Segment> touched = new TreeMap<>();
    int opened = 0;
    DataCoordReply.Builder reply = DataCoordReply.newBuilder();
    for (int i = 0; i < cmd.getRequestsCount(); i++) {
      SegmentRequest r = cmd.getRequests(i);
      CollectionInfo c = collections.get(i);
      long rowBytes = RowSizeEstimator.bytesPerRow(c.getSchema());
      long maxRows = Math.max(1, table.settings().getMaxSegmentBytes() / rowBytes);
      SegmentLevel level = r.getLevel() == SegmentLevel.L0 ? SegmentLevel.L0 : SegmentLevel.L1;
      long needed = level == SegmentLevel.L0 ? 1 : (r.getRows() + maxRows - 1) / maxRows;
      if (opened + needed > MAX_NEW_SEGMENTS) {
        return fail(ErrorCode.INVALID_ARGUMENT, "assign segments: request " + i + " (" + r.getRows() + " rows, "
            + maxRows + " per segment of collection " + c.getName() + ") would open more than " + MAX_NEW_SEGMENTS
            + " segments in one command");
      }
      List<Segment> open = r.getImporting() ? List.of() : open(r, level, touched);
      List<SegmentAllocator.Grant> grants = SegmentAllocator.allocate(open, r.getRows(), maxRows,
          level == SegmentLevel.L0, r.getImporting(), table.settings(), now);
      long firstOfRequest = firstNewId + opened;
      for (SegmentAllocator.Grant g : grants) {
        Segment.Builder b;
        if (g.segmentId() == 0) {
          long id = firstOfRequest + g.newIndex();
          Segment existing = touched.get(id);
          if (existing != null) {
            b = existing.toBuilder();
          } else {
            opened++;
            b = Segment.newBuilder().setId(id).setCollectionId(c.getId()).setPartitionId(r.getPartitionId())
                .setChannel(r.getChannel()).setState(r.getImporting() ? SegmentState.IMPORTING : SegmentState.GROWING)
                .setLevel(level).setMaxRows(maxRows).setRowBytes(rowBytes).setCreatedMs(now);
          }
        } else {
          Segment existing = touched.get(g.segmentId());
          b = existing != null ? existing.toBuilder()
              : Segments.pruneAllocations(table.segment(g.segmentId()).orElseThrow().toBuilder(), now);
        }
        Segment after = b.addAllocations(Allocation.newBuilder().setRows(g.rows()).setExpireMs(expire))
            .setLastWriteMs(now).build();
        touched.put(after.getId(), after);
        reply.addAssignments(SegmentAssignment.newBuilder().setSegmentId(after.getId()).setRows(g.rows())
            .setExpireMs(expire).setRequest(i));
      }
    }
    List<Record> records = new ArrayList<>();
    if (opened > 0) {
      if (table.liveSegmentCount() + (long) opened > table.settings().getMaxSegments()) {
        return fail(ErrorCode.QUOTA_EXCEEDED, "assign segments: " + opened + " new segments would exceed"
            + " max_segments " + table.settings().getMaxSegments() + " (" + table.liveSegmentCount()
            + " segments are not dropped)");
      }
      ApplyResult range = ids.allocate(ctx, IdAllocateRequest.newBuilder().setCount(opened).build());
      if (range.reply().getCode() != ErrorCode.OK) {
        return range;
      }
      records.addAll(range.records());
    }
    for (Segment s : touched.values()) {
      boolean isNew = s.getId() >= firstNewId;
      records.add(DataCoordRecords.segment(isNew ? DataCoordEventKind.SEGMENT_OPENED : DataCoordEventKind.SEGMENT_UPDATED, s));
    }
    return DataCoordRecords.ok(records, reply.build());
  }

  /**
   * Growing segments the request may use, as this command left them so far, ascending by id: the
   * channel's committed active segments (few: growing, sealed, flushing) overlaid with the ones
   * this command touched on that channel.
   */
  private List<Segment> open(SegmentRequest r, SegmentLevel level, TreeMap<Long, Segment> touched) {
    TreeMap<Long, Segment> out = new TreeMap<>();
    for (Segment s : table.activeOnChannel(r.getChannel()).values()) {
      if (s.getState() == SegmentState.GROWING) {
        out.put(s.getId(), touched.getOrDefault(s.getId(), s));
      }
    }
    for (Segment s : touched.values()) {
      if (s.getState() == SegmentState.GROWING && s.getChannel().equals(r.getChannel())) {
        out.put(s.getId(), s);
      }
    }
    out.values().removeIf(s -> s.getCollectionId() != r.getCollectionId() || s.getPartitionId() != r.getPartitionId()
        || s.getLevel() != level);
    return new ArrayList<>(out.values());
  }

  private static Optional<String> invalid(SegmentRequest r, CollectionInfo c) {
    if (!c.getVirtualChannelsList().contains(r.getChannel())) {
      return Optional.of("channel '" + r.getChannel() + "' is not a channel of collection " + c.getName()
          + " (its channels: " + c.getVirtualChannelsList() + ")");
    }
    boolean allPartitions = r.getPartitionId() == -1 && r.getLevel() == SegmentLevel.L0;
    if (!allPartitions && c.getPartitionsList().stream().mapToLong(PartitionInfo::getId).noneMatch(p -> p == r.getPartitionId())) {
      return Optional.of("partition " + r.getPartitionId() + " is not a partition of collection " + c.getName());
    }
    if (r.getRows() < 1 || r.getRows() > MAX_ROWS_PER_REQUEST) {
      return Optional.of("rows must be 1 to " + MAX_ROWS_PER_REQUEST + ", got " + r.getRows());
    }
    if (r.getLevel() == SegmentLevel.L2 || r.getLevel() == SegmentLevel.UNRECOGNIZED) {
      return Optional.of("level " + r.getLevel() + " is not allocated (only L0 for deletes and L1)");
    }
    if (r.getImporting() && r.getLevel() == SegmentLevel.L0) {
      return Optional.of("an import does not write L0 segments");
    }
    return Optional.empty();
  }

  /** The seal duty's segments that are still GROWING become SEALED. */
  ApplyResult seal(ApplyContext ctx, SealSegments cmd) {
    Map<Long, String> reasons = new LinkedHashMap<>();
    for (SealRequest r : cmd.getSegmentsList()) {
      reasons.putIfAbsent(r.getSegmentId(), r.getReason());
    }
    List<Record> records = new ArrayList<>();
    DataCoordReply.Builder reply = DataCoordReply.newBuilder();
    reasons.forEach((id, reason) -> table.segment(id).filter(Segments::isGrowing).ifPresent(s -> {
      records.add(sealed(ctx, s, reason.isEmpty() ? "manual" : reason));
      reply.addSegmentIds(id);
    }));
    return DataCoordRecords.ok(records, reply.build());
  }

  private static Record sealed(ApplyContext ctx, Segment s, String reason) {
    return DataCoordRecords.segment(DataCoordEventKind.SEGMENT_SEALED, Segments.pruneAllocations(s.toBuilder(), ctx.nowMs())
        .setState(SegmentState.SEALED).setSealedMs(ctx.nowMs()).setSealReason(reason).build());
  }

  /** The flush duty's SEALED segments whose allocations all expired become FLUSHING. */
  ApplyResult startFlush(ApplyContext ctx, FlushSegments cmd) {
    List<Record> records = new ArrayList<>();
    DataCoordReply.Builder reply = DataCoordReply.newBuilder();
    for (long id : cmd.getSegmentIdsList().stream().distinct().toList()) {
      Optional<Segment> s = table.segment(id);
      if (s.isPresent() && s.get().getState() == SegmentState.SEALED && Segments.allocationsExpired(s.get(), ctx.nowMs())) {
        records.add(DataCoordRecords.segment(DataCoordEventKind.SEGMENT_FLUSHING,
            s.get().toBuilder().clearAllocations().setState(SegmentState.FLUSHING).build()));
        reply.addSegmentIds(id);
      }
    }
    return DataCoordRecords.ok(records, reply.build());
  }

  /**
   * flush(collection): seals its GROWING segments; names every segment that must become FLUSHED
   * (GROWING, SEALED and FLUSHING ones) and a flush timestamp the channel checkpoints must reach.
   */
  ApplyResult flushCollection(ApplyContext ctx, FlushCollection cmd) {
    Optional<CollectionInfo> c = CollectionLookup.resolve(catalog, cmd.getDb(), cmd.getCollection(), 0);
    if (c.isEmpty()) {
      return fail(ErrorCode.NOT_FOUND, "flush: collection '" + cmd.getCollection() + "' does not exist in database '"
          + (cmd.getDb().isEmpty() ? "default" : cmd.getDb()) + "'");
    }
    ApplyResult ts = tso.allocate(ctx, TsoAllocateRequest.newBuilder().setCount(1).build());
    if (ts.reply().getCode() != ErrorCode.OK) {
      return ts;
    }
    List<Record> records = new ArrayList<>(ts.records());
    DataCoordReply.Builder reply = DataCoordReply.newBuilder().setCollectionId(c.get().getId())
        .setFlushTs(ts.reply().getTsoAllocate().getFirst());
    for (String channel : c.get().getVirtualChannelsList()) {
      for (Segment s : table.activeOnChannel(channel).values()) {
        if (s.getCollectionId() != c.get().getId() || s.getState() == SegmentState.IMPORTING) {
          continue;
        }
        if (s.getState() == SegmentState.GROWING) {
          records.add(sealed(ctx, s, "flush"));
        }
        reply.addSegmentIds(s.getId());
      }
    }
    return DataCoordRecords.ok(records, reply.build());
  }

  /** Drops every segment of the collection (or of one partition, {@code partitionId} > 0) not dropped yet. */
  List<Record> dropSegments(ApplyContext ctx, long collectionId, long partitionId) {
    List<Record> records = new ArrayList<>();
    for (Segment s : table.ofCollection(collectionId).values()) {
      if (s.getState() != SegmentState.DROPPED && (partitionId <= 0 || s.getPartitionId() == partitionId)) {
        records.add(DataCoordRecords.wrap(DataCoordEvent.newBuilder().setKind(DataCoordEventKind.SEGMENT_DROPPED)
            .setSegment(s.toBuilder().clearAllocations().setState(SegmentState.DROPPED).setDroppedMs(ctx.nowMs()))
            .setCascade(true).build()));
      }
    }
    return records;
  }

  private static ApplyResult fail(ErrorCode code, String message) {
    return new Refusal(code, message).result();
  }
}
