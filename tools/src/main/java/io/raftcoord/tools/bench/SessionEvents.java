package io.raftcoord.tools.bench;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.client.CatalogWatch;
import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.proto.ChangeEvent;
import io.raftcoord.proto.WatchQuery;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every SESSION_EXPIRED event on the change feed from the moment the watch started, with the
 * leader's stamp of the entry that expired the session and when this JVM received it. The watch
 * resumes by itself across leader changes, so none is missed.
 */
final class SessionEvents implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SessionEvents.class);
  static final String EXPIRED = "SESSION_EXPIRED";

  /** One expiry: the session as it ended, the entry's leader stamp and revision, and local receipt. */
  record Expired(long serverId, long epoch, String role, long stampMs, long revision, long receivedWallMs) {}

  private final List<Expired> expired = new ArrayList<>();
  private final LongAdder pollErrors = new LongAdder();
  private volatile boolean compacted;
  private final CatalogWatch watch;

  private SessionEvents(CoordClient client) {
    WatchQuery q = WatchQuery.newBuilder().addDomains("session").addKindNames(EXPIRED).build();
    this.watch = client.watch(q, new CatalogWatch.Listener() {
      @Override
      public void onEvents(List<ChangeEvent> events, long nextRevision) {
        long now = System.currentTimeMillis();
        for (ChangeEvent e : events) {
          if (!EXPIRED.equals(e.getKind())) {
            continue;
          }
          try {
            Session s = e.getBody().unpack(SessionEvent.class).getSession();
            add(new Expired(s.getServerId(), s.getEpoch(), s.getRole(), e.getNowMs(), e.getRevision(), now));
          } catch (InvalidProtocolBufferException ex) {
            LOG.warn("unreadable session event at revision {}: {}", e.getRevision(), ex.toString());
          }
        }
      }

      @Override
      public void onCompacted(CoordException e) {
        compacted = true;
        LOG.warn("the session watch fell behind the change feed's retention and ended: {}", e.getMessage());
      }

      @Override
      public void onError(CoordException e) {
        pollErrors.increment();
        LOG.debug("session watch poll failed (retrying): {}", e.toString());
      }
    });
  }

  /** Starts the watch and waits (up to 15 s) for its first reply, so that it covers everything after this call. */
  static SessionEvents start(CoordClient client) {
    SessionEvents s = new SessionEvents(client);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (s.watch.nextRevision() == 0 && System.nanoTime() < end) {
      ClosedLoop.sleepQuietly(20);
    }
    if (s.watch.nextRevision() == 0) {
      s.close();
      throw new IllegalStateException("the session watch got no reply within 15 s");
    }
    return s;
  }

  private synchronized void add(Expired e) {
    expired.add(e);
    notifyAll();
  }

  /** How many expiries were received so far (a position for {@link #since}). */
  synchronized int count() {
    return expired.size();
  }

  /** The expiries received after position {@code from}. */
  synchronized List<Expired> since(int from) {
    return List.copyOf(expired.subList(Math.min(from, expired.size()), expired.size()));
  }

  /** Waits until {@code done} holds for the expiries received after {@code from}, or the timeout; returns whether it did. */
  synchronized boolean await(int from, Predicate<List<Expired>> done, long timeoutMs) {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (!done.test(expired.subList(Math.min(from, expired.size()), expired.size()))) {
      long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
      if (left <= 0) {
        return false;
      }
      try {
        wait(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  /** The watch ended because the feed no longer had its revision: later counts are incomplete. */
  boolean compacted() {
    return compacted;
  }

  long pollErrors() {
    return pollErrors.sum();
  }

  @Override
  public void close() {
    watch.close();
  }
}
