package io.raftcoord.tools.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.raftcoord.client.CoordClient;
import io.raftcoord.proto.ReplicaVersions;
import io.raftcoord.proto.UpgradeReply;
import io.raftcoord.proto.VersionReply;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code coordctl version} and {@code coordctl upgrade}: the replicated apply version. */
final class VersionCommands {
  private VersionCommands() {}

  @Command(name = "version", mixinStandardHelpOptions = true,
      description = "The committed apply version and the range of apply versions each replica's binary supports.")
  static final class Version implements Callable<Integer> {
    @ParentCommand
    Coordctl parent;

    @Override
    public Integer call() throws InvalidProtocolBufferException {
      VersionReply v;
      try (CoordClient c = parent.connect()) {
        v = c.admin().version();
      }
      if (parent.json) {
        parent.out().println(JsonFormat.printer().alwaysPrintFieldsWithNoPresence().omittingInsignificantWhitespace().print(v));
      } else {
        parent.out().print(text(v));
      }
      parent.out().flush();
      return 0;
    }

    static String text(VersionReply v) {
      StringBuilder sb = new StringBuilder();
      sb.append("committed apply version: ").append(v.getCommittedVersion()).append('\n');
      sb.append(String.format("%-8s %s%n", "REPLICA", "SUPPORTS"));
      for (ReplicaVersions r : v.getReplicasList()) {
        sb.append(String.format("%-8s %d..%d%n", r.getReplicaId(), r.getMinVersion(), r.getMaxVersion()));
      }
      if (v.getReplicasCount() == 0) {
        sb.append("(no replica has reported yet)\n");
      }
      return sb.toString();
    }
  }

  @Command(name = "upgrade", mixinStandardHelpOptions = true,
      description = {"Raise the committed apply version, once every replica's binary supports it.",
          "Without --to: the highest version every replica supports. Refused, naming the replicas, "
              + "if one does not support it; the version never goes down."})
  static final class Upgrade implements Callable<Integer> {
    @ParentCommand
    Coordctl parent;

    @Option(names = "--to", paramLabel = "VERSION", description = "The apply version to raise to.")
    Integer to;

    @Override
    public Integer call() {
      try (CoordClient c = parent.connect()) {
        int target;
        if (to != null) {
          if (to < 1) {
            throw new CliSupport.UsageException("--to must be a positive version, got " + to);
          }
          target = to;
        } else {
          VersionReply v = c.admin().version();
          target = v.getReplicasList().stream().mapToInt(ReplicaVersions::getMaxVersion).min()
              .orElse(v.getCommittedVersion());
          target = Math.max(target, v.getCommittedVersion());
        }
        UpgradeReply r = c.admin().upgrade(target);
        if (parent.json) {
          parent.out().println("{\"previousVersion\":" + r.getPreviousVersion() + ",\"version\":" + r.getVersion() + "}");
        } else if (r.getPreviousVersion() == r.getVersion()) {
          parent.out().println("apply version is already " + r.getVersion());
        } else {
          parent.out().println("apply version raised from " + r.getPreviousVersion() + " to " + r.getVersion());
        }
      }
      return 0;
    }
  }
}
