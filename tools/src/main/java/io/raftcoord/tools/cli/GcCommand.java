package io.raftcoord.tools.cli;

import io.raftcoord.client.CoordClient;
import io.raftcoord.proto.datatasks.GcStatus;
import picocli.CommandLine.Command;

/** {@code coordctl gc status}: DataCoord's garbage collection of dropped segments. */
@Command(name = "gc", mixinStandardHelpOptions = true,
    description = {"DataCoord's garbage collection: status.",
        "A DROPPED segment (compacted, or of a dropped collection or partition) is collected once it has been dropped "
            + "for drop_tolerance_ms, at most every gc_interval_ms (see 'coordctl datatasks settings'): a GC task "
            + "removes its files, then its metadata goes."},
    subcommands = {GcCommand.Status.class})
final class GcCommand extends CatalogCommand.Group {

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "DROPPED segments whose metadata is still kept, GC tasks open (pipelining or executing), and "
          + "segments collected since the answering replica loaded its state.")
  static final class Status extends CatalogCommand {
    @Override
    public Integer call() {
      GcStatus s;
      try (CoordClient client = root().connect()) {
        s = client.dataTasks().gcStatus();
      }
      print(() -> DataTasksOutput.gcText(s), () -> DataTasksOutput.gcJson(s));
      return 0;
    }
  }
}
