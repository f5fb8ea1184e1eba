package io.raftcoord.statemachine.datatasks;

import com.google.protobuf.Any;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.Record;
import io.raftcoord.proto.datatasks.DataTasksEvent;
import io.raftcoord.proto.datatasks.DataTasksEventKind;
import io.raftcoord.proto.datatasks.DataTasksReply;
import io.raftcoord.proto.datatasks.Task;
import io.raftcoord.statemachine.apply.ApplyResult;
import java.util.List;

/** Builders of the domain's records and replies. */
final class TaskRecords {
  private TaskRecords() {}

  static Record task(Task t) {
    return wrap(DataTasksEvent.newBuilder().setKind(DataTasksEventKind.TASK_CHANGED).setTask(t).build());
  }

  static Record removed(Task t, boolean cascade) {
    return wrap(DataTasksEvent.newBuilder().setKind(DataTasksEventKind.TASK_REMOVED).setTask(t).setCascade(cascade)
        .build());
  }

  static Record wrap(DataTasksEvent e) {
    return Record.newBuilder().setDomain(Any.pack(e)).build();
  }

  static ApplyResult ok(List<Record> records, DataTasksReply reply) {
    return ApplyResult.ok(records, CommandReply.newBuilder().setDomain(Any.pack(reply)).build());
  }
}
