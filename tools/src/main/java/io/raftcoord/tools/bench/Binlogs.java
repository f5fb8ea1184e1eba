package io.raftcoord.tools.bench;

import io.raftcoord.proto.datacoord.Binlog;
import io.raftcoord.proto.datacoord.FieldBinlog;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Binlog lists of simulated reports: fresh log ids, the rows as entries, a plausible size. */
final class Binlogs {
  private Binlogs() {}

  /** {@code files} binlogs spread over the fields in turn (one per field when files = fields), log ids from {@code firstLogId}. */
  static List<FieldBinlog> spread(List<Long> fieldIds, int files, long rows, long firstLogId, long tsFrom, long tsTo) {
    Map<Long, FieldBinlog.Builder> byField = new LinkedHashMap<>();
    for (int i = 0; i < files; i++) {
      long field = fieldIds.get(i % fieldIds.size());
      byField.computeIfAbsent(field, f -> FieldBinlog.newBuilder().setFieldId(f))
          .addBinlogs(Binlog.newBuilder().setLogId(firstLogId + i).setEntries(rows).setTimestampFrom(tsFrom)
              .setTimestampTo(Math.max(tsFrom, tsTo)).setSize(Math.max(1, rows * SegmentCollections.ROW_BYTES
                  / fieldIds.size())));
    }
    List<FieldBinlog> out = new ArrayList<>(byField.size());
    byField.values().forEach(b -> out.add(b.build()));
    return out;
  }
}
