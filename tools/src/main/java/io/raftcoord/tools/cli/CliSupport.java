package io.raftcoord.tools.cli;

import io.raftcoord.client.CoordException;
import java.io.PrintWriter;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import picocli.CommandLine;

/**
 * What the command-line entry points (coordctl, the load generator) share: quiet logging and
 * picocli error handling that prints exactly one line and never a stack trace.
 *
 * <p>Exit codes: 0 success, 1 the request failed (a server-side or quorum error, e.g.
 * INVALID_ARGUMENT from the state machine, UNAVAILABLE, DEADLINE_EXCEEDED), 2 usage error (bad
 * flag, bad peers string).
 */
public final class CliSupport {
  public static final int EXIT_FAILED = 1;
  public static final int EXIT_USAGE = 2;

  private CliSupport() {}

  /**
   * Silences java.util.logging, which the gRPC shaded inside Ratis uses and which would print
   * WARNING/SEVERE records (with stack traces) straight to stderr. SLF4J output is governed by
   * the tools jar's logback.xml (root WARN, Ratis ERROR, its retry chatter OFF).
   */
  public static void quietLogging() {
    LogManager.getLogManager().reset();
    Logger.getLogger("").setLevel(Level.OFF);
  }

  /** Installs the one-line error handlers on {@code cmd} (and its subcommands). */
  public static CommandLine configure(CommandLine cmd) {
    String name = cmd.getCommandName();
    cmd.setParameterExceptionHandler((ex, args) -> {
      PrintWriter err = ex.getCommandLine().getErr();
      String sub = ex.getCommandLine().getCommandSpec().qualifiedName();
      err.println(name + ": " + firstLine(ex.getMessage()) + " (see '" + sub + " --help')");
      err.flush();
      return EXIT_USAGE;
    });
    cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      PrintWriter err = commandLine.getErr();
      err.println(name + ": " + describe(ex));
      err.flush();
      return exitCode(ex);
    });
    return cmd;
  }

  /** One line for any failure: {@code CODE: message} for client errors. */
  /**
   * Runs a configured command line with the given streams; errors that bypass picocli's
   * handler (e.g. NoClassDefFoundError) still end as one line and a non-zero exit code.
   */
  public static int execute(CommandLine cmd, String[] args, java.io.PrintWriter out, java.io.PrintWriter err) {
    cmd.setOut(out);
    cmd.setErr(err);
    try {
      return cmd.execute(args);
    } catch (Throwable t) {
      err.println(cmd.getCommandName() + ": " + describe(t));
      err.flush();
      return EXIT_FAILED;
    }
  }

  public static String describe(Throwable ex) {
    if (ex instanceof CoordException ce) {
      return ce.code() + ": " + firstLine(ce.getMessage());
    }
    if (ex instanceof UsageException || ex instanceof IllegalArgumentException) {
      return firstLine(ex.getMessage());
    }
    return "internal error: " + ex.getClass().getSimpleName()
        + (ex.getMessage() == null ? "" : ": " + firstLine(ex.getMessage()));
  }

  public static int exitCode(Throwable ex) {
    return ex instanceof UsageException || ex instanceof IllegalArgumentException ? EXIT_USAGE : EXIT_FAILED;
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    String t = s.strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl).strip();
  }

  /** A bad argument found after parsing (exit code 2). */
  public static final class UsageException extends RuntimeException {
    public UsageException(String message) {
      super(message);
    }
  }
}
