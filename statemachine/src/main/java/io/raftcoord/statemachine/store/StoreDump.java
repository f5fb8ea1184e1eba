package io.raftcoord.statemachine.store;

import java.util.List;

/**
 * A logical dump of the whole store taken from one RocksDB snapshot: two replicas at the same
 * applied index hold the same state exactly when their digests are equal.
 */
public record StoreDump(long appliedIndex, String digest, List<String> entries) {}
