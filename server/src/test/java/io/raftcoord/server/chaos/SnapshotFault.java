package io.raftcoord.server.chaos;

import static io.raftcoord.server.chaos.Steps.m;

import io.raftcoord.proto.ReplicaStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A follower falls behind the leader's purged log: it is cut off (isolated with iptables when the
 * run has network namespaces, else frozen with SIGSTOP) until the leader has taken a snapshot
 * past the follower's applied index and purged the log segments the follower would need (seen
 * in the leader's {@code raft/.../current/log_*} files; replicas run with a small
 * {@code --snapshot-threshold} and log segment size so that this takes seconds). Then it is let
 * back and must catch up, which it can only do by a snapshot install. At most 60 s are spent
 * waiting for the purge; the timeline says whether it happened ({@code purged}) and whether the
 * follower's snapshot index shows an install ({@code caught-up}: installed).
 */
final class SnapshotFault implements Fault {
  private static final Pattern SEGMENT = Pattern.compile("log_(?:inprogress_)?(\\d+)(?:-\\d+)?");

  @Override
  public String name() {
    return "snapshot";
  }

  @Override
  public void inject(ChaosEnv env, Random random) throws Exception {
    ChaosCluster c = env.cluster();
    int leader = c.awaitLeader(Duration.ofSeconds(30));
    int follower = Steps.other(random, leader, leader);
    Optional<ChaosNetwork> net = env.network();
    long applied = c.status(follower).map(ReplicaStatus::getAppliedIndex).orElse(-1L);
    long followerSnapshot = c.status(follower).map(ReplicaStatus::getSnapshotIndex).orElse(-1L);
    String mode = net.isPresent() ? "partition" : "sigstop";
    env.event(name(), "cut-off", m("replica", follower, "mode", mode, "applied", applied, "snapshot", followerSnapshot,
        "leader", leader));
    long t0 = System.nanoTime();
    if (net.isPresent()) {
      net.get().isolate(follower);
    } else {
      c.sigstop(follower);
    }
    boolean purged = false;
    long leaderSnapshot = -1;
    long logFrom = 0;
    try {
      while (Steps.ms(t0) < 60_000) {
        Optional<Integer> l = c.leader().filter(x -> x != follower);
        if (l.isPresent()) {
          leader = l.get();
          leaderSnapshot = c.status(leader).map(ReplicaStatus::getSnapshotIndex).orElse(-1L);
          OptionalLong first = firstLogIndex(c.dataDir(leader));
          if (leaderSnapshot > applied && first.isPresent() && first.getAsLong() > applied + 1) {
            purged = true;
            env.event(name(), "purged", m("leader", leader, "leaderSnapshot", leaderSnapshot,
                "leaderFirstLogIndex", first.getAsLong(), "followerApplied", applied, "afterMs", Steps.ms(t0)));
            break;
          }
        }
        Steps.sleep(250);
      }
      if (!purged) {
        env.event(name(), "purge-timeout", m("leader", leader, "leaderSnapshot", leaderSnapshot,
            "leaderFirstLogIndex", firstLogIndex(c.dataDir(leader)).orElse(-1), "followerApplied", applied,
            "afterMs", Steps.ms(t0)));
      }
    } finally {
      logFrom = lines(c.logFile(follower));
      if (net.isPresent()) {
        net.get().healAll();
      } else {
        c.sigcont(follower);
      }
      env.event(name(), "heal", m("replica", follower, "cutMs", Steps.ms(t0)));
    }
    long t1 = System.nanoTime();
    long index = c.awaitCaughtUp(follower, Duration.ofSeconds(120));
    long snapshotAfter = c.status(follower).map(ReplicaStatus::getSnapshotIndex).orElse(-1L);
    env.event(name(), "caught-up", m("replica", follower, "index", index, "afterMs", Steps.ms(t1),
        "snapshotBefore", followerSnapshot, "snapshotAfter", snapshotAfter,
        "snapshotPastPurge", snapshotAfter >= leaderSnapshot && snapshotAfter > followerSnapshot,
        "installLogLines", installLines(c.logFile(follower), logFrom)));
  }

  private static long lines(Path log) {
    try (Stream<String> s = Files.lines(log, java.nio.charset.StandardCharsets.ISO_8859_1)) {
      return s.count();
    } catch (IOException | java.io.UncheckedIOException e) {
      return 0;
    }
  }

  /** Lines of the follower's log after {@code from} about installing a snapshot. */
  private static long installLines(Path log, long from) {
    try (Stream<String> s = Files.lines(log, java.nio.charset.StandardCharsets.ISO_8859_1)) {
      return s.skip(from).filter(l -> l.toLowerCase(java.util.Locale.ROOT).contains("installsnapshot")
          || l.toLowerCase(java.util.Locale.ROOT).contains("install snapshot")).count();
    } catch (IOException | java.io.UncheckedIOException e) {
      return 0;
    }
  }

  /** The first index still in a replica's Raft log (smallest segment start), if its files can be read. */
  static OptionalLong firstLogIndex(Path dataDir) {
    Path raft = dataDir.resolve("raft");
    if (!Files.isDirectory(raft)) {
      return OptionalLong.empty();
    }
    try (Stream<Path> s = Files.walk(raft, 4)) {
      return s.filter(p -> p.getParent() != null && p.getParent().getFileName().toString().equals("current"))
          .map(p -> SEGMENT.matcher(p.getFileName().toString()))
          .filter(Matcher::matches)
          .mapToLong(mt -> Long.parseLong(mt.group(1)))
          .min();
    } catch (IOException | java.io.UncheckedIOException e) {
      return OptionalLong.empty();
    }
  }
}
