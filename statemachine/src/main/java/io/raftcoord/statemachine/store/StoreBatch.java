package io.raftcoord.statemachine.store;

import java.util.function.Function;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * The changes of one log entry. Everything an entry changes, including the applied index,
 * goes into one batch and is written atomically, so a crash never leaves half an entry.
 */
public final class StoreBatch implements AutoCloseable {
  private final WriteBatch batch = new WriteBatch();
  private final Function<ColumnFamily, ColumnFamilyHandle> handles;

  StoreBatch(Function<ColumnFamily, ColumnFamilyHandle> handles) {
    this.handles = handles;
  }

  public void put(ColumnFamily cf, byte[] key, byte[] value) {
    try {
      batch.put(handles.apply(cf), key, value);
    } catch (RocksDBException e) {
      throw new StoreException("put into " + cf.dbName(), e);
    }
  }

  public void delete(ColumnFamily cf, byte[] key) {
    try {
      batch.delete(handles.apply(cf), key);
    } catch (RocksDBException e) {
      throw new StoreException("delete from " + cf.dbName(), e);
    }
  }

  WriteBatch raw() {
    return batch;
  }

  @Override
  public void close() {
    batch.close();
  }
}
