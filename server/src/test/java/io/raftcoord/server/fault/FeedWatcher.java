package io.raftcoord.server.fault;

import io.raftcoord.client.CatalogWatch;
import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.proto.ChangeEvent;
import io.raftcoord.proto.WatchQuery;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A watcher of the whole change feed (from revision 1) that records every delivered event into a
 * {@link DdlHistory}, for the DDL checkers to compare with the replicas' feeds. Poll errors are
 * counted (the watch retries them by itself); a COMPACTED end is recorded in the history.
 */
public record FeedWatcher(String name, CatalogWatch watch, AtomicLong recordedThrough, AtomicLong errors,
                          AtomicBoolean compacted) {
  private static final Logger LOG = LoggerFactory.getLogger(FeedWatcher.class);

  /** Starts watching through {@code client}; events go to {@code history} under {@code name}. */
  public static FeedWatcher start(CoordClient client, String name, DdlHistory history) {
    history.watcher(name);
    AtomicLong recordedThrough = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicBoolean compacted = new AtomicBoolean();
    CatalogWatch w = client.watch(WatchQuery.newBuilder().setFromRevision(1).build(), new CatalogWatch.Listener() {
      @Override
      public void onEvents(List<ChangeEvent> events, long nextRevision) {
        history.watched(name, events);
        recordedThrough.set(nextRevision);
      }

      @Override
      public void onCompacted(CoordException e) {
        compacted.set(true);
        history.event(name + " ended: " + e);
        LOG.error("{} ended: {}", name, e.toString());
      }

      @Override
      public void onError(CoordException e) {
        if (errors.incrementAndGet() <= 5) {
          LOG.info("{}: poll failed (the watch retries): {}", name, e.toString());
        }
      }
    });
    return new FeedWatcher(name, w, recordedThrough, errors, compacted);
  }
}
