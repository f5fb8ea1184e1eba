package io.raftcoord.statemachine.datatasks;

import io.raftcoord.proto.session.SessionRef;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Leader-local soft state: the free slots each worker last reported, on this replica's monotonic
 * clock. Never logged and never read by apply; only the scheduler duty reads it. A report older
 * than {@link #STALE_MS} or from another epoch of the worker does not count.
 */
final class WorkerSlots {
  static final long REPORT_INTERVAL_MS = 1000;
  static final long STALE_MS = 3 * REPORT_INTERVAL_MS;

  record Report(SessionRef node, int total, int free, long atMs) {}

  private final Map<Long, Report> reports = new HashMap<>();

  synchronized void report(SessionRef node, int total, int free, long nowMs) {
    reports.put(node.getServerId(), new Report(node, total, free, nowMs));
  }

  /** The worker's last report at this epoch, if fresh at {@code nowMs}. */
  synchronized Optional<Report> fresh(SessionRef node, long nowMs) {
    Report r = reports.get(node.getServerId());
    if (r == null || r.node().getEpoch() != node.getEpoch() || nowMs - r.atMs() > STALE_MS) {
      return Optional.empty();
    }
    return Optional.of(r);
  }

  synchronized void forget(long serverId) {
    reports.remove(serverId);
  }
}
