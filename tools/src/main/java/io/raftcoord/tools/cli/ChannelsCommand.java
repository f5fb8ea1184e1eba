package io.raftcoord.tools.cli;

import io.raftcoord.client.CoordClient;
import io.raftcoord.proto.datacoord.ChannelList;
import io.raftcoord.proto.datacoord.CollectionSelector;
import io.raftcoord.proto.datacoord.ListChannels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code coordctl channels}: DataCoord's virtual channels, their data nodes, watch states and checkpoints. */
@Command(name = "channels", mixinStandardHelpOptions = true,
    description = {"List DataCoord's virtual channels: the collection, the owning data node (server id and session "
        + "epoch), the watch state and how long it has held, and the checkpoint (hybrid timestamp, its physical time "
        + "= ts >> 18, and how far it is behind now); then the channels no node owns yet.",
        "Ages compare this machine's clock with the leader's apply clock."})
final class ChannelsCommand extends CatalogCommand {
  @Mixin
  DataCoordArgs.CollectionOption collection;

  @Option(names = "--node", paramLabel = "SERVER_ID", description = "Only the channels of this data node.")
  Long node;

  @Override
  public Integer call() {
    CollectionSelector c = DataCoordCommands.selector(this, collection);
    if (node != null && node < 1) {
      throw usage("--node must be a positive server id, got " + node);
    }
    ListChannels.Builder q = ListChannels.newBuilder();
    if (c != null) {
      q.setCollection(c);
    }
    if (node != null) {
      q.setNodeId(node);
    }
    ChannelList l;
    try (CoordClient client = root().connect()) {
      l = client.dataCoord().channels(q.build());
    }
    long now = System.currentTimeMillis();
    print(() -> DataCoordOutput.channelsText(l, now), () -> DataCoordOutput.channelsJson(l, now));
    return 0;
  }
}
