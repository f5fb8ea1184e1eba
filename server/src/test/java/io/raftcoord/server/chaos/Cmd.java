package io.raftcoord.server.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs short system commands (ip, iptables, mount, kill) with a deadline; output and exit code. */
final class Cmd {
  record Result(int code, String output) {
    boolean ok() {
      return code == 0;
    }
  }

  private Cmd() {}

  /** Runs {@code args}; never throws for a non-zero exit (see {@link #run}). */
  static Result exec(String... args) {
    return exec(List.of(args));
  }

  static Result exec(List<String> args) {
    try {
      Process p = new ProcessBuilder(args).redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, String.join(" ", args) + ": timed out");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8).trim());
    } catch (IOException e) {
      return new Result(-1, String.join(" ", args) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, String.join(" ", args) + ": interrupted");
    }
  }

  /** Runs {@code args} and fails with its output unless it exits 0. */
  static String run(String... args) {
    Result r = exec(args);
    if (!r.ok()) {
      throw new IllegalStateException(String.join(" ", args) + " failed (exit " + r.code() + "): " + r.output());
    }
    return r.output();
  }

  /** Whether {@code name} is an executable on the PATH. */
  static boolean onPath(String name) {
    String path = System.getenv("PATH");
    for (String dir : (path == null ? "/usr/sbin:/usr/bin:/sbin:/bin" : path + ":/usr/sbin:/sbin").split(":")) {
      if (!dir.isEmpty() && java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, name))) {
        return true;
      }
    }
    return false;
  }
}
