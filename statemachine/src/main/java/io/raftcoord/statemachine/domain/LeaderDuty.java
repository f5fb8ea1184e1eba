package io.raftcoord.statemachine.domain;

import io.raftcoord.proto.Command;
import java.util.List;

/**
 * Leader-only periodic work of a domain (expiry, sealing, balancing). The server runs
 * {@link #plan} every {@link #intervalMs} while this replica leads and has applied an entry of its
 * own term, and proposes what it returns. Planning reads committed state (under the entry read
 * lock) and leader-local soft state and changes neither; each planned command carries what it
 * was planned from (an epoch or a revision), so that apply refuses it with STALE_EPOCH when that
 * changed in between. The planning itself belongs in a pure function of a view, unit-tested
 * with a fake clock.
 */
public interface LeaderDuty {
  String name();

  long intervalMs();

  List<Command> plan(When when);

  /**
   * @param nowMs the replica's monotonic clock ({@link DomainEnv#clockMs})
   * @param leaderSinceMs when this leadership became ready, on the same clock
   * @param revision the applied index of the state planned from
   * @param leaderTimeMs the time this leader would stamp on an entry now (the apply clock's
   *     source), for comparing with times recorded in the state
   */
  record When(long nowMs, long leaderSinceMs, long revision, long leaderTimeMs) {}
}
