package io.raftcoord.statemachine.sm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * Replaces the live RocksDB folder with a snapshot's checkpoint. The new folder is built beside
 * the live one and swapped in by renames, so a crash leaves either the old or the new database,
 * and {@link #cleanLeftovers} removes the rest on the next start. SST files are immutable and
 * hard-linked; everything else (MANIFEST, OPTIONS, WAL) is copied because RocksDB appends to it.
 * The new folder is forced to the device before the swap and each rename is forced after it.
 */
final class DbRestorer {
  private DbRestorer() {}

  static void restore(Path checkpoint, Path dbDir) throws IOException {
    Path staging = dbDir.resolveSibling(dbDir.getFileName() + ".restore");
    Path old = dbDir.resolveSibling(dbDir.getFileName() + ".old");
    SnapshotStore.deleteRecursively(staging);
    Files.createDirectories(staging);
    try (Stream<Path> s = Files.list(checkpoint)) {
      for (Path f : s.filter(Files::isRegularFile).toList()) {
        String name = f.getFileName().toString();
        if (name.endsWith(".md5")) {
          continue;
        }
        Path target = staging.resolve(name);
        if (name.endsWith(".sst")) {
          try {
            Files.createLink(target, f);
            continue;
          } catch (IOException | UnsupportedOperationException e) {
            // different file system: fall through to a copy
          }
        }
        Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
      }
    }
    // The new database must be on the device before it replaces the old one, and each rename
    // before the next step, or a power loss could leave neither.
    Fsync.tree(staging);
    SnapshotStore.deleteRecursively(old);
    Path parent = dbDir.toAbsolutePath().getParent();
    if (Files.exists(dbDir)) {
      Files.move(dbDir, old, StandardCopyOption.ATOMIC_MOVE);
      Fsync.dir(parent);
    }
    Files.move(staging, dbDir, StandardCopyOption.ATOMIC_MOVE);
    Fsync.dir(parent);
    SnapshotStore.deleteRecursively(old);
  }

  static void cleanLeftovers(Path dbDir) throws IOException {
    SnapshotStore.deleteRecursively(dbDir.resolveSibling(dbDir.getFileName() + ".restore"));
    Path old = dbDir.resolveSibling(dbDir.getFileName() + ".old");
    if (!Files.exists(dbDir) && Files.exists(old)) {
      // crashed between the two renames: the old database is still the newest complete one
      Files.move(old, dbDir, StandardCopyOption.ATOMIC_MOVE);
      Fsync.dir(dbDir.toAbsolutePath().getParent());
    }
    SnapshotStore.deleteRecursively(old);
  }
}
