package io.raftcoord.server;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftcoord.proto.BatchReply;
import io.raftcoord.proto.Command;
import io.raftcoord.proto.CommandBatch;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.ReportVersionsRequest;
import io.raftcoord.statemachine.version.ApplyVersions;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the quorum, through the log, which apply versions this replica's binary supports, so that
 * an upgrade can check every member (Kafka's brokers register their supported features the same
 * way). Sent once per start, retried by Ratis until a leader takes it; a restart with the same
 * binary is answered from the idempotency log or changes nothing.
 */
final class VersionReporter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(VersionReporter.class);

  private final RaftClient client;

  private VersionReporter(RaftGroup group, String replicaId, ApplyVersions versions) {
    RaftProperties props = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(3, TimeUnit.SECONDS));
    this.client = RaftClient.newBuilder().setProperties(props).setRaftGroup(group).setClientId(ClientId.randomId())
        .setRetryPolicy(RetryPolicies.retryForeverWithSleep(TimeDuration.valueOf(500, TimeUnit.MILLISECONDS)))
        .build();
    CommandBatch batch = CommandBatch.newBuilder()
        .setIdempotencyKey("versions/" + replicaId + "/" + versions)
        .addCommands(Command.newBuilder().setReportVersions(ReportVersionsRequest.newBuilder()
            .setReplica(versions.toProto(replicaId))))
        .build();
    client.async().send(Message.valueOf(UnsafeByteOperations.unsafeWrap(batch.toByteArray())))
        .whenComplete((reply, err) -> {
          if (err != null) {
            LOG.warn("could not report this replica's apply versions {}: {}", versions, err.toString());
            return;
          }
          try {
            BatchReply r = BatchReply.parseFrom(reply.getMessage().getContent().toByteArray());
            ErrorCode code = r.getRepliesCount() == 1 ? r.getReplies(0).getCode() : r.getCode();
            if (code == ErrorCode.OK) {
              LOG.info("reported apply versions {} of replica {} at log index {}", versions, replicaId, r.getIndex());
            } else {
              LOG.warn("report of apply versions {} refused: {} {}", versions, code,
                  r.getRepliesCount() == 1 ? r.getReplies(0).getMessage() : r.getMessage());
            }
          } catch (InvalidProtocolBufferException | RuntimeException e) {
            LOG.warn("unreadable reply to the apply versions report: {}", e.toString());
          }
        });
  }

  static VersionReporter start(RaftGroup group, String replicaId, ApplyVersions versions) {
    return new VersionReporter(group, replicaId, versions);
  }

  @Override
  public void close() throws IOException {
    client.close();
  }
}
