package io.raftcoord.statemachine.datatasks;

import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datatasks.DataTasksSettings;
import io.raftcoord.proto.datatasks.PlannedCompaction;
import io.raftcoord.proto.datatasks.TaskType;
import io.raftcoord.statemachine.datacoord.DataCoordTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Milvus's mix compaction: per partition of a channel, FLUSHED segments smaller than
 * {@code small_proportion} of the expected size are packed, largest first, into plans of at least
 * {@code min_segments_to_merge} inputs that stay within the expected size; a pack that cannot
 * reach that many inputs still counts when what it leaves short of the expected size is at most
 * {@code compactable_proportion}. Segments left over may then join a plan up to
 * {@code expansion_rate} times the expected size. With {@code force} (a manual trigger) any pack
 * of two or more counts. Pure and deterministic: ties break by segment id.
 */
final class MixPlanner {
  private MixPlanner() {}

  /** Packs no more than {@code limit} plans: the candidates it does not reach wait for a later round. */
  static List<PlannedCompaction> plan(CompactionGroup g, DataTasksSettings s, boolean force, String trigger, int limit) {
    List<PlannedCompaction> out = new ArrayList<>();
    long expected = g.expectedBytes();
    long small = expected * s.getSmallProportionPermille() / 1000;
    Map<Long, List<Segment>> byPartition = new TreeMap<>();
    for (Segment seg : g.l1()) {
      if (seg.getNumRows() > 0 && size(seg) < small) {
        byPartition.computeIfAbsent(seg.getPartitionId(), p -> new ArrayList<>()).add(seg);
      }
    }
    for (Map.Entry<Long, List<Segment>> e : byPartition.entrySet()) {
      if (out.size() >= limit) {
        break;
      }
      for (List<Segment> pack : pack(e.getValue(), expected, s, force, limit - out.size())) {
        out.add(PlannedCompaction.newBuilder().setType(TaskType.MIX_COMPACTION).setCollectionId(g.collectionId())
            .setPartitionId(e.getKey()).setChannel(g.channel()).addAllSegments(pack.stream().map(Segment::getId).toList())
            .setTrigger(trigger).build());
      }
    }
    return out;
  }

  /**
   * Packs largest-first: each bucket takes the largest candidate left and then every next one that
   * still fits under {@code expected}; a bucket too small to be worth a plan sets its largest
   * candidate aside instead. Set-aside and unpacked candidates then join the first plan they fit
   * under the expansion cap. Linear in the candidates for the usual sizes: a scan stops once even
   * the smallest candidate would not fit. Past {@code limit} plans it stops packing, and only the
   * set-aside candidates may still join a plan.
   */
  private static List<List<Segment>> pack(List<Segment> candidates, long expected, DataTasksSettings s, boolean force,
                                          int limit) {
    long[] sizeOf = new long[candidates.size()];
    Integer[] byOrder = new Integer[candidates.size()];
    for (int i = 0; i < sizeOf.length; i++) {
      sizeOf[i] = size(candidates.get(i));
      byOrder[i] = i;
    }
    java.util.Arrays.sort(byOrder, (a, b) -> sizeOf[a] != sizeOf[b] ? Long.compare(sizeOf[b], sizeOf[a])
        : Long.compare(candidates.get(a).getId(), candidates.get(b).getId()));
    List<Segment> order = new ArrayList<>(byOrder.length);
    for (int i : byOrder) {
      order.add(candidates.get(i));
    }
    int n = order.size();
    int maxInputs = s.getMaxSegmentsPerPlan();
    long leftoverAllowed = expected * s.getCompactableProportionPermille() / 1000;
    long smallest = n == 0 ? 0 : size(order.get(n - 1));
    boolean[] gone = new boolean[n];
    int remaining = n;
    int head = 0;
    List<List<Segment>> plans = new ArrayList<>();
    List<long[]> sizes = new ArrayList<>();
    List<Segment> skipped = new ArrayList<>();
    while (remaining >= 2 && plans.size() < limit) {
      while (gone[head]) {
        head++;
      }
      List<Segment> bucket = new ArrayList<>();
      List<Integer> at = new ArrayList<>();
      long total = 0;
      for (int i = head; i < n && bucket.size() < maxInputs; i++) {
        if (gone[i]) {
          continue;
        }
        Segment c = order.get(i);
        if (bucket.isEmpty() || total + size(c) <= expected) {
          bucket.add(c);
          at.add(i);
          total += size(c);
        } else if (expected - total < smallest) {
          break; // every candidate left is at least the smallest: none fits any more
        }
      }
      boolean enough = bucket.size() >= s.getMinSegmentsToMerge()
          || bucket.size() >= 2 && (force || expected - total <= leftoverAllowed);
      if (!enough) {
        // Its largest segment is set aside (it may still join a plan as a leftover) and the rest
        // are packed again, so one awkward size never keeps a partition from compacting.
        gone[head] = true;
        skipped.add(order.get(head));
        remaining--;
        continue;
      }
      for (int i : at) {
        gone[i] = true;
      }
      remaining -= bucket.size();
      plans.add(bucket);
      sizes.add(new long[] {total});
    }
    List<Segment> left = new ArrayList<>(skipped);
    boolean cut = remaining >= 2; // stopped at the limit: what it did not reach waits for a later round
    for (int i = 0; i < n && !cut; i++) {
      if (!gone[i]) {
        left.add(order.get(i));
      }
    }
    long cap = expected * s.getExpansionRatePermille() / 1000;
    for (Segment c : left) {
      for (int p = 0; p < plans.size(); p++) {
        if (plans.get(p).size() < maxInputs && sizes.get(p)[0] + size(c) <= cap) {
          plans.get(p).add(c);
          sizes.get(p)[0] += size(c);
          break;
        }
      }
    }
    return plans;
  }

  static long size(Segment s) {
    return DataCoordTable.compactionSize(s);
  }
}
