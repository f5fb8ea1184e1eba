package io.raftcoord.statemachine.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteOptions;

/**
 * The replica's RocksDB: the core's column families, one or more per domain ({@link #ensure}),
 * and any others found on disk (kept open so that a store written by a binary with more domains
 * still opens). All state changes arrive
 * as {@link StoreBatch}es; the store never decides anything.
 *
 * <p>Durability: the Raft log is the durable record, so the RocksDB WAL is off and a crash
 * loses the memtable. That is safe because (1) atomic flush persists all column families at
 * one point, so the persisted applied index always matches the persisted state; (2) every
 * snapshot is a checkpoint, which flushes first, so the persisted applied index is never below
 * the snapshot index up to which the Raft log may be purged; (3) apply skips entries at or
 * below the applied index and re-applies the rest from the log.
 */
public final class CoordStore implements AutoCloseable {
  static {
    RocksDB.loadLibrary();
  }

  private final Path dir;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final WriteOptions writeOptions;
  private final RocksDB db;
  private final Map<ColumnFamily, ColumnFamilyHandle> handles = new LinkedHashMap<>();
  private final List<ColumnFamilyHandle> allHandles = new ArrayList<>();

  private CoordStore(Path dir) {
    this.dir = dir;
    this.dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
        .setMaxBackgroundJobs(2).setKeepLogFileNum(3).setAtomicFlush(true);
    this.cfOptions = new ColumnFamilyOptions();
    this.writeOptions = new WriteOptions().setSync(false).setDisableWAL(true);
    List<ColumnFamily> cfs = new ArrayList<>(ColumnFamily.CORE);
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
    try {
      Files.createDirectories(dir);
      if (Files.exists(dir.resolve("CURRENT"))) {
        try (org.rocksdb.Options listOptions = new org.rocksdb.Options()) {
          for (byte[] name : RocksDB.listColumnFamilies(listOptions, dir.toString())) {
            String n = new String(name, java.nio.charset.StandardCharsets.UTF_8);
            if (!n.equals("default") && !cfs.contains(ColumnFamily.named(n))) {
              cfs.add(ColumnFamily.named(n));
            }
          }
        }
      }
      for (ColumnFamily cf : cfs) {
        descriptors.add(new ColumnFamilyDescriptor(cf.nameBytes(), cfOptions));
      }
      this.db = RocksDB.open(dbOptions, dir.toString(), descriptors, allHandles);
    } catch (RocksDBException | IOException e) {
      dbOptions.close();
      cfOptions.close();
      writeOptions.close();
      throw new StoreException("open " + dir, e);
    }
    for (int i = 0; i < cfs.size(); i++) {
      handles.put(cfs.get(i), allHandles.get(i + 1));
    }
  }

  /** Creates the column families of {@code cfs} that the store does not have yet. */
  public synchronized void ensure(List<ColumnFamily> cfs) {
    for (ColumnFamily cf : cfs) {
      if (!handles.containsKey(cf)) {
        try {
          ColumnFamilyHandle h = db.createColumnFamily(new ColumnFamilyDescriptor(cf.nameBytes(), cfOptions));
          allHandles.add(h);
          handles.put(cf, h);
        } catch (RocksDBException e) {
          throw new StoreException("create column family " + cf.dbName(), e);
        }
      }
    }
  }

  /** The core's column families, then the others by name: the same on every replica. */
  private synchronized List<ColumnFamily> dumpOrder() {
    List<ColumnFamily> out = new ArrayList<>(ColumnFamily.CORE);
    handles.keySet().stream().filter(cf -> !ColumnFamily.CORE.contains(cf))
        .sorted(java.util.Comparator.comparing(ColumnFamily::dbName)).forEach(out::add);
    return out;
  }

  private ColumnFamilyHandle handle(ColumnFamily cf) {
    ColumnFamilyHandle h = handles.get(cf);
    if (h == null) {
      throw new StoreException("column family " + cf.dbName() + " is not open (no domain declared it)");
    }
    return h;
  }

  public static CoordStore open(Path dir) {
    return new CoordStore(dir);
  }

  public Path dir() {
    return dir;
  }

  public byte[] get(ColumnFamily cf, byte[] key) {
    try {
      return db.get(handle(cf), key);
    } catch (RocksDBException e) {
      throw new StoreException("get from " + cf.dbName(), e);
    }
  }

  /** Visits keys of {@code cf} from {@code fromKey} (inclusive) in order while {@code visitor} says so. */
  public void scan(ColumnFamily cf, byte[] fromKey, EntryVisitor visitor) {
    try (RocksIterator it = db.newIterator(handle(cf))) {
      for (it.seek(fromKey); it.isValid(); it.next()) {
        if (!visitor.visit(it.key(), it.value())) {
          return;
        }
      }
      it.status();
    } catch (RocksDBException e) {
      throw new StoreException("scan of " + cf.dbName(), e);
    }
  }

  /** Receives one key/value of a scan; returns false to stop. */
  @FunctionalInterface
  public interface EntryVisitor {
    boolean visit(byte[] key, byte[] value);
  }

  public StoreBatch newBatch() {
    return new StoreBatch(this::handle);
  }

  public void write(StoreBatch batch) {
    try {
      db.write(writeOptions, batch.raw());
    } catch (RocksDBException e) {
      throw new StoreException("write batch", e);
    }
  }

  /** Writes a consistent point-in-time copy (hard links where possible) into a new directory. */
  public void checkpoint(Path target) {
    try (Checkpoint cp = Checkpoint.create(db)) {
      cp.createCheckpoint(target.toString());
    } catch (RocksDBException e) {
      throw new StoreException("checkpoint into " + target, e);
    }
  }

  /**
   * Dumps every column family in key order from one snapshot. The applied index is read from the
   * same snapshot with {@code appliedIndexOf}, which decodes the META value under {@code appliedKey}.
   */
  public StoreDump dump(boolean full, byte[] appliedKey, ToLongFunction<byte[]> appliedIndexOf) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    List<String> entries = new ArrayList<>();
    long applied;
    Snapshot snap = db.getSnapshot();
    try (ReadOptions ro = new ReadOptions().setSnapshot(snap)) {
      byte[] appliedValue = db.get(handles.get(ColumnFamily.META), ro, appliedKey);
      applied = appliedValue == null ? 0 : appliedIndexOf.applyAsLong(appliedValue);
      for (ColumnFamily cf : dumpOrder()) {
        try (RocksIterator it = db.newIterator(handles.get(cf), ro)) {
          for (it.seekToFirst(); it.isValid(); it.next()) {
            byte[] k = it.key();
            byte[] v = it.value();
            sha.update(Bytes.utf8(cf.dbName()));
            sha.update(Bytes.ofLong(k.length));
            sha.update(k);
            sha.update(Bytes.ofLong(v.length));
            sha.update(v);
            if (full) {
              entries.add(cf.dbName() + " " + Bytes.hex(k) + " " + Bytes.hex(v));
            }
          }
        }
      }
    } catch (RocksDBException e) {
      throw new StoreException("dump", e);
    } finally {
      db.releaseSnapshot(snap);
    }
    return new StoreDump(applied, Bytes.hex(sha.digest()), entries);
  }


  @Override
  public void close() {
    for (ColumnFamilyHandle h : allHandles) {
      h.close();
    }
    db.close();
    writeOptions.close();
    cfOptions.close();
    dbOptions.close();
  }
}
