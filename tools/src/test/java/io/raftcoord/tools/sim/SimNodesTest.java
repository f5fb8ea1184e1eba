package io.raftcoord.tools.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** simnodes' option checks (all before connecting) and the worker fleet's summary line; no quorum needed. */
class SimNodesTest {
  private record Run(int code, String err) {}

  /** Runs simnodes; its checks after parsing report on System.err (a CommandLine of their own), captured here. */
  private static Run run(String... args) {
    StringWriter err = new StringWriter();
    CommandLine cmd = new CommandLine(new SimNodes());
    cmd.setErr(new PrintWriter(err, true));
    cmd.setOut(new PrintWriter(new StringWriter(), true));
    PrintStream was = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int code;
    try {
      // Never a real quorum, should a check be missing: nothing listens on port 1.
      String[] all = java.util.Arrays.copyOf(args, args.length + 2);
      all[args.length] = "--peers";
      all[args.length + 1] = "127.0.0.1:1";
      code = cmd.execute(all);
    } finally {
      System.setErr(was);
    }
    return new Run(code, err + captured.toString(StandardCharsets.UTF_8));
  }

  private static void assertUsageError(Run r, String expected) {
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().startsWith(expected), "expected to start with <" + expected + "> but was <" + r.err() + ">");
  }

  @Test
  void workerOptionsNeedTheWorkerRole() {
    assertUsageError(run("--role", "datanode", "--slots", "4"), "--slots and --work-ms need --role worker");
    assertUsageError(run("--role", "querynode", "--work-ms", "10"), "--slots and --work-ms need --role worker");
    assertUsageError(run("--role", "datanode", "--poll-ms", "50"),
        "--poll-ms needs --role querynode (and not --session-only) or --role worker");
  }

  @Test
  void workerOptionValuesAreChecked() {
    assertUsageError(run("--role", "worker", "--slots", "0"), "--slots must be 1..100000, got 0");
    assertUsageError(run("--role", "worker", "--work-ms", "-1"), "--work-ms must be >= 0, got -1");
    assertUsageError(run("--role", "worker", "--poll-ms", "5"),
        "--load-ms-per-segment must be >= 0 and --poll-ms at least 10");
    assertUsageError(run("--role", "worker", "--label", "zone=a"),
        "--role worker takes no --session-only, --label or --capacity (its slots are --slots)");
    assertUsageError(run("--role", "worker", "--session-only"), "--role worker takes no --session-only");
    assertUsageError(run("--role", "worker", "--ingest", "default.books"),
        "--ingest needs --role datanode or streamingnode (and not --session-only)");
  }

  @Test
  void workerSummaryCountsTasks() {
    assertEquals("simnodes: 2 worker(s); tasks completed 12 (2.0/s), refused 1; 0 without an acknowledged heartbeat "
            + "for > 3000 ms, 0 registering; 0 session(s) lost so far",
        WorkerFleet.summary(2, 12, 1, 6, 3.0, 0, 0, 3000, 0));
  }
}
