package io.raftcoord.client.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.client.CoordException;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryBatch;
import io.raftcoord.proto.QueryBatchReply;
import io.raftcoord.proto.QueryReply;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Packs the linearizable reads waiting in this process into one read-only message
 * ({@link QueryBatch}): one ReadIndex round serves them all. Same discipline as
 * {@link CommandPipeline}: at most {@code maxInFlight} messages outstanding, the next one sent
 * as soon as a slot frees, each query completing with its own reply.
 */
public final class QueryPipeline {
  private record Pending(Query query, CompletableFuture<QueryReply> future) {}

  private final RaftTransport transport;
  private final int maxInFlight;
  private final int maxBatch;
  private final String authToken;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private int inFlight;
  private final long deadlineMs;

  /** {@code deadlineMs}: a query fails with DEADLINE_EXCEEDED after waiting that long in total (0: none). */
  public QueryPipeline(RaftTransport transport, int maxInFlight, int maxBatch, String authToken, long deadlineMs) {
    this.deadlineMs = deadlineMs;
    this.transport = transport;
    this.maxInFlight = maxInFlight;
    this.maxBatch = maxBatch;
    this.authToken = authToken == null ? "" : authToken;
  }

  public CompletableFuture<QueryReply> submit(Query query) {
    CompletableFuture<QueryReply> f = new CompletableFuture<>();
    if (deadlineMs > 0) {
      f.orTimeout(deadlineMs, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
    Pending p = new Pending(query, f);
    List<Pending> toSend = null;
    synchronized (this) {
      queue.add(p);
      if (inFlight < maxInFlight) {
        inFlight++;
        toSend = drain();
      }
    }
    if (toSend != null) {
      send(toSend);
    }
    return p.future();
  }

  private List<Pending> drain() {
    int n = Math.min(maxBatch, queue.size());
    List<Pending> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(queue.poll());
    }
    return out;
  }

  private void send(List<Pending> batch) {
    QueryBatch.Builder b = QueryBatch.newBuilder().setAuthToken(authToken);
    batch.forEach(p -> b.addQueries(p.query()));
    transport.read(b.build().toByteArray()).whenComplete((bytes, err) -> {
      try {
        complete(batch, bytes, err);
      } finally {
        List<Pending> next;
        synchronized (this) {
          if (queue.isEmpty()) {
            inFlight--;
            next = null;
          } else {
            next = drain();
          }
        }
        if (next != null) {
          send(next);
        }
      }
    });
  }

  private static void complete(List<Pending> batch, byte[] bytes, Throwable err) {
    List<QueryReply> replies;
    try {
      if (err != null) {
        throw Futures.toCoord(err);
      }
      replies = parse(bytes, batch.size());
    } catch (CoordException ce) {
      batch.forEach(p -> p.future().completeExceptionally(ce));
      return;
    }
    for (int i = 0; i < batch.size(); i++) {
      batch.get(i).future().complete(replies.get(i));
    }
  }

  /** The replies of a QueryBatchReply holding {@code expected} of them. */
  public static List<QueryReply> parse(byte[] bytes, int expected) {
    QueryBatchReply reply;
    try {
      reply = QueryBatchReply.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new CoordException(ErrorCode.INTERNAL, "unreadable reply from server: " + e.getMessage());
    }
    if (reply.getRepliesCount() != expected) {
      throw new CoordException(ErrorCode.INTERNAL,
          "server answered " + reply.getRepliesCount() + " replies to " + expected + " queries");
    }
    return reply.getRepliesList();
  }

  /** The reply if it is OK, else its CoordException. */
  public static QueryReply checked(QueryReply r) {
    if (r.getCode() != ErrorCode.OK) {
      throw new CoordException(r.getCode(), r.getMessage());
    }
    return r;
  }
}
