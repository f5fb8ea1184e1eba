package io.raftcoord.statemachine.session;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandHeader;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.Record;
import io.raftcoord.proto.session.ExpireSessions;
import io.raftcoord.proto.session.Heartbeat;
import io.raftcoord.proto.session.HeartbeatReply;
import io.raftcoord.proto.session.ListSessions;
import io.raftcoord.proto.session.RegisterSession;
import io.raftcoord.proto.session.RemoveSession;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionEvent;
import io.raftcoord.proto.session.SessionList;
import io.raftcoord.proto.session.SessionRef;
import io.raftcoord.proto.session.SetSessionSettings;
import io.raftcoord.proto.session.StopSession;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.apply.ApplyResult;
import io.raftcoord.statemachine.domain.AnyBody;
import io.raftcoord.statemachine.domain.Claims;
import io.raftcoord.statemachine.domain.Domain;
import io.raftcoord.statemachine.domain.DomainEnv;
import io.raftcoord.statemachine.domain.FeedEvent;
import io.raftcoord.statemachine.domain.LeaderDuty;
import io.raftcoord.statemachine.domain.MessageRoutes;
import io.raftcoord.statemachine.ids.IdControl;
import io.raftcoord.statemachine.pipeline.Quota;
import io.raftcoord.statemachine.pipeline.Refusal;
import io.raftcoord.statemachine.domain.PlantedBug;
import io.raftcoord.statemachine.store.ColumnFamily;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.store.StoreBatch;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Node sessions, Milvus's service discovery: registration, graceful stop, removal and expiry
 * are logged; heartbeats are leader-local soft state ({@link HeartbeatTable}) and the
 * {@link SessionReaper} duty turns silence into a logged expiry. Needs apply version 3 on every
 * member (older binaries do not know its messages).
 */
public final class SessionDomain implements Domain {
  public static final String NAME = "session";
  public static final int SINCE_VERSION = 3;

  private final SessionTable table = new SessionTable();
  private final SessionControl control;
  private final HeartbeatTable heartbeats;
  private final SessionReaper reaper;
  private final DomainEnv env;
  private final MessageRoutes<ApplyContext, ApplyResult> commands;
  private final MessageRoutes<Void, QueryReply.Builder> queries;

  public SessionDomain(IdControl ids, DomainEnv env) {
    this.env = env;
    this.control = new SessionControl(table, ids);
    this.heartbeats = env.leaderLocal(NAME, HeartbeatTable.class, HeartbeatTable::new);
    this.reaper = new SessionReaper(table, heartbeats, !env.planted(PlantedBug.REAPER_SKIPS_GRACE));
    this.commands = new MessageRoutes<ApplyContext, ApplyResult>("session command")
        .on(RegisterSession.getDefaultInstance(), control::register)
        .on(StopSession.getDefaultInstance(), (ApplyContext ctx, StopSession c) -> control.stop(ctx, c.getSession()))
        .on(RemoveSession.getDefaultInstance(), (ApplyContext ctx, RemoveSession c) -> control.remove(ctx, c.getSession()))
        .on(ExpireSessions.getDefaultInstance(), control::expire)
        .on(SetSessionSettings.getDefaultInstance(), control::setSettings);
    this.queries = new MessageRoutes<Void, QueryReply.Builder>("session query")
        .on(ListSessions.getDefaultInstance(), this::list)
        .on(Heartbeat.getDefaultInstance(), this::heartbeat);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Claims claims() {
    return Claims.messages(commands.types(), Set.of(SessionEvent.getDescriptor()), queries.types());
  }

  @Override
  public List<ColumnFamily> columnFamilies() {
    return List.of(SessionTable.CF);
  }

  @Override
  public int sinceVersion() {
    return SINCE_VERSION;
  }

  @Override
  public void load(CoordStore store) {
    table.load(store);
  }

  @Override
  public ApplyResult generate(ApplyContext ctx, CommandHeader header, Command command) {
    return commands.route(ctx, command.getDomain(), m -> ApplyResult.error(ErrorCode.INVALID_ARGUMENT, m));
  }

  @Override
  public void replay(ApplyContext ctx, Record record, StoreBatch sb) {
    SessionEvent e = unpack(record);
    table.replay(e, sb);
    switch (e.getKind()) {
      // A new session counts as heard: it has a full TTL to send its first heartbeat.
      case SESSION_ADDED -> heartbeats.heard(e.getSession().getServerId(), env.clockMs());
      case SESSION_EXPIRED, SESSION_REMOVED, SESSION_FORGOTTEN -> heartbeats.forget(e.getSession().getServerId());
      default -> { }
    }
  }

  @Override
  public QueryReply.Builder read(Query query) {
    return queries.route(null, query.getDomain(), m -> new Refusal(ErrorCode.INVALID_ARGUMENT, m).queryReply());
  }

  private QueryReply.Builder list(ListSessions q) {
    SessionList.Builder out = SessionList.newBuilder().setSettings(table.settings());
    long now = env.clockMs();
    for (Session s : table.all()) {
      if ((q.getRole().isEmpty() || q.getRole().equals(s.getRole())) && (q.getIncludeEnded() || SessionTable.isLive(s))) {
        long heard = heartbeats.lastHeard(s.getServerId());
        out.addSessions(s).addLastHeardAgoMs(heard == Long.MIN_VALUE || !SessionTable.isLive(s) ? -1 : now - heard);
      }
    }
    return QueryReply.newBuilder().setDomain(Any.pack(out.build()));
  }

  /** Leader only (see {@link #leaderOnly}): marks the sessions heard, names the ones that are not live at that epoch. */
  private QueryReply.Builder heartbeat(Heartbeat h) {
    long now = env.clockMs();
    HeartbeatReply.Builder out = HeartbeatReply.newBuilder().setTtlMs(table.settings().getTtlMs());
    for (SessionRef ref : h.getSessionsList()) {
      if (control.checkLive(ref, "heartbeat").isPresent()) {
        out.addStale(ref);
      } else {
        heartbeats.heard(ref.getServerId(), now);
      }
    }
    return QueryReply.newBuilder().setDomain(Any.pack(out.build()));
  }

  @Override
  public boolean leaderOnly(Query query) {
    return AnyBody.is(query.getDomain(), Heartbeat.getDescriptor());
  }

  @Override
  public Optional<FeedEvent> event(Record record) {
    SessionEvent e = unpack(record);
    return Optional.of(new FeedEvent(NAME, e.getKind().name(), e));
  }

  @Override
  public List<Quota> quotas() {
    return List.of((caller, command) -> command.getBodyCase() == Command.BodyCase.DOMAIN
        && AnyBody.is(command.getDomain(), RegisterSession.getDescriptor()) ? control.overQuota() : Optional.empty());
  }

  @Override
  public List<LeaderDuty> duties() {
    return List.of(reaper);
  }

  /** The committed sessions, for domains that place work on nodes (read under the entry lock). */
  public SessionTable table() {
    return table;
  }

  private static SessionEvent unpack(Record record) {
    try {
      return SessionEvent.parseFrom(record.getDomain().getValue());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt session record", e);
    }
  }

}
