package io.raftcoord.statemachine.session;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionEvent;
import io.raftcoord.proto.session.SessionSettings;
import io.raftcoord.proto.session.SessionState;
import io.raftcoord.statemachine.store.Bytes;
import io.raftcoord.statemachine.store.ColumnFamily;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.store.StoreBatch;
import io.raftcoord.statemachine.store.StoreException;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The committed sessions (live and ended-but-retained) and settings, in memory and in the
 * {@code sessions} column family. Changed only by {@link #replay}. Ordered by server ID, so
 * every iteration is the same on every replica.
 */
public final class SessionTable {
  public static final ColumnFamily CF = ColumnFamily.named("sessions");
  private static final byte[] SETTINGS_KEY = Bytes.utf8("settings");
  /** Below every printable key (such as the settings'), so a scan of sessions never meets another kind. */
  private static final byte SESSION_PREFIX = 0x01;

  private final TreeMap<Long, Session> sessions = new TreeMap<>();
  /** The live ones among {@link #sessions}, by server ID: what the reaper looks at every round. */
  private final TreeMap<Long, Session> live = new TreeMap<>();
  /** The ended ones, oldest end first: the reaper forgets from the front without sorting. */
  private final TreeSet<Session> ended = new TreeSet<>(
      Comparator.comparingLong(Session::getStateChangedMs).thenComparingLong(Session::getServerId));
  private SessionSettings settings = SessionSettings.getDefaultInstance();

  public void load(CoordStore store) {
    sessions.clear();
    live.clear();
    ended.clear();
    byte[] v = store.get(CF, SETTINGS_KEY);
    try {
      settings = v == null ? SessionSettings.getDefaultInstance() : SessionSettings.parseFrom(v);
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException("corrupt session settings", e);
    }
    store.scan(CF, new byte[] {SESSION_PREFIX}, (key, value) -> {
      if (key.length == 0 || key[0] != SESSION_PREFIX) {
        return false;
      }
      try {
        put(Session.parseFrom(value));
      } catch (InvalidProtocolBufferException e) {
        throw new StoreException("corrupt session under " + Bytes.hex(key), e);
      }
      return true;
    });
  }

  public void replay(SessionEvent e, StoreBatch sb) {
    switch (e.getKind()) {
      case SESSION_ADDED, SESSION_ACTIVATED, SESSION_STOPPING, SESSION_EXPIRED, SESSION_REMOVED -> {
        put(e.getSession());
        sb.put(CF, key(e.getSession().getServerId()), e.getSession().toByteArray());
      }
      case SESSION_FORGOTTEN -> {
        Session old = sessions.remove(e.getSession().getServerId());
        if (old != null) {
          unindex(old);
        }
        sb.delete(CF, key(e.getSession().getServerId()));
      }
      case SESSION_SETTINGS_CHANGED -> {
        settings = e.getSettings();
        sb.put(CF, SETTINGS_KEY, settings.toByteArray());
      }
      case SESSION_EVENT_NONE, UNRECOGNIZED -> throw new IllegalStateException("session event without a kind");
    }
  }

  private void put(Session s) {
    Session old = sessions.put(s.getServerId(), s);
    if (old != null) {
      unindex(old);
    }
    if (isLive(s)) {
      live.put(s.getServerId(), s);
    } else {
      ended.add(s);
    }
  }

  private void unindex(Session s) {
    if (isLive(s)) {
      live.remove(s.getServerId());
    } else {
      ended.remove(s);
    }
  }

  public static boolean isLive(Session s) {
    return s.getState() == SessionState.ACTIVE || s.getState() == SessionState.STANDBY
        || s.getState() == SessionState.STOPPING;
  }

  public Optional<Session> get(long serverId) {
    return Optional.ofNullable(sessions.get(serverId));
  }

  /** Every session, by server ID (unmodifiable view: read under the entry lock). */
  public Collection<Session> all() {
    return Collections.unmodifiableCollection(sessions.values());
  }

  /** The live sessions, by server ID (unmodifiable view: read under the entry lock). */
  public Collection<Session> live() {
    return Collections.unmodifiableCollection(live.values());
  }

  /** The ended sessions still retained, oldest end first (unmodifiable view: read under the entry lock). */
  public java.util.SortedSet<Session> endedOldestFirst() {
    return Collections.unmodifiableSortedSet(ended);
  }

  public int liveCount() {
    return live.size();
  }

  /** The stored settings (0 fields mean the default). */
  public SessionSettings storedSettings() {
    return settings;
  }

  public SessionSettings settings() {
    return SessionSettingsDefaults.effective(settings);
  }

  private static byte[] key(long serverId) {
    return Bytes.concat(new byte[] {SESSION_PREFIX}, Bytes.ofLong(serverId));
  }
}
