package io.raftcoord.statemachine.datacoord;

import io.raftcoord.proto.datacoord.DataCoordSettings;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SealRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Milvus's seal policies as a pure function of the active segments of each channel, the settings
 * and the leader's time. Per Growing segment: size (rows at the seal proportion of max rows, less
 * a per-segment jitter), lifetime, idle with a minimum size, binlog file count. Per channel:
 * growing bytes over the cap seal the largest segments until under it; L0 deletes over the
 * entry or byte limit seal the oldest Growing L0 segment. A segment is named once, with the first
 * policy that holds, in channel then id order.
 */
public final class SealPlanner {
  public static final String SIZE = "size";
  public static final String LIFETIME = "lifetime";
  public static final String IDLE = "idle";
  public static final String BINLOG_FILES = "binlog-files";
  public static final String CHANNEL_CAP = "channel-growing-cap";
  public static final String L0_VOLUME = "l0-volume";

  private SealPlanner() {}

  /**
   * @param byChannel each channel's active segments, in any map and list order: the plan walks
   *     channels by name and each channel's segments by id, so the same view gives the same plan
   */
  public static List<SealRequest> plan(Map<String, ? extends Iterable<Segment>> byChannel, DataCoordSettings s,
                                       long nowMs) {
    List<SealRequest> out = new ArrayList<>();
    for (Iterable<Segment> segments : new TreeMap<>(byChannel).values()) {
      Map<Long, String> sealed = new LinkedHashMap<>();
      List<Segment> growing = new ArrayList<>();
      List<Segment> growingL0 = new ArrayList<>();
      for (Segment seg : Segments.byId(segments)) {
        if (!Segments.isGrowing(seg)) {
          continue;
        }
        (Segments.isL0(seg) ? growingL0 : growing).add(seg);
        String reason = segmentPolicy(seg, s, nowMs);
        if (reason != null) {
          sealed.put(seg.getId(), reason);
        }
      }
      channelCap(growing, sealed, s);
      l0Volume(growingL0, sealed, s);
      sealed.forEach((id, reason) -> out.add(SealRequest.newBuilder().setSegmentId(id).setReason(reason).build()));
    }
    return out;
  }

  /** The first per-segment policy that holds, or null. */
  static String segmentPolicy(Segment seg, DataCoordSettings s, long nowMs) {
    if (!Segments.isL0(seg)) {
      double threshold = s.getSealProportionPermille() / 1000.0 * seg.getMaxRows()
          * (1 - s.getSealJitterPermille() / 1000.0 * Segments.jitter(seg.getId()));
      if (seg.getNumRows() > 0 && seg.getNumRows() >= threshold) {
        return SIZE;
      }
    }
    if (nowMs - seg.getCreatedMs() >= s.getMaxLifeMs()) {
      return LIFETIME;
    }
    if (nowMs - seg.getLastWriteMs() >= s.getMaxIdleMs() && Segments.sizeBytes(seg) >= s.getMinSizeFromIdleBytes()
        && Segments.sizeBytes(seg) > 0) {
      return IDLE;
    }
    if (seg.getBinlogFiles() >= s.getMaxBinlogFiles()) {
      return BINLOG_FILES;
    }
    return null;
  }

  private static void channelCap(List<Segment> growing, Map<Long, String> sealed, DataCoordSettings s) {
    long total = 0;
    for (Segment seg : growing) {
      if (!sealed.containsKey(seg.getId())) {
        total += Segments.sizeBytes(seg);
      }
    }
    if (total < s.getChannelGrowingCapBytes()) {
      return;
    }
    List<Segment> largestFirst = new ArrayList<>(growing);
    largestFirst.sort(Comparator.comparingLong(Segments::sizeBytes).reversed().thenComparingLong(Segment::getId));
    for (Segment seg : largestFirst) {
      if (total < s.getChannelGrowingCapBytes()) {
        break;
      }
      if (!sealed.containsKey(seg.getId())) {
        sealed.put(seg.getId(), CHANNEL_CAP);
        total -= Segments.sizeBytes(seg);
      }
    }
  }

  private static void l0Volume(List<Segment> growingL0, Map<Long, String> sealed, DataCoordSettings s) {
    long entries = 0;
    long bytes = 0;
    for (Segment seg : growingL0) {
      entries += seg.getDeltalogEntries();
      bytes += seg.getDeltalogBytes();
    }
    if ((entries >= s.getL0MaxEntries() || bytes >= s.getL0MaxBytes()) && !growingL0.isEmpty()) {
      Segment oldest = growingL0.stream().min(Comparator.comparingLong(Segment::getCreatedMs)
          .thenComparingLong(Segment::getId)).orElseThrow();
      sealed.putIfAbsent(oldest.getId(), L0_VOLUME);
    }
  }
}
