package io.raftcoord.client.internal;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.client.CoordException;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryBatch;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.session.Heartbeat;
import io.raftcoord.proto.session.HeartbeatReply;
import io.raftcoord.proto.session.SessionRef;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Carries the heartbeats of every session of this process to the leader, coalesced: while one
 * heartbeat query is in flight, the next ones queue and leave together (as etcd multiplexes lease
 * keep-alives over one stream). Each session's future says whether the leader still knows it at
 * that epoch (false: re-register).
 */
public final class HeartbeatPipeline {
  /** Most sessions in one heartbeat query (about 20 bytes each). */
  public static final int MAX_BATCH = 10_000;

  private final RaftTransport transport;
  private final String authToken;
  private final Batcher<SessionRef, Boolean> batcher;

  public HeartbeatPipeline(RaftTransport transport, String authToken, long deadlineMs) {
    this.transport = transport;
    this.authToken = authToken == null ? "" : authToken;
    this.batcher = new Batcher<>(1, MAX_BATCH, deadlineMs, this::send);
  }

  /** Completes with true when the leader heard the session, false when it is stale at that epoch. */
  public CompletableFuture<Boolean> heartbeat(SessionRef session) {
    return batcher.submit(session);
  }

  private CompletableFuture<?> send(List<Batcher.Pending<SessionRef, Boolean>> batch) {
    Heartbeat.Builder h = Heartbeat.newBuilder();
    batch.forEach(p -> h.addSessions(p.item()));
    byte[] q = QueryBatch.newBuilder().setAuthToken(authToken)
        .addQueries(Query.newBuilder().setDomain(Any.pack(h.build()))).build().toByteArray();
    return transport.leaderRead(q).whenComplete((bytes, err) -> {
      Set<SessionRef> stale;
      try {
        if (err != null) {
          throw Futures.toCoord(err);
        }
        QueryReply r = QueryPipeline.checked(QueryPipeline.parse(bytes, 1).get(0));
        stale = new HashSet<>(r.getDomain().unpack(HeartbeatReply.class).getStaleList());
      } catch (CoordException ce) {
        batch.forEach(p -> p.future().completeExceptionally(ce));
        return;
      } catch (InvalidProtocolBufferException e) {
        CoordException ce = new CoordException(ErrorCode.INTERNAL, "unreadable heartbeat reply: " + e.getMessage());
        batch.forEach(p -> p.future().completeExceptionally(ce));
        return;
      }
      batch.forEach(p -> p.future().complete(!stale.contains(p.item())));
    });
  }
}
