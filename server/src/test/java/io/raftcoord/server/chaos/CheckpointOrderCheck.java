package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.SessionChecker.s;

import io.raftcoord.server.chaos.SegmentRecords.ChannelRead;
import io.raftcoord.server.chaos.SegmentRecords.ChannelView;
import io.raftcoord.server.chaos.SegmentRecords.Cp;
import io.raftcoord.server.chaos.SegmentRecords.Outcome;
import io.raftcoord.server.chaos.SegmentRecords.Write;
import io.raftcoord.server.chaos.SessionChecker.Finding;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A channel's checkpoint never moves back ({@value #NAME}): every read of it is at least every
 * read that completed before this one was invoked, and at least every checkpoint an
 * acknowledged save (saveCheckpoints, or the checkpoints of a saveBinlogPaths) carried when the
 * save completed before the read was invoked. The coordinator ignores a save older than what it
 * has, so an acknowledged save is a lower bound whoever owns the channel later. A channel
 * without a checkpoint reads as 0. Each channel is reported once per witness, so one step back
 * seen by many later reads makes one finding.
 */
final class CheckpointOrderCheck {
  static final String NAME = "checkpoint-moved-back";

  private CheckpointOrderCheck() {}

  /** One observation of a channel's checkpoint: a read, or an acknowledged save (completeMs only). */
  private record Obs(double invokeMs, double completeMs, long ts, String what) {}

  static List<Finding> check(SegmentRecords r) {
    Map<String, List<Obs>> reads = new TreeMap<>();
    Map<String, List<Obs>> saves = new TreeMap<>();
    for (ChannelRead read : r.channelReads()) {
      for (ChannelView v : read.channels()) {
        reads.computeIfAbsent(v.name(), x -> new ArrayList<>()).add(new Obs(read.invokeMs(), read.completeMs(),
            v.checkpointTs(), String.format(Locale.ROOT, "a read by %s [%.3f s .. %.3f s] (owner %s, %s)", read.actor(),
                s(read.invokeMs()), s(read.completeMs()), v.owner(), v.state())));
      }
    }
    for (Write w : r.writes()) {
      if (w.outcome() != Outcome.OK) {
        continue;
      }
      for (Cp c : w.checkpoints()) {
        saves.computeIfAbsent(c.channel(), x -> new ArrayList<>()).add(new Obs(w.invokeMs(), w.completeMs(),
            c.timestamp(), "an acknowledged save: " + w.describe()));
      }
    }
    List<Finding> out = new ArrayList<>();
    for (Map.Entry<String, List<Obs>> e : reads.entrySet()) {
      List<Obs> rs = e.getValue();
      List<Obs> earlier = new ArrayList<>(rs);
      earlier.addAll(saves.getOrDefault(e.getKey(), List.of()));
      earlier.sort(Comparator.comparingDouble(Obs::completeMs));
      // Prefix maximum by completion: the highest checkpoint known by each moment, and who showed it.
      Obs[] best = new Obs[earlier.size()];
      for (int i = 0; i < earlier.size(); i++) {
        Obs o = earlier.get(i);
        best[i] = i > 0 && best[i - 1].ts() >= o.ts() ? best[i - 1] : o;
      }
      double[] completes = earlier.stream().mapToDouble(Obs::completeMs).toArray();
      Set<Obs> reported = new HashSet<>();
      List<Obs> byInvoke = new ArrayList<>(rs);
      byInvoke.sort(Comparator.comparingDouble(Obs::invokeMs));
      for (Obs read : byInvoke) {
        int i = lastBefore(completes, read.invokeMs());
        if (i < 0 || best[i].ts() <= read.ts()) {
          continue;
        }
        Obs witness = best[i];
        if (reported.add(witness)) {
          out.add(new Finding(NAME, String.format(Locale.ROOT, "channel %s: %s shows checkpoint %d, below %d shown "
                  + "by %s, which completed before it was invoked", e.getKey(), read.what(), read.ts(), witness.ts(),
              witness.what()), witness.completeMs(), read.completeMs()));
        }
      }
    }
    return out;
  }

  /** Index of the last completion strictly before {@code t} (-1: none). */
  private static int lastBefore(double[] sorted, double t) {
    int lo = 0;
    int hi = sorted.length - 1;
    int ans = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] < t) {
        ans = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return ans;
  }
}
