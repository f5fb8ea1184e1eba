package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.SessionChecker.s;

import io.raftcoord.server.chaos.SegmentRecords.ChannelRead;
import io.raftcoord.server.chaos.SegmentRecords.ChannelView;
import io.raftcoord.server.chaos.SegmentRecords.Outcome;
import io.raftcoord.server.chaos.SegmentRecords.Ref;
import io.raftcoord.server.chaos.SegmentRecords.SessionSeen;
import io.raftcoord.server.chaos.SegmentRecords.Write;
import io.raftcoord.server.chaos.SessionChecker.Finding;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Zombie fencing ({@value #NAME}): a binlog report or checkpoint save from a session that has
 * lost the channel must get STALE_EPOCH, never OK. The channel's assignment is the fence: the
 * session it names may write while it holds it (TO_WATCH, WATCH_SUCCESS, TO_RELEASE). A session
 * has lost a channel for good when
 * <ul>
 *   <li>it was seen retired (STOPPING, EXPIRED, REMOVED, or no longer listed) by a read that
 *       completed at some time T: only ACTIVE sessions are given channels, so from T on it gains
 *       none, and</li>
 *   <li>a channel read invoked after T and completed before the call was invoked showed the
 *       channel placed with another session (or none), or still naming this one but no longer
 *       held (released, watch failed).</li>
 * </ul>
 * An ended session whose channel was not placed elsewhere yet still holds it (the channel duty
 * moves it within a round), and a channel that moved away from a session still ACTIVE may move
 * back, so neither alone is judged. Retries (a request with a part identical to one the session
 * sent before and that may have applied) are not judged either: the coordinator may answer one
 * as it answered the original.
 */
final class StaleEpochCheck {
  static final String NAME = "stale-epoch-accepted";
  /** The watch states in which the assigned session holds a channel. */
  static final java.util.Set<String> HOLDING = java.util.Set.of("TO_WATCH", "WATCH_SUCCESS", "TO_RELEASE");

  private StaleEpochCheck() {}

  static List<Finding> check(SegmentRecords r) {
    Map<Ref, SessionSeen> retired = new HashMap<>();
    for (SessionSeen seen : r.sessions()) {
      if (seen.retired()) {
        retired.merge(seen.ref(), seen, (a, b) -> a.atMs() <= b.atMs() ? a : b);
      }
    }
    List<Finding> out = new ArrayList<>();
    for (Write w : r.writes()) {
      if (w.outcome() != Outcome.OK || w.retry()) {
        continue;
      }
      SessionSeen ret = retired.get(w.node());
      if (ret == null || ret.atMs() >= w.invokeMs()) {
        continue;
      }
      for (String channel : w.channels()) {
        ChannelRead moved = movedAway(r, channel, w.node(), ret.atMs(), w.invokeMs());
        if (moved != null) {
          ChannelView v = moved.channels().stream().filter(c -> c.name().equals(channel)
              && (!c.owner().equals(w.node()) || !HOLDING.contains(c.state()))).findFirst().orElseThrow();
          out.add(new Finding(NAME, String.format(Locale.ROOT, "%s was acknowledged although session %s had been seen "
                  + "%s (%s) by %.3f s and a read by %s [%.3f s .. %.3f s] then showed channel %s with %s (%s): "
                  + "a session that lost a channel must get STALE_EPOCH", w.describe(), w.node(), ret.state(), ret.how(),
              s(ret.atMs()), moved.actor(), s(moved.invokeMs()), s(moved.completeMs()), channel, v.owner(), v.state()),
              moved.invokeMs(), w.completeMs()));
          break;
        }
      }
    }
    return out;
  }

  /** The first channel read in (after, before) showing {@code channel} with an owner other than {@code node}. */
  private static ChannelRead movedAway(SegmentRecords r, String channel, Ref node, double after, double before) {
    ChannelRead first = null;
    for (ChannelRead read : r.channelReads()) {
      if (read.invokeMs() <= after || read.completeMs() >= before) {
        continue;
      }
      for (ChannelView v : read.channels()) {
        if (v.name().equals(channel) && (!v.owner().equals(node) || !HOLDING.contains(v.state()))
            && (first == null || read.completeMs() < first.completeMs())) {
          first = read;
        }
      }
    }
    return first;
  }
}
