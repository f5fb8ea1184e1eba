package io.raftcoord.statemachine.datacoord;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.QueryReply;
import io.raftcoord.proto.datacoord.Channel;
import io.raftcoord.proto.datacoord.ChannelList;
import io.raftcoord.proto.datacoord.CollectionSelector;
import io.raftcoord.proto.datacoord.DescribeSegment;
import io.raftcoord.proto.datacoord.FlushState;
import io.raftcoord.proto.datacoord.GetFlushState;
import io.raftcoord.proto.datacoord.ListChannels;
import io.raftcoord.proto.datacoord.ListSegments;
import io.raftcoord.proto.datacoord.Segment;
import io.raftcoord.proto.datacoord.SegmentDescription;
import io.raftcoord.proto.datacoord.SegmentList;
import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.statemachine.catalog.Catalog;
import io.raftcoord.statemachine.pipeline.Refusal;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * DataCoord's reads, from committed state under the entry read lock. Lists walk one collection's
 * segments (or a node's channels' active ones), never all of them, and page by segment id.
 */
final class DataCoordReads {
  static final int DEFAULT_LIMIT = 10_000;
  static final int MAX_LIMIT = 100_000;

  private final DataCoordTable table;
  private final Catalog catalog;

  DataCoordReads(DataCoordTable table, Catalog catalog) {
    this.table = table;
    this.catalog = catalog;
  }

  QueryReply.Builder channels(ListChannels q) {
    if (q.getNodeId() != 0 && !q.hasCollection()) {
      ChannelList.Builder owned = ChannelList.newBuilder();
      for (String name : table.channelsOf(q.getNodeId())) {
        table.channel(name).ifPresent(owned::addChannels);
      }
      return reply(owned.build());
    }
    List<CollectionInfo> collections = new ArrayList<>();
    if (q.hasCollection()) {
      Optional<CollectionInfo> c = resolve(q.getCollection());
      if (c.isEmpty()) {
        return notFound(q.getCollection());
      }
      collections.add(c.get());
    } else {
      collections.addAll(catalog.collections().values());
    }
    ChannelList.Builder out = ChannelList.newBuilder();
    for (CollectionInfo c : collections) {
      for (String name : c.getVirtualChannelsList()) {
        Optional<Channel> ch = table.channel(name);
        if (ch.isPresent() && (q.getNodeId() == 0 || ch.get().getNode().getServerId() == q.getNodeId())) {
          out.addChannels(ch.get());
        } else if (ch.isEmpty() && q.getNodeId() == 0) {
          out.addUnassigned(name);
        }
      }
    }
    return reply(out.build());
  }

  QueryReply.Builder segments(ListSegments q) {
    int limit = q.getLimit() <= 0 ? DEFAULT_LIMIT : q.getLimit();
    if (limit > MAX_LIMIT) {
      return new Refusal(ErrorCode.INVALID_ARGUMENT, "list segments: limit must be at most " + MAX_LIMIT + ", got "
          + limit).queryReply();
    }
    Set<SegmentState> states = q.getStatesCount() == 0
        ? EnumSet.complementOf(EnumSet.of(SegmentState.DROPPED, SegmentState.SEGMENT_STATE_NONE, SegmentState.UNRECOGNIZED))
        : EnumSet.copyOf(q.getStatesList());
    Iterable<Segment> candidates;
    if (q.getNodeId() > 0) {
      TreeMap<Long, Segment> work = new TreeMap<>();
      for (String channel : table.channelsOf(q.getNodeId())) {
        if (table.channel(channel).map(ChannelFence::held).orElse(false)) {
          work.putAll(table.activeOnChannel(channel));
        }
      }
      candidates = work.tailMap(q.getAfterId(), false).values();
    } else {
      long collectionId;
      if (q.hasCollection()) {
        Optional<CollectionInfo> c = resolve(q.getCollection());
        if (c.isEmpty()) {
          return notFound(q.getCollection());
        }
        collectionId = c.get().getId();
      } else if (!q.getChannel().isEmpty()) {
        Optional<Long> owner = collectionOfChannel(q.getChannel());
        if (owner.isEmpty()) {
          return new Refusal(ErrorCode.NOT_FOUND, "list segments: no collection has channel " + q.getChannel())
              .queryReply();
        }
        collectionId = owner.get();
      } else {
        return new Refusal(ErrorCode.INVALID_ARGUMENT, "list segments: name a collection, a channel or a node")
            .queryReply();
      }
      candidates = table.ofCollection(collectionId).tailMap(q.getAfterId(), false).values();
    }
    SegmentList.Builder out = SegmentList.newBuilder();
    for (Segment s : candidates) {
      if (!states.contains(s.getState()) || (q.getPartitionId() != 0 && s.getPartitionId() != q.getPartitionId())
          || (!q.getChannel().isEmpty() && !q.getChannel().equals(s.getChannel()))
          || (q.getLevelSet() && s.getLevel() != q.getLevel())) {
        continue;
      }
      if (out.getSegmentsCount() == limit) {
        out.setMore(true);
        break;
      }
      out.addSegments(s);
    }
    return reply(out.build());
  }

  QueryReply.Builder describe(DescribeSegment q) {
    Optional<Segment> s = table.segment(q.getSegmentId());
    if (s.isEmpty()) {
      return new Refusal(ErrorCode.NOT_FOUND, "segment " + q.getSegmentId() + " does not exist").queryReply();
    }
    SegmentDescription.Builder out = SegmentDescription.newBuilder().setSegment(s.get())
        .setBinlogs(table.binlogs(s.get().getId()));
    table.channel(s.get().getChannel()).ifPresent(c -> out.setChannelNode(c.getNode()));
    return reply(out.build());
  }

  QueryReply.Builder flushState(GetFlushState q) {
    FlushState.Builder out = FlushState.newBuilder();
    for (long id : q.getSegmentIdsList()) {
      Optional<Segment> s = table.segment(id);
      if (s.isPresent() && DataCoordTable.isActive(s.get())) {
        out.addPendingSegments(id);
      }
    }
    if (q.getFlushTs() > 0 && q.hasCollection()) {
      Optional<CollectionInfo> c = resolve(q.getCollection());
      for (String name : c.map(info -> (List<String>) info.getVirtualChannelsList()).orElse(List.of())) {
        Optional<Channel> ch = table.channel(name);
        if (ch.isEmpty() || ch.get().getCheckpoint().getTimestamp() < q.getFlushTs()) {
          out.addPendingChannels(name);
        }
      }
    }
    return reply(out.setFlushed(out.getPendingSegmentsCount() == 0 && out.getPendingChannelsCount() == 0).build());
  }

  QueryReply.Builder settings() {
    return reply(table.settings());
  }

  private Optional<Long> collectionOfChannel(String channel) {
    Optional<Channel> c = table.channel(channel);
    if (c.isPresent()) {
      return Optional.of(c.get().getCollectionId());
    }
    return catalog.collections().values().stream().filter(info -> info.getVirtualChannelsList().contains(channel))
        .map(CollectionInfo::getId).findFirst();
  }

  private Optional<CollectionInfo> resolve(CollectionSelector sel) {
    return CollectionLookup.resolve(catalog, sel.getDb(), sel.getName(), sel.getId());
  }

  private static QueryReply.Builder notFound(CollectionSelector sel) {
    String what = sel.getId() > 0 ? "id " + sel.getId()
        : "'" + sel.getName() + "' in database '" + (sel.getDb().isEmpty() ? "default" : sel.getDb()) + "'";
    return new Refusal(ErrorCode.NOT_FOUND, "collection " + what + " does not exist").queryReply();
  }

  private static QueryReply.Builder reply(Message m) {
    return QueryReply.newBuilder().setDomain(Any.pack(m));
  }
}
