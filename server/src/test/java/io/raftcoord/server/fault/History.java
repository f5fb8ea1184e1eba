package io.raftcoord.server.fault;

import io.raftcoord.client.CoordException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a fault test's clients did and saw: one {@link Op} per call (invoke and return
 * {@code System.nanoTime()}, outcome, result) plus the nemesis's {@link Event}s. Thread-safe for
 * recording; {@link #ops()} and {@link #events()} return sorted copies. Pure data: the judging is
 * done by {@link HistoryChecker}.
 */
public final class History {
  /** Which allocator an operation used. */
  public enum Kind { TSO, IDS }

  /**
   * OK: the call returned a result. FAILED: a domain error, the command was applied and refused
   * (or refused before logging), so it had no effect. UNKNOWN: the call may or may not have taken
   * effect (timeout, unavailable, any unexpected exception).
   */
  public enum Outcome { OK, FAILED, UNKNOWN }

  /**
   * One client call. For OK, {@code first}/{@code count} is the result: timestamps
   * {@code first..first+count-1} or IDs {@code [first, first+count)}; otherwise {@code first} is
   * -1 and {@code count} 0.
   *
   * @param call what was called ("tso.next", "tso.allocate", "ids.allocate", {@link AllocCall#UNSAFE_LOCAL})
   * @param requested how many timestamps/IDs were asked for
   */
  public record Op(long id, String thread, Kind kind, String call, int requested, long invokeNanos,
                   long returnNanos, Outcome outcome, long first, long count, String error) {
    /** Last timestamp / ID of the result (inclusive). */
    public long last() {
      return first + count - 1;
    }

    public boolean ok() {
      return outcome == Outcome.OK;
    }

    /** Human form with times in ms relative to {@code originNanos}. */
    public String describe(long originNanos) {
      String result = ok() ? (count == 1 ? String.valueOf(first) : "[" + first + ".." + last() + "]")
          : outcome + (error == null ? "" : " (" + error + ")");
      return String.format("op#%d %s %s(%d) invoked %.3f ms returned %.3f ms -> %s", id, thread, call, requested,
          (invokeNanos - originNanos) / 1e6, (returnNanos - originNanos) / 1e6, result);
    }
  }

  /** Something the nemesis did (kill, restart, ...), for reading a history. */
  public record Event(long atNanos, String what) {}

  private final long originNanos;
  private final AtomicLong nextId = new AtomicLong();
  private final ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();

  public History() {
    this(System.nanoTime());
  }

  public History(long originNanos) {
    this.originNanos = originNanos;
  }

  public long originNanos() {
    return originNanos;
  }

  /** Records a call that returned a result. */
  public Op ok(String thread, Kind kind, String call, int requested, long invokeNanos, long returnNanos,
               long first, long count) {
    return add(new Op(nextId.getAndIncrement(), thread, kind, call, requested, invokeNanos, returnNanos,
        Outcome.OK, first, count, null));
  }

  /** Records a call that failed with {@code error}; its outcome is classified by {@link #classify}. */
  public Op failed(String thread, Kind kind, String call, int requested, long invokeNanos, long returnNanos,
                   Throwable error) {
    Throwable cause = unwrap(error);
    return add(new Op(nextId.getAndIncrement(), thread, kind, call, requested, invokeNanos, returnNanos,
        classify(cause), -1, 0, cause.toString()));
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

  /** FAILED only for a domain error whose outcome is known; everything else is UNKNOWN. */
  public static Outcome classify(Throwable error) {
    Throwable e = unwrap(error);
    if (e instanceof CoordException ce && !ce.outcomeUnknown()) {
      return Outcome.FAILED;
    }
    return Outcome.UNKNOWN;
  }

  static Throwable unwrap(Throwable t) {
    Throwable e = t;
    while ((e instanceof CompletionException || e instanceof ExecutionException
        || e instanceof CancellationException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
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

  public long okCount() {
    return ops.stream().filter(Op::ok).count();
  }

  /** One JSON object per line: ops and events merged in time order (events by their time, ops by invoke). */
  public void writeJsonl(Path file) throws IOException {
    List<Op> o = ops();
    List<Event> ev = events();
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      int i = 0;
      int j = 0;
      while (i < o.size() || j < ev.size()) {
        if (j < ev.size() && (i >= o.size() || ev.get(j).atNanos() <= o.get(i).invokeNanos())) {
          Event e = ev.get(j++);
          w.write("{\"event\":" + quote(e.what()) + ",\"atMs\":" + ms(e.atNanos()) + "}");
        } else {
          Op op = o.get(i++);
          w.write("{\"id\":" + op.id() + ",\"thread\":" + quote(op.thread()) + ",\"kind\":\"" + op.kind()
              + "\",\"call\":" + quote(op.call()) + ",\"requested\":" + op.requested()
              + ",\"invokeMs\":" + ms(op.invokeNanos()) + ",\"returnMs\":" + ms(op.returnNanos())
              + ",\"outcome\":\"" + op.outcome() + "\""
              + (op.ok() ? ",\"first\":" + op.first() + ",\"count\":" + op.count() : "")
              + (op.error() == null ? "" : ",\"error\":" + quote(op.error())) + "}");
        }
        w.newLine();
      }
    }
  }

  private String ms(long nanos) {
    return String.format("%.3f", (nanos - originNanos) / 1e6);
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
