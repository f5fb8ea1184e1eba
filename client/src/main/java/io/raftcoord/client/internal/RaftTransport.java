package io.raftcoord.client.internal;

import io.raftcoord.proto.ClusterLayout;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several Ratis clients to one quorum, used round-robin (one client's ordered async window
 * caps throughput; several measured +50 %). Ratis retries a request (same call id, so the
 * server's retry cache and the batch idempotency key both dedupe it) until the retry budget is
 * spent; every call also carries an overall deadline, so nothing waits forever.
 *
 * <p>Invariants: a RaftClient whose ordered window Ratis has failed for good (it then answers
 * every call with AlreadyClosedException, e.g. after an outage longer than the retry budget) is
 * replaced, so the transport recovers by itself when the quorum does. Requests aimed at one
 * replica go through a separate client with blocking calls, never through the ordered
 * leader-bound streams (a targeted read queued behind Ratis's ordered-stream handshake stalls
 * for seconds).
 */
public final class RaftTransport implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftTransport.class);
  public static final RaftGroupId GROUP_ID = RaftGroupId.valueOf(ClusterLayout.GROUP_UUID);
  /** When a read aimed at one replica is sent a second time (see {@link #readFrom}). */
  static final Duration HEDGE_AFTER = Duration.ofSeconds(2);

  private final AtomicReferenceArray<RaftClient> clients;
  private final AtomicInteger next = new AtomicInteger();
  private final RaftGroup group;
  private final Duration deadline;
  private final RaftProperties properties = new RaftProperties();
  private final RetryPolicy retry;
  private final RaftClient targeted;
  /** Long-polls (watches) only: unordered, so a parked watch never holds up other calls. */
  private final RaftClient watcher;
  private volatile boolean closed;
  /**
   * Ratis completes a reply future while holding that RaftClient's sliding-window monitor;
   * whatever runs in the completion (the pipeline sending its next batch on another RaftClient,
   * a caller's own callback) could take a second client's monitor: a lock-order deadlock. So
   * replies are handed to a thread of our own.
   */
  private final ExecutorService callbacks = Executors.newSingleThreadExecutor(r -> daemon(r, "raftcoord-client-callbacks"));
  private final LeaderOnlyCalls leaderOnly;
  private final ExecutorService blocking = Executors.newCachedThreadPool(r -> daemon(r, "raftcoord-client-targeted"));

  public RaftTransport(String peers, int clientCount, Duration deadline) {
    this.group = RaftGroup.valueOf(GROUP_ID, ClusterLayout.parsePeers(peers).stream()
        .map(p -> RaftPeer.newBuilder().setId(p.id()).setAddress(p.address()).build()).toList());
    this.deadline = deadline;
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(2, TimeUnit.SECONDS));
    RaftClientConfigKeys.Async.setOutstandingRequestsMax(properties, 1024);
    // Sleep briefly between attempts (a failover takes ~0.6 s); the overall deadline bounds the total.
    long attempts = Math.max(3, deadline.toMillis() / 100);
    this.retry = RetryPolicies.retryUpToMaximumCountWithFixedSleep((int) attempts,
        TimeDuration.valueOf(100, TimeUnit.MILLISECONDS));
    this.clients = new AtomicReferenceArray<>(clientCount);
    for (int i = 0; i < clientCount; i++) {
      clients.set(i, newClient(retry));
    }
    // A read aimed at one replica has nowhere else to go, so its one attempt may use the whole
    // deadline: a store digest of a large catalog takes longer than the 2 s meant to abandon a
    // frozen leader quickly.
    RaftProperties targetedProperties = new RaftProperties(properties);
    RaftClientConfigKeys.Rpc.setRequestTimeout(targetedProperties,
        TimeDuration.valueOf(Math.max(2000, deadline.toMillis()), TimeUnit.MILLISECONDS));
    this.targeted = newClient(targetedProperties, RetryPolicies.noRetry());
    this.watcher = newClient(RetryPolicies.retryUpToMaximumCountWithFixedSleep(20,
        TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)));
    this.leaderOnly = new LeaderOnlyCalls(group, properties, blocking);
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private RaftClient newClient(RetryPolicy policy) {
    return newClient(properties, policy);
  }

  private RaftClient newClient(RaftProperties props, RetryPolicy policy) {
    return RaftClient.newBuilder().setProperties(props).setRaftGroup(group)
        .setClientId(ClientId.randomId()).setRetryPolicy(policy).build();
  }

  public RaftGroup group() {
    return group;
  }

  /** Sends a write; completes with the reply bytes or fails with a CoordException. */
  public CompletableFuture<byte[]> write(byte[] batch) {
    int slot = Math.floorMod(next.getAndIncrement(), clients.length());
    RaftClient c = clients.get(slot);
    return withDeadline(slot, c, c.async().send(message(batch)));
  }

  /** A linearizable read through the leader (ReadIndex). */
  public CompletableFuture<byte[]> read(byte[] query) {
    int slot = Math.floorMod(next.getAndIncrement(), clients.length());
    RaftClient c = clients.get(slot);
    return withDeadline(slot, c, c.async().sendReadOnly(message(query)));
  }

  /**
   * A query only the leader answers, outside the log and without ReadIndex (heartbeats): a
   * follower answers "not leader" and the call moves to the leader; a frozen leader is left
   * after one short attempt ({@link LeaderOnlyCalls}).
   */
  public CompletableFuture<byte[]> leaderRead(byte[] query) {
    return withDeadline(-1, null, leaderOnly.send(message(query), deadline.toMillis()));
  }

  /**
   * A linearizable long-poll read through the leader, outside the ordered streams (a parked
   * watch would otherwise delay every later call of its client).
   */
  public CompletableFuture<byte[]> longPoll(byte[] query) {
    return withDeadline(-1, null, watcher.async().sendReadOnlyUnordered(message(query), null));
  }

  /**
   * A linearizable read served by {@code peerId} (a follower uses ReadIndex from the leader). If
   * no answer came after {@link #HEDGE_AFTER}, the same read is sent once more and the first
   * answer wins: a follower's ReadIndex round can be lost inside Ratis (seen on a fresh quorum,
   * with every replica caught up), and a second round asks the leader again. Reads change
   * nothing, so the duplicate is harmless.
   */
  public CompletableFuture<byte[]> readFrom(byte[] query, String peerId) {
    return withDeadline(-1, null, HedgedCall.start(
        () -> targeted.io().sendReadOnly(message(query), RaftPeerId.valueOf(peerId)),
        HEDGE_AFTER, blocking, () -> closed, "a read at " + peerId));
  }

  /** As {@link #readFrom} without a second attempt, for reads too costly to send twice (a full store digest). */
  public CompletableFuture<byte[]> readFromOnce(byte[] query, String peerId) {
    return targeted(() -> targeted.io().sendReadOnly(message(query), RaftPeerId.valueOf(peerId)));
  }

  /** A possibly stale read of one replica's local state (status pages, convergence checks). */
  public CompletableFuture<byte[]> staleReadFrom(byte[] query, String peerId) {
    return targeted(() -> targeted.io().sendStaleRead(message(query), 0, RaftPeerId.valueOf(peerId)));
  }

  /** Raft role and log positions of one replica, asked of that replica only, without retries. */
  public GroupInfoReply groupInfo(String peerId) throws IOException {
    return targeted.getGroupManagementApi(RaftPeerId.valueOf(peerId)).info(GROUP_ID);
  }

  /** A blocking, possibly stale read of one replica's local state, without retries. */
  public byte[] staleReadNow(byte[] query, String peerId) throws IOException {
    return targeted.io().sendStaleRead(message(query), 0, RaftPeerId.valueOf(peerId)).getMessage().getContent().toByteArray();
  }

  /** Threads for blocking per-replica calls, so that a dead replica never delays the others. */
  public ExecutorService targetedExecutor() {
    return blocking;
  }

  private interface Call {
    RaftClientReply call() throws IOException;
  }

  private CompletableFuture<byte[]> targeted(Call call) {
    CompletableFuture<RaftClientReply> f = CompletableFuture.supplyAsync(() -> {
      try {
        return call.call();
      } catch (IOException e) {
        throw new CompletionException(e);
      }
    }, blocking);
    return withDeadline(-1, null, f);
  }

  private static Message message(byte[] bytes) {
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(bytes));
  }

  private CompletableFuture<byte[]> withDeadline(int slot, RaftClient used, CompletableFuture<RaftClientReply> f) {
    return f.orTimeout(deadline.toMillis(), TimeUnit.MILLISECONDS).handleAsync((reply, err) -> {
      if (err != null) {
        if (slot >= 0 && causedBy(err, AlreadyClosedException.class)) {
          replaceDead(slot, used);
        }
        throw Futures.toCoord(err);
      }
      if (!reply.isSuccess()) {
        throw Futures.toCoord(reply.getException() != null ? reply.getException()
            : new IOException("request failed without an exception"));
      }
      return reply.getMessage().getContent().toByteArray();
    }, callbacks);
  }

  private void replaceDead(int slot, RaftClient dead) {
    if (closed || clients.get(slot) != dead) {
      return;
    }
    RaftClient fresh = newClient(retry);
    if (!clients.compareAndSet(slot, dead, fresh)) {
      closeQuietly(fresh);
      return;
    }
    LOG.info("replaced Ratis client {} whose request window had failed", dead.getId());
    closeQuietly(dead);
  }

  private static void closeQuietly(RaftClient c) {
    try {
      c.close();
    } catch (IOException e) {
      LOG.debug("closing a Ratis client", e);
    }
  }

  private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
    for (Throwable e = t; e != null; e = e.getCause() == e ? null : e.getCause()) {
      if (type.isInstance(e)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() throws IOException {
    closed = true;
    for (int i = 0; i < clients.length(); i++) {
      clients.get(i).close();
    }
    targeted.close();
    watcher.close();
    leaderOnly.close();
    callbacks.shutdown();
    blocking.shutdown();
  }
}
