package io.raftcoord.server.chaos;

import io.raftcoord.server.chaos.KvHistoryOp.Outcome;
import io.raftcoord.server.chaos.LinearizabilityResult.Finding;
import io.raftcoord.server.chaos.LinearizabilityResult.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Renders the window of one key's history that shows a finding, one op per line, marked. For a
 * violation it is the minimized window ({@link LinearizabilityMinimizer}): the first op that
 * cannot be linearized and the ops invoked in the shortest interval that, alone, cannot be
 * linearized; otherwise (search over budget, or no window proven) the ops overlapping the
 * furthest point the search reached. Context lines follow: the writes, outside the window, of
 * the values read in it. Invariants: every line names its op's id, client, kind, value, outcome,
 * interval and replica; at most {@link #MAX_LINES} lines per list (the ones nearest the culprit).
 */
final class LinearizabilityWindow {
  static final int MAX_LINES = 40;

  private LinearizabilityWindow() {}

  /** A violation shrunk by the minimizer. */
  static Finding minimized(LinearizabilityKey k, LinearizabilityMinimizer.Window w) {
    KvHistoryOp c = w.culprits().get(0);
    Map<Integer, Character> marks = new HashMap<>();
    Set<Integer> inWindow = new HashSet<>();
    Set<String> read = new HashSet<>();
    for (KvHistoryOp op : w.ops()) {
      inWindow.add(op.id());
      if (!op.isWrite()) {
        read.add(op.value());
      }
    }
    List<KvHistoryOp> shown = new ArrayList<>();
    int unobserved = 0;
    for (KvHistoryOp op : k.all()) {
      if (!inWindow.contains(op.id())) {
        continue;
      }
      if (op.isWrite() && (op.outcome() != Outcome.OK || w.carriedIn().contains(op.id()))
          && !read.contains(op.value())) {
        unobserved += w.carriedIn().contains(op.id()) ? 0 : 1;
        continue;
      }
      shown.add(op);
      marks.put(op.id(), w.carriedIn().contains(op.id()) ? '~' : ' ');
    }
    w.culprits().forEach(op -> marks.put(op.id(), '*'));
    long from = w.from() == Long.MIN_VALUE ? shown.get(0).invokeNs() : w.from();
    String others = w.culprits().size() == 1 ? "" : " (with " + w.culprits().stream().skip(1).map(op -> "#" + op.id())
        .collect(Collectors.joining(", ")) + ", returning at the same instant)";
    String summary = "op #" + c.id() + " (" + brief(c) + ", [" + KvHistoryOp.ms(c.invokeNs()) + ", "
        + KvHistoryOp.ms(c.completeNs()) + "])" + others + " is the first op that cannot be linearized: "
        + (w.from() == Long.MIN_VALUE
        ? "the history up to its return has no linearization"
        : "the " + shown.size() + " ops invoked in [" + KvHistoryOp.ms(w.from()) + ", " + KvHistoryOp.ms(w.to())
          + "] have no linearization, whatever the register held before");
    Set<KvHistoryOp> context = new LinkedHashSet<>();
    for (KvHistoryOp op : shown) {
      if (!op.isWrite()) {
        k.writesOf(op.value()).stream().filter(x -> !inWindow.contains(x.id())).forEach(context::add);
      }
    }
    context.forEach(op -> marks.putIfAbsent(op.id(), ' '));
    String legend = "  (* = the first op that cannot be linearized, ~ = invoked before the window, may have taken"
        + " effect in it" + (unobserved > 0 ? "; " + unobserved + " unknown writes never observed are not shown" : "")
        + ")";
    String footer = "(" + w.probes() + " sub-histories checked to find this window)";
    return render(k, Status.VIOLATION, summary, from, w.to(), shown, legend, context, marks, footer);
  }

  /** A search over budget (status UNKNOWN) or a violation no smaller window was proven for. */
  static Finding furthestPoint(LinearizabilityKey k, LinearizabilitySearch.Outcome o, Status status, String summary) {
    List<KvHistoryOp> kept = k.kept();
    Map<Integer, Character> marks = new HashMap<>();
    for (int i = 0; i < kept.size(); i++) {
      marks.put(kept.get(i).id(), o.linearized(i) ? 'L' : ' ');
    }
    List<KvHistoryOp> core = new ArrayList<>();
    for (int f : o.frontier()) {
      core.add(kept.get(f));
      marks.put(kept.get(f).id(), 'P');
    }
    KvHistoryOp stuck = o.stuck() < 0 ? null : kept.get(o.stuck());
    if (stuck != null) {
      core.add(stuck);
      marks.put(stuck.id(), '*');
    }
    Set<KvHistoryOp> context = new LinkedHashSet<>();
    for (int i : o.lastLinearized()) {
      context.add(kept.get(i));
    }
    for (KvHistoryOp op : core) {
      if (!op.isWrite()) {
        context.addAll(k.writesOf(op.value()));
      }
    }
    String state = k.valueName(o.state());
    if (summary == null) {
      summary = stuck == null ? "not linearizable" : "op #" + stuck.id() + " (" + brief(stuck) + ", due by "
          + KvHistoryOp.ms(k.deadline(stuck)) + ") cannot be linearized: with " + o.prefix() + " of " + kept.size()
          + " ops linearized before then, the register holds " + state + "; no order of the " + o.frontier().length
          + " ops pending with it helps";
    }
    long from = Long.MAX_VALUE;
    long to = Long.MIN_VALUE;
    for (KvHistoryOp op : core) {
      from = Math.min(from, op.invokeNs());
      long end = end(k, op);
      to = Math.max(to, end == Long.MAX_VALUE ? op.invokeNs() : end);
    }
    if (core.isEmpty()) {
      from = 0;
      to = 0;
    }
    List<KvHistoryOp> window = new ArrayList<>();
    for (KvHistoryOp op : k.all()) {
      if ((op.isWrite() || op.outcome() == Outcome.OK) && op.invokeNs() <= to && end(k, op) >= from) {
        window.add(op);
      }
    }
    String legend = "  (* = cannot be linearized in time, P = pending with it, L = linearized by then,"
        + " - = ignored: failed, or unknown and never observed)";
    String footer = "register when op #" + (stuck == null ? "?" : stuck.id()) + " had to take effect (" + o.prefix()
        + " of " + kept.size() + " ops linearized): " + state;
    return render(k, status, summary, from, to, window, legend, context, marks, footer);
  }

  /** A read refuted before searching. */
  static Finding problem(LinearizabilityKey k, LinearizabilityKey.Problem p) {
    KvHistoryOp r = p.read();
    Map<Integer, Character> marks = new HashMap<>();
    marks.put(r.id(), '*');
    List<KvHistoryOp> window = new ArrayList<>();
    for (KvHistoryOp op : k.all()) {
      if ((op.isWrite() || op.outcome() == Outcome.OK) && op.invokeNs() <= r.completeNs()
          && op.completeNs() >= r.invokeNs()) {
        window.add(op);
        marks.putIfAbsent(op.id(), ' ');
      }
    }
    p.related().forEach(op -> marks.putIfAbsent(op.id(), ' '));
    String legend = "  (* = the read that cannot be linearized)";
    return render(k, Status.VIOLATION, p.summary(), r.invokeNs(), r.completeNs(), window, legend,
        new LinkedHashSet<>(p.related()), marks, "(found before searching)");
  }

  private static Finding render(LinearizabilityKey k, Status status, String summary, long from, long to,
                                List<KvHistoryOp> window, String legend, Set<KvHistoryOp> context,
                                Map<Integer, Character> marks, String footer) {
    StringBuilder b = new StringBuilder();
    b.append("key ").append(k.key()).append(": ").append(summary).append('\n');
    b.append("window [").append(KvHistoryOp.ms(from)).append(", ").append(KvHistoryOp.ms(to)).append("] (")
        .append(KvHistoryOp.ms(to - from)).append("), ").append(window.size()).append(" ops of key ")
        .append(k.key()).append(":\n").append(legend).append('\n');
    lines(b, window, marks);
    List<KvHistoryOp> outside = context.stream().filter(op -> !window.contains(op)).toList();
    if (!outside.isEmpty()) {
      b.append("context (ops outside the window that it refers to):\n");
      lines(b, outside, marks);
    }
    b.append(footer).append('\n');
    return new Finding(k.key(), status, summary, b.toString(), from);
  }

  /** The ops, or the last MAX_LINES of them (nearest the culprit, which ends a window). */
  private static void lines(StringBuilder b, List<KvHistoryOp> ops, Map<Integer, Character> marks) {
    int skip = Math.max(0, ops.size() - MAX_LINES);
    if (skip > 0) {
      b.append("    ... ").append(skip).append(" earlier ops\n");
    }
    for (KvHistoryOp op : ops.subList(skip, ops.size())) {
      b.append("  ").append(marks.getOrDefault(op.id(), '-')).append(' ').append(op.describe()).append('\n');
    }
  }

  /** The end of a kept op's interval as the search saw it; else when the client gave up (or never). */
  private static long end(LinearizabilityKey k, KvHistoryOp op) {
    Long d = k.deadline(op);
    return d != null ? d : op.completeNs();
  }

  private static String brief(KvHistoryOp op) {
    return op.client() + (op.isWrite() ? " write " : " read ") + LinearizabilityKey.quoted(op.value()) + " via "
        + op.replica();
  }
}
