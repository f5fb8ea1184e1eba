package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.SessionChecker.s;

import io.raftcoord.proto.session.SessionEventKind;
import io.raftcoord.server.chaos.SessionChecker.Finding;
import io.raftcoord.server.chaos.SessionRecords.Agent;
import io.raftcoord.server.chaos.SessionRecords.FeedEvent;
import io.raftcoord.server.chaos.SessionRecords.Registration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Server IDs come from the global ID allocator, so no two registrations ever share one: not two
 * SESSION_ADDED events of the feed, not two registrations the agents saw, and a registration an
 * agent saw is the feed's session of that ID (same address and epoch). With a complete feed, a
 * registration an agent saw acknowledged is also in the feed (an acknowledged write is durable).
 */
final class ServerIdCheck {
  static final String DUPLICATE = "duplicate-server-id";
  static final String MISSING = "registration-not-in-feed";

  private ServerIdCheck() {}

  static List<Finding> check(SessionRecords r) {
    List<Finding> out = new ArrayList<>();
    Map<Long, FeedEvent> added = new HashMap<>();
    for (FeedEvent e : r.feed()) {
      if (e.kind() != SessionEventKind.SESSION_ADDED) {
        continue;
      }
      FeedEvent first = added.putIfAbsent(e.serverId(), e);
      if (first != null && first.revision() != e.revision()) {
        out.add(new Finding(DUPLICATE, String.format(Locale.ROOT, "server id %d was handed out twice: %s at %s and "
                + "%s at %s", e.serverId(), first.describe(), first.session().getAddress(), e.describe(),
            e.session().getAddress()), first.receivedMs(), e.receivedMs()));
      }
    }
    record Seen(Agent agent, Registration reg) {}
    Map<Long, Seen> seen = new HashMap<>();
    for (Agent a : r.agents()) {
      for (Registration reg : a.registrations()) {
        Seen before = seen.putIfAbsent(reg.serverId(), new Seen(a, reg));
        if (before != null && (before.agent() != a || before.reg().epoch() != reg.epoch())) {
          out.add(new Finding(DUPLICATE, String.format(Locale.ROOT, "server id %d was given to agent %s (epoch %d, "
                  + "at %.3f s) and to agent %s (epoch %d, at %.3f s)", reg.serverId(), before.agent().name(),
              before.reg().epoch(), s(before.reg().atMs()), a.name(), reg.epoch(), s(reg.atMs())),
              Math.min(before.reg().atMs(), reg.atMs()), Math.max(before.reg().atMs(), reg.atMs())));
        }
        FeedEvent inFeed = added.get(reg.serverId());
        if (inFeed != null && (!inFeed.session().getAddress().equals(a.address())
            || inFeed.session().getEpoch() != reg.epoch())) {
          out.add(new Finding(DUPLICATE, String.format(Locale.ROOT, "agent %s registered server id %d at epoch %d "
                  + "(at %.3f s), but the feed's session %d is %s at %s", a.name(), reg.serverId(), reg.epoch(),
              s(reg.atMs()), reg.serverId(), inFeed.describe(), inFeed.session().getAddress()), reg.atMs(), reg.atMs()));
        } else if (inFeed == null && r.feedComplete() && reg.atMs() < r.observedUntilMs()) {
          out.add(new Finding(MISSING, String.format(Locale.ROOT, "agent %s's registration of server id %d (epoch "
                  + "%d), acknowledged at %.3f s, is not in the feed", a.name(), reg.serverId(), reg.epoch(),
              s(reg.atMs())), reg.atMs(), reg.atMs()));
        }
      }
    }
    return out;
  }
}
