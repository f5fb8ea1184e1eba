package io.raftcoord.statemachine.sm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshot folders and database restores on disk: published whole or not at all, forced, recoverable after a crash mid-swap. */
class SnapshotFilesTest {
  @TempDir
  Path dir;

  private SnapshotStore store() throws Exception {
    RaftProperties p = new RaftProperties();
    Path raftDir = Files.createDirectories(dir.resolve("raft"));
    RaftStorage storage = RaftStorage.newBuilder().setDirectory(raftDir.toFile())
        .setOption(RaftStorage.StartupOption.RECOVER)
        .setStorageFreeSpaceMin(RaftServerConfigKeys.storageFreeSpaceMin(p))
        .setLogCorruptionPolicy(RaftServerConfigKeys.Log.corruptionPolicy(p)).build();
    storage.initialize();
    SnapshotStore s = new SnapshotStore();
    s.init(storage);
    return s;
  }

  private static Path folder(Path at, String... files) throws Exception {
    Files.createDirectories(at.resolve("sub"));
    for (String f : files) {
      Files.writeString(at.resolve(f), "content of " + f);
    }
    return at;
  }

  @Test
  void aPublishedCheckpointIsTheLatestSnapshotAndAnUnfinishedOneIsIgnoredAndCleaned() throws Exception {
    SnapshotStore s = store();
    assertNull(s.getLatestSnapshot());
    TermIndex ti = TermIndex.valueOf(2, 40);
    FileListSnapshotInfo info = s.publish(folder(s.tmpDirFor(ti), "000001.sst", "MANIFEST-1", "CURRENT"), ti);
    assertEquals(ti, info.getTermIndex());
    assertEquals(3, info.getFiles().size());
    assertFalse(Files.exists(s.tmpDirFor(ti)));

    // A crash while checkpointing leaves a .tmp folder: it never counts and is removed.
    TermIndex later = TermIndex.valueOf(2, 80);
    folder(s.tmpDirFor(later), "000002.sst");
    assertEquals(ti, s.reload().getTermIndex());
    s.cleanupOldSnapshots(new SnapshotRetentionPolicy() {
      @Override
      public int getNumSnapshotsRetained() {
        return 2;
      }
    });
    assertFalse(Files.exists(s.tmpDirFor(later)));
    assertEquals(ti, s.reload().getTermIndex());
    assertTrue(Files.isRegularFile(s.dirFor(ti).resolve("MANIFEST-1")));
  }

  @Test
  void aRestoreReplacesTheDatabaseWholeAndACrashBetweenItsRenamesKeepsTheOldOne() throws Exception {
    Path db = folder(dir.resolve("db"), "000001.sst", "MANIFEST-1");
    Path checkpoint = folder(dir.resolve("checkpoint"), "000007.sst", "MANIFEST-7", "CURRENT", "x.md5");
    DbRestorer.restore(checkpoint, db);
    try (var files = Files.list(db)) {
      assertEquals(List.of("000007.sst", "CURRENT", "MANIFEST-7"),
          files.filter(Files::isRegularFile).map(f -> f.getFileName().toString()).sorted().toList());
    }
    assertFalse(Files.exists(dir.resolve("db.old")));
    assertFalse(Files.exists(dir.resolve("db.restore")));

    // Crashed after moving the live database aside, before the new one took its place.
    Files.move(db, dir.resolve("db.old"));
    folder(dir.resolve("db.restore"), "half.sst");
    DbRestorer.cleanLeftovers(db);
    assertTrue(Files.exists(db.resolve("MANIFEST-7")));
    assertFalse(Files.exists(dir.resolve("db.old")));
    assertFalse(Files.exists(dir.resolve("db.restore")));
  }

  @Test
  void forcingAMissingFolderFailsInsteadOfPassingSilently() {
    assertThrows(NoSuchFileException.class, () -> Fsync.tree(dir.resolve("gone")));
    assertThrows(NoSuchFileException.class, () -> Fsync.dir(dir.resolve("gone")));
  }
}
