package io.raftcoord.server.fault;

import io.raftcoord.client.CoordException;
import io.raftcoord.proto.ChangeEvent;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.PartitionInfo;
import io.raftcoord.server.fault.History.Outcome;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a catalog fault test's DDL clients did and saw: one {@link Op} per call (invoke and return
 * {@code System.nanoTime()}, outcome, the object a successful call answered with), the nemesis's
 * events, and every change event each watcher received, in the order received. Thread-safe for
 * recording; the accessors return copies. Pure data: judging is {@link DdlChecker}'s.
 */
public final class DdlHistory {
  /** The DDL calls the workload makes. */
  public enum Type { CREATE_DATABASE, CREATE_COLLECTION, CREATE_PARTITION, DROP_COLLECTION }

  /**
   * One call. {@code collection} is empty for CREATE_DATABASE, {@code partition} is set only for
   * CREATE_PARTITION. For an OK call, {@code result} is the collection it answered with (created,
   * or as it was when dropped; for CREATE_PARTITION null) and {@code partition} the partition
   * created; {@code code} is OK. For FAILED it is the domain error, for UNKNOWN the error that
   * left the outcome open (UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, or null for a non-client
   * exception).
   */
  public record Op(long id, String thread, Type type, String db, String collection, String partitionName,
                   long invokeNanos, long returnNanos, Outcome outcome, ErrorCode code, String error,
                   CollectionInfo result, PartitionInfo partition) {
    public boolean ok() {
      return outcome == Outcome.OK;
    }

    /** Unknown outcomes may take effect at any time after invocation: their return is "never". */
    public long effectiveReturnNanos() {
      return outcome == Outcome.UNKNOWN ? Long.MAX_VALUE : returnNanos;
    }

    /** {@code db/collection}: the key objects are judged by. */
    public String key() {
      return DdlHistory.key(db, collection);
    }

    public String describe(long originNanos) {
      String target = switch (type) {
        case CREATE_DATABASE -> db;
        case CREATE_PARTITION -> key() + "#" + partitionName;
        default -> key();
      };
      String res = switch (outcome) {
        case OK -> "OK" + (result != null ? " id " + result.getId() : "")
            + (partition != null ? " partition id " + partition.getId() : "");
        case FAILED -> "FAILED " + code + " (" + error + ")";
        case UNKNOWN -> "UNKNOWN " + (code == null ? "" : code + " ") + "(" + error + ")";
      };
      return String.format("op#%d %s %s(%s) invoked %.3f ms returned %.3f ms -> %s", id, thread, type, target,
          (invokeNanos - originNanos) / 1e6, (returnNanos - originNanos) / 1e6, res);
    }
  }

  /** Something the nemesis or the test did. */
  public record Event(long atNanos, String what) {}

  private final long originNanos;
  private final AtomicLong nextId = new AtomicLong();
  private final ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();
  /** Per watcher, the events in the order its listener got them (appended on the watch's thread). */
  private final Map<String, List<ChangeEvent>> watched = new TreeMap<>();
  /**
   * One instance per distinct (revision, ordinal, content): several watchers and replica feeds
   * hold the same events, and a long run's events, each carrying a whole collection, do not fit
   * in memory once per holder. An event that differs from the one already kept is kept as is, so
   * the checker's comparisons see exactly what was received.
   */
  private final Map<Position, ChangeEvent> canonical = new HashMap<>();

  private record Position(long revision, int ordinal) {}

  public DdlHistory() {
    this(System.nanoTime());
  }

  public DdlHistory(long originNanos) {
    this.originNanos = originNanos;
  }

  public long originNanos() {
    return originNanos;
  }

  public static String key(String db, String collection) {
    return (db == null || db.isEmpty() ? "default" : db) + "/" + collection;
  }

  public Op ok(String thread, Type type, String db, String collection, String partitionName, long invoke, long ret,
               CollectionInfo result, PartitionInfo partition) {
    return add(new Op(nextId.getAndIncrement(), thread, type, db, collection, partitionName, invoke, ret,
        Outcome.OK, ErrorCode.OK, null, result, partition));
  }

  /** A call that threw: FAILED for a domain error, UNKNOWN for anything else ({@link History#classify}). */
  public Op failed(String thread, Type type, String db, String collection, String partitionName, long invoke,
                   long ret, Throwable error) {
    Throwable cause = History.unwrap(error);
    ErrorCode code = cause instanceof CoordException ce ? ce.code() : null;
    return add(new Op(nextId.getAndIncrement(), thread, type, db, collection, partitionName, invoke, ret,
        History.classify(cause), code, cause.toString(), null, null));
  }

  /** Adds a fully built op (hand-made histories in tests). */
  public Op add(Op op) {
    ops.add(op);
    return op;
  }

  public Event event(String what) {
    Event e = new Event(System.nanoTime(), what);
    events.add(e);
    return e;
  }

  /** Registers a watcher (so that one that received nothing still shows up). */
  public void watcher(String name) {
    synchronized (watched) {
      watched.putIfAbsent(name, new ArrayList<>());
    }
  }

  /** Appends what watcher {@code name} was just handed. */
  public void watched(String name, List<ChangeEvent> received) {
    synchronized (watched) {
      List<ChangeEvent> list = watched.computeIfAbsent(name, n -> new ArrayList<>());
      for (ChangeEvent e : received) {
        list.add(intern(e));
      }
    }
  }

  /** {@code e}, or the equal event this history already holds (see {@link #canonical}). */
  public ChangeEvent intern(ChangeEvent e) {
    synchronized (canonical) {
      ChangeEvent kept = canonical.putIfAbsent(new Position(e.getRevision(), e.getOrdinal()), e);
      return kept != null && kept.equals(e) ? kept : e;
    }
  }

  /** Every op, by invoke time. */
  public List<Op> ops() {
    List<Op> out = new ArrayList<>(ops);
    out.sort(Comparator.comparingLong(Op::invokeNanos).thenComparingLong(Op::id));
    return out;
  }

  public List<Event> events() {
    List<Event> out = new ArrayList<>(events);
    out.sort(Comparator.comparingLong(Event::atNanos));
    return out;
  }

  /** Per watcher, a copy of what it received so far. */
  public Map<String, List<ChangeEvent>> watchers() {
    synchronized (watched) {
      Map<String, List<ChangeEvent>> out = new TreeMap<>();
      watched.forEach((k, v) -> out.put(k, List.copyOf(v)));
      return out;
    }
  }

  /**
   * One JSON object per line: ops and events merged in time order, then one line per received
   * change event per watcher ({@code watcher, rev, ord, kind, name}).
   */
  public void writeJsonl(Path file) throws IOException {
    List<Op> o = ops();
    List<Event> ev = events();
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      int i = 0;
      int j = 0;
      while (i < o.size() || j < ev.size()) {
        if (j < ev.size() && (i >= o.size() || ev.get(j).atNanos() <= o.get(i).invokeNanos())) {
          Event e = ev.get(j++);
          w.write("{\"event\":" + History.quote(e.what()) + ",\"atMs\":" + ms(e.atNanos()) + "}");
        } else {
          Op op = o.get(i++);
          w.write("{\"id\":" + op.id() + ",\"thread\":" + History.quote(op.thread()) + ",\"type\":\"" + op.type()
              + "\",\"db\":" + History.quote(op.db()) + ",\"collection\":" + History.quote(op.collection())
              + (op.partitionName() == null ? "" : ",\"partition\":" + History.quote(op.partitionName()))
              + ",\"invokeMs\":" + ms(op.invokeNanos()) + ",\"returnMs\":" + ms(op.returnNanos())
              + ",\"outcome\":\"" + op.outcome() + "\"" + (op.code() == null ? "" : ",\"code\":\"" + op.code() + "\"")
              + (op.result() == null ? "" : ",\"collectionId\":" + op.result().getId())
              + (op.partition() == null ? "" : ",\"partitionId\":" + op.partition().getId())
              + (op.error() == null ? "" : ",\"error\":" + History.quote(op.error())) + "}");
        }
        w.newLine();
      }
      for (Map.Entry<String, List<ChangeEvent>> e : watchers().entrySet()) {
        for (ChangeEvent c : e.getValue()) {
          w.write("{\"watcher\":" + History.quote(e.getKey()) + ",\"rev\":" + c.getRevision() + ",\"ord\":"
              + c.getOrdinal() + ",\"kind\":\"" + c.getChange().getKind() + "\",\"name\":"
              + History.quote(DdlChecker.describe(c)) + "}");
          w.newLine();
        }
      }
    }
  }

  private String ms(long nanos) {
    return String.format("%.3f", (nanos - originNanos) / 1e6);
  }
}
