package io.raftcoord.statemachine.datacoord;

import com.google.protobuf.Any;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.Record;
import io.raftcoord.proto.datacoord.Channel;
import io.raftcoord.proto.datacoord.DataCoordEvent;
import io.raftcoord.proto.datacoord.DataCoordEventKind;
import io.raftcoord.proto.datacoord.DataCoordReply;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentBinlogs;
import io.raftcoord.statemachine.apply.ApplyResult;
import java.util.List;

/** Builders of the domain's records and replies. */
final class DataCoordRecords {
  private DataCoordRecords() {}

  static Record segment(DataCoordEventKind kind, Segment s) {
    return wrap(DataCoordEvent.newBuilder().setKind(kind).setSegment(s).build());
  }

  static Record segment(DataCoordEventKind kind, Segment s, SegmentBinlogs added) {
    return wrap(DataCoordEvent.newBuilder().setKind(kind).setSegment(s).setAddedBinlogs(added).build());
  }

  static Record channel(DataCoordEventKind kind, Channel c) {
    return wrap(DataCoordEvent.newBuilder().setKind(kind).setChannel(c).build());
  }

  static Record wrap(DataCoordEvent e) {
    return Record.newBuilder().setDomain(Any.pack(e)).build();
  }

  static ApplyResult ok(List<Record> records, DataCoordReply reply) {
    return ApplyResult.ok(records, CommandReply.newBuilder().setDomain(Any.pack(reply)).build());
  }
}
