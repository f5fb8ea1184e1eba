package io.raftcoord.statemachine.apply;

/**
 * What apply may know about the entry being applied. {@code nowMs} is the leader's stamp,
 * clamped so that it never goes backwards across entries; it is the only clock of apply.
 */
public record ApplyContext(long term, long index, long nowMs) {}
