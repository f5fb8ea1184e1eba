package io.raftcoord.statemachine.apply;

import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Record;
import java.util.List;

/**
 * The outcome of one command, computed from committed state without changing it: the records
 * to replay and the reply. A domain error carries no records and is the same on every replica.
 */
public record ApplyResult(List<Record> records, CommandReply reply) {
  public ApplyResult {
    records = List.copyOf(records);
    if (reply.getCode() != ErrorCode.OK && !records.isEmpty()) {
      throw new IllegalArgumentException("a failed command must not produce records");
    }
  }

  public static ApplyResult ok(List<Record> records, CommandReply reply) {
    return new ApplyResult(records, reply);
  }

  public static ApplyResult error(ErrorCode code, String message) {
    return new ApplyResult(List.of(), CommandReply.newBuilder().setCode(code).setMessage(message).build());
  }
}
