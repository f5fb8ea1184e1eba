package io.raftcoord.statemachine.session;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.IdAllocateRequest;
import io.raftcoord.proto.Record;
import io.raftcoord.proto.session.ExpireSessions;
import io.raftcoord.proto.session.Label;
import io.raftcoord.proto.session.RegisterSession;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionCommandReply;
import io.raftcoord.proto.session.SessionEvent;
import io.raftcoord.proto.session.SessionEventKind;
import io.raftcoord.proto.session.SessionRef;
import io.raftcoord.proto.session.SessionSettings;
import io.raftcoord.proto.session.SessionState;
import io.raftcoord.proto.session.SetSessionSettings;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.apply.ApplyResult;
import io.raftcoord.statemachine.ids.IdControl;
import io.raftcoord.statemachine.pipeline.Refusal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Generates the session domain's records from committed state, changing nothing. Invariants:
 * server IDs come from the ID allocator (never reused); an exclusive role has at most one ACTIVE
 * session, and when it ends or stops, the standby with the lowest epoch takes over in the same
 * command; a call carrying an epoch that is not the session's, or for a session that has ended,
 * is refused with STALE_EPOCH.
 */
public final class SessionControl {
  static final int MAX_ADDRESS_BYTES = 256;
  static final int MAX_VERSION_BYTES = 64;
  static final int MAX_LABELS = 32;
  static final int MAX_LABEL_KEY_BYTES = 64;
  static final int MAX_LABEL_VALUE_BYTES = 256;

  private final SessionTable table;
  private final IdControl ids;

  public SessionControl(SessionTable table, IdControl ids) {
    this.table = table;
    this.ids = ids;
  }

  public ApplyResult register(ApplyContext ctx, RegisterSession req) {
    Optional<String> bad = invalid(req);
    if (bad.isPresent()) {
      return ApplyResult.error(ErrorCode.INVALID_ARGUMENT, "register session: " + bad.get());
    }
    ApplyResult id = ids.allocate(ctx, IdAllocateRequest.newBuilder().setCount(1).build());
    if (id.reply().getCode() != ErrorCode.OK) {
      return id;
    }
    boolean exclusive = SessionRoles.exclusive(req.getRole());
    boolean standby = exclusive && table.live().stream()
        .anyMatch(s -> s.getRole().equals(req.getRole()) && s.getState() == SessionState.ACTIVE);
    List<Label> labels = new ArrayList<>(req.getLabelsList());
    labels.sort(Comparator.comparing(Label::getKey));
    Session s = Session.newBuilder().setServerId(id.reply().getIdAllocate().getStart()).setRole(req.getRole())
        .setAddress(req.getAddress()).setVersion(req.getVersion()).addAllLabels(labels).setCapacity(req.getCapacity())
        .setEpoch(ctx.index()).setState(standby ? SessionState.STANDBY : SessionState.ACTIVE).setExclusive(exclusive)
        .setRegisteredMs(ctx.nowMs()).setStateChangedMs(ctx.nowMs()).build();
    List<Record> records = new ArrayList<>(id.records());
    records.add(record(SessionEventKind.SESSION_ADDED, s));
    return ApplyResult.ok(records, reply(SessionCommandReply.newBuilder().setSession(s).build()));
  }

  private static Optional<String> invalid(RegisterSession req) {
    if (!SessionRoles.known(req.getRole())) {
      return Optional.of("unknown role '" + req.getRole() + "' (roles: " + SessionRoles.describe() + ")");
    }
    if (req.getAddress().isEmpty() || bytes(req.getAddress()) > MAX_ADDRESS_BYTES) {
      return Optional.of("address must be 1 to " + MAX_ADDRESS_BYTES + " bytes, got " + bytes(req.getAddress()));
    }
    if (bytes(req.getVersion()) > MAX_VERSION_BYTES) {
      return Optional.of("version is " + bytes(req.getVersion()) + " bytes, over the limit of " + MAX_VERSION_BYTES);
    }
    if (req.getLabelsCount() > MAX_LABELS) {
      return Optional.of(req.getLabelsCount() + " labels, over the limit of " + MAX_LABELS);
    }
    java.util.Set<String> keys = new java.util.HashSet<>();
    for (Label l : req.getLabelsList()) {
      if (l.getKey().isEmpty() || bytes(l.getKey()) > MAX_LABEL_KEY_BYTES || bytes(l.getValue()) > MAX_LABEL_VALUE_BYTES) {
        return Optional.of("label '" + l.getKey() + "': the key must be 1 to " + MAX_LABEL_KEY_BYTES
            + " bytes and the value at most " + MAX_LABEL_VALUE_BYTES);
      }
      if (!keys.add(l.getKey())) {
        return Optional.of("label '" + l.getKey() + "' appears twice");
      }
    }
    if (req.getCapacity() < 0) {
      return Optional.of("capacity must not be negative, got " + req.getCapacity());
    }
    return Optional.empty();
  }

  /** Graceful stop: STOPPING; an active exclusive session hands over to its first standby. */
  public ApplyResult stop(ApplyContext ctx, SessionRef ref) {
    Optional<Refusal> stale = checkLive(ref, "stop session");
    if (stale.isPresent()) {
      return stale.get().result();
    }
    Session s = table.get(ref.getServerId()).orElseThrow();
    if (s.getState() == SessionState.STOPPING) {
      return ApplyResult.ok(List.of(), reply(SessionCommandReply.newBuilder().setSession(s).build()));
    }
    Overlay o = new Overlay();
    Session after = o.end(ctx, s, SessionState.STOPPING, SessionEventKind.SESSION_STOPPING);
    return ApplyResult.ok(o.records, reply(SessionCommandReply.newBuilder().setSession(after).build()));
  }

  /** Deregistration: the session ends as REMOVED. */
  public ApplyResult remove(ApplyContext ctx, SessionRef ref) {
    Optional<Refusal> stale = checkLive(ref, "remove session");
    if (stale.isPresent()) {
      return stale.get().result();
    }
    Overlay o = new Overlay();
    Session after = o.end(ctx, table.get(ref.getServerId()).orElseThrow(), SessionState.REMOVED,
        SessionEventKind.SESSION_REMOVED);
    return ApplyResult.ok(o.records, reply(SessionCommandReply.newBuilder().setSession(after).build()));
  }

  /**
   * The reaper's command: expires the sessions still live at the epoch it saw, forgets the ended
   * ones past retention. STALE_EPOCH when nothing it planned still holds.
   */
  public ApplyResult expire(ApplyContext ctx, ExpireSessions req) {
    Overlay o = new Overlay();
    SessionCommandReply.Builder out = SessionCommandReply.newBuilder();
    List<SessionRef> stale = new ArrayList<>();
    for (SessionRef ref : req.getExpireList()) {
      Session s = o.get(ref.getServerId());
      if (s == null || s.getEpoch() != ref.getEpoch() || !SessionTable.isLive(s)) {
        stale.add(ref);
        continue;
      }
      o.end(ctx, s, SessionState.EXPIRED, SessionEventKind.SESSION_EXPIRED);
      out.addExpired(ref);
    }
    SessionSettings settings = table.settings();
    int forgotten = 0;
    for (long id : req.getForgetList()) {
      Session s = o.get(id);
      if (s != null && !SessionTable.isLive(s) && ctx.nowMs() - s.getStateChangedMs() >= 0
          && (ctx.nowMs() - s.getStateChangedMs() >= settings.getEndedRetentionMs() || endedCount() - forgotten > SessionSettingsDefaults.MAX_ENDED)) {
        o.records.add(record(SessionEventKind.SESSION_FORGOTTEN, s));
        forgotten++;
      }
    }
    if (out.getExpiredCount() == 0 && forgotten == 0) {
      return ApplyResult.error(ErrorCode.STALE_EPOCH, "expire sessions: nothing planned at revision "
          + req.getPlannedRevision() + " still holds (" + stale.size() + " sessions re-registered, ended or changed epoch)");
    }
    return ApplyResult.ok(o.records, reply(out.build()));
  }

  /** The quota stage's check: registrations beyond max_sessions live sessions. */
  public Optional<Refusal> overQuota() {
    SessionSettings settings = table.settings();
    if (table.liveCount() >= settings.getMaxSessions()) {
      return Optional.of(new Refusal(ErrorCode.QUOTA_EXCEEDED, "register session: " + table.liveCount()
          + " sessions are live, the most allowed (max_sessions " + settings.getMaxSessions() + ")"));
    }
    return Optional.empty();
  }

  private long endedCount() {
    return table.all().size() - (long) table.liveCount();
  }

  public ApplyResult setSettings(ApplyContext ctx, SetSessionSettings req) {
    Optional<String> bad = SessionSettingsDefaults.invalid(req.getSettings());
    if (bad.isPresent()) {
      return ApplyResult.error(ErrorCode.INVALID_ARGUMENT, "session settings: " + bad.get());
    }
    SessionSettings merged = SessionSettingsDefaults.merge(table.storedSettings(), req.getSettings());
    Record r = Record.newBuilder().setDomain(Any.pack(SessionEvent.newBuilder()
        .setKind(SessionEventKind.SESSION_SETTINGS_CHANGED).setSettings(merged).build())).build();
    return ApplyResult.ok(List.of(r), reply(SessionCommandReply.newBuilder()
        .setSettings(SessionSettingsDefaults.effective(merged)).build()));
  }

  /** Refusal unless {@code ref} names a live session at its current epoch. */
  Optional<Refusal> checkLive(SessionRef ref, String what) {
    Optional<Session> s = table.get(ref.getServerId());
    if (s.isEmpty()) {
      return Optional.of(new Refusal(ErrorCode.STALE_EPOCH, what + ": no session " + ref.getServerId()
          + " (it expired or was removed and forgotten); register again"));
    }
    if (s.get().getEpoch() != ref.getEpoch()) {
      return Optional.of(new Refusal(ErrorCode.STALE_EPOCH, what + ": session " + ref.getServerId() + " is at epoch "
          + s.get().getEpoch() + ", the call carries epoch " + ref.getEpoch()));
    }
    if (!SessionTable.isLive(s.get())) {
      return Optional.of(new Refusal(ErrorCode.STALE_EPOCH, what + ": session " + ref.getServerId() + " at epoch "
          + ref.getEpoch() + " has ended (" + s.get().getState() + "); register again"));
    }
    return Optional.empty();
  }

  static Record record(SessionEventKind kind, Session s) {
    return Record.newBuilder().setDomain(Any.pack(SessionEvent.newBuilder().setKind(kind).setSession(s).build())).build();
  }

  private static CommandReply reply(Message body) {
    return CommandReply.newBuilder().setDomain(Any.pack(body)).build();
  }

  private static int bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  /** Committed sessions with this command's changes on top, and the records making them. */
  private final class Overlay {
    final Map<Long, Session> changed = new HashMap<>();
    final List<Record> records = new ArrayList<>();

    Session get(long id) {
      return changed.containsKey(id) ? changed.get(id) : table.get(id).orElse(null);
    }

    /** Moves {@code s} out of ACTIVE/STANDBY; hands an exclusive role over if it was in charge. */
    Session end(ApplyContext ctx, Session s, SessionState state, SessionEventKind kind) {
      Session after = s.toBuilder().setState(state).setStateChangedMs(ctx.nowMs()).build();
      changed.put(s.getServerId(), after);
      records.add(record(kind, after));
      if (s.getExclusive() && s.getState() == SessionState.ACTIVE) {
        table.live().stream().map(x -> get(x.getServerId()))
            .filter(x -> x.getRole().equals(s.getRole()) && x.getState() == SessionState.STANDBY)
            .min(Comparator.comparingLong(Session::getEpoch).thenComparingLong(Session::getServerId))
            .ifPresent(next -> {
              Session active = next.toBuilder().setState(SessionState.ACTIVE).setStateChangedMs(ctx.nowMs()).build();
              changed.put(next.getServerId(), active);
              records.add(record(SessionEventKind.SESSION_ACTIVATED, active));
            });
      }
      return after;
    }
  }
}
