package io.raftcoord.statemachine.datatasks;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentBinlogs;
import io.raftcoord.proto.datatasks.CompactionState;
import io.raftcoord.proto.datatasks.DescribeIndexes;
import io.raftcoord.proto.datatasks.DescribeTask;
import io.raftcoord.proto.datatasks.GcFiles;
import io.raftcoord.proto.datatasks.GcStatus;
import io.raftcoord.proto.datatasks.GetCompactionState;
import io.raftcoord.proto.datatasks.IndexDescription;
import io.raftcoord.proto.datatasks.IndexDescriptions;
import io.raftcoord.proto.datatasks.IndexInfo;
import io.raftcoord.proto.datatasks.ListTasks;
import io.raftcoord.proto.datatasks.ReportSlots;
import io.raftcoord.proto.datatasks.ReportSlotsReply;
import io.raftcoord.proto.datatasks.Task;
import io.raftcoord.proto.datatasks.TaskList;
import io.raftcoord.proto.datatasks.TaskState;
import io.raftcoord.proto.datatasks.TaskType;
import io.raftcoord.statemachine.catalog.Catalog;
import io.raftcoord.statemachine.datacoord.CollectionLookup;
import io.raftcoord.statemachine.datacoord.DataCoordTable;
import io.raftcoord.statemachine.pipeline.Refusal;
import java.util.List;
import java.util.Optional;

/** Answers the domain's reads from committed state; each walks at most one collection's segments. */
final class DataTasksReads {
  static final int DEFAULT_LIMIT = 1000;
  static final int MAX_LIMIT = 10_000;

  private final DataTasksTable table;
  private final DataCoordTable data;
  private final Catalog catalog;

  DataTasksReads(DataTasksTable table, DataCoordTable data, Catalog catalog) {
    this.table = table;
    this.data = data;
    this.catalog = catalog;
  }

  /**
   * A worker's work list for {@code ReportSlots} with {@code list_tasks}: its EXECUTING tasks (of
   * this session's epoch), known ones by id, new ones whole with the segments their compactions read.
   */
  ReportSlotsReply.Builder workList(ReportSlots r, ReportSlotsReply.Builder out) {
    java.util.Set<Long> known = new java.util.HashSet<>(r.getKnownTaskIdsList());
    int listed = 0;
    for (long id : table.executingOn(r.getNode().getServerId())) {
      Task t = table.task(id).orElseThrow();
      if (listed++ >= MAX_LIMIT) {
        break;
      }
      if (!t.getNode().equals(r.getNode())) {
        continue; // an older session of the same server: not this worker's
      }
      if (known.contains(id)) {
        out.addExecutingIds(id);
        continue;
      }
      out.addExecutingIds(id).addNewTasks(t);
      if (t.getType() != TaskType.INDEX_BUILD && t.getType() != TaskType.GC) {
        for (long seg : t.getSegmentsList()) {
          data.segment(seg).ifPresent(out::addInputs);
        }
        for (long seg : t.getTargetsList()) {
          data.segment(seg).ifPresent(out::addInputs);
        }
      }
    }
    return out;
  }

  QueryReply.Builder tasks(ListTasks q) {
    if (q.getLimit() < 0 || q.getLimit() > MAX_LIMIT) {
      return new Refusal(ErrorCode.INVALID_ARGUMENT, "list tasks: limit must be 0 to " + MAX_LIMIT + ", got "
          + q.getLimit()).queryReply();
    }
    int limit = q.getLimit() == 0 ? DEFAULT_LIMIT : q.getLimit();
    // A worker's poll (its EXECUTING tasks) reads the per-worker index; any other list walks the table.
    boolean workList = q.getNodeId() != 0 && q.getStatesList().equals(List.of(TaskState.EXECUTING));
    Iterable<Task> candidates = workList
        ? table.executingOn(q.getNodeId()).stream().filter(id -> id > q.getAfterId()).sorted()
            .map(id -> table.task(id).orElseThrow()).toList()
        : table.tasks().tailMap(q.getAfterId(), false).values();
    TaskList.Builder out = TaskList.newBuilder();
    for (Task t : candidates) {
      if ((q.getNodeId() != 0 && t.getNode().getServerId() != q.getNodeId())
          || (q.getCollectionId() != 0 && t.getCollectionId() != q.getCollectionId())
          || (!q.getTypesList().isEmpty() && !q.getTypesList().contains(t.getType()))
          || (!q.getStatesList().isEmpty() && !q.getStatesList().contains(t.getState()))) {
        continue;
      }
      if (out.getTasksCount() >= limit) {
        out.setMore(true);
        break;
      }
      out.addTasks(t);
    }
    return reply(out.build());
  }

  QueryReply.Builder task(DescribeTask q) {
    Optional<Task> t = table.task(q.getTaskId());
    if (t.isEmpty()) {
      return new Refusal(ErrorCode.NOT_FOUND, "task " + q.getTaskId() + " does not exist (cleaned, or never made)")
          .queryReply();
    }
    TaskList.Builder out = TaskList.newBuilder().addTasks(t.get());
    if (t.get().getType() == TaskType.GC) {
      for (long segment : t.get().getSegmentsList()) {
        out.addGcFiles(gcFiles(segment, t.get().getCollectionId()));
      }
    }
    return reply(out.build());
  }

  /** What a GC worker removes for {@code segment}: its logs and its indexes' files (none once collected). */
  private GcFiles gcFiles(long segment, long collectionId) {
    GcFiles.Builder f = GcFiles.newBuilder().setSegmentId(segment);
    if (data.segment(segment).isEmpty()) {
      return f.build();
    }
    SegmentBinlogs logs = data.binlogs(segment);
    logs.getBinlogsList().forEach(x -> x.getBinlogsList().forEach(b -> f.addBinlogIds(b.getLogId())));
    logs.getDeltalogsList().forEach(x -> x.getBinlogsList().forEach(b -> f.addDeltalogIds(b.getLogId())));
    logs.getStatslogsList().forEach(x -> x.getBinlogsList().forEach(b -> f.addStatslogIds(b.getLogId())));
    for (IndexInfo i : table.indexesOf(collectionId)) {
      table.segmentIndex(segment, i.getId()).ifPresent(si -> f.addAllIndexFileIds(si.getFileIdsList()));
    }
    return f.build();
  }

  QueryReply.Builder indexes(DescribeIndexes q) {
    Optional<CollectionInfo> c = CollectionLookup.resolve(catalog, q.getDb(), q.getCollection(), 0);
    if (c.isEmpty()) {
      return new Refusal(ErrorCode.NOT_FOUND, "describe index: collection " + (q.getDb().isEmpty() ? "default"
          : q.getDb()) + "." + q.getCollection() + " does not exist").queryReply();
    }
    List<IndexInfo> indexes = table.indexesOf(c.get().getId()).stream()
        .filter(i -> q.getIndexName().isEmpty() || i.getName().equals(q.getIndexName())).toList();
    if (indexes.isEmpty() && !q.getIndexName().isEmpty()) {
      return new Refusal(ErrorCode.NOT_FOUND, "describe index: collection " + c.get().getName()
          + " has no index named " + q.getIndexName()).queryReply();
    }
    IndexDescriptions.Builder out = IndexDescriptions.newBuilder();
    for (IndexInfo i : indexes) {
      long total = 0;
      long indexed = 0;
      for (Segment s : data.ofCollection(c.get().getId()).values()) {
        if (IndexControl.buildable(s)) {
          total += s.getNumRows();
          indexed += table.built(s.getId(), i.getId()) ? s.getNumRows() : 0;
        }
      }
      long pending = 0;
      long failed = 0;
      for (Task t : table.tasks().values()) {
        if (t.getType() == TaskType.INDEX_BUILD && t.getIndexId() == i.getId()) {
          pending += DataTasksTable.isOpen(t) ? 1 : 0;
          failed += t.getState() == TaskState.FAILED || t.getState() == TaskState.TIMEOUT ? 1 : 0;
        }
      }
      out.addIndexes(IndexDescription.newBuilder().setIndex(i).setTotalRows(total).setIndexedRows(indexed)
          .setPendingTasks(pending).setFailedTasks(failed).setState(indexed == total ? "Finished" : "InProgress"));
    }
    return reply(out.build());
  }

  QueryReply.Builder compactionState(GetCompactionState q) {
    if (q.getTriggerId() == 0 && q.getCollectionId() == 0) {
      return new Refusal(ErrorCode.INVALID_ARGUMENT, "compaction state: name a trigger id or a collection id")
          .queryReply();
    }
    CompactionState.Builder out = CompactionState.newBuilder();
    for (Task t : table.tasks().values()) {
      boolean compaction = t.getType() == TaskType.MIX_COMPACTION || t.getType() == TaskType.L0_COMPACTION
          || t.getType() == TaskType.SINGLE_COMPACTION;
      if (!compaction || (q.getTriggerId() != 0 && t.getTriggerId() != q.getTriggerId())
          || (q.getCollectionId() != 0 && t.getCollectionId() != q.getCollectionId())) {
        continue;
      }
      switch (t.getState()) {
        case PIPELINING -> out.setPipelining(out.getPipelining() + 1);
        case EXECUTING -> out.setExecuting(out.getExecuting() + 1);
        case COMPLETED -> out.setCompleted(out.getCompleted() + 1);
        case FAILED -> out.setFailed(out.getFailed() + 1);
        case TIMEOUT -> out.setTimeout(out.getTimeout() + 1);
        case TASK_STATE_NONE, CLEANED, UNRECOGNIZED -> { }
      }
    }
    return reply(out.setCompletedAll(out.getPipelining() + out.getExecuting() == 0).build());
  }

  QueryReply.Builder gc() {
    long dropped = data.segmentCount() - data.liveSegmentCount();
    long open = table.tasks().values().stream().filter(t -> t.getType() == TaskType.GC && DataTasksTable.isOpen(t)).count();
    return reply(GcStatus.newBuilder().setDroppedSegments(dropped)
        .setGcTasksOpen(open).setSegmentsCollected(table.segmentsCollected()).build());
  }

  QueryReply.Builder settings() {
    return reply(table.settings());
  }

  private static QueryReply.Builder reply(Message m) {
    return QueryReply.newBuilder().setDomain(Any.pack(m));
  }
}
