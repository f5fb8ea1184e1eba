package io.raftcoord.tools.bench;

import java.util.Optional;

/**
 * One leader duty's counters from a replica's {@code /metrics} (Prometheus text):
 * {@code raftcoord_duty_runs}, {@code _seconds} (planning and proposing), {@code _commands_proposed},
 * {@code _refused}, {@code _failed}, {@code _plan_seconds} (planning alone; NaN from older servers), labelled {@code duty="NAME"}. They count since the replica started, and only
 * while it led, so a difference is meaningful only between two scrapes of the same leader.
 */
record DutyMetrics(double runs, double seconds, double proposed, double refused, double failed, double planSeconds) {
  static final String SESSION_REAPER = "session-reaper";

  /** The counters of {@code duty} in {@code text}; empty if the duty has not run on that replica. */
  static Optional<DutyMetrics> parse(String text, String duty) {
    double[] v = {Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN};
    String[] names = {"raftcoord_duty_runs", "raftcoord_duty_seconds", "raftcoord_duty_commands_proposed",
        "raftcoord_duty_commands_refused", "raftcoord_duty_commands_failed", "raftcoord_duty_plan_seconds"};
    String label = "duty=\"" + duty + "\"";
    for (String line : text.split("\n")) {
      if (line.startsWith("#") || !line.contains(label)) {
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      if (brace < 0 || space < brace) {
        continue;
      }
      String name = line.substring(0, brace);
      if (name.endsWith("_total")) {
        name = name.substring(0, name.length() - "_total".length());
      }
      for (int i = 0; i < names.length; i++) {
        if (names[i].equals(name)) {
          try {
            v[i] = Double.parseDouble(line.substring(space + 1).strip());
          } catch (NumberFormatException e) {
            // leave NaN
          }
        }
      }
    }
    if (Double.isNaN(v[0])) {
      return Optional.empty();
    }
    return Optional.of(new DutyMetrics(v[0], v[1], v[2], v[3], v[4], v[5]));
  }

  DutyMetrics minus(DutyMetrics o) {
    return new DutyMetrics(runs - o.runs, seconds - o.seconds, proposed - o.proposed, refused - o.refused,
        failed - o.failed, planSeconds - o.planSeconds);
  }
}
