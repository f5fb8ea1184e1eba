package io.raftcoord.tools.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Pure helpers of the load generator: argument parsing, number formatting, medians. */
public final class Stats {
  /** Upper bound of one point's callers (each is a platform thread). */
  public static final int MAX_CONCURRENCY = 4096;

  private Stats() {}

  /**
   * Parses a concurrency list such as {@code 1,16,64}: positive integers up to
   * {@value #MAX_CONCURRENCY}, in the order given, separated by commas (spaces allowed).
   *
   * @throws IllegalArgumentException naming the bad element
   */
  public static List<Integer> parseConcurrency(String spec) {
    if (spec == null || spec.isBlank()) {
      throw new IllegalArgumentException("--concurrency: empty; expected a list such as 1,16,64");
    }
    List<Integer> out = new ArrayList<>();
    for (String part : spec.split(",", -1)) {
      String p = part.strip();
      int c;
      try {
        c = Integer.parseInt(p);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--concurrency: '" + p + "' is not a number (expected a list such as 1,16,64)");
      }
      if (c < 1 || c > MAX_CONCURRENCY) {
        throw new IllegalArgumentException("--concurrency: " + c + " is out of range 1-" + MAX_CONCURRENCY);
      }
      out.add(c);
    }
    return List.copyOf(out);
  }

  /** {@code on/off} (also true/false, yes/no, 1/0), case-insensitive, for flag {@code name}. */
  public static boolean parseOnOff(String name, String value) {
    String v = value == null ? "" : value.strip().toLowerCase(java.util.Locale.ROOT);
    return switch (v) {
      case "on", "true", "yes", "1" -> true;
      case "off", "false", "no", "0" -> false;
      default -> throw new IllegalArgumentException(name + ": expected on or off, got '" + value + "'");
    };
  }

  /** Seconds as a positive duration in milliseconds, for flag {@code name}; zero allowed if {@code zeroOk}. */
  public static long seconds(String name, double seconds, boolean zeroOk) {
    if (Double.isNaN(seconds) || seconds < 0 || (!zeroOk && seconds == 0) || seconds > 86_400) {
      throw new IllegalArgumentException(name + ": " + seconds + " is out of range (" + (zeroOk ? "0" : ">0") + " to 86400 s)");
    }
    return Math.round(seconds * 1000);
  }

  /** Microseconds as milliseconds with two decimals, rounded half-up: 1234 -> "1.23", 1235 -> "1.24". */
  public static String ms(long micros) {
    if (micros < 0) {
      return "-" + ms(-micros);
    }
    long hundredths = (micros + 5) / 10;
    return hundredths / 100 + "." + String.format(Locale.ROOT, "%02d", hundredths % 100);
  }

  /** Milliseconds as a JSON number with three decimals (microsecond precision). */
  public static String msJson(long micros) {
    if (micros < 0) {
      return "-" + msJson(-micros);
    }
    return micros / 1000 + "." + String.format(Locale.ROOT, "%03d", micros % 1000);
  }

  /** A rate for tables: no decimals, thousands separated by commas: 31234.6 -> "31,235". */
  public static String rate(double perSecond) {
    if (Double.isNaN(perSecond) || Double.isInfinite(perSecond)) {
      return "-";
    }
    return String.format(Locale.ROOT, "%,.0f", perSecond);
  }

  /** A rate for JSON: one decimal, no separators. */
  public static String rateJson(double perSecond) {
    if (Double.isNaN(perSecond) || Double.isInfinite(perSecond)) {
      return "null";
    }
    return String.format(Locale.ROOT, "%.1f", perSecond);
  }

  /** a / b, or NaN when b is 0. */
  public static double ratio(double a, double b) {
    return b == 0 ? Double.NaN : a / b;
  }

  public static String ratioText(double r) {
    return Double.isNaN(r) ? "-" : String.format(Locale.ROOT, "%.1f", r);
  }

  /** Median of the values (mean of the middle two for an even count); NaN when empty. */
  public static double median(double... values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] v = values.clone();
    Arrays.sort(v);
    int n = v.length;
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  public static double max(double... values) {
    return Arrays.stream(values).max().orElse(Double.NaN);
  }
}
