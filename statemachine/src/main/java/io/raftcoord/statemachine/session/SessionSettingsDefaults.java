package io.raftcoord.statemachine.session;

import io.raftcoord.proto.session.SessionSettings;
import java.util.Optional;

/** Defaults and bounds of the replicated session settings; 0 in a stored field means the default. */
public final class SessionSettingsDefaults {
  public static final long TTL_MS = 10_000;
  public static final long MIN_TTL_MS = 1_000;
  public static final long MAX_TTL_MS = 600_000;
  public static final long ENDED_RETENTION_MS = 600_000;
  public static final long MAX_ENDED_RETENTION_MS = 86_400_000;
  public static final long MAX_SESSIONS = 100_000;
  public static final long MAX_MAX_SESSIONS = 1_000_000;
  /** Ended sessions kept at most, whatever their age (the oldest are forgotten first). */
  public static final int MAX_ENDED = 10_000;

  private SessionSettingsDefaults() {}

  /** {@code s} with every unset field at its default. */
  public static SessionSettings effective(SessionSettings s) {
    return SessionSettings.newBuilder()
        .setTtlMs(s.getTtlMs() == 0 ? TTL_MS : s.getTtlMs())
        .setEndedRetentionMs(s.getEndedRetentionMs() == 0 ? ENDED_RETENTION_MS : s.getEndedRetentionMs())
        .setMaxSessions(s.getMaxSessions() == 0 ? MAX_SESSIONS : s.getMaxSessions())
        .build();
  }

  /** {@code current} changed by the non-zero fields of {@code change}, or why not. */
  public static Optional<String> invalid(SessionSettings change) {
    if (change.getTtlMs() != 0 && (change.getTtlMs() < MIN_TTL_MS || change.getTtlMs() > MAX_TTL_MS)) {
      return Optional.of("ttl_ms must be between " + MIN_TTL_MS + " and " + MAX_TTL_MS + ", got " + change.getTtlMs());
    }
    if (change.getEndedRetentionMs() < 0 || change.getEndedRetentionMs() > MAX_ENDED_RETENTION_MS) {
      return Optional.of("ended_retention_ms must be between 0 and " + MAX_ENDED_RETENTION_MS + ", got "
          + change.getEndedRetentionMs());
    }
    if (change.getMaxSessions() < 0 || change.getMaxSessions() > MAX_MAX_SESSIONS) {
      return Optional.of("max_sessions must be between 1 and " + MAX_MAX_SESSIONS + ", got " + change.getMaxSessions());
    }
    return Optional.empty();
  }

  public static SessionSettings merge(SessionSettings current, SessionSettings change) {
    SessionSettings.Builder b = current.toBuilder();
    if (change.getTtlMs() != 0) {
      b.setTtlMs(change.getTtlMs());
    }
    if (change.getEndedRetentionMs() != 0) {
      b.setEndedRetentionMs(change.getEndedRetentionMs());
    }
    if (change.getMaxSessions() != 0) {
      b.setMaxSessions(change.getMaxSessions());
    }
    return b.build();
  }
}
