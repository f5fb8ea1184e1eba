package io.raftcoord.server;

import io.raftcoord.proto.ClusterLayout;
import io.raftcoord.statemachine.domain.PlantedBug;
import io.raftcoord.statemachine.version.ApplyVersions;
import io.raftcoord.statemachine.version.UnsupportedApplyException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Process entry point of one replica. Flags override the properties file; raw {@code raft.*}
 * keys in the file are passed to Ratis. Logs go to {@code <data>/raftcoord.log}. SIGTERM closes
 * the Ratis server cleanly.
 */
@Command(name = "coord-server", mixinStandardHelpOptions = true,
    description = "Runs one replica of the raftcoord quorum.")
public final class CoordServer implements Callable<Integer> {
  @Option(names = "--config", description = "Properties file (keys: id, peers, data, admin.port, "
      + "snapshot.threshold, log.segment.size, planted.bug, and raw raft.* Ratis keys).")
  Path configFile;

  @Option(names = "--id", description = "This replica's 1-based position in --peers.")
  Integer id;

  @Option(names = "--peers", description = "host:port,host:port,... (default: $RAFTCOORD_PEERS or the local quorum)")
  String peers;

  @Option(names = "--data", description = "Data directory (Raft log, snapshots, RocksDB, logs).")
  Path data;

  @Option(names = "--admin-port", description = "Admin HTTP port (metrics, health, status); default 9869+id; -1 disables.")
  Integer adminPort;

  @Option(names = "--snapshot-threshold", description = "Log entries between automatic snapshots (default ${DEFAULT-VALUE}).")
  Long snapshotThreshold;

  @Option(names = "--planted-bug", description = "TEST ONLY: enable a deliberate defect (tso-local, ids-memory-only, reaper-skips-grace, datacoord-accepts-stale-epoch, log-acks-before-flush).")
  List<String> plantedBugs;

  @Option(names = "--test-clock-control", description = "TEST ONLY: allow /admin/clock to skew this replica's clock.")
  boolean testClockControl;

  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new CoordServer());
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof IllegalArgumentException && e.getCause() == null) {
        cmd.getErr().println("coord-server: " + e.getMessage());
        return 2;
      }
      // A replica that cannot start must say why: the outermost message of a Ratis start
      // failure ("Failed to initRaftLog") names none of its causes.
      cmd.getErr().println("coord-server: failed to start: " + causeChain(e));
      LoggerFactory.getLogger(CoordServer.class).error("replica failed to start", e);
      // 70, as for a failure in apply: restarting this binary on this data cannot help.
      return hasCause(e, UnsupportedApplyException.class) ? 70 : 1;
    });
    int code = cli.execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  @Override
  public Integer call() throws Exception {
    ServerConfig cfg = resolve();
    // Before the first logger is created: logback.xml writes into the data directory.
    System.setProperty("raftcoord.logDir", cfg.dataDir().toAbsolutePath().toString());
    Files.createDirectories(cfg.dataDir());
    Logger log = LoggerFactory.getLogger(CoordServer.class);
    ReplicaServer replica = ReplicaServer.start(cfg, new ServerClock(), e -> {
      log.error("fatal error in apply; halting so that this replica cannot diverge", e);
      Runtime.getRuntime().halt(70);
    });
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("shutting down replica {}", cfg.self().id());
      try {
        replica.close();
      } catch (IOException | RuntimeException e) {
        log.warn("error while closing", e);
      }
      stopped.countDown();
    }, "shutdown"));
    log.info("replica {} started; peers {}; admin port {}", cfg.self().id(), cfg.peers(), replica.adminPort());
    stopped.await();
    return 0;
  }

  /** {@code e} and its causes, outermost first (a cause cycle ends the walk). */
  static List<Throwable> causes(Throwable e) {
    List<Throwable> out = new java.util.ArrayList<>();
    Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (Throwable t = e; t != null && seen.add(t); t = t.getCause()) {
      out.add(t);
    }
    return out;
  }

  static boolean hasCause(Throwable e, Class<? extends Throwable> type) {
    return causes(e).stream().anyMatch(type::isInstance);
  }

  /** Every message of {@code e}'s cause chain, outermost first. */
  static String causeChain(Throwable e) {
    return String.join("; caused by: ", causes(e).stream().map(Throwable::toString).toList());
  }

  ServerConfig resolve() throws IOException {
    Properties props = new Properties();
    if (configFile != null) {
      if (!Files.isRegularFile(configFile)) {
        throw new IllegalArgumentException("--config: no such file " + configFile);
      }
      try (InputStream in = Files.newInputStream(configFile)) {
        props.load(in);
      }
    }
    int index = id != null ? id : intProp(props, "id", -1);
    if (index < 0) {
      throw new IllegalArgumentException("--id is required (1-based position in --peers)");
    }
    List<ClusterLayout.Peer> peerList = ClusterLayout.parsePeers(
        peers != null ? peers : props.getProperty("peers", ClusterLayout.defaultPeers()));
    Path dataDir = data != null ? data : Path.of(props.getProperty("data", "data/n" + index));
    int admin = adminPort != null ? adminPort : intProp(props, "admin.port", 9869 + index);
    long threshold = snapshotThreshold != null ? snapshotThreshold
        : longProp(props, "snapshot.threshold", ServerConfig.DEFAULT_SNAPSHOT_THRESHOLD);
    long segment = longProp(props, "log.segment.size", ServerConfig.DEFAULT_SEGMENT_SIZE);
    Set<PlantedBug> bugs = new HashSet<>();
    if (plantedBugs != null) {
      plantedBugs.forEach(b -> bugs.add(PlantedBug.parse(b)));
    }
    if (props.getProperty("planted.bug") != null) {
      bugs.add(PlantedBug.parse(props.getProperty("planted.bug")));
    }
    Map<String, String> ratis = new TreeMap<>();
    for (String k : props.stringPropertyNames()) {
      if (k.startsWith("raft.")) {
        ratis.put(k, props.getProperty(k));
      }
    }
    return new ServerConfig(index, peerList, dataDir, admin, threshold, segment, bugs,
        testClockControl || Boolean.parseBoolean(props.getProperty("test.clock.control", "false")), ratis,
        ApplyVersions.THIS_BINARY);
  }

  private static int intProp(Properties p, String key, int dflt) {
    return (int) longProp(p, key, dflt);
  }

  private static long longProp(Properties p, String key, long dflt) {
    String v = p.getProperty(key);
    if (v == null) {
      return dflt;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + ": '" + v + "' is not a number");
    }
  }
}
