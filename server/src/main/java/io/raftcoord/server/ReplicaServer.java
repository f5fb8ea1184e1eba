package io.raftcoord.server;

import io.raftcoord.proto.ClusterLayout;
import io.raftcoord.statemachine.idempotency.IdempotencyLog;
import io.raftcoord.statemachine.sm.CoordStateMachine;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.function.Consumer;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running replica: the Ratis server, its state machine and its admin HTTP endpoint.
 * Starting on an existing data directory recovers it (never formats).
 */
public final class ReplicaServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaServer.class);
  public static final RaftGroupId GROUP_ID = RaftGroupId.valueOf(ClusterLayout.GROUP_UUID);

  private final ServerConfig config;
  private final ServerClock clock;
  private final CoordStateMachine stateMachine;
  private final RaftServer server;
  private final AdminHttp admin;
  private final VersionReporter versionReporter;
  private final LeaderDuties duties;

  /** The clock of leader-local soft state (session heartbeats): monotonic, never skewed by clock control. */
  private static long monotonicMs() {
    return System.nanoTime() / 1_000_000;
  }

  private ReplicaServer(ServerConfig config, ServerClock clock, Consumer<Throwable> onFatal) throws IOException {
    this.config = config;
    this.clock = clock;
    Files.createDirectories(config.dataDir());
    this.stateMachine = new CoordStateMachine(new CoordStateMachine.Options(config.dbDir(), new ClockStamper(clock),
        IdempotencyLog.Retention.DEFAULT, config.plantedBugs(), config.applyVersions(), onFatal,
        ReplicaServer::monotonicMs));
    this.server = RaftServer.newBuilder()
        .setServerId(RaftPeerId.valueOf(config.self().id()))
        .setGroup(group(config.peers()))
        .setStateMachine(stateMachine)
        .setProperties(RatisTuning.build(config))
        .setOption(RaftStorage.StartupOption.RECOVER)
        .build();
    this.duties = new LeaderDuties(stateMachine, server.getDivision(GROUP_ID), ReplicaServer::monotonicMs);
    stateMachine.onLeadership(duties);
    server.start();
    this.versionReporter = VersionReporter.start(group(config.peers()), config.self().id(), config.applyVersions());
    this.admin = config.adminPort() < 0 ? null : AdminHttp.start(this, config.self().host(), config.adminPort());
    LOG.info("replica {} serving on {} (data {})", config.self().id(), config.self().address(), config.dataDir());
  }

  public static ReplicaServer start(ServerConfig config, ServerClock clock, Consumer<Throwable> onFatal)
      throws IOException {
    return new ReplicaServer(config, clock, onFatal);
  }

  static RaftGroup group(List<ClusterLayout.Peer> peers) {
    return RaftGroup.valueOf(GROUP_ID, peers.stream()
        .map(p -> RaftPeer.newBuilder().setId(p.id()).setAddress(p.address()).build()).toList());
  }

  public ServerConfig config() {
    return config;
  }

  public ServerClock clock() {
    return clock;
  }

  public CoordStateMachine stateMachine() {
    return stateMachine;
  }

  public RaftServer.Division division() throws IOException {
    return server.getDivision(GROUP_ID);
  }

  public boolean isLeader() {
    try {
      return division().getInfo().isLeader();
    } catch (IOException e) {
      return false;
    }
  }

  LeaderDuties duties() {
    return duties;
  }

  /** Port of the admin HTTP endpoint, or -1 if disabled. */
  public int adminPort() {
    return admin == null ? -1 : admin.port();
  }

  @Override
  public void close() throws IOException {
    stateMachine.expectClose();
    if (admin != null) {
      admin.close();
    }
    versionReporter.close();
    duties.close();
    server.close();
  }
}
