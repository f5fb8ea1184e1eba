package io.raftcoord.tools.cli;

import static io.raftcoord.tools.cli.CoordctlRuns.assertOneLineUsageError;
import static io.raftcoord.tools.cli.CoordctlRuns.run;

import io.raftcoord.tools.cli.CoordctlRuns.Run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.client.CoordException;
import io.raftcoord.proto.ErrorCode;
import org.junit.jupiter.api.Test;

/** Argument handling and error reporting; nothing here reaches a quorum. */
class CoordctlTest {
  @Test
  void badNumberIsAUsageError() {
    assertOneLineUsageError(run("tso", "--count", "abc"), "coordctl: Invalid value for option '--count': 'abc' is not an int");
  }

  @Test
  void unknownSubcommandIsAUsageError() {
    assertOneLineUsageError(run("frob"), "coordctl: Unmatched argument at index 0: 'frob'");
  }

  @Test
  void unknownOptionIsAUsageError() {
    assertOneLineUsageError(run("ids", "--bogus"), "coordctl: Unknown option: '--bogus'");
  }

  @Test
  void badPeersIsAUsageErrorBeforeConnecting() {
    assertOneLineUsageError(run("--peers", "nohostport", "tso"), "coordctl: peers: 'nohostport' is not host:port");
    assertOneLineUsageError(run("status", "--peers", "h:99999"), "coordctl: peers: port of 'h:99999' is out of range");
  }

  @Test
  void badTimeoutIsAUsageError() {
    assertOneLineUsageError(run("--timeout", "0", "tso"), "coordctl: --timeout must be between 0 and 3600 seconds");
  }

  @Test
  void noSubcommandPrintsUsage() {
    Run r = run();
    assertEquals(2, r.code());
    assertTrue(r.err().contains("Usage: coordctl"), r.err());
  }

  @Test
  void helpGoesToStdout() {
    Run r = run("tso", "--help");
    assertEquals(0, r.code());
    assertTrue(r.out().contains("--count"), r.out());
  }

  @Test
  void clientErrorsAreOneLineWithTheCode() {
    CoordException e = new CoordException(ErrorCode.INVALID_ARGUMENT,
        "tso allocate: count must be between 1 and 262144, got 0", new RuntimeException("cause\n\tat x"));
    assertEquals("INVALID_ARGUMENT: tso allocate: count must be between 1 and 262144, got 0", CliSupport.describe(e));
    assertEquals(1, CliSupport.exitCode(e));
    assertEquals("UNAVAILABLE: quorum unavailable", CliSupport.describe(
        new CoordException(ErrorCode.UNAVAILABLE, "quorum unavailable\nstack")));
    assertEquals(2, CliSupport.exitCode(new IllegalArgumentException("x")));
    assertEquals("internal error: IllegalStateException: boom", CliSupport.describe(new IllegalStateException("boom\nmore")));
  }
}
