package io.raftcoord.server.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nemesis suite end to end, briefly: about 60 s of tso, ids and ddl load on three replica
 * JVMs while kill, pause, clock and snapshot faults (and partition and disk, where this machine
 * can: root, ip, iptables, tmpfs) are injected; the run must heal, converge, pass every checker
 * and have injected each available kind at least once. The report folder is kept when it fails.
 */
class ChaosSmokeIT {
  private static final Logger LOG = LoggerFactory.getLogger(ChaosSmokeIT.class);

  @Test
  @Timeout(value = 720, unit = TimeUnit.SECONDS) // ~150 s normally; a cluster that does not heal takes longer
  void sixtySecondsOfFaultsLeaveAValidHistory(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
    List<String> faults = new ArrayList<>(List.of("kill", "pause", "clock", "snapshot"));
    if (NetnsNetwork.unavailableReason() == null) {
      faults.add("partition");
    }
    if (DiskFault.probe(Files.createDirectories(dir.resolve("probe"))) == null) {
      faults.add("disk");
    }
    // Short quiet gaps, frequent snapshots and small log segments (the snapshot fault waits for a
    // purge), and every kind at least once even if the slow ones (disk, snapshot) overrun 60 s.
    ChaosRun.Options o = new ChaosRun.Options(60, faults, List.of("tso", "ids", "ddl"), 4242, dir.resolve("report"),
        null, List.of(), false, 500, 64 * 1024, true, 300, 800, true);
    Report r = new ChaosRun(o).run();
    LOG.info("chaos smoke: {}", r.text());

    assertEquals(null, r.error(), r.text());
    assertTrue(r.faultsUnavailable().isEmpty(), "faults found unavailable after the probe said yes: " + r.text());
    for (String f : faults) {
      assertTrue(r.faultCounts().getOrDefault(f, 0) >= 1, "no " + f + " fault was injected: " + r.text());
    }
    if (!r.faultErrors().isEmpty()) {
      LOG.warn("faults that failed part way (the run healed and went on): {}", r.faultErrors());
    }
    assertTrue(r.valid(), r.text());
    for (String checker : List.of("tso", "ids", "ddl", "convergence", "replica-exits", "liveness")) {
      assertTrue(r.verdicts().stream().anyMatch(v -> v.checker().equals(checker)), "no " + checker + " verdict: " + r.text());
    }
    for (String w : List.of("tso", "ids", "ddl")) {
      long ops = r.verdicts().stream().filter(v -> v.checker().equals(w)).mapToLong(Verdict::opsChecked).sum();
      assertTrue(ops >= 100, "too few " + w + " ops to mean anything (" + ops + "): " + r.text());
    }
    Path report = dir.resolve("report");
    for (String f : List.of("verdict.json", "verdict.txt", "history.jsonl", "faults.jsonl", "driver.log",
        "replicas/n1/replica.log", "replicas/n2/data", "replicas/n3/replica.log")) {
      assertTrue(Files.exists(report.resolve(f)), "the report lacks " + f);
    }
    assertEquals(0, r.exitCode());
  }
}
