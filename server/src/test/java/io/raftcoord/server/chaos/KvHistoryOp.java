package io.raftcoord.server.chaos;

import java.util.Locale;

/**
 * One operation of the kv workload on one register. Invariants: times are nanoseconds on the run
 * clock (aligned with {@link ChaosEnv#nowMs()}); {@code completeNs} is {@link #PENDING} only for an
 * op that never returned (its outcome is then {@link Outcome#UNKNOWN}); {@code value} is the value
 * written, or the value read ({@code null}: the register was absent, or the read did not return).
 */
public record KvHistoryOp(int id, String client, Type type, String key, String value, Outcome outcome,
                          long invokeNs, long completeNs, String replica, String error) {
  /** The completion time of an op that never returned. */
  public static final long PENDING = Long.MAX_VALUE;

  public enum Type { WRITE, READ }

  /**
   * OK: happened within [invoke, complete]; FAIL: a definite domain error, did not happen;
   * UNKNOWN: may or may not have happened, at any time after invoke.
   */
  public enum Outcome { OK, FAIL, UNKNOWN }

  public boolean isWrite() {
    return type == Type.WRITE;
  }

  /** Whether this op constrains the register: OK ops, and writes that may have happened. */
  public boolean informative() {
    return outcome == Outcome.OK || (isWrite() && outcome == Outcome.UNKNOWN);
  }

  public static String ms(long ns) {
    return ns == PENDING ? "never" : String.format(Locale.ROOT, "%.3fms", ns / 1e6);
  }

  /** One line for a violation window, e.g. {@code #12 c3 read  "c1-4"  OK [1.000ms, 2.500ms] via n2}. */
  public String describe() {
    String v = value == null ? (isWrite() ? "?" : "<absent>") : '"' + value + '"';
    String shown = !isWrite() && outcome != Outcome.OK ? "-" : v;
    return String.format(Locale.ROOT, "#%-5d %-6s %-5s %-16s %-7s [%s, %s] via %s%s", id, client,
        type.name().toLowerCase(Locale.ROOT), shown, outcome, ms(invokeNs), ms(completeNs), replica,
        error == null || error.isEmpty() ? "" : "  (" + error + ")");
  }

  /** The op as one JSON object (one line of history.jsonl). */
  public String toJson() {
    StringBuilder b = new StringBuilder(192).append("{\"workload\":\"kv\",\"type\":\"")
        .append(type.name().toLowerCase(Locale.ROOT)).append("\",\"id\":").append(id);
    str(b, "client", client);
    str(b, "key", key);
    str(b, "value", value);
    str(b, "outcome", outcome.name().toLowerCase(Locale.ROOT));
    b.append(",\"invokeMs\":").append(String.format(Locale.ROOT, "%.3f", invokeNs / 1e6));
    b.append(",\"completeMs\":").append(completeNs == PENDING ? "null"
        : String.format(Locale.ROOT, "%.3f", completeNs / 1e6));
    str(b, "replica", replica);
    if (error != null && !error.isEmpty()) {
      str(b, "error", error);
    }
    return b.append('}').toString();
  }

  private static void str(StringBuilder b, String name, String s) {
    b.append(",\"").append(name).append("\":");
    if (s == null) {
      b.append("null");
      return;
    }
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
