package io.raftcoord.server.chaos;

import io.raftcoord.proto.datacoord.SegmentState;
import io.raftcoord.proto.session.SessionRef;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What the segments checker judges, as plain data: every DataCoord call of the segments workload
 * (assignments, binlog reports, checkpoint saves) with its invoke and complete time and outcome,
 * every read it made (channels, segments, sessions) with what it showed, and the final state of
 * each segment read after healing. Times are ms on the run clock ({@link ChaosEnv#nowMs}); a read
 * shows the state at some moment between its invoke and complete (reads are linearizable).
 *
 * @param finals the final describe of each segment the history names (null view: NOT_FOUND)
 * @param finalErrors segments whose final describe failed (the end-state checks skip them, and say so)
 */
record SegmentRecords(List<Assign> assigns, List<Write> writes, List<ChannelRead> channelReads,
                      List<SegmentRead> segmentReads, List<SessionSeen> sessions, Map<Long, Final> finals,
                      Map<Long, String> finalErrors) {
  SegmentRecords {
    assigns = List.copyOf(assigns);
    writes = List.copyOf(writes);
    channelReads = List.copyOf(channelReads);
    segmentReads = List.copyOf(segmentReads);
    sessions = List.copyOf(sessions);
    finals = Map.copyOf(finals);
    finalErrors = Map.copyOf(finalErrors);
  }

  /** OK: acknowledged; FAILED: refused with a domain error (not applied); UNKNOWN: may or may not have applied. */
  enum Outcome { OK, FAILED, UNKNOWN }

  /** A data node session (server ID and epoch); 0/0 is "no node". */
  record Ref(long serverId, long epoch) {
    static final Ref NONE = new Ref(0, 0);

    static Ref of(SessionRef r) {
      return new Ref(r.getServerId(), r.getEpoch());
    }

    boolean none() {
      return serverId == 0 && epoch == 0;
    }

    @Override
    public String toString() {
      return none() ? "none" : serverId + "/" + epoch;
    }
  }

  /** One request of an assign call. */
  record Request(String channel, long rows) {}

  /** One SegmentAssignment of an acknowledged assign: {@code request} is the index of the request it answers. */
  record Grant(long segmentId, long rows, int request, long expireMs) {}

  /** An assign call; {@code grants} is empty unless it was acknowledged. */
  record Assign(String actor, double invokeMs, double completeMs, Outcome outcome, String code,
                List<Request> requests, List<Grant> grants) {
    Assign {
      requests = List.copyOf(requests);
      grants = List.copyOf(grants);
    }
  }

  /** One segment of a binlog report: the log IDs it carries (all fields), its absolute row count, flushed. */
  record SegReport(long segmentId, String channel, List<Long> logIds, long numRows, boolean flushed) {
    SegReport {
      logIds = List.copyOf(logIds);
    }
  }

  /** A channel checkpoint as saved or read (its timestamp orders it; 0: none). */
  record Cp(String channel, long timestamp) {}

  enum WriteKind { REPORT, CHECKPOINT }

  /**
   * A saveBinlogPaths (REPORT) or saveCheckpoints (CHECKPOINT) call of a data node session.
   *
   * @param retry the request is identical to an earlier one of the same session (a retry of an
   *              unknown outcome): a server may answer it as it answered that one
   * @param zombie the workload sent it knowing the session no longer owned the channel (for the summary)
   */
  record Write(String actor, Ref node, WriteKind kind, double invokeMs, double completeMs, Outcome outcome,
               String code, boolean retry, boolean zombie, List<SegReport> segments, List<Cp> checkpoints) {
    Write {
      segments = List.copyOf(segments);
      checkpoints = List.copyOf(checkpoints);
    }

    /** Every channel the call touches. */
    Set<String> channels() {
      Set<String> out = new java.util.TreeSet<>();
      segments.forEach(s -> out.add(s.channel()));
      checkpoints.forEach(c -> out.add(c.channel()));
      return out;
    }

    String describe() {
      return String.format(Locale.ROOT, "%s %s of %s by session %s [%.3f s .. %.3f s] -> %s%s%s", kind, describeBody(),
          channels(), node, invokeMs / 1000, completeMs / 1000, outcome, code.isEmpty() ? "" : " " + code,
          retry ? " (retry)" : "");
    }

    private String describeBody() {
      if (segments.isEmpty()) {
        return "checkpoints " + checkpoints.stream().map(c -> c.channel() + "@" + c.timestamp()).toList();
      }
      return "segments " + segments.stream().map(s -> s.segmentId() + "(rows " + s.numRows()
          + (s.flushed() ? ", flushed" : "") + ", logs " + s.logIds() + ")").toList();
    }
  }

  /** A channel as a read showed it. */
  record ChannelView(String name, Ref owner, String state, long checkpointTs) {}

  /** A ListChannels read (all channels, or a node's); each view held at one moment within [invoke, complete]. */
  record ChannelRead(String actor, double invokeMs, double completeMs, List<ChannelView> channels) {
    ChannelRead {
      channels = List.copyOf(channels);
    }
  }

  /** A segment as a read (list or describe) showed it. */
  record SegmentView(long id, String channel, SegmentState state, long numRows, long maxRows) {}

  record SegmentRead(String actor, double invokeMs, double completeMs, List<SegmentView> segments) {
    SegmentRead {
      segments = List.copyOf(segments);
    }
  }

  /**
   * What was seen of a data node session, by {@code atMs} at the latest: a session list's state
   * (ACTIVE, STOPPING, EXPIRED, REMOVED, or GONE: no longer listed although registered before the
   * read), or the workload's own acknowledged stop (STOPPING) or remove (REMOVED).
   */
  record SessionSeen(Ref ref, String state, double atMs, String how) {
    static final Set<String> ENDED = Set.of("EXPIRED", "REMOVED", "GONE");

    boolean ended() {
      return ENDED.contains(state);
    }

    /** Not ACTIVE and never again: such a session gets no channel any more. */
    boolean retired() {
      return ended() || state.equals("STOPPING");
    }
  }

  /** The final describe of a segment after healing: its view (null: NOT_FOUND) and every binlog's log ID. */
  record Final(long segmentId, SegmentView view, Set<Long> logIds, double atMs) {
    Final {
      logIds = Set.copyOf(logIds);
    }
  }
}
