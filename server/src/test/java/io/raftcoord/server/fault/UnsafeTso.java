package io.raftcoord.server.fault;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The planted bug {@code tso-local} as the test harness reaches it: a timestamp from the leader's
 * memory, never logged, from {@code GET /test/unsafe-tso} on the admin port of the replica that
 * says it leads. Only replicas started with {@code --planted-bug tso-local} serve it; it is not in
 * the protocol. Exists so that the history checkers can be shown to catch such timestamps.
 *
 * <p>The leader comes from the replicas' {@code /status} (as the rest of the harness finds it)
 * and is kept for {@link #LEADER_TTL}: asking three replicas per timestamp would make the
 * workload too slow to reach a failover with many local timestamps handed out. A replica that
 * fails to answer drops the cached leader at once. Thread-safe.
 */
public final class UnsafeTso {
  static final Duration LEADER_TTL = Duration.ofMillis(500);
  /** A frozen (SIGSTOPped) replica keeps its socket open: give up on it quickly. */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(1);

  private final IntFunction<URI> adminBase;
  private final Supplier<Optional<Integer>> leader;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(300)).build();
  private final Object lookup = new Object();
  private volatile int cached = -1;
  private volatile long cachedAtNanos;

  /**
   * @param adminBase replica (1-based) to its admin endpoint, e.g. {@code http://127.0.0.1:9871}
   * @param leader the replica that says it leads now, from the replicas' /status
   */
  public UnsafeTso(IntFunction<URI> adminBase, Supplier<Optional<Integer>> leader) {
    this.adminBase = adminBase;
    this.leader = leader;
  }

  /**
   * One timestamp from the leader's memory. Throws (an outcome the histories record as unknown)
   * when no replica leads or the leader does not answer with a timestamp.
   */
  public long next() {
    int replica = leader();
    HttpRequest req = HttpRequest.newBuilder(adminBase.apply(replica).resolve("/test/unsafe-tso"))
        .timeout(REQUEST_TIMEOUT).GET().build();
    HttpResponse<String> resp;
    try {
      resp = http.send(req, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      forget(replica);
      throw new UncheckedIOException("n" + replica + " /test/unsafe-tso: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    if (resp.statusCode() != 200) {
      forget(replica);
      throw new IllegalStateException("n" + replica + " /test/unsafe-tso answered " + resp.statusCode() + ": "
          + resp.body().trim());
    }
    try {
      return Long.parseLong(resp.body().trim());
    } catch (NumberFormatException e) {
      throw new IllegalStateException("n" + replica + " /test/unsafe-tso answered a non-number: " + resp.body().trim());
    }
  }

  private int leader() {
    int c = cached;
    if (c > 0 && System.nanoTime() - cachedAtNanos < LEADER_TTL.toNanos()) {
      return c;
    }
    synchronized (lookup) {
      // Another thread may have looked it up while this one waited.
      if (cached > 0 && System.nanoTime() - cachedAtNanos < LEADER_TTL.toNanos()) {
        return cached;
      }
      int found = leader.get().orElseThrow(() -> new IllegalStateException("no replica says it leads"));
      cachedAtNanos = System.nanoTime();
      cached = found;
      return found;
    }
  }

  private void forget(int replica) {
    if (cached == replica) {
      cached = -1;
    }
  }
}
