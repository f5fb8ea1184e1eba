package io.raftcoord.server.fault;

import io.raftcoord.server.fault.History.Kind;
import io.raftcoord.server.fault.History.Op;
import io.raftcoord.server.fault.History.Outcome;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Judges a {@link History} of TSO and ID calls. Only OK ops carry results, so only they are
 * checked; FAILED and UNKNOWN ops are counted. The checks:
 * <ul>
 *   <li>{@link Check#TSO_UNIQUE}: no timestamp was handed out twice (OK ranges are disjoint);</li>
 *   <li>{@link Check#TSO_REAL_TIME}: an op's first timestamp is above every timestamp of every
 *       op that returned before it was invoked (linearizability of a strictly increasing counter);</li>
 *   <li>{@link Check#IDS_DISJOINT}: OK ID ranges are pairwise disjoint;</li>
 *   <li>{@link Check#RESULT_SIZE}: an OK op got as many timestamps / IDs as it asked for.</li>
 * </ul>
 * Pure and deterministic: the same ops give the same verdict.
 */
public final class HistoryChecker {
  /** Violations kept per check (all are counted). */
  public static final int MAX_REPORTED = 20;

  public enum Check { TSO_UNIQUE, TSO_REAL_TIME, IDS_DISJOINT, RESULT_SIZE }

  /** {@code op} broke {@code check}; {@code other} is the op it conflicts with (null for RESULT_SIZE). */
  public record Violation(Check check, Op op, Op other, String message) {}

  public record Counts(long ok, long failed, long unknown) {
    public long total() {
      return ok + failed + unknown;
    }

    @Override
    public String toString() {
      return "ok=" + ok + " failed=" + failed + " unknown=" + unknown;
    }
  }

  /**
   * The outcome of a check. {@code violations} holds, per check, the first {@link #MAX_REPORTED}
   * by the violating op's invoke time (then id); {@code violationCounts} counts them all.
   */
  public record Verdict(Map<Kind, Counts> counts, Map<Check, Long> violationCounts, List<Violation> violations,
                        long originNanos) {
    public boolean valid() {
      return violationCounts.values().stream().allMatch(n -> n == 0);
    }

    public Counts counts(Kind kind) {
      return counts.get(kind);
    }

    public long ok() {
      return counts.values().stream().mapToLong(Counts::ok).sum();
    }

    public long unknown() {
      return counts.values().stream().mapToLong(Counts::unknown).sum();
    }

    public long failed() {
      return counts.values().stream().mapToLong(Counts::failed).sum();
    }

    /** The earliest reported violation of {@code check}. */
    public Optional<Violation> first(Check check) {
      return violations.stream().filter(v -> v.check() == check).findFirst();
    }

    public String summary() {
      StringBuilder b = new StringBuilder(valid() ? "VALID" : "INVALID");
      b.append(" tso{").append(counts.get(Kind.TSO)).append("} ids{").append(counts.get(Kind.IDS)).append('}');
      if (!valid()) {
        b.append(" violations ").append(violationCounts);
        for (Violation v : violations) {
          b.append("\n  ").append(v.check()).append(": ").append(v.message())
              .append("\n    op:    ").append(v.op().describe(originNanos));
          if (v.other() != null) {
            b.append("\n    other: ").append(v.other().describe(originNanos));
          }
        }
      }
      return b.toString();
    }
  }

  private HistoryChecker() {}

  public static Verdict check(History history) {
    return check(history.ops(), history.originNanos());
  }

  public static Verdict check(Collection<Op> all, long originNanos) {
    Map<Kind, Counts> counts = new EnumMap<>(Kind.class);
    for (Kind k : Kind.values()) {
      counts.put(k, count(all, k));
    }
    List<Op> tso = okOf(all, Kind.TSO);
    List<Op> ids = okOf(all, Kind.IDS);
    Map<Check, List<Violation>> found = new EnumMap<>(Check.class);
    for (Check c : Check.values()) {
      found.put(c, new ArrayList<>());
    }
    for (Op op : tso) {
      sizeCheck(op, found.get(Check.RESULT_SIZE));
    }
    for (Op op : ids) {
      sizeCheck(op, found.get(Check.RESULT_SIZE));
    }
    disjoint(tso, Check.TSO_UNIQUE, "timestamp", found.get(Check.TSO_UNIQUE));
    disjoint(ids, Check.IDS_DISJOINT, "id", found.get(Check.IDS_DISJOINT));
    realTime(tso, found.get(Check.TSO_REAL_TIME));

    Map<Check, Long> violationCounts = new EnumMap<>(Check.class);
    List<Violation> reported = new ArrayList<>();
    Comparator<Violation> order = Comparator.comparingLong((Violation v) -> v.op().invokeNanos())
        .thenComparingLong(v -> v.op().id());
    for (Check c : Check.values()) {
      List<Violation> vs = found.get(c);
      violationCounts.put(c, (long) vs.size());
      vs.sort(order);
      reported.addAll(vs.subList(0, Math.min(MAX_REPORTED, vs.size())));
    }
    return new Verdict(counts, violationCounts, List.copyOf(reported), originNanos);
  }

  private static Counts count(Collection<Op> all, Kind kind) {
    long ok = 0;
    long failed = 0;
    long unknown = 0;
    for (Op op : all) {
      if (op.kind() != kind) {
        continue;
      }
      switch (op.outcome()) {
        case OK -> ok++;
        case FAILED -> failed++;
        case UNKNOWN -> unknown++;
      }
    }
    return new Counts(ok, failed, unknown);
  }

  private static List<Op> okOf(Collection<Op> all, Kind kind) {
    return all.stream().filter(o -> o.kind() == kind && o.outcome() == Outcome.OK).toList();
  }

  private static void sizeCheck(Op op, List<Violation> out) {
    if (op.count() < 1 || op.count() != op.requested()) {
      out.add(new Violation(Check.RESULT_SIZE, op, null,
          "asked for " + op.requested() + " but got " + op.count()));
    }
  }

  /** Sort by first value; each range must start above the highest end seen so far. */
  private static void disjoint(List<Op> ops, Check check, String what, List<Violation> out) {
    List<Op> sorted = new ArrayList<>(ops);
    sorted.sort(Comparator.comparingLong(Op::first).thenComparingLong(Op::id));
    Op reach = null;
    for (Op op : sorted) {
      if (op.count() < 1) {
        continue;
      }
      if (reach != null && op.first() <= reach.last()) {
        // Report the later-invoked op of the pair as the violator: the earlier one was fine when it happened.
        boolean opLater = op.invokeNanos() > reach.invokeNanos()
            || op.invokeNanos() == reach.invokeNanos() && op.id() > reach.id();
        Op later = opLater ? op : reach;
        Op earlier = opLater ? reach : op;
        out.add(new Violation(check, later, earlier, what + " " + Math.max(op.first(), reach.first())
            + " handed out twice (ranges [" + earlier.first() + ".." + earlier.last() + "] and ["
            + later.first() + ".." + later.last() + "] overlap)"));
      }
      if (reach == null || op.last() > reach.last()) {
        reach = op;
      }
    }
  }

  /**
   * Sweep the ops in invoke order, folding in (by return order) every op that returned strictly
   * before the current one was invoked; the current op's first timestamp must exceed the highest
   * timestamp folded in. The op holding that maximum is reported as the other half of the pair.
   */
  private static void realTime(List<Op> ops, List<Violation> out) {
    List<Op> byInvoke = new ArrayList<>(ops);
    byInvoke.sort(Comparator.comparingLong(Op::invokeNanos).thenComparingLong(Op::id));
    List<Op> byReturn = new ArrayList<>(ops);
    byReturn.sort(Comparator.comparingLong(Op::returnNanos).thenComparingLong(Op::id));
    int j = 0;
    Op max = null;
    for (Op op : byInvoke) {
      while (j < byReturn.size() && byReturn.get(j).returnNanos() < op.invokeNanos()) {
        Op done = byReturn.get(j++);
        if (done.count() >= 1 && (max == null || done.last() > max.last())) {
          max = done;
        }
      }
      if (max != null && op.count() >= 1 && op.first() <= max.last()) {
        out.add(new Violation(Check.TSO_REAL_TIME, op, max, "timestamp " + op.first()
            + " is not above " + max.last() + ", which was returned "
            + String.format("%.3f", (op.invokeNanos() - max.returnNanos()) / 1e6) + " ms before this op was invoked"));
      }
    }
  }
}
