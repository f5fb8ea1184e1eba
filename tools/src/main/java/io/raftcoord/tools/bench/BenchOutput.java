package io.raftcoord.tools.bench;

import com.google.gson.JsonObject;
import io.raftcoord.tools.cli.Output;
import java.util.Locale;

/**
 * Where a bench's results and progress go: results to stdout, as one JSON object each with
 * --json and as a text line otherwise; progress to stderr in both modes, so that stdout stays
 * parseable. Every write is flushed at once: a long run shows its points as they are measured.
 */
final class BenchOutput {
  private final Bench opts;

  BenchOutput(Bench opts) {
    this.opts = opts;
  }

  /** One result: {@code o} with --json, else {@code line}. */
  void emit(JsonObject o, String line) {
    if (opts.json) {
      opts.out.println(Output.json(o));
    } else {
      opts.out.println(line);
    }
    opts.out.flush();
  }

  /** A text-only line (a header or a result without a JSON form); nothing with --json. */
  void text(String fmt, Object... args) {
    if (!opts.json) {
      opts.out.println(String.format(Locale.ROOT, fmt, args));
      opts.out.flush();
    }
  }

  /** Progress on stderr. */
  void log(String fmt, Object... args) {
    opts.err.println(String.format(Locale.ROOT, fmt, args));
    opts.err.flush();
  }

  /** Where progress goes. */
  java.io.PrintWriter err() {
    return opts.err;
  }

  /** {@code d} with one decimal for JSON; NaN (not measured) becomes null. */
  static Double round1(double d) {
    return Double.isNaN(d) ? null : Math.round(d * 10) / 10.0;
  }
}
