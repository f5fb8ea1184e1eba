package io.raftcoord.client.internal;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.client.CoordException;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryBatch;
import io.raftcoord.proto.QueryBatchReply;
import io.raftcoord.proto.QueryReply;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Packs the linearizable reads waiting in this process into one read-only message
 * ({@link QueryBatch}): one ReadIndex round serves them all. Same discipline as
 * {@link CommandPipeline}: at most {@code maxInFlight} messages outstanding, the next one sent
 * as soon as a slot frees, each query completing with its own reply.
 */
public final class QueryPipeline {
  private final RaftTransport transport;
  private final String authToken;
  private final Batcher<Query, QueryReply> batcher;

  /** {@code deadlineMs}: a query fails with DEADLINE_EXCEEDED after waiting that long in total (0: none). */
  public QueryPipeline(RaftTransport transport, int maxInFlight, int maxBatch, String authToken, long deadlineMs) {
    this.transport = transport;
    this.authToken = authToken == null ? "" : authToken;
    this.batcher = new Batcher<>(maxInFlight, maxBatch, deadlineMs, this::send);
  }

  public CompletableFuture<QueryReply> submit(Query query) {
    return batcher.submit(query);
  }

  private CompletableFuture<?> send(List<Batcher.Pending<Query, QueryReply>> batch) {
    QueryBatch.Builder b = QueryBatch.newBuilder().setAuthToken(authToken);
    batch.forEach(p -> b.addQueries(p.item()));
    return transport.read(b.build().toByteArray()).whenComplete((bytes, err) -> {
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
    });
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
