package io.raftcoord.statemachine.datacoord;

import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Record;
import io.raftcoord.proto.datacoord.Binlog;
import io.raftcoord.proto.datacoord.Channel;
import io.raftcoord.proto.datacoord.ChannelCheckpoint;
import io.raftcoord.proto.datacoord.DataCoordEventKind;
import io.raftcoord.proto.datacoord.DataCoordReply;
import io.raftcoord.proto.datacoord.FieldBinlog;
import io.raftcoord.proto.datacoord.SaveBinlogPaths;
import io.raftcoord.proto.datacoord.SaveChannelCheckpoints;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentBinlogs;
import io.raftcoord.proto.datacoord.SegmentReport;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.proto.session.SessionRef;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.apply.ApplyResult;
import io.raftcoord.statemachine.pipeline.Refusal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Generates the records of data nodes' reports: binlog paths (saveBinlogPaths) and channel
 * checkpoints. Invariants: only the session that owns a segment's channel reports for it
 * ({@link ChannelFence}); a report is applied whole or refused whole; binlogs are appended and a
 * log id already listed for the field is not added again; row counts and checkpoints never move back; an
 * identical retried report answers OK and changes nothing, while a different report on a FLUSHED
 * or DROPPED segment is refused.
 */
final class ReportControl {
  static final int MAX_SEGMENTS_PER_REPORT = 1024;
  static final int MAX_CHECKPOINTS = 128;
  static final int MAX_BINLOGS_PER_REPORT = 100_000;

  private final DataCoordTable table;
  private final ChannelFence fence;

  ReportControl(DataCoordTable table, ChannelFence fence) {
    this.table = table;
    this.fence = fence;
  }

  ApplyResult saveBinlogPaths(ApplyContext ctx, SaveBinlogPaths cmd) {
    if (cmd.getSegmentsCount() > MAX_SEGMENTS_PER_REPORT) {
      return fail(ErrorCode.INVALID_ARGUMENT, "save binlog paths: at most " + MAX_SEGMENTS_PER_REPORT
          + " segments per report, got " + cmd.getSegmentsCount());
    }
    Optional<String> bad = invalid(cmd);
    if (bad.isPresent()) {
      return fail(ErrorCode.INVALID_ARGUMENT, "save binlog paths: " + bad.get());
    }
    byte[] node = cmd.getNode().toByteArray();
    List<Record> records = new ArrayList<>();
    DataCoordReply.Builder reply = DataCoordReply.newBuilder();
    for (SegmentReport r : cmd.getSegmentsList()) {
      Optional<Segment> found = table.segment(r.getSegmentId());
      if (found.isEmpty()) {
        return fail(ErrorCode.NOT_FOUND, "save binlog paths: segment " + r.getSegmentId() + " does not exist");
      }
      Segment s = found.get();
      Optional<Refusal> stale = fence.check(cmd.getNode(), table.channel(s.getChannel()), s.getChannel(),
          "save binlog paths for segment " + s.getId());
      if (stale.isPresent()) {
        return stale.get().result();
      }
      long fp = Fingerprint.of(concat(node, r.toByteArray()));
      if (fp == s.getLastReport()) {
        reply.addSegmentIds(s.getId());
        continue;
      }
      if (!DataCoordTable.isActive(s)) {
        return fail(ErrorCode.FAILED_PRECONDITION, "save binlog paths: segment " + s.getId() + " is " + s.getState()
            + "; it takes no further reports");
      }
      records.add(report(ctx, s, r, fp));
      reply.addSegmentIds(s.getId());
    }
    Optional<ApplyResult> cp = checkpoints(ctx, cmd.getNode(), cmd.getCheckpointsList(), records);
    if (cp.isPresent()) {
      return cp.get();
    }
    return DataCoordRecords.ok(records, reply.build());
  }

  ApplyResult saveCheckpoints(ApplyContext ctx, SaveChannelCheckpoints cmd) {
    if (cmd.getCheckpointsCount() < 1 || cmd.getCheckpointsCount() > MAX_CHECKPOINTS) {
      return fail(ErrorCode.INVALID_ARGUMENT, "save channel checkpoints: 1 to " + MAX_CHECKPOINTS
          + " checkpoints, got " + cmd.getCheckpointsCount());
    }
    List<Record> records = new ArrayList<>();
    Optional<ApplyResult> cp = checkpoints(ctx, cmd.getNode(), cmd.getCheckpointsList(), records);
    return cp.orElseGet(() -> DataCoordRecords.ok(records, DataCoordReply.getDefaultInstance()));
  }

  /** Appends the checkpoint records to {@code records}, or answers the refusal. */
  private Optional<ApplyResult> checkpoints(ApplyContext ctx, SessionRef node, List<ChannelCheckpoint> cps,
                                            List<Record> records) {
    if (cps.size() > MAX_CHECKPOINTS) {
      return Optional.of(fail(ErrorCode.INVALID_ARGUMENT, "at most " + MAX_CHECKPOINTS + " checkpoints per call, got "
          + cps.size()));
    }
    Map<String, Channel> after = new LinkedHashMap<>();
    for (ChannelCheckpoint cp : cps) {
      Optional<Channel> c = after.containsKey(cp.getChannel()) ? Optional.of(after.get(cp.getChannel()))
          : table.channel(cp.getChannel());
      Optional<Refusal> stale = fence.check(node, c, cp.getChannel(), "save checkpoint");
      if (stale.isPresent()) {
        return Optional.of(stale.get().result());
      }
      if (cp.getPosition().getTimestamp() < 0) {
        return Optional.of(fail(ErrorCode.INVALID_ARGUMENT, "checkpoint of " + cp.getChannel()
            + " has a negative timestamp"));
      }
      if (!c.get().hasCheckpoint() || cp.getPosition().getTimestamp() > c.get().getCheckpoint().getTimestamp()) {
        after.put(cp.getChannel(), c.get().toBuilder().setCheckpoint(cp.getPosition()).build());
      }
    }
    after.values().forEach(c -> records.add(DataCoordRecords.channel(DataCoordEventKind.CHANNEL_CHECKPOINTED, c)));
    return Optional.empty();
  }

  private Record report(ApplyContext ctx, Segment s, SegmentReport r, long fp) {
    SegmentBinlogs current = table.binlogs(s.getId());
    SegmentBinlogs added = SegmentBinlogs.newBuilder()
        .addAllBinlogs(newOnly(current.getBinlogsList(), r.getBinlogsList()))
        .addAllDeltalogs(newOnly(current.getDeltalogsList(), r.getDeltalogsList()))
        .addAllStatslogs(newOnly(current.getStatslogsList(), r.getStatslogsList()))
        .build();
    SegmentBinlogs merged = DataCoordTable.append(current, added);
    Segment.Builder b = Segments.pruneAllocations(s.toBuilder(), ctx.nowMs())
        .setNumRows(Math.max(s.getNumRows(), r.getNumRows()))
        .setLastWriteMs(ctx.nowMs())
        .setLastReport(fp)
        .setBinlogFiles(merged.getBinlogsList().stream().mapToLong(FieldBinlog::getBinlogsCount).max().orElse(0))
        .setBinlogBytes(bytes(merged.getBinlogsList()))
        .setDeltalogEntries(merged.getDeltalogsList().stream().flatMap(f -> f.getBinlogsList().stream())
            .mapToLong(Binlog::getEntries).sum())
        .setDeltalogBytes(bytes(merged.getDeltalogsList()))
        .setStatslogFiles(merged.getStatslogsList().stream().mapToLong(FieldBinlog::getBinlogsCount).sum());
    if (!s.hasStartPosition() && r.hasStartPosition()) {
      b.setStartPosition(r.getStartPosition());
    }
    if (r.hasCheckpoint() && (!s.hasDmlPosition() || r.getCheckpoint().getTimestamp() > s.getDmlPosition().getTimestamp())) {
      b.setDmlPosition(r.getCheckpoint());
    }
    DataCoordEventKind kind = DataCoordEventKind.SEGMENT_UPDATED;
    if (r.getFlushed()) {
      b.clearAllocations();
      if (b.getNumRows() > 0 || b.getLevel() == io.raftcoord.proto.datacoord.SegmentLevel.L0 && b.getDeltalogEntries() > 0) {
        b.setState(SegmentState.FLUSHED).setFlushedMs(ctx.nowMs());
        kind = DataCoordEventKind.SEGMENT_FLUSHED;
      } else {
        b.setState(SegmentState.DROPPED).setDroppedMs(ctx.nowMs());
        kind = DataCoordEventKind.SEGMENT_DROPPED;
      }
    }
    return DataCoordRecords.segment(kind, b.build(), added);
  }

  /**
   * The fields' binlogs whose log ids are not listed yet for that field (in {@code current} or
   * earlier in {@code added}). Milvus keys binlogs by field and log id: the same log id under two
   * fields names two files.
   */
  private static List<FieldBinlog> newOnly(List<FieldBinlog> current, List<FieldBinlog> added) {
    if (added.isEmpty()) {
      return added;
    }
    // A report adds one or a few files per field to at most max_binlog_files: a scan of the
    // field's list costs less than building a set of it.
    List<FieldBinlog> out = new ArrayList<>();
    for (int i = 0; i < added.size(); i++) {
      FieldBinlog f = added.get(i);
      List<Binlog> fresh = new ArrayList<>(f.getBinlogsCount());
      for (Binlog l : f.getBinlogsList()) {
        if (!listed(current, f.getFieldId(), l.getLogId()) && !listed(added.subList(0, i), f.getFieldId(), l.getLogId())
            && fresh.stream().noneMatch(x -> x.getLogId() == l.getLogId())) {
          fresh.add(l);
        }
      }
      if (!fresh.isEmpty()) {
        out.add(fresh.size() == f.getBinlogsCount() ? f
            : FieldBinlog.newBuilder().setFieldId(f.getFieldId()).addAllBinlogs(fresh).build());
      }
    }
    return out;
  }

  /** Whether {@code fields} list log {@code logId} under field {@code fieldId}. */
  private static boolean listed(List<FieldBinlog> fields, long fieldId, long logId) {
    for (FieldBinlog f : fields) {
      if (f.getFieldId() == fieldId) {
        for (Binlog l : f.getBinlogsList()) {
          if (l.getLogId() == logId) {
            return true;
          }
        }
      }
    }
    return false;
  }


  private static long bytes(List<FieldBinlog> fields) {
    return fields.stream().flatMap(f -> f.getBinlogsList().stream()).mapToLong(Binlog::getSize).sum();
  }

  private static Optional<String> invalid(SaveBinlogPaths cmd) {
    Set<Long> seen = new HashSet<>();
    long binlogs = 0;
    for (SegmentReport r : cmd.getSegmentsList()) {
      if (!seen.add(r.getSegmentId())) {
        return Optional.of("segment " + r.getSegmentId() + " appears twice");
      }
      if (r.getNumRows() < 0) {
        return Optional.of("segment " + r.getSegmentId() + ": num_rows is negative");
      }
      for (List<FieldBinlog> kind : List.of(r.getBinlogsList(), r.getDeltalogsList(), r.getStatslogsList())) {
        for (FieldBinlog f : kind) {
          for (Binlog l : f.getBinlogsList()) {
            binlogs++;
            if (l.getLogId() <= 0 || l.getEntries() < 0 || l.getSize() < 0 || l.getTimestampFrom() > l.getTimestampTo()) {
              return Optional.of("segment " + r.getSegmentId() + " field " + f.getFieldId() + ": binlog " + l.getLogId()
                  + " needs a positive log id, non-negative entries and size, and timestamp_from <= timestamp_to");
            }
          }
        }
      }
    }
    if (binlogs > MAX_BINLOGS_PER_REPORT) {
      return Optional.of(binlogs + " binlogs in one report, over the limit of " + MAX_BINLOGS_PER_REPORT);
    }
    return Optional.empty();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static ApplyResult fail(ErrorCode code, String message) {
    return new Refusal(code, message).result();
  }
}
