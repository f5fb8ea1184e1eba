package io.raftcoord.tools.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.raftcoord.client.IdRange;
import io.raftcoord.client.TimestampRange;
import io.raftcoord.proto.ReplicaStatus;
import io.raftcoord.proto.Timestamps;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Pure formatting of coordctl's answers (human text and JSON). */
public final class Output {
  private Output() {}

  /**
   * First line: the first timestamp alone (count 1) or {@code first..last (N timestamps)};
   * second line: its decoding, e.g. {@code physical 2025-01-01T00:00:00.123Z (1735689600123 ms), logical 7}.
   */
  public static String tsoText(TimestampRange r) {
    long first = r.first();
    StringBuilder sb = new StringBuilder();
    if (r.count() == 1) {
      sb.append(first).append('\n');
    } else {
      sb.append(first).append("..").append(r.last()).append(" (").append(r.count()).append(" timestamps)\n");
    }
    long phys = Timestamps.physicalMs(first);
    sb.append("physical ").append(Instant.ofEpochMilli(phys)).append(" (").append(phys).append(" ms), logical ")
        .append(Timestamps.logical(first));
    if (r.count() > 1) {
      sb.append("..").append(Timestamps.logical(r.last()));
    }
    return sb.toString();
  }

  public static String tsoJson(TimestampRange r) {
    long phys = Timestamps.physicalMs(r.first());
    JsonObject o = new JsonObject();
    o.addProperty("first", r.first());
    o.addProperty("last", r.last());
    o.addProperty("count", r.count());
    o.addProperty("physicalMs", phys);
    o.addProperty("physicalTime", Instant.ofEpochMilli(phys).toString());
    o.addProperty("logical", Timestamps.logical(r.first()));
    return json(o);
  }

  public static String idsText(IdRange r) {
    return "start " + r.start() + "  end " + r.end() + " (exclusive)  count " + r.count();
  }

  public static String idsJson(IdRange r) {
    JsonObject o = new JsonObject();
    o.addProperty("start", r.start());
    o.addProperty("end", r.end());
    o.addProperty("count", r.count());
    return json(o);
  }

  /** Compact (one line), keeps null members, no HTML escaping of {@code < > = & '}. */
  private static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

  /** A JSON element as one line of text. */
  public static String json(JsonElement e) {
    return GSON.toJson(e);
  }

  /**
   * A number already formatted for JSON (e.g. {@code "1.500"}, kept digit for digit), or null for
   * {@code "null"} as returned by {@link io.raftcoord.tools.bench.Stats#rateJson}.
   */
  public static JsonElement number(String formatted) {
    return "null".equals(formatted) ? JsonNull.INSTANCE : new JsonPrimitive(new BigDecimal(formatted));
  }

  /** The replica that leads, as reported by a reachable leader or, failing that, by followers. */
  public static Optional<ReplicaStatus> leader(List<ReplicaStatus> all) {
    return all.stream().filter(s -> s.getError().isEmpty() && "LEADER".equals(s.getRole())).findFirst();
  }

  /** One row per replica; the leader's row is marked with {@code *}; unreachable ones say so. */
  public static String statusTable(List<ReplicaStatus> all) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"", "ID", "ADDRESS", "ROLE", "TERM", "COMMIT", "APPLIED", "SNAPSHOT", "LEADER"});
    for (ReplicaStatus s : all) {
      if (!s.getError().isEmpty()) {
        rows.add(new String[] {"", s.getId(), s.getAddress(), "UNREACHABLE", "-", "-", "-", "-",
            shortError(s.getError())});
        continue;
      }
      boolean leads = "LEADER".equals(s.getRole());
      rows.add(new String[] {leads ? "*" : "", s.getId(), s.getAddress(), s.getRole(), Long.toString(s.getTerm()),
          Long.toString(s.getCommitIndex()), Long.toString(s.getAppliedIndex()),
          s.getSnapshotIndex() < 0 ? "-" : Long.toString(s.getSnapshotIndex()),
          s.getLeaderId().isEmpty() ? "-" : s.getLeaderId()});
    }
    StringBuilder sb = new StringBuilder(table(rows));
    Optional<ReplicaStatus> l = leader(all);
    sb.append(l.map(s -> "leader: " + s.getId() + " (" + s.getAddress() + ", term " + s.getTerm() + ")")
        .orElse("leader: none known"));
    long up = all.stream().filter(s -> s.getError().isEmpty()).count();
    sb.append("; ").append(up).append('/').append(all.size()).append(" replicas reachable");
    return sb.toString();
  }

  /** Left-aligned columns separated by two spaces; trailing spaces trimmed. */
  public static String table(List<String[]> rows) {
    int cols = rows.stream().mapToInt(r -> r.length).max().orElse(0);
    int[] w = new int[cols];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        w[i] = Math.max(w[i], r[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        if (w[i] == 0) {
          continue;
        }
        line.append(r[i]).append(" ".repeat(w[i] - r[i].length()));
        if (i < r.length - 1) {
          line.append("  ");
        }
      }
      sb.append(line.toString().stripTrailing()).append('\n');
    }
    return sb.toString();
  }

  static String shortError(String error) {
    String e = CliSupport.firstLine(error);
    if (e.startsWith("unreachable: ")) {
      e = e.substring("unreachable: ".length());
    }
    return e.length() > 100 ? e.substring(0, 97) + "..." : e;
  }
}
