package io.raftcoord.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process run of {@code bench.sh} for flag tests: its exit code, stdout and stderr. */
record BenchRun(int code, String out, String err) {
  static BenchRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Bench.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    return new BenchRun(code, out.toString(), err.toString());
  }

  /** A usage error (exit 2) of one line naming {@code fragment}. */
  void assertUsage(String fragment) {
    assertEquals(2, code, err);
    assertTrue(err.contains(fragment), err);
    assertEquals(1, err.strip().lines().count(), err);
  }
}
