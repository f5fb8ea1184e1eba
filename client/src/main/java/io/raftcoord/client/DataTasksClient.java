package io.raftcoord.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.raftcoord.client.internal.CommandPipeline;
import io.raftcoord.client.internal.Futures;
import io.raftcoord.client.internal.QueryPipeline;
import io.raftcoord.client.internal.RaftTransport;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.KeyValue;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryBatch;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.datatasks.CompactionState;
import io.raftcoord.proto.datatasks.CompleteCompaction;
import io.raftcoord.proto.datatasks.CompleteGc;
import io.raftcoord.proto.datatasks.CompleteIndexBuild;
import io.raftcoord.proto.datatasks.CreateIndex;
import io.raftcoord.proto.datatasks.DataTasksReply;
import io.raftcoord.proto.datatasks.DataTasksSettings;
import io.raftcoord.proto.datatasks.DescribeIndexes;
import io.raftcoord.proto.datatasks.DescribeTask;
import io.raftcoord.proto.datatasks.DropIndex;
import io.raftcoord.proto.datatasks.FailTask;
import io.raftcoord.proto.datatasks.GcStatus;
import io.raftcoord.proto.datatasks.GetCompactionState;
import io.raftcoord.proto.datatasks.GetDataTasksSettings;
import io.raftcoord.proto.datatasks.GetGcStatus;
import io.raftcoord.proto.datatasks.IndexDescriptions;
import io.raftcoord.proto.datatasks.ListTasks;
import io.raftcoord.proto.datatasks.ReportSlots;
import io.raftcoord.proto.datatasks.ReportSlotsReply;
import io.raftcoord.proto.datatasks.SetDataTasksSettings;
import io.raftcoord.proto.datatasks.Task;
import io.raftcoord.proto.datatasks.TaskList;
import io.raftcoord.proto.datatasks.TriggerCompaction;
import io.raftcoord.proto.session.SessionRef;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * DataCoord's background work: compactions (by hand with {@link #compact}), indexes, the task
 * table and GC, for users; task completions and slot reports for workers, whose calls carry their
 * session (a report from an epoch that no longer holds the task fails with STALE_EPOCH). A worker
 * normally embeds a {@link TaskWorkerAgent}, which makes those calls for it.
 */
public final class DataTasksClient {
  private final CommandPipeline commands;
  private final QueryPipeline reads;
  private final RaftTransport transport;
  private final String authToken;

  DataTasksClient(CommandPipeline commands, QueryPipeline reads, RaftTransport transport, String authToken) {
    this.commands = commands;
    this.reads = reads;
    this.transport = transport;
    this.authToken = authToken == null ? "" : authToken;
  }

  /** compact(collection): plans every compaction the collection allows now; the reply's trigger id names them. */
  public DataTasksReply compact(String db, String collection) {
    return Futures.join(command(TriggerCompaction.newBuilder().setDb(db).setCollection(collection).build()));
  }

  public CompactionState compactionState(long triggerId) {
    return Futures.join(query(GetCompactionState.newBuilder().setTriggerId(triggerId).build(), CompactionState.class));
  }

  public CompactionState compactionStateOfCollection(long collectionId) {
    return Futures.join(query(GetCompactionState.newBuilder().setCollectionId(collectionId).build(),
        CompactionState.class));
  }

  public DataTasksReply createIndex(String db, String collection, String field, String indexName, String indexType,
                                    Map<String, String> params) {
    CreateIndex.Builder b = CreateIndex.newBuilder().setDb(db).setCollection(collection).setField(field)
        .setIndexName(indexName).setIndexType(indexType);
    params.forEach((k, v) -> b.addParams(KeyValue.newBuilder().setKey(k).setValue(v)));
    return Futures.join(command(b.build()));
  }

  public IndexDescriptions describeIndexes(String db, String collection, String indexName) {
    return Futures.join(query(DescribeIndexes.newBuilder().setDb(db).setCollection(collection).setIndexName(indexName)
        .build(), IndexDescriptions.class));
  }

  public DataTasksReply dropIndex(String db, String collection, String indexName) {
    return Futures.join(command(DropIndex.newBuilder().setDb(db).setCollection(collection).setIndexName(indexName)
        .build()));
  }

  public CompletableFuture<TaskList> tasksAsync(ListTasks q) {
    return query(q, TaskList.class);
  }

  public TaskList tasks(ListTasks q) {
    return Futures.join(tasksAsync(q));
  }

  public Task describeTask(long taskId) {
    return describeTaskWithFiles(taskId).getTasks(0);
  }

  /** The task, and for a GC task the files of each of its segments ({@code gc_files}). */
  public TaskList describeTaskWithFiles(long taskId) {
    return Futures.join(describeTaskAsync(taskId));
  }

  public CompletableFuture<TaskList> describeTaskAsync(long taskId) {
    return query(DescribeTask.newBuilder().setTaskId(taskId).build(), TaskList.class);
  }

  public GcStatus gcStatus() {
    return Futures.join(query(GetGcStatus.getDefaultInstance(), GcStatus.class));
  }

  public DataTasksSettings settings() {
    return Futures.join(query(GetDataTasksSettings.getDefaultInstance(), DataTasksSettings.class));
  }

  /** Changes the replicated settings (fields not set keep their value); returns them all. */
  public DataTasksSettings setSettings(DataTasksSettings change) {
    return Futures.join(command(SetDataTasksSettings.newBuilder().setSettings(change).build())).getSettings();
  }

  // ---- worker calls ----

  public CompletableFuture<DataTasksReply> completeCompactionAsync(CompleteCompaction c) {
    return command(c);
  }

  public CompletableFuture<DataTasksReply> completeIndexBuildAsync(CompleteIndexBuild c) {
    return command(c);
  }

  public CompletableFuture<DataTasksReply> completeGcAsync(SessionRef node, long taskId) {
    return command(CompleteGc.newBuilder().setNode(node).setTaskId(taskId).build());
  }

  public CompletableFuture<DataTasksReply> failTaskAsync(SessionRef node, long taskId, String reason) {
    return command(FailTask.newBuilder().setNode(node).setTaskId(taskId).setReason(reason).build());
  }

  /** Tells the leader (only) how many slots the worker has free; never logged. */
  public CompletableFuture<ReportSlotsReply> reportSlotsAsync(SessionRef node, int total, int free) {
    return reportSlotsAsync(ReportSlots.newBuilder().setNode(node).setTotalSlots(total).setFreeSlots(free).build());
  }

  /**
   * A worker's poll in one call: reports its free slots and gets back, from the leader's applied
   * state, the tasks EXECUTING on it: those in {@code known} by id, the others whole with the
   * segments their compactions read.
   */
  public CompletableFuture<ReportSlotsReply> pollWorkAsync(SessionRef node, int total, int free,
                                                           java.util.Collection<Long> known) {
    return reportSlotsAsync(ReportSlots.newBuilder().setNode(node).setTotalSlots(total).setFreeSlots(free)
        .setListTasks(true).addAllKnownTaskIds(known).build());
  }

  private CompletableFuture<ReportSlotsReply> reportSlotsAsync(ReportSlots report) {
    byte[] q = QueryBatch.newBuilder().setAuthToken(authToken).addQueries(Query.newBuilder()
        .setDomain(Any.pack(report))).build().toByteArray();
    return transport.leaderRead(q).handle((bytes, err) -> {
      if (err != null) {
        throw Futures.toCoord(err);
      }
      return unpack(QueryPipeline.checked(QueryPipeline.parse(bytes, 1).get(0)), ReportSlotsReply.class);
    });
  }

  private CompletableFuture<DataTasksReply> command(Message body) {
    return commands.submitChecked(Command.newBuilder().setDomain(Any.pack(body)).build())
        .thenApply(DataTasksClient::unpack);
  }

  private <T extends Message> CompletableFuture<T> query(Message body, Class<T> type) {
    return reads.submit(Query.newBuilder().setDomain(Any.pack(body)).build())
        .thenApply(r -> unpack(QueryPipeline.checked(r), type));
  }

  private static DataTasksReply unpack(CommandReply r) {
    try {
      return r.getDomain().unpack(DataTasksReply.class);
    } catch (InvalidProtocolBufferException e) {
      throw new CoordException(ErrorCode.INTERNAL, "unreadable datatasks reply: " + e.getMessage());
    }
  }

  private static <T extends Message> T unpack(QueryReply r, Class<T> type) {
    try {
      return r.getDomain().unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new CoordException(ErrorCode.INTERNAL, "unreadable datatasks reply: " + e.getMessage());
    }
  }
}
