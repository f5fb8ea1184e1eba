package io.raftcoord.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.raftcoord.client.internal.CommandPipeline;
import io.raftcoord.client.internal.Futures;
import io.raftcoord.client.internal.HeartbeatPipeline;
import io.raftcoord.client.internal.QueryPipeline;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.session.ListSessions;
import io.raftcoord.proto.session.RegisterSession;
import io.raftcoord.proto.session.RemoveSession;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionCommandReply;
import io.raftcoord.proto.session.SessionList;
import io.raftcoord.proto.session.SessionRef;
import io.raftcoord.proto.session.SessionSettings;
import io.raftcoord.proto.session.SetSessionSettings;
import io.raftcoord.proto.session.StopSession;
import java.util.concurrent.CompletableFuture;

/**
 * Node sessions (Milvus's service discovery): register, heartbeat, stop, remove, list. A node
 * normally embeds a {@link NodeAgent}, which does the heartbeating and re-registration; this is
 * the call-by-call API beneath it. Calls carrying an epoch the quorum no longer has fail with
 * STALE_EPOCH: the node must register again.
 */
public final class SessionClient {
  private final CommandPipeline commands;
  private final QueryPipeline reads;
  private final HeartbeatPipeline heartbeats;
  private java.util.concurrent.ScheduledExecutorService agents;

  SessionClient(CommandPipeline commands, QueryPipeline reads, HeartbeatPipeline heartbeats) {
    this.commands = commands;
    this.reads = reads;
    this.heartbeats = heartbeats;
  }

  /** Registers a session: a new server ID and epoch; ACTIVE, or STANDBY behind an exclusive role's active one. */
  public CompletableFuture<Session> registerAsync(RegisterSession request) {
    return command(request).thenApply(SessionCommandReply::getSession);
  }

  public Session register(RegisterSession request) {
    return Futures.join(registerAsync(request));
  }

  /** Graceful stop: the session becomes STOPPING (an active exclusive session hands over). */
  public CompletableFuture<Session> stopAsync(SessionRef session) {
    return command(StopSession.newBuilder().setSession(session).build()).thenApply(SessionCommandReply::getSession);
  }

  public Session stop(SessionRef session) {
    return Futures.join(stopAsync(session));
  }

  /** Deregistration: the session ends as REMOVED. */
  public CompletableFuture<Session> removeAsync(SessionRef session) {
    return command(RemoveSession.newBuilder().setSession(session).build()).thenApply(SessionCommandReply::getSession);
  }

  public Session remove(SessionRef session) {
    return Futures.join(removeAsync(session));
  }

  /**
   * Tells the leader the session is alive (never logged). Completes with false when the leader
   * does not know the session at that epoch any more.
   */
  public CompletableFuture<Boolean> heartbeatAsync(SessionRef session) {
    return heartbeats.heartbeat(session);
  }

  /** The sessions of {@code role} (empty: every role), with ended ones still retained if asked. */
  public CompletableFuture<SessionList> listAsync(String role, boolean includeEnded) {
    Query q = Query.newBuilder().setDomain(Any.pack(ListSessions.newBuilder().setRole(role)
        .setIncludeEnded(includeEnded).build())).build();
    return reads.submit(q).thenApply(r -> unpack(QueryPipeline.checked(r), SessionList.class));
  }

  public SessionList list(String role, boolean includeEnded) {
    return Futures.join(listAsync(role, includeEnded));
  }

  /** Changes the replicated session settings (fields left 0 keep their value); returns them all. */
  public SessionSettings setSettings(SessionSettings change) {
    return Futures.join(command(SetSessionSettings.newBuilder().setSettings(change).build())
        .thenApply(SessionCommandReply::getSettings));
  }

  /** The one timer thread of this client's {@link NodeAgent}s (made on first use). */
  synchronized java.util.concurrent.ScheduledExecutorService agentScheduler() {
    if (agents == null) {
      agents = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "node-agents");
        t.setDaemon(true);
        return t;
      });
    }
    return agents;
  }

  synchronized void close() {
    if (agents != null) {
      agents.shutdownNow();
    }
  }

  public static SessionRef ref(Session s) {
    return SessionRef.newBuilder().setServerId(s.getServerId()).setEpoch(s.getEpoch()).build();
  }

  private CompletableFuture<SessionCommandReply> command(Message body) {
    return commands.submitChecked(Command.newBuilder().setDomain(Any.pack(body)).build())
        .thenApply(r -> unpack(r, SessionCommandReply.class));
  }

  private static <T extends Message> T unpack(CommandReply r, Class<T> type) {
    try {
      return r.getDomain().unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new CoordException(ErrorCode.INTERNAL, "unreadable session reply: " + e.getMessage());
    }
  }

  private static <T extends Message> T unpack(QueryReply r, Class<T> type) {
    try {
      return r.getDomain().unpack(type);
    } catch (InvalidProtocolBufferException e) {
      throw new CoordException(ErrorCode.INTERNAL, "unreadable session reply: " + e.getMessage());
    }
  }
}
