package io.raftcoord.tools.sim;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.NodeAgent;
import io.raftcoord.client.QueryNodeAgent;
import io.raftcoord.proto.session.Session;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Query nodes: one {@link QueryNodeAgent} per node, which loads (after an optional delay per
 * segment) and releases what QueryCoord places on it and reports its distribution. Each node's
 * server id is printed when it registers, and again when it registers under a new one (after a
 * lost session); a summary line of the segments and channels served every 5 s. At the end every
 * node is marked STOPPING, then deregistered.
 */
final class QueryNodeFleet {
  private final SimNodes opts;
  private final CoordClient client;
  private final PrintWriter out;
  /** Sessions lost and replaced (a node registered again under a new server id). */
  private final AtomicLong lost = new AtomicLong();

  QueryNodeFleet(SimNodes opts, CoordClient client, PrintWriter out) {
    this.opts = opts;
    this.client = client;
    this.out = out;
  }

  int run() throws InterruptedException {
    String running = "simnodes: " + opts.count + " querynode node(s) running (pid " + ProcessHandle.current().pid()
        + "); heartbeat every " + opts.heartbeatMs + " ms, load " + opts.loadMsPerSegment + " ms per segment, capacity "
        + opts.capacity + opts.untilText();
    return new Fleet<QueryNodeAgent>(out, opts.count, opts.durationS, opts.printMs(5_000), false)
        .run(this::start, "starting a query node failed", running,
            agents -> summary(agents, lost.get(), opts.heartbeatMs), this::close);
  }

  private QueryNodeAgent start(int n) {
    QueryNodeAgent.Builder b = QueryNodeAgent.builder(client, opts.address(n)).version("sim").capacity(opts.capacity)
        .heartbeatInterval(Duration.ofMillis(opts.heartbeatMs)).loadPerSegment(Duration.ofMillis(opts.loadMsPerSegment))
        .pollInterval(Duration.ofMillis(opts.pollMs)).listener(printer());
    opts.labels.forEach(b::label);
    return b.start();
  }

  /**
   * One node's listener: prints its first registration (unless --quiet) and, always, each
   * registration under a new server id, which it counts as a lost session.
   */
  private NodeAgent.Listener printer() {
    AtomicLong known = new AtomicLong();
    return new NodeAgent.Listener() {
      @Override
      public void registered(Session s) {
        long was = known.getAndSet(s.getServerId());
        if (was == s.getServerId()) {
          return;
        }
        if (was != 0) {
          lost.incrementAndGet();
        }
        if (!opts.quiet || was != 0) {
          out.println((was == 0 ? "registered " : "registered again ") + s.getRole() + " server_id=" + s.getServerId()
              + " epoch=" + s.getEpoch() + " address=" + s.getAddress() + " state=" + s.getState()
              + (was == 0 ? "" : " (was server_id=" + was + ")"));
        }
      }
    };
  }

  static String summary(List<QueryNodeAgent> agents, long sessionsLost, long heartbeatMs) {
    long segments = 0;
    long channels = 0;
    long unregistered = 0;
    long stale = 0;
    for (QueryNodeAgent a : agents) {
      segments += a.serving().size();
      channels += a.delegating().size();
      unregistered += a.session() == null ? 1 : 0;
      NodeAgent n = a.nodeAgent();
      stale += n != null && n.lastAckAgeMs() > 3 * heartbeatMs ? 1 : 0;
    }
    return "simnodes: " + agents.size() + " query node(s) serving " + segments + " segment(s) and " + channels
        + " channel(s); " + stale + " without an acknowledged heartbeat for > " + 3 * heartbeatMs + " ms, "
        + unregistered + " registering; " + sessionsLost + " session(s) lost so far";
  }

  /** Marks every query node STOPPING, then deregisters it. */
  private void close(List<QueryNodeAgent> agents) {
    for (QueryNodeAgent a : agents) {
      try {
        a.stopGracefully();
      } catch (RuntimeException e) {
        // Already gone (or never registered): close() below deregisters what is left.
      }
      a.close();
    }
    out.println("simnodes: " + agents.size() + " query node(s) stopped and deregistered");
  }
}
