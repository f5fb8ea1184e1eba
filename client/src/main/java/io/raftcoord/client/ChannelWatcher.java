package io.raftcoord.client;

import io.raftcoord.client.internal.Futures;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.datacoord.Channel;
import io.raftcoord.proto.datacoord.ChannelList;
import io.raftcoord.proto.datacoord.ChannelWatchState;
import io.raftcoord.proto.datacoord.ListChannels;
import io.raftcoord.proto.session.Session;
import io.raftcoord.proto.session.SessionRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A data node's side of the channel watch/release handshake: polls the channels the coordinator
 * lists as this node's, answers TO_WATCH with WATCH_SUCCESS, marks TO_RELEASE channels RELEASING
 * (and has the sync run soon), answers RELEASE_SUCCESS for those the sync has drained, and drops
 * the channels the coordinator no longer lists. Thread-safe (under the shared state's lock).
 *
 * <p>Invariants: a channel becomes WATCHED only after its WATCH_SUCCESS was acknowledged (or the
 * coordinator lists it so); RELEASE_SUCCESS is sent only for a RELEASING channel with nothing
 * unreported and no report of unknown outcome; an assignment fenced by STALE_EPOCH is not taken
 * up again while the coordinator still lists it unchanged; a completion of an older generation
 * changes nothing.
 */
final class ChannelWatcher {
  private static final Logger LOG = LoggerFactory.getLogger(DataNodeAgent.class);

  private final DataNodeState state;
  private final Object lock;
  private final DataCoordClient dataCoord;
  private final DataNodeLoop loop;

  ChannelWatcher(DataNodeState state, DataCoordClient dataCoord, DataNodeLoop loop) {
    this.state = state;
    this.lock = state.lock;
    this.dataCoord = dataCoord;
    this.loop = loop;
  }

  /** Lists this node's channels and follows what the coordinator says of each. */
  CompletableFuture<Void> poll(long gen, Session sess, long startedNanos) {
    return dataCoord.channelsAsync(ListChannels.newBuilder().setNodeId(sess.getServerId()).build())
        .thenCompose(list -> onChannels(gen, sess, list, startedNanos));
  }

  private static boolean isMine(Channel c, Session sess) {
    return c.getNode().getServerId() == sess.getServerId() && c.getNode().getEpoch() == sess.getEpoch();
  }

  private CompletableFuture<Void> onChannels(long gen, Session sess, ChannelList list, long startedNanos) {
    List<String> toWatch = new ArrayList<>();
    synchronized (lock) {
      if (gen != state.generation) {
        return CompletableFuture.completedFuture(null);
      }
      Map<String, DataChannel> channels = state.channels;
      Map<String, Long> fenced = state.fenced;
      Set<String> mine = new HashSet<>();
      boolean releasing = false;
      for (Channel c : list.getChannelsList()) {
        if (!isMine(c, sess) || fenced.getOrDefault(c.getName(), -1L) == c.getStateChangedMs()) {
          continue;
        }
        DataChannel local = channels.get(c.getName());
        switch (c.getState()) {
          case TO_WATCH -> {
            if (local == null) {
              channels.put(c.getName(), new DataChannel(c.getName(), c.getCollectionId(), DataChannel.State.WATCHING));
            }
            toWatch.add(c.getName());
            mine.add(c.getName());
          }
          case WATCH_SUCCESS -> {
            if (local == null) {
              // Our answer got through although its outcome was unknown to us.
              channels.put(c.getName(), new DataChannel(c.getName(), c.getCollectionId(), DataChannel.State.WATCHED));
            } else if (local.state == DataChannel.State.WATCHING) {
              local.state = DataChannel.State.WATCHED;
            }
            mine.add(c.getName());
          }
          case TO_RELEASE -> {
            if (local == null) {
              channels.put(c.getName(), new DataChannel(c.getName(), c.getCollectionId(),
                  DataChannel.State.RELEASING));
            } else if (local.state != DataChannel.State.RELEASING) {
              LOG.info("data node {}: releasing channel {} ({} rows to report first)", sess.getServerId(),
                  c.getName(), local.unreportedRows());
              local.state = DataChannel.State.RELEASING;
            }
            releasing = true;
            mine.add(c.getName());
          }
          default -> {
            // WATCH_FAILURE, RELEASE_SUCCESS, RELEASE_FAILURE: no longer this node's to work on.
          }
        }
      }
      for (Iterator<DataChannel> it = channels.values().iterator(); it.hasNext(); ) {
        DataChannel c = it.next();
        if (!mine.contains(c.name)) {
          state.dropLocked(c, "the coordinator no longer lists it as this node's");
          it.remove();
        }
      }
      for (Channel c : list.getChannelsList()) {
        DataChannel local = channels.get(c.getName());
        if (local != null) {
          local.stateChangedMs = c.getStateChangedMs();
        }
      }
      // A fenced assignment that the coordinator changed (moved, or gave back anew) is forgotten.
      Map<String, Long> stillFenced = new HashMap<>();
      for (Channel c : list.getChannelsList()) {
        if (isMine(c, sess) && fenced.getOrDefault(c.getName(), -1L) == c.getStateChangedMs()) {
          stillFenced.put(c.getName(), c.getStateChangedMs());
        }
      }
      fenced.clear();
      fenced.putAll(stillFenced);
      if (releasing) {
        loop.syncSoonLocked();
      }
      state.stop.polledLocked(startedNanos);
      state.checkReleasedLocked();
    }
    if (toWatch.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    SessionRef ref = SessionClient.ref(sess);
    CompletableFuture<?>[] answers = toWatch.stream().map(name -> dataCoord
        .reportChannelStateAsync(ref, name, ChannelWatchState.WATCH_SUCCESS)
        .handle((r, err) -> {
          watchAnswered(gen, name, err);
          return null;
        })).toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(answers);
  }

  private void watchAnswered(long gen, String name, Throwable err) {
    synchronized (lock) {
      if (gen != state.generation) {
        return;
      }
      DataChannel c = state.channels.get(name);
      if (err == null) {
        state.counters.watches++;
        if (c != null && c.state == DataChannel.State.WATCHING) {
          c.state = DataChannel.State.WATCHED;
          LOG.debug("data node {}: watching channel {}", state.serverId(), name);
        }
        return;
      }
      CoordException e = Futures.toCoord(err);
      state.counters.error(e.code());
      if (e.code() == ErrorCode.STALE_EPOCH && c != null) {
        state.fenceLocked(c, "WATCH_SUCCESS got STALE_EPOCH");
        state.channels.remove(name);
      } else {
        // The next poll still sees TO_WATCH and answers again, or drops the channel.
        LOG.debug("data node {}: answering TO_WATCH of {} failed: {}", state.serverId(), name, e.toString());
      }
    }
  }

  /** Answers RELEASE_SUCCESS for every RELEASING channel whose rows are all reported and acknowledged. */
  CompletableFuture<Void> releaseDrained(long gen, Session sess) {
    List<String> drained = new ArrayList<>();
    synchronized (lock) {
      if (gen != state.generation) {
        return CompletableFuture.completedFuture(null);
      }
      for (DataChannel c : state.channels.values()) {
        if (c.state == DataChannel.State.RELEASING && c.unreportedRows() == 0 && c.unacknowledged == null) {
          drained.add(c.name);
        }
      }
    }
    if (drained.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    SessionRef ref = SessionClient.ref(sess);
    CompletableFuture<?>[] answers = drained.stream().map(name -> dataCoord
        .reportChannelStateAsync(ref, name, ChannelWatchState.RELEASE_SUCCESS)
        .handle((r, err) -> {
          releaseAnswered(gen, name, err);
          return null;
        })).toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(answers);
  }

  private void releaseAnswered(long gen, String name, Throwable err) {
    synchronized (lock) {
      if (gen != state.generation) {
        return;
      }
      DataChannel c = state.channels.get(name);
      if (c == null) {
        return;
      }
      if (err == null) {
        state.counters.releases++;
        state.channels.remove(name);
        LOG.info("data node {}: released channel {}", state.serverId(), name);
        state.checkReleasedLocked();
        return;
      }
      CoordException e = Futures.toCoord(err);
      state.counters.error(e.code());
      if (e.code() == ErrorCode.STALE_EPOCH) {
        state.fenceLocked(c, "RELEASE_SUCCESS got STALE_EPOCH");
        state.channels.remove(name);
        state.checkReleasedLocked();
      } else {
        LOG.debug("data node {}: RELEASE_SUCCESS of {} failed, retrying at the next sync: {}", state.serverId(),
            name, e.toString());
      }
    }
  }
}
