package io.raftcoord.server.chaos;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fault timeline of a run ({@code faults.jsonl}): one JSON object per nemesis step, written
 * and flushed as it happens ({@code {"atMs":..,"fault":"kill","what":"kill9","replica":2,...}}),
 * and kept in memory for counting faults and measuring failovers.
 */
final class Timeline implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Timeline.class);
  static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

  /** One step. {@code details} keeps insertion order. */
  record Event(double atMs, String fault, String what, Map<String, Object> details) {
    Object get(String key) {
      return details.get(key);
    }

    String json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("atMs", Math.round(atMs * 10) / 10.0);
      m.put("fault", fault);
      m.put("what", what);
      details.forEach(m::putIfAbsent);
      return GSON.toJson(m);
    }
  }

  private final List<Event> events = new ArrayList<>();
  private final BufferedWriter out;

  /** @param file where to write (null: memory only, for tests) */
  Timeline(Path file) throws IOException {
    this.out = file == null ? null : Files.newBufferedWriter(file, StandardCharsets.UTF_8);
  }

  synchronized Event add(double atMs, String fault, String what, Map<String, Object> details) {
    Event e = new Event(atMs, fault, what, details == null ? Map.of() : new LinkedHashMap<>(details));
    events.add(e);
    LOG.info("[{} s] {} {} {}", String.format("%.1f", atMs / 1000), fault, what, details == null ? "" : details);
    if (out != null) {
      try {
        out.write(e.json());
        out.newLine();
        out.flush();
      } catch (IOException ex) {
        LOG.warn("cannot write the timeline: {}", ex.toString());
      }
    }
    return e;
  }

  synchronized List<Event> events() {
    return List.copyOf(events);
  }

  @Override
  public synchronized void close() throws IOException {
    if (out != null) {
      out.close();
    }
  }
}
