package io.raftcoord.statemachine.datatasks;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.raftcoord.proto.Command;

/** The envelope a duty proposes its command in. */
final class DutyCommands {
  private DutyCommands() {}

  static Command of(Message body) {
    return Command.newBuilder().setDomain(Any.pack(body)).build();
  }
}
