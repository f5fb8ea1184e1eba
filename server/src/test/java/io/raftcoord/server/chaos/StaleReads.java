package io.raftcoord.server.chaos;

import io.raftcoord.client.internal.Futures;
import io.raftcoord.client.internal.QueryPipeline;
import io.raftcoord.client.internal.RaftTransport;
import io.raftcoord.proto.CollectionDescription;
import io.raftcoord.proto.CollectionRef;
import io.raftcoord.proto.DescribeCollectionQuery;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.QueryBatch;
import java.io.IOException;
import java.time.Duration;

/**
 * The client planted bug {@code stale-read}, kept in the harness (the client library has no test
 * switches): a read aimed at one replica is answered from that replica's local state without
 * ReadIndex (a Ratis stale read from index 0). The query bytes are those
 * {@code CatalogClient.at(peer)} sends, so only the missing ReadIndex differs. Exists to prove that
 * the kv linearizability checker catches stale reads. Errors surface as the client's
 * {@code CoordException}, as on the real path.
 */
final class StaleReads implements AutoCloseable {
  private final RaftTransport transport;

  /** @param deadline per read, as the client whose reads this replaces */
  StaleReads(String peers, Duration deadline) {
    this.transport = new RaftTransport(peers, 1, deadline);
  }

  CollectionDescription describeCollection(String peerId, String db, String nameOrAlias) {
    Query q = Query.newBuilder().setDescribeCollection(DescribeCollectionQuery.newBuilder()
        .setCollection(CollectionRef.newBuilder().setDb(db).setName(nameOrAlias))).build();
    byte[] reply = Futures.join(transport.staleReadFrom(QueryBatch.newBuilder().addQueries(q).build().toByteArray(),
        peerId));
    return QueryPipeline.checked(QueryPipeline.parse(reply, 1).get(0)).getCollection();
  }

  @Override
  public void close() throws IOException {
    transport.close();
  }
}
