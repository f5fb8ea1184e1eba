package io.raftcoord.tools.sim;

import io.raftcoord.client.CoordClient;
import io.raftcoord.client.NodeAgent;
import io.raftcoord.client.TaskWorkerAgent;
import io.raftcoord.proto.session.Session;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Workers ({@code --role worker}): one {@link TaskWorkerAgent} per node, an {@code indexnode} session
 * that reports its free slots and does the compactions, index builds and GC tasks the scheduler
 * hands it (after {@code --work-ms} each). Each node's server id is printed once registered (unless
 * {@code --quiet}); a summary line of tasks completed and refused every 3 s. At the end every node
 * is marked STOPPING, then deregistered.
 */
final class WorkerFleet {
  private final SimNodes opts;
  private final CoordClient client;
  private final PrintWriter out;
  /** Totals at the last summary line: only the main thread prints summaries. */
  private long completedBefore;
  private long beforeNanos;
  /** The server id each agent was last seen under, to count sessions lost and replaced. */
  private final Map<TaskWorkerAgent, Long> known = new HashMap<>();
  private long lost;

  WorkerFleet(SimNodes opts, CoordClient client, PrintWriter out) {
    this.opts = opts;
    this.client = client;
    this.out = out;
  }

  int run() throws InterruptedException {
    String running = "simnodes: " + opts.count + " worker node(s) running (role " + TaskWorkerAgent.ROLE + ", pid "
        + ProcessHandle.current().pid() + "); " + opts.slots + " slot(s) each, " + opts.workMs + " ms per task, poll "
        + "every " + opts.pollMs + " ms, heartbeat every " + opts.heartbeatMs + " ms" + opts.untilText();
    beforeNanos = System.nanoTime();
    return new Fleet<TaskWorkerAgent>(out, opts.count, opts.durationS, opts.printMs(3_000), true)
        .run(this::start, "starting a worker failed", running, this::summary, this::close);
  }

  private TaskWorkerAgent start(int n) {
    TaskWorkerAgent a = TaskWorkerAgent.builder(client, opts.address(n)).slots(opts.slots)
        .work(Duration.ofMillis(opts.workMs)).pollInterval(Duration.ofMillis(opts.pollMs))
        .heartbeatInterval(Duration.ofMillis(opts.heartbeatMs)).version("sim").start();
    Session s = a.session();
    if (!opts.quiet && s != null) {
      out.println("registered worker " + s.getRole() + " server_id=" + s.getServerId() + " epoch=" + s.getEpoch()
          + " address=" + s.getAddress() + " slots=" + opts.slots);
    }
    return a;
  }

  private String summary(List<TaskWorkerAgent> agents) {
    long completed = 0;
    long refused = 0;
    long registering = 0;
    long stale = 0;
    for (TaskWorkerAgent a : agents) {
      completed += a.completed();
      refused += a.refused();
      Session s = a.session();
      if (s == null) {
        registering++;
      } else {
        Long was = known.put(a, s.getServerId());
        if (was != null && was != s.getServerId()) {
          lost++;
          out.println("registered again worker server_id=" + s.getServerId() + " epoch=" + s.getEpoch()
              + " (was server_id=" + was + ")");
        }
      }
      NodeAgent n = a.nodeAgent();
      stale += n != null && n.lastAckAgeMs() > 3 * opts.heartbeatMs ? 1 : 0;
    }
    long nowNanos = System.nanoTime();
    String line = summary(agents.size(), completed, refused, completed - completedBefore,
        (nowNanos - beforeNanos) / 1e9, registering, stale, 3 * opts.heartbeatMs, lost);
    completedBefore = completed;
    beforeNanos = nowNanos;
    return line;
  }

  static String summary(int nodes, long completed, long refused, long completedSince, double seconds,
      long registering, long stale, long staleMs, long sessionsLost) {
    return String.format(java.util.Locale.ROOT, "simnodes: %d worker(s); tasks completed %d (%.1f/s), refused %d; "
            + "%d without an acknowledged heartbeat for > %d ms, %d registering; %d session(s) lost so far",
        nodes, completed, completedSince / Math.max(seconds, 1e-3), refused, stale, staleMs, registering, sessionsLost);
  }

  /** Marks every worker STOPPING, then deregisters it. */
  private void close(List<TaskWorkerAgent> agents) {
    long completed = 0;
    long refused = 0;
    for (TaskWorkerAgent a : agents) {
      try {
        a.stopGracefully();
      } catch (RuntimeException e) {
        // Already gone: close() below deregisters what is left.
      }
      a.close();
      completed += a.completed();
      refused += a.refused();
    }
    out.println("simnodes: " + agents.size() + " worker(s) stopped and deregistered; tasks completed " + completed
        + ", refused " + refused);
  }
}
