package io.raftcoord.tools.cli;

import io.raftcoord.proto.datacoord.CollectionSelector;

/** What the DataCoord commands share. */
final class DataCoordCommands {
  private DataCoordCommands() {}

  /** The collection option's selector (null: none); bad input is a usage error of {@code cmd}. */
  static CollectionSelector selector(CatalogCommand cmd, DataCoordArgs.CollectionOption option) {
    try {
      return option.selector();
    } catch (CliSupport.UsageException e) {
      throw cmd.usage(e.getMessage());
    }
  }
}
