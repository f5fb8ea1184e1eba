package io.raftcoord.server.chaos;

import io.raftcoord.client.CoordClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closing a workload's clients at its end. Closing never fails the run: a client that will not
 * close cleanly (its cluster may be half down) is logged and passed over, and the rest are closed.
 */
final class WorkloadClients {
  private static final Logger LOG = LoggerFactory.getLogger(WorkloadClients.class);

  private WorkloadClients() {}

  /** Closes each client in order; null entries (never opened, or already handed back) are skipped. */
  static void closeQuietly(String workload, Iterable<CoordClient> clients) {
    for (CoordClient c : clients) {
      if (c != null) {
        try {
          c.close();
        } catch (RuntimeException e) {
          LOG.debug("{}: closing a client: {}", workload, e.toString());
        }
      }
    }
  }
}
