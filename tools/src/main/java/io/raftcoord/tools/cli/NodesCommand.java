package io.raftcoord.tools.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.raftcoord.client.CatalogWatch;
import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.proto.ChangeEvent;
import io.raftcoord.proto.WatchQuery;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionEvent;
import io.raftcoord.proto.session.SessionList;
import io.raftcoord.proto.session.SessionState;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code coordctl nodes}: the node sessions (role, server ID, address, epoch, state, when the
 * leader last heard them, labels), including ended ones still retained; {@code --watch} follows
 * the session events instead.
 */
@Command(name = "nodes", mixinStandardHelpOptions = true,
    description = {"List node sessions: live ones (ACTIVE, STANDBY, STOPPING) and ended ones still retained "
        + "(EXPIRED, REMOVED).",
        "With --watch: print session events as they happen, one line each, until interrupted (Ctrl-C)."})
final class NodesCommand extends CatalogCommand {
  @Option(names = "--role", paramLabel = "ROLE", defaultValue = "",
      description = "Only this role (datanode, querynode, indexnode, streamingnode, proxy, rootcoord, datacoord, "
          + "querycoord, mixcoord).")
  String role;

  @Option(names = "--live", description = "Only live sessions (leave out EXPIRED and REMOVED).")
  boolean live;

  @Option(names = "--watch", description = "Follow session events (added, activated, stopping, expired, removed).")
  boolean watch;

  /** For tests and scripts: with --watch, exit 0 after this many events. */
  @Option(names = "--max-events", paramLabel = "N", hidden = true)
  Integer maxEvents;

  @Override
  public Integer call() throws InterruptedException {
    if (watch) {
      return watch();
    }
    SessionList list;
    try (CoordClient c = root().connect()) {
      list = c.sessions().list(role, !live);
    }
    long now = System.currentTimeMillis();
    print(() -> text(list, now), () -> json(list));
    return 0;
  }

  static String text(SessionList list, long nowMs) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"ROLE", "SERVER_ID", "ADDRESS", "EPOCH", "STATE", "SINCE", "LAST_HEARD", "LABELS"});
    for (int i = 0; i < list.getSessionsCount(); i++) {
      Session s = list.getSessions(i);
      long heard = i < list.getLastHeardAgoMsCount() ? list.getLastHeardAgoMs(i) : -1;
      rows.add(new String[] {s.getRole(), String.valueOf(s.getServerId()), s.getAddress(), String.valueOf(s.getEpoch()),
          s.getState().name(), ago(nowMs - s.getStateChangedMs()), heard < 0 ? "-" : ago(heard), labels(s)});
    }
    String footer = list.getSessionsCount() + " session(s); TTL " + list.getSettings().getTtlMs() + " ms";
    return list.getSessionsCount() == 0 ? "no sessions; TTL " + list.getSettings().getTtlMs() + " ms"
        : Output.table(rows) + footer;
  }

  private static String ago(long ms) {
    return ms < 0 ? "0.0s ago" : String.format(java.util.Locale.ROOT, "%.1fs ago", ms / 1000.0);
  }

  private static String labels(Session s) {
    return s.getLabelsCount() == 0 ? "-"
        : s.getLabelsList().stream().map(l -> l.getKey() + "=" + l.getValue()).collect(Collectors.joining(","));
  }

  private static JsonElement json(SessionList list) {
    JsonObject out = new JsonObject();
    JsonArray sessions = new JsonArray();
    for (int i = 0; i < list.getSessionsCount(); i++) {
      JsonObject o = proto(list.getSessions(i)).getAsJsonObject();
      o.addProperty("lastHeardAgoMs", i < list.getLastHeardAgoMsCount() ? list.getLastHeardAgoMs(i) : -1);
      sessions.add(o);
    }
    out.add("sessions", sessions);
    out.add("settings", proto(list.getSettings()));
    return out;
  }

  static JsonElement proto(MessageOrBuilder m) {
    try {
      return JsonParser.parseString(JsonFormat.printer().alwaysPrintFieldsWithNoPresence().print(m));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  static String eventText(ChangeEvent e, SessionEvent s) {
    Session x = s.getSession();
    String head = "rev " + e.getRevision() + " " + e.getKind();
    if (s.hasSettings() && !s.hasSession()) {
      return head + " ttl_ms=" + s.getSettings().getTtlMs() + " ended_retention_ms=" + s.getSettings().getEndedRetentionMs()
          + " max_sessions=" + s.getSettings().getMaxSessions();
    }
    return head + " " + x.getRole() + " server_id=" + x.getServerId() + " epoch=" + x.getEpoch() + " address="
        + x.getAddress() + " state=" + (x.getState() == SessionState.SESSION_STATE_NONE ? "-" : x.getState().name());
  }

  private int watch() throws InterruptedException {
    long max = maxEvents == null ? Long.MAX_VALUE : positive("--max-events", maxEvents);
    boolean json = root().json;
    PrintWriter out = out();
    PrintWriter err = err();
    CompletableFuture<Void> done = new CompletableFuture<>();
    try (CoordClient client = root().connect()) {
      CatalogWatch w = client.watch(WatchQuery.newBuilder().addDomains("session").build(), new CatalogWatch.Listener() {
        private long printed;
        private boolean failing;

        @Override
        public void onEvents(List<ChangeEvent> events, long nextRevision) {
          failing = false;
          for (ChangeEvent e : events) {
            SessionEvent s;
            try {
              s = e.getBody().unpack(SessionEvent.class);
            } catch (InvalidProtocolBufferException ex) {
              continue;
            }
            if (!role.isEmpty() && s.hasSession() && !role.equals(s.getSession().getRole())) {
              continue;
            }
            if (done.isDone()) {
              return;
            }
            if (json) {
              JsonObject o = new JsonObject();
              o.addProperty("revision", e.getRevision());
              o.addProperty("kind", e.getKind());
              o.add("event", proto(s));
              out.println(Output.json(o));
            } else {
              out.println(eventText(e, s));
            }
            if (++printed >= max) {
              done.complete(null);
            }
          }
          out.flush();
        }

        @Override
        public void onCompacted(CoordException e) {
          done.completeExceptionally(e);
        }

        @Override
        public void onError(CoordException e) {
          if (!failing) {
            failing = true;
            err.println("coordctl: nodes --watch: " + CliSupport.describe(e) + " (retrying)");
            err.flush();
          }
        }
      });
      Thread onExit = new Thread(() -> {
        w.close();
        out.flush();
      }, "coordctl-nodes-exit");
      Runtime.getRuntime().addShutdownHook(onExit);
      try {
        done.get();
      } catch (ExecutionException e) {
        throw e.getCause() instanceof CoordException ce ? ce : new IllegalStateException(e.getCause());
      } finally {
        w.close();
        try {
          Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException shuttingDown) {
          // The hook runs anyway.
        }
      }
    }
    return 0;
  }
}
