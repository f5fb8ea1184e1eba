package io.raftcoord.tools.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;

/**
 * Finds the local process of a replica: the {@code io.raftcoord.server.CoordServer} JVM whose
 * command line has {@code --admin-port P} (how scripts/cluster.sh starts it). Looking the pid up
 * by port rather than in the cluster's pid files works for any data directory, and a replica
 * restarted under a new pid is found again. Empty for a replica on another host.
 */
final class ReplicaPids {
  static final String MAIN_CLASS = "io.raftcoord.server.CoordServer";

  private ReplicaPids() {}

  static OptionalLong byAdminPort(int adminPort) {
    Path proc = Path.of("/proc");
    if (!Files.isDirectory(proc)) {
      return OptionalLong.empty();
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(proc, p -> p.getFileName().toString().matches("\\d+"))) {
      for (Path d : dirs) {
        List<String> args;
        try {
          args = List.of(new String(Files.readAllBytes(d.resolve("cmdline")), StandardCharsets.UTF_8).split("\0"));
        } catch (IOException | RuntimeException e) {
          continue; // gone, or not ours to read
        }
        if (matches(args, adminPort)) {
          return OptionalLong.of(Long.parseLong(d.getFileName().toString()));
        }
      }
    } catch (IOException e) {
      return OptionalLong.empty();
    }
    return OptionalLong.empty();
  }

  /** A CoordServer command line with {@code --admin-port P} or {@code --admin-port=P}. */
  static boolean matches(List<String> args, int adminPort) {
    if (!args.contains(MAIN_CLASS)) {
      return false;
    }
    String port = Integer.toString(adminPort);
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).equals("--admin-port") && i + 1 < args.size() && args.get(i + 1).equals(port)) {
        return true;
      }
      if (args.get(i).equals("--admin-port=" + port)) {
        return true;
      }
    }
    return false;
  }
}
