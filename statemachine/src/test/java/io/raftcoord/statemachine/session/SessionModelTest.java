package io.raftcoord.statemachine.session;

import static io.raftcoord.statemachine.sm.Batches.applyNext;
import static io.raftcoord.statemachine.sm.Batches.batch;
import static io.raftcoord.statemachine.sm.Batches.only;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandReply;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.session.ExpireSessions;
import io.raftcoord.proto.session.ListSessions;
import io.raftcoord.proto.session.RegisterSession;
import io.raftcoord.proto.session.RemoveSession;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionList;
import io.raftcoord.proto.session.SessionRef;
import io.raftcoord.proto.session.SessionState;
import io.raftcoord.proto.session.StopSession;
import io.raftcoord.statemachine.domain.DomainEnv;
import io.raftcoord.statemachine.idempotency.IdempotencyLog;
import io.raftcoord.statemachine.sm.CoordState;
import io.raftcoord.statemachine.store.CoordStore;
import io.raftcoord.statemachine.version.ApplyVersions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random sequences of session commands (some at wrong epochs, some for ended sessions) applied
 * both to the state machine and to a plain model of the rules; after every step the replies and
 * the listed sessions must agree, and reopening the store must give the same list.
 */
class SessionModelTest {
  private static final List<String> ROLES = List.of("datanode", "querynode", "datacoord");

  @TempDir
  Path dir;

  /** The rules, written as plainly as possible. */
  private static final class Model {
    final TreeMap<Long, Session> sessions = new TreeMap<>();
    long nextId = 1;

    static boolean live(Session s) {
      return s.getState() == SessionState.ACTIVE || s.getState() == SessionState.STANDBY
          || s.getState() == SessionState.STOPPING;
    }

    ErrorCode register(String role, long index) {
      boolean exclusive = role.equals("datacoord");
      boolean standby = exclusive && sessions.values().stream()
          .anyMatch(s -> s.getRole().equals(role) && s.getState() == SessionState.ACTIVE);
      long id = nextId++;
      sessions.put(id, Session.newBuilder().setServerId(id).setRole(role).setAddress("a:" + id).setEpoch(index)
          .setState(standby ? SessionState.STANDBY : SessionState.ACTIVE).setExclusive(exclusive).build());
      return ErrorCode.OK;
    }

    boolean current(SessionRef ref) {
      Session s = sessions.get(ref.getServerId());
      return s != null && s.getEpoch() == ref.getEpoch() && live(s);
    }

    ErrorCode end(SessionRef ref, SessionState to, boolean allowStopping) {
      if (!current(ref)) {
        return ErrorCode.STALE_EPOCH;
      }
      Session s = sessions.get(ref.getServerId());
      if (to == SessionState.STOPPING && s.getState() == SessionState.STOPPING) {
        return ErrorCode.OK;
      }
      sessions.put(s.getServerId(), s.toBuilder().setState(to).build());
      if (s.getExclusive() && s.getState() == SessionState.ACTIVE) {
        sessions.values().stream().filter(x -> x.getRole().equals(s.getRole()) && x.getState() == SessionState.STANDBY)
            .min(java.util.Comparator.comparingLong(Session::getEpoch).thenComparingLong(Session::getServerId))
            .ifPresent(x -> sessions.put(x.getServerId(), x.toBuilder().setState(SessionState.ACTIVE).build()));
      }
      return ErrorCode.OK;
    }

    ErrorCode expire(List<SessionRef> refs) {
      boolean any = false;
      for (SessionRef r : refs) {
        if (current(r)) {
          end(r, SessionState.EXPIRED, true);
          any = true;
        }
      }
      return any ? ErrorCode.OK : ErrorCode.STALE_EPOCH;
    }
  }

  /** What the model can predict of a listed session (times are the apply clock's business). */
  private static String shape(Session s) {
    return s.getServerId() + "/" + s.getRole() + "/" + s.getEpoch() + "/" + s.getState() + "/" + s.getExclusive();
  }

  private static List<String> shapes(Iterable<Session> sessions) {
    List<String> out = new ArrayList<>();
    sessions.forEach(s -> out.add(shape(s)));
    return out;
  }

  private static List<String> listed(CoordState state) throws InvalidProtocolBufferException {
    return shapes(state.domainRead(Query.newBuilder().setDomain(Any.pack(ListSessions.newBuilder().setIncludeEnded(true)
        .build())).build()).getDomain().unpack(SessionList.class).getSessionsList());
  }

  @Test
  void randomCommandSequencesMatchTheModel() throws Exception {
    for (long seed = 1; seed <= 20; seed++) {
      run(seed, dir.resolve("s" + seed));
    }
  }

  private void run(long seed, Path storeDir) throws Exception {
    Random rnd = new Random(seed);
    Model model = new Model();
    long time = 1_700_000_000_000L;
    CoordState state = new CoordState(CoordStore.open(storeDir), IdempotencyLog.Retention.DEFAULT,
        DomainEnv.unclocked("n1", Set.of()), ApplyVersions.THIS_BINARY);
    try {
      for (int step = 0; step < 150; step++) {
        long index = state.appliedIndex() + 1;
        List<Session> known = new ArrayList<>(model.sessions.values());
        Message body;
        ErrorCode expected;
        int op = rnd.nextInt(10);
        if (known.isEmpty() || op < 4) {
          String role = ROLES.get(rnd.nextInt(ROLES.size()));
          body = RegisterSession.newBuilder().setRole(role).setAddress("a:" + model.nextId).build();
          expected = model.register(role, index);
        } else {
          Session target = known.get(rnd.nextInt(known.size()));
          SessionRef ref = SessionRef.newBuilder().setServerId(target.getServerId())
              .setEpoch(rnd.nextInt(5) == 0 ? target.getEpoch() + 1 : target.getEpoch()).build();
          if (op < 6) {
            body = StopSession.newBuilder().setSession(ref).build();
            expected = model.end(ref, SessionState.STOPPING, true);
          } else if (op < 8) {
            body = RemoveSession.newBuilder().setSession(ref).build();
            expected = model.end(ref, SessionState.REMOVED, true);
          } else {
            Session other = known.get(rnd.nextInt(known.size()));
            List<SessionRef> refs = List.of(ref, SessionRef.newBuilder().setServerId(other.getServerId())
                .setEpoch(other.getEpoch()).build());
            body = ExpireSessions.newBuilder().addAllExpire(refs).build();
            expected = model.expire(refs);
          }
        }
        time += 1 + rnd.nextInt(1000);
        CommandReply r = only(applyNext(state, batch(time, Command.newBuilder().setDomain(Any.pack(body)).build())));
        assertEquals(expected, r.getCode(), "seed " + seed + " step " + step + ": " + body + " -> " + r.getMessage());
        assertEquals(shapes(model.sessions.values()), listed(state), "seed " + seed + " step " + step);
      }
      List<String> before = listed(state);
      state.close();
      state = new CoordState(CoordStore.open(storeDir), IdempotencyLog.Retention.DEFAULT,
          DomainEnv.unclocked("n1", Set.of()), ApplyVersions.THIS_BINARY);
      assertEquals(before, listed(state), "seed " + seed + ": after a reopen");
    } finally {
      state.close();
    }
  }
}
