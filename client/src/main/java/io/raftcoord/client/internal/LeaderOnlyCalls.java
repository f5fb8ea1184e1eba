package io.raftcoord.client.internal;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader-only queries (heartbeats) with a fast way off a frozen leader. On a request timeout,
 * Ratis 3.2.2's client closes its channel to the old leader with a graceful shutdown that holds
 * its timer thread for 3 s before the retry leaves ({@code GrpcUtil.shutdownManagedChannel}), so
 * heartbeats would reach a new leader later than the TTL it grants. Here each attempt has a
 * deadline of its own, well under Ratis's request timeout; past it the Ratis client is abandoned
 * (closed on another thread) and a fresh one starts at the next replica, which redirects to the
 * leader.
 */
final class LeaderOnlyCalls implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderOnlyCalls.class);
  /** One attempt; a heartbeat interval is 1 s by default and a TTL 10 s. */
  static final long ATTEMPT_MS = 600;

  private final RaftGroup group;
  private final RaftProperties properties;
  private final ExecutorService closer;
  private final List<RaftPeerId> peers;
  private RaftClient current;
  private int nextStart;
  private boolean closed;

  LeaderOnlyCalls(RaftGroup group, RaftProperties base, ExecutorService closer) {
    this.group = group;
    this.properties = new RaftProperties(base);
    // Longer than an attempt: Ratis's own timeout path is the slow one.
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(5, TimeUnit.SECONDS));
    this.closer = closer;
    this.peers = group.getPeers().stream().map(RaftPeer::getId).toList();
  }

  /** Sends {@code m}, moving to another replica after each attempt that times out, until {@code deadlineMs}. */
  CompletableFuture<RaftClientReply> send(Message m, long deadlineMs) {
    return attempt(m, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(deadlineMs));
  }

  private CompletableFuture<RaftClientReply> attempt(Message m, long deadlineNanos) {
    RaftClient c;
    try {
      c = client();
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    return c.async().sendReadOnlyNonLinearizable(m).orTimeout(ATTEMPT_MS, TimeUnit.MILLISECONDS)
        .handle((reply, err) -> {
          if (err == null) {
            return CompletableFuture.completedFuture(reply);
          }
          Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
          if (cause instanceof TimeoutException && System.nanoTime() < deadlineNanos) {
            abandon(c);
            return attempt(m, deadlineNanos);
          }
          return CompletableFuture.<RaftClientReply>failedFuture(cause);
        }).thenCompose(f -> f);
  }

  private synchronized RaftClient client() throws IOException {
    if (closed) {
      throw new IOException("client is closed");
    }
    if (current == null) {
      current = RaftClient.newBuilder().setProperties(properties).setRaftGroup(group).setClientId(ClientId.randomId())
          .setLeaderId(peers.get(Math.floorMod(nextStart, peers.size())))
          .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(40, TimeDuration.valueOf(50, TimeUnit.MILLISECONDS)))
          .build();
    }
    return current;
  }

  /** {@code c} did not answer in time: the next attempt starts at the replica after the one it was waiting for. */
  private synchronized void abandon(RaftClient c) {
    if (current != c) {
      return;
    }
    RaftPeerId stuckOn = c.getLeaderId();
    nextStart = (stuckOn == null ? nextStart : peers.indexOf(stuckOn)) + 1;
    current = null;
    LOG.debug("leader-only call: no answer from {} within {} ms; trying {}", stuckOn, ATTEMPT_MS,
        peers.get(Math.floorMod(nextStart, peers.size())));
    closer.execute(() -> closeQuietly(c));
  }

  private static void closeQuietly(RaftClient c) {
    try {
      c.close();
    } catch (IOException | RuntimeException e) {
      LOG.debug("closing an abandoned Ratis client", e);
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (current != null) {
      closeQuietly(current);
      current = null;
    }
  }
}
