package io.raftcoord.statemachine.session;

import java.util.List;
import java.util.Set;

/**
 * The roles a session may register in, as Milvus names its components. An exclusive role
 * (an external coordinator process) has one ACTIVE session; the others wait as STANDBY.
 */
public final class SessionRoles {
  public static final List<String> WORKERS = List.of("datanode", "querynode", "indexnode", "streamingnode", "proxy");
  public static final List<String> EXCLUSIVE = List.of("rootcoord", "datacoord", "querycoord", "mixcoord");
  private static final Set<String> ALL = Set.copyOf(concat());

  private SessionRoles() {}

  private static List<String> concat() {
    List<String> out = new java.util.ArrayList<>(WORKERS);
    out.addAll(EXCLUSIVE);
    return out;
  }

  public static boolean known(String role) {
    return ALL.contains(role);
  }

  public static boolean exclusive(String role) {
    return EXCLUSIVE.contains(role);
  }

  public static String describe() {
    return String.join(", ", WORKERS) + "; exclusive: " + String.join(", ", EXCLUSIVE);
  }
}
