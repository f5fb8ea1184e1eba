package io.raftcoord.server.chaos;

import io.raftcoord.server.chaos.SessionChecker.Finding;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The segments workload's checker over {@link SegmentRecords}, one class per property:
 * allocations are never handed out twice nor after a seal ({@link AllocationCheck}), no
 * acknowledged binlog is lost ({@link BinlogLossCheck}), flushed row counts are the reported
 * ones ({@link RowConservationCheck}), channel checkpoints never move back
 * ({@link CheckpointOrderCheck}) and a session that lost a channel is fenced
 * ({@link StaleEpochCheck}). That the replicas hold identical state is the run's convergence
 * verdict (same applied index and store digest on all three). A segment whose final describe
 * failed after healing is a finding of its own ({@value #FINAL_READ}): the end-state checks could
 * not judge it. Findings and the verdict are {@link SessionChecker}'s. Pure.
 */
final class SegmentsChecker {
  static final String FINAL_READ = "final-read-failed";

  private SegmentsChecker() {}

  static List<Finding> check(SegmentRecords r) {
    List<Finding> out = new ArrayList<>();
    for (Map.Entry<Long, String> e : new java.util.TreeMap<>(r.finalErrors()).entrySet()) {
      out.add(new Finding(FINAL_READ, String.format(Locale.ROOT, "segment %d could not be described after healing: %s",
          e.getKey(), e.getValue()), 0, 0));
    }
    out.addAll(AllocationCheck.check(r));
    out.addAll(BinlogLossCheck.check(r));
    out.addAll(RowConservationCheck.check(r));
    out.addAll(CheckpointOrderCheck.check(r));
    out.addAll(StaleEpochCheck.check(r));
    return out;
  }

  static Verdict verdict(String checker, long opsChecked, List<Finding> findings) {
    return SessionChecker.verdict(checker, opsChecked, findings);
  }
}
