package io.raftcoord.server.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a chaos run made outside its own JVM that must go when the run ends, also when the JVM
 * itself is killed: replica pids, network namespaces, links, mounts, iptables rules. One line per
 * item ({@code pid 1234}, {@code netns NAME}, {@code link NAME}, {@code mount PATH},
 * {@code forward BRIDGE}), appended and flushed as each is made; {@code scripts/chaos.sh} reads
 * it in its exit trap. The run itself removes everything in order and deletes the file.
 */
final class CleanupManifest {
  private static final Logger LOG = LoggerFactory.getLogger(CleanupManifest.class);
  static final String FILE = "cleanup.manifest";

  private final Path file;

  CleanupManifest(Path workDir) {
    this.file = workDir.resolve(FILE);
  }

  Path file() {
    return file;
  }

  synchronized void add(String kind, String value) {
    try {
      Files.writeString(file, kind + " " + value + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND, StandardOpenOption.SYNC);
    } catch (IOException e) {
      LOG.warn("cannot record {} {} in {}: {}", kind, value, file, e.toString());
    }
  }

  /** Drops every line {@code kind value} (the item is gone). */
  synchronized void remove(String kind, String value) {
    try {
      if (!Files.exists(file)) {
        return;
      }
      List<String> keep = new ArrayList<>();
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (!line.equals(kind + " " + value)) {
          keep.add(line);
        }
      }
      Files.write(file, keep, StandardCharsets.UTF_8);
    } catch (IOException e) {
      LOG.warn("cannot update {}: {}", file, e.toString());
    }
  }
}
