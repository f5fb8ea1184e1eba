package io.raftcoord.statemachine.sm;

/**
 * Deliberate defects for proving that the fault checkers work. Never enabled outside tests;
 * each one is switched on per replica by a server flag.
 */
public enum PlantedBug {
  /** Answer {@code unsafe_local_tso} queries from the replica's memory without the log. */
  TSO_LOCAL;

  public static PlantedBug parse(String s) {
    for (PlantedBug b : values()) {
      if (b.name().equalsIgnoreCase(s.replace('-', '_'))) {
        return b;
      }
    }
    throw new IllegalArgumentException("unknown planted bug '" + s + "' (known: tso-local)");
  }
}
