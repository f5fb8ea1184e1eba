package io.raftcoord.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** Runs coordctl in-process for the command tests: its exit code and what it printed, or its parsed command. */
final class CoordctlRuns {
  record Run(int code, String out, String err) {}

  private CoordctlRuns() {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Coordctl.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  /** Exit code 2, one line on stderr starting with {@code expected}, no stack trace, nothing on stdout. */
  static void assertOneLineUsageError(Run r, String expected) {
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().startsWith(expected), "expected to start with <" + expected + "> but was <" + r.err() + ">");
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertFalse(r.err().contains("\tat "), r.err());
    assertEquals("", r.out());
  }

  /** The innermost subcommand object {@code args} parse into (nothing runs). */
  @SuppressWarnings("unchecked")
  static <T> T parse(String... args) {
    ParseResult r = new CommandLine(new Coordctl()).parseArgs(args);
    while (r.hasSubcommand()) {
      r = r.subcommand();
    }
    return (T) r.commandSpec().userObject();
  }
}
