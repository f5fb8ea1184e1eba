package io.raftcoord.proto;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Conventions every process of a raftcoord quorum agrees on: the one Raft group, and peer ids
 * {@code n1..nN} given by position in the peers string {@code host:port,host:port,...}.
 */
public final class ClusterLayout {
  /** The Raft group of the coordinator; fixed so that clients need only the addresses. */
  public static final UUID GROUP_UUID = UUID.nameUUIDFromBytes("raftcoord-coordinator".getBytes(java.nio.charset.StandardCharsets.UTF_8));
  public static final String DEFAULT_PEERS = "127.0.0.1:9861,127.0.0.1:9862,127.0.0.1:9863";
  public static final String PEERS_ENV = "RAFTCOORD_PEERS";

  /** One member of the quorum. */
  public record Peer(String id, String host, int port) {
    public String address() {
      return host + ":" + port;
    }
  }

  private ClusterLayout() {}

  /** Parses {@code host:port,...}; throws IllegalArgumentException naming the bad part. */
  public static List<Peer> parsePeers(String peers) {
    if (peers == null || peers.isBlank()) {
      throw new IllegalArgumentException("peers: empty; expected host:port,host:port,...");
    }
    List<Peer> out = new ArrayList<>();
    String[] parts = peers.split(",");
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i].trim();
      int colon = p.lastIndexOf(':');
      if (colon <= 0 || colon == p.length() - 1) {
        throw new IllegalArgumentException("peers: '" + p + "' is not host:port");
      }
      int port;
      try {
        port = Integer.parseInt(p.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("peers: port of '" + p + "' is not a number");
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("peers: port of '" + p + "' is out of range 1-65535");
      }
      out.add(new Peer("n" + (i + 1), p.substring(0, colon), port));
    }
    return out;
  }

  /** The peers string from the environment, else the local quorum's. */
  public static String defaultPeers() {
    String env = System.getenv(PEERS_ENV);
    return env == null || env.isBlank() ? DEFAULT_PEERS : env;
  }
}
