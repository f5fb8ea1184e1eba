package io.raftcoord.statemachine.pipeline;

import io.raftcoord.proto.Record;
import io.raftcoord.statemachine.apply.ApplyContext;
import io.raftcoord.statemachine.domain.Domain;
import io.raftcoord.statemachine.store.StoreBatch;

/** Sees every record after its domain replayed it, in log order, in the same entry batch (the change feed). */
@FunctionalInterface
public interface RecordListener {
  void replayed(ApplyContext ctx, Domain domain, Record record, StoreBatch sb);
}
