package io.raftcoord.tools.sim;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.NodeAgent;
import io.raftcoord.proto.session.Session;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Plain sessions (any role but data and query nodes, or any role with {@code --session-only}): one
 * {@link NodeAgent} per node, a line per registration and lost session, and a summary line of
 * stale heartbeats and lost sessions every 10 s. At the end each node stops gracefully and
 * deregisters.
 */
final class SessionFleet {
  private final SimNodes opts;
  private final CoordClient client;
  private final PrintWriter out;
  private final AtomicLong lost = new AtomicLong();

  SessionFleet(SimNodes opts, CoordClient client, PrintWriter out) {
    this.opts = opts;
    this.client = client;
    this.out = out;
  }

  int run() throws InterruptedException {
    NodeAgent.Listener listener = printer(out, opts.quiet, lost);
    String running = "simnodes: " + opts.count + " " + opts.role + " node(s) running; heartbeat every "
        + opts.heartbeatMs + " ms" + opts.untilText();
    return new Fleet<NodeAgent>(out, opts.count, opts.durationS, opts.printMs(10_000), true)
        .run(n -> start(n, listener), "registration failed", running, this::summary, this::close);
  }

  private NodeAgent start(int n, NodeAgent.Listener listener) {
    NodeAgent.Builder b = NodeAgent.builder(client, opts.role, opts.address(n)).version("sim")
        .capacity(opts.capacity).heartbeatInterval(Duration.ofMillis(opts.heartbeatMs)).listener(listener);
    opts.labels.forEach(b::label);
    return b.start();
  }

  private String summary(List<NodeAgent> agents) {
    long stale = agents.stream().filter(a -> a.lastAckAgeMs() > 3 * opts.heartbeatMs).count();
    return "simnodes: " + agents.size() + " node(s), " + stale + " without an acknowledged heartbeat for > "
        + 3 * opts.heartbeatMs + " ms, " + lost.get() + " session(s) lost so far";
  }

  private void close(List<NodeAgent> agents) {
    for (NodeAgent a : agents) {
      try {
        a.stopGracefully();
      } catch (CoordException e) {
        // Already gone: close() below deregisters what is left.
      }
      a.close();
    }
    out.println("simnodes: " + agents.size() + " node(s) stopped and deregistered");
  }

  /**
   * Prints each registration (unless {@code quiet}) and each lost session, counting the latter in
   * {@code lost}. Data nodes use it too.
   */
  static NodeAgent.Listener printer(PrintWriter out, boolean quiet, AtomicLong lost) {
    return new NodeAgent.Listener() {
      @Override
      public void registered(Session s) {
        if (!quiet) {
          out.println("registered " + s.getRole() + " server_id=" + s.getServerId() + " epoch=" + s.getEpoch()
              + " address=" + s.getAddress() + " state=" + s.getState());
        }
      }

      @Override
      public void lost(Session s) {
        lost.incrementAndGet();
        out.println("lost " + s.getRole() + " server_id=" + s.getServerId() + " epoch=" + s.getEpoch()
            + " (registering again)");
      }
    };
  }
}
