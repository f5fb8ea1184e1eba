package io.raftcoord.server.chaos;

import io.raftcoord.client.CatalogWatch;
import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.proto.ChangeEvent;
import io.raftcoord.proto.ReplicaStatus;
import io.raftcoord.proto.WatchQuery;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the session domain's events on the change feed from revision 1 into the
 * {@link SessionHistory}, stamping each with when it arrived. The watch resumes by itself across
 * leader changes; a COMPACTED end is recorded (the feed checks then saw part of the run only).
 */
final class SessionFeed implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SessionFeed.class);
  /** How long a committed entry may wait to be applied on the leader (its applied index is what is read). */
  private static final double APPLY_LAG_MS = 200;

  private final CatalogWatch watch;
  private final AtomicLong through = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();

  private SessionFeed(CoordClient client, SessionHistory history) {
    WatchQuery q = WatchQuery.newBuilder().setFromRevision(1).addDomains("session").build();
    this.watch = client.watch(q, new CatalogWatch.Listener() {
      @Override
      public void onEvents(List<ChangeEvent> events, long nextRevision) {
        history.watched(events);
        through.set(nextRevision);
      }

      @Override
      public void onCompacted(CoordException e) {
        history.compacted(e.toString());
        LOG.error("sessions: the feed watch ended: {}", e.toString());
      }

      @Override
      public void onError(CoordException e) {
        if (errors.incrementAndGet() <= 5) {
          LOG.info("sessions: a feed poll failed (the watch retries): {}", e.toString());
        }
      }
    });
  }

  static SessionFeed start(CoordClient client, SessionHistory history) {
    return new SessionFeed(client, history);
  }

  long pollErrors() {
    return errors.get();
  }

  /**
   * Waits until the watch has delivered every event up to the leader's applied index; returns the
   * run time from which on nothing committed can be missing (just before that index was read),
   * or empty if that did not happen within {@code timeout}.
   */
  Optional<Double> awaitCaughtUp(ChaosCluster cluster, SessionHistory history, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline && !watch.isClosed()) {
      double asked = history.nowMs();
      Optional<Long> applied = cluster.leader().flatMap(cluster::status).map(ReplicaStatus::getAppliedIndex);
      if (applied.isPresent()) {
        while (through.get() <= applied.get() && System.nanoTime() < deadline && !watch.isClosed()) {
          ChaosReplicas.sleep(50);
        }
        if (through.get() > applied.get()) {
          return Optional.of(asked - APPLY_LAG_MS);
        }
      }
      ChaosReplicas.sleep(200);
    }
    return Optional.empty();
  }

  @Override
  public void close() {
    watch.close();
  }
}
