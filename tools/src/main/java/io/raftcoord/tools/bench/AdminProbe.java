package io.raftcoord.tools.bench;

import com.google.protobuf.util.JsonFormat;
import io.raftcoord.proto.ClusterLayout;
import io.raftcoord.proto.ReplicaStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Reads a replica's admin {@code /status} (JSON {@link ReplicaStatus}) over HTTP, on its Raft
 * port + {@code adminPortOffset} (the local quorum's convention, see scripts/cluster.sh). Cheap
 * and never blocks long, unlike a Raft group-info call; used to poll a restarting replica.
 */
final class AdminProbe {
  private final List<ClusterLayout.Peer> peers;
  private final int adminPortOffset;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(300)).build();

  AdminProbe(String peers, int adminPortOffset) {
    this.peers = ClusterLayout.parsePeers(peers);
    this.adminPortOffset = adminPortOffset;
  }

  int size() {
    return peers.size();
  }

  /** Status of replica {@code i} (1-based), or empty if it does not answer within ~0.5 s. */
  Optional<ReplicaStatus> status(int i) {
    Optional<String> body = get(i, "/status");
    if (body.isEmpty()) {
      return Optional.empty();
    }
    try {
      ReplicaStatus.Builder b = ReplicaStatus.newBuilder();
      JsonFormat.parser().ignoringUnknownFields().merge(body.get(), b);
      return b.getError().isEmpty() ? Optional.of(b.build()) : Optional.empty();
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  /** The body of {@code path} on replica {@code i}'s admin endpoint, or empty unless it answers 200 within ~0.5 s. */
  Optional<String> get(int i, String path) {
    ClusterLayout.Peer p = peers.get(i - 1);
    try {
      HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + p.host() + ":" + adminPort(i) + path))
          .timeout(Duration.ofMillis(500)).GET().build();
      HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
      return resp.statusCode() == 200 ? Optional.of(resp.body()) : Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  /** Replica {@code i}'s admin HTTP port. */
  int adminPort(int i) {
    return peers.get(i - 1).port() + adminPortOffset;
  }

  /** Replica {@code i}'s host as given in the peers. */
  String host(int i) {
    return peers.get(i - 1).host();
  }

  /** The replica (1-based) that reports itself LEADER, skipping {@code except}; 0 if none. */
  int leader(int except) {
    for (int i = 1; i <= peers.size(); i++) {
      if (i == except) {
        continue;
      }
      Optional<ReplicaStatus> s = status(i);
      if (s.isPresent() && "LEADER".equals(s.get().getRole())) {
        return i;
      }
    }
    return 0;
  }
}
