package io.raftcoord.statemachine.sm;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Forces files and directory entries to the device. A rename is durable only once the directory
 * holding the new name is forced, and a file's bytes only once the file is: without both, a power
 * loss after "snapshot taken" (and the log purged up to it) can leave a snapshot folder that is
 * missing, empty or truncated. Invariant for callers: force a tree before renaming it into
 * place, and the parent directory after the rename.
 */
final class Fsync {
  private Fsync() {}

  /** Forces every regular file under {@code root}, then every directory, deepest first. */
  static void tree(Path root) throws IOException {
    List<Path> all;
    try (Stream<Path> s = Files.walk(root)) {
      all = s.sorted(Comparator.reverseOrder()).toList();
    }
    for (Path p : all) {
      if (Files.isRegularFile(p)) {
        force(p);
      }
    }
    for (Path p : all) {
      if (Files.isDirectory(p)) {
        force(p);
      }
    }
  }

  /** Forces the directory entry list of {@code dir} (names created, renamed or removed in it). */
  static void dir(Path dir) throws IOException {
    force(dir);
  }

  private static void force(Path p) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
