package io.raftcoord.statemachine.pipeline;

import io.raftcoord.proto.CommandHeader;

/** Who sent the batch a command is in, as logged: the leader's stamp and the caller's token. */
public record Caller(CommandHeader header, String authToken) {}
