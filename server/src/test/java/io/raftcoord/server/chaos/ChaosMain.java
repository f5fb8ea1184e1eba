package io.raftcoord.server.chaos;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The nemesis suite's command line ({@code scripts/chaos.sh}): runs a {@link ChaosRun} and exits
 * 0 when every checker passes (with {@code --expect-violation}: 0 only if some checker reports a
 * violation), 1 otherwise, 2 on a usage error.
 */
@Command(name = "chaos.sh", mixinStandardHelpOptions = true, sortOptions = false,
    version = "raftcoord nemesis suite 0.1.0",
    description = {"Runs three raftcoord replicas, workloads and a nemesis injecting faults, then checks the "
        + "history and writes a report folder (verdict.txt, verdict.json, history.jsonl, faults.jsonl, "
        + "driver.log, replicas/n<i>/{replica.log,data}).",
        "Exit codes: 0 all checkers pass (with --expect-violation: some checker found a violation), 1 otherwise, "
            + "2 usage error."})
public final class ChaosMain implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--time", paramLabel = "S", defaultValue = "120",
      description = "Seconds of load with faults (default ${DEFAULT-VALUE}); healing and checking come after.")
  long timeSeconds;

  @Option(names = "--faults", paramLabel = "LIST", defaultValue = "kill,pause,partition,clock,disk,snapshot,crash-majority,crash-all",
      description = "Faults to choose from: kill,pause,partition,clock,disk,snapshot,crash-majority,crash-all (default all). "
          + "Those this machine cannot do (partition/disk need root, ip, iptables, tmpfs) are reported and skipped.")
  String faults;

  @Option(names = "--workloads", paramLabel = "LIST",
      description = "Workloads: tso,ids,ddl,kv,sessions,segments,querycoord,datacoord (default tso,ids,ddl, and kv when it is in the build).")
  String workloads;

  @Option(names = "--seed", paramLabel = "N", description = "Random seed (default: the current time).")
  Long seed;

  @Option(names = "--report", paramLabel = "DIR", description = "Report folder (default ./chaos-reports/<timestamp>).")
  Path report;

  @Option(names = "--planted-bug", paramLabel = "NAME",
      description = "Enable a deliberate defect: tso-local, ids-memory-only, reaper-skips-grace, "
          + "datacoord-accepts-stale-epoch, querycoord-loaded-before-served, log-acks-before-flush, "
          + "compaction-split-swap (replicas), "
          + "stale-read (the kv workload's clients).")
  List<String> plantedBugs = new ArrayList<>();

  @Option(names = "--expect-violation",
      description = "Succeed only if some checker reports a violation; the faults stop once a workload has seen one.")
  boolean expectViolation;

  @Option(names = "--snapshot-threshold", paramLabel = "N", defaultValue = "1000",
      description = "Replicas' --snapshot-threshold (default ${DEFAULT-VALUE}), small so that logs are purged in seconds.")
  long snapshotThreshold;

  @Option(names = "--segment-size", paramLabel = "BYTES", defaultValue = "131072",
      description = "Replicas' Raft log segment size (default ${DEFAULT-VALUE}); purges only drop closed segments.")
  long segmentSize;

  @Option(names = "--quiet-ms", paramLabel = "MIN-MAX", defaultValue = "1000-3000",
      description = "Quiet gap before each fault, in ms (default ${DEFAULT-VALUE}).")
  String quiet;

  @Option(names = "--no-netns", description = "Do not use network namespaces (no partition fault; snapshot uses SIGSTOP).")
  boolean noNetns;

  @Option(names = "--work-dir", paramLabel = "DIR", hidden = true,
      description = "Where replicas keep their data while running (default: a new temp dir).")
  Path workDir;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Parses and runs; returns the exit code. */
  static int execute(String... args) {
    CommandLine cli = new CommandLine(new ChaosMain());
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      cmd.getErr().println("chaos: " + e);
      e.printStackTrace(cmd.getErr());
      return 1;
    });
    return cli.execute(args);
  }

  @Override
  public Integer call() throws Exception {
    ChaosRun.Options options = options();
    Report r = new ChaosRun(options).run();
    System.out.println();
    System.out.print(r.text());
    System.out.println("exit " + r.exitCode());
    return r.exitCode();
  }

  ChaosRun.Options options() {
    try {
      if (timeSeconds < 1) {
        throw new IllegalArgumentException("--time must be at least 1 second, got " + timeSeconds);
      }
      List<String> f = ChaosRun.parseList(faults, ChaosRun.ALL_FAULTS, "fault");
      String w = workloads != null ? workloads : ChaosRun.kvAvailable() ? "tso,ids,ddl,kv" : "tso,ids,ddl";
      List<String> wl = ChaosRun.parseList(w, ChaosRun.ALL_WORKLOADS, "workload");
      if (wl.contains("kv") && !ChaosRun.kvAvailable()) {
        throw new IllegalArgumentException("the kv workload (" + ChaosRun.KV_CLASS + ") is not in this build");
      }
      for (String b : plantedBugs) {
        if (!ChaosRun.SERVER_BUGS.contains(b) && !ChaosRun.CLIENT_BUGS.contains(b)) {
          throw new IllegalArgumentException("unknown planted bug '" + b + "' (known: tso-local, ids-memory-only, "
              + "reaper-skips-grace, datacoord-accepts-stale-epoch, querycoord-loaded-before-served, "
              + "log-acks-before-flush, compaction-split-swap, stale-read)");
        }
      }
      String[] q = quiet.split("-");
      if (q.length != 2) {
        throw new IllegalArgumentException("--quiet-ms: expected MIN-MAX, got " + quiet);
      }
      long qMin = Long.parseLong(q[0].trim());
      long qMax = Long.parseLong(q[1].trim());
      if (qMin < 0 || qMax < qMin) {
        throw new IllegalArgumentException("--quiet-ms: expected 0 <= MIN <= MAX, got " + quiet);
      }
      if (snapshotThreshold < 1 || segmentSize < 4096) {
        throw new IllegalArgumentException("--snapshot-threshold must be positive and --segment-size at least 4096");
      }
      Path dir = report != null ? report
          : Path.of("chaos-reports", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
      return new ChaosRun.Options(timeSeconds, f, wl, seed != null ? seed : System.currentTimeMillis(), dir, workDir,
          plantedBugs, expectViolation, snapshotThreshold, segmentSize, !noNetns, qMin, qMax, false);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}
