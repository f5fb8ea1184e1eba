package io.raftcoord.tools.bench;

import io.raftcoord.client.CoordClient;
import io.raftcoord.proto.datacoord.Channel;
import io.raftcoord.proto.datacoord.ChannelList;
import io.raftcoord.proto.datacoord.ChannelWatchState;
import io.raftcoord.proto.datacoord.ListChannels;
import io.raftcoord.proto.session.SessionRef;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data nodes' side of channel assignment: every {@code periodMs} one list of every channel;
 * a TO_WATCH at one of our nodes is answered WATCH_SUCCESS, a TO_RELEASE RELEASE_SUCCESS (after
 * {@code onRelease} dropped what the node held for it), whichever collection the channel is of
 * (the channel duty gives our nodes every live collection's channels). A channel is ready for
 * reports once its owner is one of our nodes and WATCH_SUCCESS; {@link #awaitAll} waits for the
 * bench's own channels.
 */
final class ChannelOwners implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ChannelOwners.class);

  private final CoordClient client;
  private final DataNodeSessions nodes;
  private final Set<String> channels;
  private final Consumer<String> onRelease;
  private final Map<String, SessionRef> ready = new ConcurrentHashMap<>();
  private final Set<String> answering = ConcurrentHashMap.newKeySet();
  private final LongAdder watchAnswers = new LongAdder();
  private final LongAdder releaseAnswers = new LongAdder();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "bench-channel-owners");
    t.setDaemon(true);
    return t;
  });

  ChannelOwners(CoordClient client, DataNodeSessions nodes, Set<String> channels, Consumer<String> onRelease,
      long periodMs) {
    this.client = client;
    this.nodes = nodes;
    this.channels = Set.copyOf(channels);
    this.onRelease = onRelease;
    timer.scheduleWithFixedDelay(this::poll, 0, periodMs, TimeUnit.MILLISECONDS);
  }

  private void poll() {
    ChannelList list;
    try {
      list = client.dataCoord().channels(ListChannels.getDefaultInstance());
    } catch (RuntimeException e) {
      LOG.debug("channel poll failed: {}", e.toString());
      return;
    }
    Set<String> seen = new java.util.HashSet<>();
    for (Channel c : list.getChannelsList()) {
      seen.add(c.getName());
      SessionRef node = c.getNode();
      boolean ours = nodes.ours(node);
      if (ours && c.getState() == ChannelWatchState.WATCH_SUCCESS) {
        ready.put(c.getName(), node);
        continue;
      }
      ready.remove(c.getName());
      if (!ours) {
        continue;
      }
      if (c.getState() == ChannelWatchState.TO_WATCH) {
        answer(c, ChannelWatchState.WATCH_SUCCESS, watchAnswers);
      } else if (c.getState() == ChannelWatchState.TO_RELEASE) {
        onRelease.accept(c.getName());
        answer(c, ChannelWatchState.RELEASE_SUCCESS, releaseAnswers);
      }
    }
    ready.keySet().retainAll(seen);
  }

  private void answer(Channel c, ChannelWatchState state, LongAdder counter) {
    if (!answering.add(c.getName())) {
      return;
    }
    client.dataCoord().reportChannelStateAsync(c.getNode(), c.getName(), state).whenComplete((r, e) -> {
      answering.remove(c.getName());
      if (e == null) {
        counter.increment();
        if (state == ChannelWatchState.WATCH_SUCCESS) {
          ready.put(c.getName(), c.getNode());
        }
      } else {
        LOG.debug("{} of {} failed: {}", state, c.getName(), e.toString());
      }
    });
  }

  /** The owner of {@code channel} if it is ours and watching, else null. */
  SessionRef owner(String channel) {
    return ready.get(channel);
  }

  /** Channels ready per owner. */
  Map<SessionRef, java.util.List<String>> byOwner() {
    Map<SessionRef, java.util.List<String>> out = new java.util.HashMap<>();
    ready.forEach((ch, ref) -> out.computeIfAbsent(ref, r -> new java.util.ArrayList<>()).add(ch));
    return out;
  }

  /** Nodes that watch at least one bench channel. */
  long owning() {
    return channels.stream().map(ready::get).filter(java.util.Objects::nonNull).distinct().count();
  }

  /** Bench channels ready. */
  int readyCount() {
    return (int) channels.stream().filter(ready::containsKey).count();
  }

  long watchAnswers() {
    return watchAnswers.sum();
  }

  /** Waits until every bench channel is ready, at most {@code maxMs}; returns how many are. */
  int awaitAll(long maxMs) {
    long end = System.nanoTime() + maxMs * 1_000_000;
    while (readyCount() < channels.size() && System.nanoTime() < end) {
      ClosedLoop.sleepQuietly(100);
    }
    return readyCount();
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
