package io.raftcoord.tools.cli;

import io.raftcoord.client.CoordClient;
import io.raftcoord.proto.datacoord.CollectionSelector;
import io.raftcoord.proto.datacoord.ListSegments;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentDescription;
import io.raftcoord.proto.datacoord.SegmentLevel;
import io.raftcoord.proto.datacoord.SegmentList;
import io.raftcoord.proto.datacoord.SegmentState;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code coordctl segments ...}: DataCoord's segments. */
@Command(name = "segments", mixinStandardHelpOptions = true,
    description = "DataCoord's segments: list, describe.",
    subcommands = {SegmentsCommand.ListSegmentsCommand.class, SegmentsCommand.Describe.class})
final class SegmentsCommand extends CatalogCommand.Group {

  /** Segments per read (the server's own cap is 10,000). */
  static final int PAGE = 5_000;
  /** How many segments past --limit are counted before "at least N more". */
  static final int COUNT_CAP = 100_000;

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = {"List segments in id order: collection, partition, channel, state, level, rows of max rows, "
          + "rows allocated and not yet expired, binlog files and bytes, age; then the totals (segments and rows by "
          + "state) and how many more match past --limit.",
          "Give --collection, --channel or --node (the segments of the channels that node owns). Without --state: "
              + "every state but dropped."})
  static final class ListSegmentsCommand extends CatalogCommand {
    @Mixin
    DataCoordArgs.CollectionOption collection;

    @Option(names = "--partition", paramLabel = "ID", description = "Only this partition.")
    Long partition;

    @Option(names = "--channel", paramLabel = "NAME", description = "Only this virtual channel.")
    String channel;

    @Option(names = "--node", paramLabel = "SERVER_ID", description = "Only the channels this data node owns.")
    Long node;

    @Option(names = "--state", paramLabel = "STATE", split = ",", converter = DataCoordArgs.StateConverter.class,
        description = "Only these states (repeatable or comma-separated): growing, sealed, flushing, flushed, "
            + "dropped, importing.")
    List<SegmentState> states = new ArrayList<>();

    @Option(names = "--level", paramLabel = "LEVEL", converter = DataCoordArgs.LevelConverter.class,
        description = "Only this level: l0, l1, l2, legacy.")
    SegmentLevel level;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "1000",
        description = "Show at most N segments (default ${DEFAULT-VALUE}); the rest are counted (up to " + COUNT_CAP
            + ").")
    int limit;

    @Option(names = "--after-id", paramLabel = "ID", defaultValue = "0",
        description = "Start after this segment id (to page on from a previous list).")
    long afterId;

    @Override
    public Integer call() {
      CollectionSelector c = DataCoordCommands.selector(this, collection);
      positive("--limit", limit);
      if (partition != null && partition < 1) {
        throw usage("--partition must be a positive id, got " + partition);
      }
      if (node != null && node < 1) {
        throw usage("--node must be a positive server id, got " + node);
      }
      if (afterId < 0) {
        throw usage("--after-id must not be negative, got " + afterId);
      }
      if (channel != null && channel.isBlank()) {
        throw usage("--channel must not be empty");
      }
      if (c == null && channel == null && node == null) {
        throw usage("give --collection, --channel or --node");
      }
      ListSegments.Builder q = ListSegments.newBuilder().addAllStates(states.stream().distinct().toList());
      if (c != null) {
        q.setCollection(c);
      }
      if (partition != null) {
        q.setPartitionId(partition);
      }
      if (channel != null) {
        q.setChannel(channel);
      }
      if (node != null) {
        q.setNodeId(node);
      }
      if (level != null) {
        q.setLevel(level).setLevelSet(true);
      }
      DataCoordOutput.SegmentPage page;
      try (CoordClient client = root().connect()) {
        page = list(client.dataCoord()::segments, q.build(), afterId, limit);
      }
      long now = System.currentTimeMillis();
      print(() -> DataCoordOutput.segmentsText(page, now), () -> DataCoordOutput.segmentsJson(page));
      return 0;
    }
  }

  /** Pages of {@code q} after {@code afterId} up to {@code limit} segments, then counts what is left (up to {@link #COUNT_CAP}). */
  static DataCoordOutput.SegmentPage list(Function<ListSegments, SegmentList> read, ListSegments q, long afterId,
      int limit) {
    List<Segment> got = new ArrayList<>();
    long after = afterId;
    boolean more = true;
    while (got.size() < limit && more) {
      SegmentList r = read.apply(q.toBuilder().setAfterId(after).setLimit(Math.min(PAGE, limit - got.size())).build());
      got.addAll(r.getSegmentsList());
      more = r.getMore() && r.getSegmentsCount() > 0;
      if (r.getSegmentsCount() > 0) {
        after = r.getSegments(r.getSegmentsCount() - 1).getId();
      }
    }
    long counted = 0;
    boolean rest = more;
    while (rest && counted < COUNT_CAP) {
      SegmentList r = read.apply(q.toBuilder().setAfterId(after).setLimit(PAGE).build());
      counted += r.getSegmentsCount();
      rest = r.getMore() && r.getSegmentsCount() > 0;
      if (r.getSegmentsCount() > 0) {
        after = r.getSegments(r.getSegmentsCount() - 1).getId();
      }
    }
    // A page that ended exactly at --limit may say "more" of segments that vanished meanwhile.
    more = more && counted > 0;
    return new DataCoordOutput.SegmentPage(got, more, counted, !rest, limit);
  }

  @Command(name = "describe", mixinStandardHelpOptions = true,
      description = {"Show a segment: state (and why it was sealed), rows, allocations, positions, times, binlog "
          + "summaries, the channel's owner now; then per field its binlogs, deltalogs and statslogs (files, entries, "
          + "timestamp range, size, log ids).",
          "With --json: every binlog."})
  static final class Describe extends CatalogCommand {
    @Parameters(index = "0", paramLabel = "SEGMENT_ID", description = "The segment's id.")
    long id;

    @Override
    public Integer call() {
      if (id < 1) {
        throw usage("SEGMENT_ID must be a positive id, got " + id);
      }
      SegmentDescription d;
      try (CoordClient client = root().connect()) {
        d = client.dataCoord().describe(id);
      }
      long now = System.currentTimeMillis();
      print(() -> DataCoordOutput.describeText(d, now), () -> DataCoordOutput.describeJson(d));
      return 0;
    }
  }
}
