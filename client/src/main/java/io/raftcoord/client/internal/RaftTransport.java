package io.raftcoord.client.internal;

import io.raftcoord.proto.ClusterLayout;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.TimeDuration;

/**
 * Several Ratis clients to one quorum, used round-robin (one client's ordered async window
 * caps throughput; several measured +50 %). Ratis retries a request (same call id, so the
 * server's retry cache and the batch idempotency key both dedupe it) until the retry budget is
 * spent; every call also carries an overall deadline, so nothing waits forever.
 */
public final class RaftTransport implements AutoCloseable {
  public static final RaftGroupId GROUP_ID = RaftGroupId.valueOf(ClusterLayout.GROUP_UUID);

  private final List<RaftClient> clients = new ArrayList<>();
  private final AtomicInteger next = new AtomicInteger();
  private final RaftGroup group;
  private final Duration deadline;
  /**
   * Ratis completes a reply future while holding that RaftClient's sliding-window monitor;
   * whatever runs in the completion (the pipeline sending its next batch on another RaftClient,
   * a caller's own callback) could take a second client's monitor: a lock-order deadlock. So
   * replies are handed to a thread of our own.
   */
  private final ExecutorService callbacks = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "raftcoord-client-callbacks");
    t.setDaemon(true);
    return t;
  });

  public RaftTransport(String peers, int clientCount, Duration deadline) {
    this.group = RaftGroup.valueOf(GROUP_ID, ClusterLayout.parsePeers(peers).stream()
        .map(p -> RaftPeer.newBuilder().setId(p.id()).setAddress(p.address()).build()).toList());
    this.deadline = deadline;
    RaftProperties props = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(2, TimeUnit.SECONDS));
    RaftClientConfigKeys.Async.setOutstandingRequestsMax(props, 1024);
    // Sleep briefly between attempts (a failover takes ~0.6 s); the overall deadline bounds the total.
    long attempts = Math.max(3, deadline.toMillis() / 100);
    RetryPolicy retry = RetryPolicies.retryUpToMaximumCountWithFixedSleep((int) attempts,
        TimeDuration.valueOf(100, TimeUnit.MILLISECONDS));
    for (int i = 0; i < clientCount; i++) {
      clients.add(RaftClient.newBuilder().setProperties(props).setRaftGroup(group)
          .setClientId(ClientId.randomId()).setRetryPolicy(retry).build());
    }
  }

  public RaftGroup group() {
    return group;
  }

  private RaftClient pick() {
    return clients.get(Math.floorMod(next.getAndIncrement(), clients.size()));
  }

  /** Sends a write; completes with the reply bytes or fails with a CoordException. */
  public CompletableFuture<byte[]> write(byte[] batch) {
    return withDeadline(pick().async().send(Message.valueOf(UnsafeByteOperations.unsafeWrap(batch))));
  }

  /** A linearizable read through the leader (ReadIndex). */
  public CompletableFuture<byte[]> read(byte[] query) {
    return withDeadline(pick().async().sendReadOnly(Message.valueOf(UnsafeByteOperations.unsafeWrap(query))));
  }

  /** A linearizable read served by {@code peerId} (a follower uses ReadIndex from the leader). */
  public CompletableFuture<byte[]> readFrom(byte[] query, String peerId) {
    return withDeadline(pick().async().sendReadOnly(Message.valueOf(UnsafeByteOperations.unsafeWrap(query)),
        RaftPeerId.valueOf(peerId)));
  }

  /** A possibly stale read of one replica's local state (status pages only). */
  public CompletableFuture<byte[]> staleReadFrom(byte[] query, String peerId) {
    return withDeadline(pick().async().sendStaleRead(Message.valueOf(UnsafeByteOperations.unsafeWrap(query)), 0,
        RaftPeerId.valueOf(peerId)));
  }

  private CompletableFuture<byte[]> withDeadline(CompletableFuture<RaftClientReply> f) {
    return f.orTimeout(deadline.toMillis(), TimeUnit.MILLISECONDS).handleAsync((reply, err) -> {
      if (err != null) {
        throw Futures.toCoord(err);
      }
      if (!reply.isSuccess()) {
        throw Futures.toCoord(reply.getException() != null ? reply.getException()
            : new IOException("request failed without an exception"));
      }
      return reply.getMessage().getContent().toByteArray();
    }, callbacks);
  }

  @Override
  public void close() throws IOException {
    for (RaftClient c : clients) {
      c.close();
    }
    callbacks.shutdown();
  }
}
