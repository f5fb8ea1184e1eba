package io.raftcoord.statemachine.sm;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots are RocksDB checkpoints in the Ratis state machine directory, one folder each,
 * named {@code snapshot.<term>_<index>}. A folder only gets its final name once complete, so
 * a crash mid-checkpoint leaves a {@code .tmp} folder that is ignored and cleaned. Ratis ships
 * the listed files to a lagging follower and replaces that follower's state machine directory
 * with them; {@code *.md5} files are Ratis's and are never listed.
 */
public final class SnapshotStore implements StateMachineStorage {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotStore.class);
  private static final Pattern NAME = Pattern.compile("snapshot\\.(\\d+)_(\\d+)");

  private volatile File smDir;
  /** Where Ratis streams a snapshot it installs from the leader, before renaming it into {@link #smDir}. */
  private volatile File installDir;
  private volatile FileListSnapshotInfo latest;

  @Override
  public void init(RaftStorage raftStorage) throws IOException {
    this.smDir = raftStorage.getStorageDir().getStateMachineDir();
    this.installDir = raftStorage.getStorageDir().getTmpDir();
    Files.createDirectories(smDir.toPath());
    this.latest = scanLatest().orElse(null);
  }

  @Override
  public FileListSnapshotInfo getLatestSnapshot() {
    return latest;
  }

  /**
   * Rescans the directory: after Ratis installed a snapshot it holds only the new one. Ratis
   * renames an installed snapshot into place without forcing it, so it is forced here, before
   * the state machine restores from it and the log is continued after it.
   */
  public FileListSnapshotInfo reload() throws IOException {
    FileListSnapshotInfo found = scanLatest().orElse(null);
    if (found != null) {
      Fsync.tree(dirFor(found.getTermIndex()));
      Fsync.dir(smDir.toPath());
    }
    this.latest = found;
    return latest;
  }

  /**
   * Waits while Ratis is still streaming a snapshot install in (its bytes in the install folder
   * keep changing), at most {@code maxMs}. Leftovers of a failed install stop changing and end
   * the wait after a second.
   */
  public void awaitInstallsSettled(long maxMs) throws InterruptedException {
    long prev = installBytes();
    int still = 0;
    for (long waited = 0; prev > 0 && still < 10 && waited < maxMs; waited += 100) {
      Thread.sleep(100);
      long now = installBytes();
      still = now == prev ? still + 1 : 0;
      prev = now;
    }
  }

  private long installBytes() {
    File dir = installDir;
    if (dir == null || !dir.isDirectory()) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(dir.toPath())) {
      return s.filter(p -> p.toString().contains("snapshot-")).filter(Files::isRegularFile)
          .mapToLong(p -> p.toFile().length()).sum();
    } catch (IOException | UncheckedIOException e) {
      return 0; // renamed away while we looked: the install has finished
    }
  }

  @Override
  public void format() {
  }

  public Path dirFor(TermIndex ti) {
    return smDir.toPath().resolve("snapshot." + ti.getTerm() + "_" + ti.getIndex());
  }

  public Path tmpDirFor(TermIndex ti) {
    return smDir.toPath().resolve("snapshot." + ti.getTerm() + "_" + ti.getIndex() + ".tmp");
  }

  /** Publishes a completed checkpoint folder as the latest snapshot. */
  public FileListSnapshotInfo publish(Path tmp, TermIndex ti) throws IOException {
    Path dir = dirFor(ti);
    // Durable before it counts: Ratis purges the log up to a published snapshot.
    Fsync.tree(tmp);
    Files.move(tmp, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    Fsync.dir(smDir.toPath());
    FileListSnapshotInfo info = describe(dir, ti);
    this.latest = info;
    return info;
  }

  @Override
  public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) throws IOException {
    int keep = Math.max(1, policy.getNumSnapshotsRetained());
    List<Path> dirs = snapshotDirs();
    for (int i = 0; i < dirs.size() - keep; i++) {
      LOG.info("deleting old snapshot {}", dirs.get(i));
      deleteRecursively(dirs.get(i));
    }
    try (Stream<Path> s = Files.list(smDir.toPath())) {
      for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList()) {
        deleteRecursively(p);
      }
    }
  }

  private Optional<FileListSnapshotInfo> scanLatest() {
    List<Path> dirs = snapshotDirs();
    if (dirs.isEmpty()) {
      return Optional.empty();
    }
    Path dir = dirs.get(dirs.size() - 1);
    return Optional.of(describe(dir, termIndexOf(dir).orElseThrow()));
  }

  /** Completed snapshot folders, oldest first. */
  private List<Path> snapshotDirs() {
    try (Stream<Path> s = Files.list(smDir.toPath())) {
      return s.filter(Files::isDirectory).filter(p -> termIndexOf(p).isPresent())
          .sorted(Comparator.comparing((Path p) -> termIndexOf(p).orElseThrow()))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Optional<TermIndex> termIndexOf(Path dir) {
    Matcher m = NAME.matcher(dir.getFileName().toString());
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of(TermIndex.valueOf(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))));
  }

  private static FileListSnapshotInfo describe(Path dir, TermIndex ti) {
    List<FileInfo> files = new ArrayList<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
        if (!p.getFileName().toString().endsWith(".md5")) {
          files.add(new FileInfo(p, null));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new FileListSnapshotInfo(files, ti);
  }

  static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(q);
      }
    }
  }
}
