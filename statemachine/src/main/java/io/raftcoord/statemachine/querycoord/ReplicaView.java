package io.raftcoord.statemachine.querycoord;

import java.util.List;

/**
 * What the checkers see of one replica of one loaded collection: its live nodes, and each target
 * segment and channel with where the replica wants it. A placement on a node that is no longer a
 * live member of the replica shows as node 0 (missing); {@code stored} is what the record holds,
 * which a planned step names so that apply can tell whether it still holds.
 */
record ReplicaView(long replicaId, long collectionId, List<Node> nodes, List<Item> segments, List<Item> channels) {
  /** A live node of the replica: the rows and delegators it carries for every collection. */
  record Node(long id, boolean stopping, long globalRows, int globalChannels) {}

  /**
   * A segment (key = its id) or channel (key = its name) of the target.
   *
   * @param node the valid placement (0: missing)
   * @param stored the placement's node as recorded
   * @param served the replica has it served (by the node, or the previous node of a move)
   * @param moving a move is under way (the previous node still serves)
   * @param arrived the placed node itself serves it (with {@code moving}: the move only needs ending)
   */
  record Item(long id, String name, long rows, long node, long stored, boolean served, boolean moving, long placedMs,
      int attempts, boolean arrived) {
    Item(long id, String name, long rows, long node, long stored, boolean served, boolean moving, long placedMs,
        int attempts) {
      this(id, name, rows, node, stored, served, moving, placedMs, attempts, false);
    }
  }

  ReplicaView {
    nodes = List.copyOf(nodes);
    segments = List.copyOf(segments);
    channels = List.copyOf(channels);
  }
}
