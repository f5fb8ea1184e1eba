package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.SessionChecker.s;

import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.server.chaos.SegmentRecords.Assign;
import io.raftcoord.server.chaos.SegmentRecords.Grant;
import io.raftcoord.server.chaos.SegmentRecords.Outcome;
import io.raftcoord.server.chaos.SegmentRecords.SegmentRead;
import io.raftcoord.server.chaos.SegmentRecords.SegmentView;
import io.raftcoord.server.chaos.SessionChecker.Finding;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * No allocation is handed out twice and none goes where it may not. Over acknowledged assign
 * calls:
 * <ul>
 *   <li>{@value #MISMATCH}: the assignments of a request add up to the rows it asked for
 *       (a request may be split, never cut or padded);</li>
 *   <li>{@value #OVER}: the rows allocated on one segment never exceed its max_rows. A correct
 *       coordinator hands out room only while rows + live allocations stay under the seal
 *       proportion (0.12 by default) of max_rows and seals the segment as soon as the reported
 *       rows reach it, so even allocations that expired before their rows were reported cannot
 *       add up to max_rows; space handed out twice (allocations lost in a failover, a leader
 *       deciding from stale state) can;</li>
 *   <li>{@value #AFTER_SEAL}: no assignment names a segment that a read completed before the
 *       assign was invoked showed SEALED, FLUSHING, FLUSHED or DROPPED (states never go back);</li>
 *   <li>{@value #WRONG_CHANNEL}: the segment belongs to the requested channel.</li>
 * </ul>
 * Only acknowledged calls count: an unknown outcome may have allocated too, so the sums are
 * lower bounds of what the coordinator handed out.
 */
final class AllocationCheck {
  static final String MISMATCH = "assign-rows-mismatch";
  static final String OVER = "over-allocated";
  static final String AFTER_SEAL = "assigned-after-seal";
  static final String WRONG_CHANNEL = "assigned-wrong-channel";
  private static final Set<SegmentState> CLOSED = Set.of(SegmentState.SEALED, SegmentState.FLUSHING,
      SegmentState.FLUSHED, SegmentState.DROPPED);

  private AllocationCheck() {}

  static List<Finding> check(SegmentRecords r) {
    List<Finding> out = new ArrayList<>();
    // What the reads showed of each segment: max_rows, its channel, and the first completed read that saw it closed.
    Map<Long, Long> maxRows = new HashMap<>();
    Map<Long, String> channel = new HashMap<>();
    Map<Long, SegmentView> closedView = new HashMap<>();
    Map<Long, SegmentRead> closedRead = new HashMap<>();
    for (SegmentRead read : r.segmentReads()) {
      for (SegmentView v : read.segments()) {
        note(v, maxRows, channel);
        if (CLOSED.contains(v.state())) {
          SegmentRead first = closedRead.get(v.id());
          if (first == null || read.completeMs() < first.completeMs()) {
            closedRead.put(v.id(), read);
            closedView.put(v.id(), v);
          }
        }
      }
    }
    r.finals().values().forEach(f -> {
      if (f.view() != null) {
        note(f.view(), maxRows, channel);
      }
    });

    Map<Long, Long> allocated = new TreeMap<>();
    Map<Long, Assign> lastOf = new HashMap<>();
    for (Assign a : r.assigns()) {
      if (a.outcome() != Outcome.OK) {
        continue;
      }
      long[] per = new long[a.requests().size()];
      boolean badIndex = false;
      for (Grant g : a.grants()) {
        if (g.request() < 0 || g.request() >= per.length) {
          badIndex = true;
          continue;
        }
        per[g.request()] += g.rows();
        allocated.merge(g.segmentId(), g.rows(), Long::sum);
        lastOf.put(g.segmentId(), a);
        SegmentRead seen = closedRead.get(g.segmentId());
        if (seen != null && seen.completeMs() < a.invokeMs()) {
          SegmentView v = closedView.get(g.segmentId());
          out.add(new Finding(AFTER_SEAL, String.format(Locale.ROOT, "%s's assign [%.3f s .. %.3f s] gave %d rows of "
                  + "segment %d, which a read by %s completed at %.3f s had already shown %s", a.actor(), s(a.invokeMs()),
              s(a.completeMs()), g.rows(), g.segmentId(), seen.actor(), s(seen.completeMs()), v.state()),
              seen.completeMs(), a.completeMs()));
        }
        String want = a.requests().get(g.request()).channel();
        String has = channel.get(g.segmentId());
        if (has != null && !has.equals(want)) {
          out.add(new Finding(WRONG_CHANNEL, String.format(Locale.ROOT, "%s's assign [%.3f s .. %.3f s] for channel %s "
                  + "gave %d rows of segment %d, which is on channel %s", a.actor(), s(a.invokeMs()), s(a.completeMs()),
              want, g.rows(), g.segmentId(), has), a.invokeMs(), a.completeMs()));
        }
      }
      for (int i = 0; i < per.length; i++) {
        if (badIndex || per[i] != a.requests().get(i).rows()) {
          out.add(new Finding(MISMATCH, String.format(Locale.ROOT, "%s's assign [%.3f s .. %.3f s]: request %d asked "
                  + "for %d rows of %s and got %d%s; grants %s", a.actor(), s(a.invokeMs()), s(a.completeMs()), i,
              a.requests().get(i).rows(), a.requests().get(i).channel(), per[i],
              badIndex ? " (and grants naming no request)" : "", a.grants()), a.invokeMs(), a.completeMs()));
          break;
        }
      }
    }
    allocated.forEach((seg, rows) -> {
      Long max = maxRows.get(seg);
      if (max != null && max > 0 && rows > max) {
        Assign last = lastOf.get(seg);
        out.add(new Finding(OVER, String.format(Locale.ROOT, "segment %d: acknowledged assignments add up to %d rows, "
                + "over its max_rows %d (the last by %s at %.3f s)", seg, rows, max, last.actor(), s(last.completeMs())),
            last.invokeMs(), last.completeMs()));
      }
    });
    return out;
  }

  private static void note(SegmentView v, Map<Long, Long> maxRows, Map<Long, String> channel) {
    if (v.maxRows() > 0) {
      maxRows.putIfAbsent(v.id(), v.maxRows());
    }
    if (!v.channel().isEmpty()) {
      channel.putIfAbsent(v.id(), v.channel());
    }
  }
}
