package io.raftcoord.statemachine.pipeline;

import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.statemachine.apply.ApplyResult;

/**
 * The one error value of apply and reads: a code from the protocol's vocabulary and a message
 * that names the problem. Domains refuse with it; it is never an exception.
 */
public record Refusal(ErrorCode code, String message) {
  public Refusal {
    if (code == ErrorCode.OK) {
      throw new IllegalArgumentException("a refusal needs an error code");
    }
  }

  public CommandReply reply() {
    return CommandReply.newBuilder().setCode(code).setMessage(message).build();
  }

  public ApplyResult result() {
    return ApplyResult.error(code, message);
  }

  public QueryReply.Builder queryReply() {
    return QueryReply.newBuilder().setCode(code).setMessage(message);
  }
}
