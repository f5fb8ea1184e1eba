package io.raftcoord.tools.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.raftcoord.client.CoordClient;
import io.raftcoord.client.CoordException;
import io.raftcoord.client.IdRange;
import io.raftcoord.client.TimestampRange;
import io.raftcoord.proto.ClusterLayout;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.ReplicaStatus;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code coordctl}: timestamps, IDs, replica status, RootCoord's catalog (databases,
 * collections, partitions, aliases, limits, the change feed), node sessions and DataCoord
 * (channels, segments, flush, settings), QueryCoord (loads, replicas, distributions, search plans,
 * resource groups) and DataCoord's tasks (compactions, indexes, the task table, GC) of a raftcoord quorum. Run it through
 * {@code scripts/coordctl}. Errors print one line on stderr ({@code coordctl: CODE: message});
 * exit code 1 when the request failed, 2 on a usage error.
 */
@Command(name = "coordctl", mixinStandardHelpOptions = true, version = "coordctl 0.1.0",
    description = "Talks to a raftcoord quorum: timestamps, IDs, replica status, the catalog (databases, "
        + "collections, partitions, aliases, limits, change feed), node sessions, and DataCoord (channels, segments, "
        + "flush, settings), QueryCoord (load, release, load state, replicas, distribution, search plans, "
        + "resource groups), and DataCoord's tasks (compaction, index, tasks, gc, datatasks settings).",
    subcommands = {Coordctl.Tso.class, Coordctl.Ids.class, Coordctl.Status.class, DbCommand.class,
        CollectionCommand.class, PartitionCommand.class, AliasCommand.class, LimitsCommand.class, WatchCommand.class,
        VersionCommands.Version.class, VersionCommands.Upgrade.class, NodesCommand.class, ChannelsCommand.class,
        SegmentsCommand.class, FlushCommand.class, DataCoordCommand.class, QueryCoordCommands.Load.class,
        QueryCoordCommands.Release.class, QueryCoordCommands.LoadStateCommand.class, QueryCoordCommands.Replicas.class,
        QueryCoordCommands.Distribution.class, QueryCoordCommands.SearchPlanCommand.class, ResourceGroupCommand.class,
        CompactionCommand.class, IndexCommand.class, TasksCommand.class, GcCommand.class, DataTasksCommand.class},
    footer = {"", "Exit codes: 0 ok, 1 the request failed (server or quorum error), 2 usage error."})
public final class Coordctl implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--peers", paramLabel = "HOST:PORT,...",
      description = "Every replica's Raft address (default: $RAFTCOORD_PEERS, else " + ClusterLayout.DEFAULT_PEERS + ").",
      scope = CommandLine.ScopeType.INHERIT)
  String peers;

  @Option(names = "--json", description = "Print JSON instead of text.", scope = CommandLine.ScopeType.INHERIT)
  boolean json;

  @Option(names = "--timeout", paramLabel = "SECONDS",
      description = "Longest a request may take, retries included (default ${DEFAULT-VALUE}).", defaultValue = "5",
      scope = CommandLine.ScopeType.INHERIT)
  double timeoutSeconds;

  public static void main(String[] args) {
    // Before any logger exists: Ratis logs nothing at all here (see logback.xml).
    if (System.getProperty("raftcoord.ratis.level") == null) {
      System.setProperty("raftcoord.ratis.level", "OFF");
    }
    CliSupport.quietLogging();
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs coordctl with the given streams; returns the exit code. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    return CliSupport.execute(CliSupport.configure(new CommandLine(new Coordctl())), args, out, err);
  }

  @Override
  public Integer call() {
    // No subcommand: show what there is.
    spec.commandLine().usage(spec.commandLine().getErr());
    return CliSupport.EXIT_USAGE;
  }

  CoordClient connect() {
    if (!(timeoutSeconds > 0) || timeoutSeconds > 3600) {
      throw new CliSupport.UsageException("--timeout must be between 0 and 3600 seconds, got " + timeoutSeconds);
    }
    // One Raft client and no merging: a CLI process sends one request.
    return CoordClient.builder().peers(peers()).raftClients(1).maxInFlight(1).tsoMerging(false)
        .deadline(Duration.ofMillis((long) Math.ceil(timeoutSeconds * 1000))).build();
  }

  String peers() {
    return peers == null ? ClusterLayout.defaultPeers() : peers;
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  @Command(name = "tso", mixinStandardHelpOptions = true,
      description = "Allocate timestamps (physical_ms << 18 | logical) from the oracle.")
  static final class Tso implements Callable<Integer> {
    @ParentCommand
    Coordctl parent;

    @Option(names = {"-n", "--count"}, paramLabel = "N", defaultValue = "1",
        description = "Consecutive timestamps to allocate in one committed entry (1..262144; default ${DEFAULT-VALUE}).")
    int count;

    @Override
    public Integer call() {
      try (CoordClient c = parent.connect()) {
        TimestampRange r = c.tso().allocate(count);
        parent.out().println(parent.json ? Output.tsoJson(r) : Output.tsoText(r));
      }
      return 0;
    }
  }

  @Command(name = "ids", mixinStandardHelpOptions = true,
      description = "Allocate a range of globally unique IDs [start, end).")
  static final class Ids implements Callable<Integer> {
    @ParentCommand
    Coordctl parent;

    @Option(names = {"-n", "--count"}, paramLabel = "N", defaultValue = "1",
        description = "IDs to allocate (1..16777216; default ${DEFAULT-VALUE}).")
    int count;

    @Override
    public Integer call() {
      try (CoordClient c = parent.connect()) {
        IdRange r = c.ids().allocate(count);
        parent.out().println(parent.json ? Output.idsJson(r) : Output.idsText(r));
      }
      return 0;
    }
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = {"Role, term, commit/applied/snapshot index of every replica, and which one leads.",
          "Exit code 1 when no replica answers."})
  static final class Status implements Callable<Integer> {
    @ParentCommand
    Coordctl parent;

    @Override
    public Integer call() throws InvalidProtocolBufferException {
      List<ReplicaStatus> all;
      try (CoordClient c = parent.connect()) {
        all = c.admin().status();
      }
      if (parent.json) {
        JsonFormat.Printer p = JsonFormat.printer().alwaysPrintFieldsWithNoPresence().omittingInsignificantWhitespace();
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < all.size(); i++) {
          sb.append(i == 0 ? "" : ",").append(p.print(all.get(i)));
        }
        parent.out().println(sb.append(']'));
      } else {
        parent.out().print(Output.statusTable(all));
        parent.out().println();
      }
      parent.out().flush();
      if (all.stream().noneMatch(s -> s.getError().isEmpty())) {
        throw new CoordException(ErrorCode.UNAVAILABLE, "no replica answered (peers " + parent.peers() + ")");
      }
      return 0;
    }
  }
}
