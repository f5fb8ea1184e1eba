package io.raftcoord.statemachine.datacoord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftcoord.proto.datacoord.Channel;
import io.raftcoord.proto.datacoord.ChannelMove;
import io.raftcoord.proto.datacoord.ChannelWatchState;
import io.raftcoord.proto.session.SessionRef;
import io.raftcoord.statemachine.datacoord.ChannelPlanner.Node;
import io.raftcoord.statemachine.datacoord.ChannelPlanner.Slot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Channel placement as a pure function of a view. Each helper applies the plan the way the
 * nodes and apply would (TO_WATCH answered WATCH_SUCCESS, TO_RELEASE answered RELEASE_SUCCESS),
 * so that tests can follow rounds until the placement is stable.
 */
class ChannelPlannerTest {
  private static final long EPOCH = 100;

  private static Node node(long id) {
    return new Node(id, EPOCH + id, false);
  }

  private static Node stopping(long id) {
    return new Node(id, EPOCH + id, true);
  }

  private static SessionRef ref(long id) {
    return SessionRef.newBuilder().setServerId(id).setEpoch(EPOCH + id).build();
  }

  private static Channel ch(String name, long owner, ChannelWatchState state) {
    return Channel.newBuilder().setName(name).setCollectionId(1).setNode(ref(owner)).setState(state).build();
  }

  private static List<Slot> unassigned(int n) {
    List<Slot> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Slot(String.format("ch%02d", i), 1, null));
    }
    return out;
  }

  /** The slots after the moves, as the nodes would answer them. */
  private static List<Slot> settle(List<Slot> slots, List<ChannelMove> moves) {
    Map<String, ChannelMove> byName = new TreeMap<>();
    for (ChannelMove m : moves) {
      byName.put(m.getChannel(), m);
    }
    List<Slot> out = new ArrayList<>();
    for (Slot s : slots) {
      ChannelMove m = byName.get(s.name());
      if (m == null) {
        out.add(s);
      } else if (m.getState() == ChannelWatchState.TO_WATCH) {
        out.add(new Slot(s.name(), s.collectionId(), Channel.newBuilder().setName(s.name()).setCollectionId(s.collectionId())
            .setNode(m.getTo()).setState(ChannelWatchState.WATCH_SUCCESS).build()));
      } else {
        out.add(new Slot(s.name(), s.collectionId(),
            s.current().toBuilder().setState(ChannelWatchState.RELEASE_SUCCESS).build()));
      }
    }
    return out;
  }

  /** Rounds until nothing moves (at most 10); the final slots. */
  private static List<Slot> stable(List<Slot> slots, List<Node> nodes, boolean balance) {
    for (int round = 0; round < 10; round++) {
      List<ChannelMove> moves = ChannelPlanner.plan(slots, nodes, balance);
      if (moves.isEmpty()) {
        return slots;
      }
      slots = settle(slots, moves);
    }
    throw new AssertionError("no stable placement after 10 rounds: " + slots);
  }

  private static Map<Long, List<String>> byNode(List<Slot> slots) {
    return slots.stream().collect(Collectors.groupingBy(s -> s.current().getNode().getServerId(), TreeMap::new,
        Collectors.mapping(Slot::name, Collectors.toList())));
  }

  private static Map<String, Long> owners(List<Slot> slots) {
    Map<String, Long> out = new TreeMap<>();
    for (Slot s : slots) {
      out.put(s.name(), s.current() == null ? 0 : s.current().getNode().getServerId());
    }
    return out;
  }

  @Test
  void newChannelsAreSpreadEvenlyByCountLowestIdOnTies() {
    List<ChannelMove> moves = ChannelPlanner.plan(unassigned(7), List.of(node(3), node(1), node(2)).stream()
        .sorted((a, b) -> Long.compare(a.id(), b.id())).toList(), false);
    assertEquals(7, moves.size());
    for (ChannelMove m : moves) {
      assertEquals(ChannelWatchState.TO_WATCH, m.getState());
      assertEquals(0, m.getFrom().getServerId());
      assertEquals(ChannelWatchState.WATCH_STATE_NONE, m.getFromState());
    }
    assertEquals(List.of(1L, 2L, 3L, 1L, 2L, 3L, 1L), moves.stream().map(m -> m.getTo().getServerId()).toList());
    assertEquals(EPOCH + 2, moves.get(1).getTo().getEpoch(), "the target's epoch is named");
  }

  @Test
  void existingLoadCountsWhenPlacing() {
    List<Slot> slots = new ArrayList<>(List.of(new Slot("a", 1, ch("a", 1, ChannelWatchState.WATCH_SUCCESS)),
        new Slot("b", 1, ch("b", 1, ChannelWatchState.TO_WATCH)), new Slot("c", 1, null), new Slot("d", 1, null)));
    List<ChannelMove> moves = ChannelPlanner.plan(slots, List.of(node(1), node(2)), false);
    assertEquals(List.of("c", "d"), moves.stream().map(ChannelMove::getChannel).toList());
    assertEquals(List.of(2L, 2L), moves.stream().map(m -> m.getTo().getServerId()).toList());
  }

  @Test
  void noNodesNoMoves() {
    assertEquals(List.of(), ChannelPlanner.plan(unassigned(3), List.of(), true));
    assertEquals(List.of(), ChannelPlanner.plan(unassigned(3), List.of(stopping(1)), true), "a stopping node takes nothing");
  }

  @Test
  void aNodeLeavingMovesOnlyItsChannels() {
    List<Node> three = List.of(node(1), node(2), node(3));
    List<Slot> placed = stable(unassigned(9), three, true);
    Map<String, Long> before = owners(placed);
    // Node 2 ends: its sessions are gone from the live list.
    List<Node> two = List.of(node(1), node(3));
    List<ChannelMove> moves = ChannelPlanner.plan(placed, two, true);
    List<String> ofNode2 = byNode(placed).get(2L);
    assertEquals(ofNode2, moves.stream().map(ChannelMove::getChannel).toList());
    for (ChannelMove m : moves) {
      assertEquals(ChannelWatchState.TO_WATCH, m.getState(), "reassigned directly");
      assertEquals(ref(2), m.getFrom(), "planned from the old owner");
      assertEquals(ChannelWatchState.WATCH_SUCCESS, m.getFromState());
      assertTrue(m.getTo().getServerId() != 2);
    }
    Map<String, Long> after = owners(stable(placed, two, true));
    before.forEach((name, owner) -> {
      if (owner != 2) {
        assertEquals(owner, after.get(name), name + " stays where it was");
      }
    });
    // The same node back at a new epoch is a new session: its old assignments are not its own.
    List<Node> reborn = List.of(node(1), new Node(2, EPOCH + 50, false), node(3));
    assertEquals(ofNode2, ChannelPlanner.plan(placed, reborn, true).stream().map(ChannelMove::getChannel).toList());
  }

  @Test
  void aNodeJoiningTakesOnlyItsShareAndOnlyOnceQuiet() {
    List<Slot> placed = stable(unassigned(8), List.of(node(1), node(2)), true);
    assertEquals(List.of(4, 4), byNode(placed).values().stream().map(List::size).toList());
    List<Node> three = List.of(node(1), node(2), node(3));
    assertEquals(List.of(), ChannelPlanner.plan(placed, three, false), "membership not quiet: no balancing");
    List<ChannelMove> releases = ChannelPlanner.plan(placed, three, true);
    assertEquals(2, releases.size(), "8 over 3 nodes: the new node takes 2");
    for (ChannelMove m : releases) {
      assertEquals(ChannelWatchState.TO_RELEASE, m.getState());
      assertEquals(m.getFrom(), m.getTo(), "the owner keeps it until it has released");
      assertEquals(ChannelWatchState.WATCH_SUCCESS, m.getFromState());
    }
    List<Slot> balanced = stable(placed, three, true);
    Map<Long, List<String>> nodes = byNode(balanced);
    assertEquals(List.of(3, 3, 2), nodes.values().stream().map(List::size).toList());
    Map<String, Long> before = owners(placed);
    long moved = owners(balanced).entrySet().stream().filter(e -> !e.getValue().equals(before.get(e.getKey()))).count();
    assertEquals(2, moved, "only the new node's share moved");
    assertTrue(nodes.get(3L).stream().allMatch(n -> releases.stream().anyMatch(m -> m.getChannel().equals(n))));
  }

  @Test
  void balancingWaitsUntilEveryChannelIsSettled() {
    List<Slot> placed = new ArrayList<>(stable(unassigned(6), List.of(node(1)), true));
    // One channel still being watched: no balancing yet, even if quiet.
    Slot first = placed.get(0);
    placed.set(0, new Slot(first.name(), 1, first.current().toBuilder().setState(ChannelWatchState.TO_WATCH).build()));
    assertEquals(List.of(), ChannelPlanner.plan(placed, List.of(node(1), node(2)), true));
  }

  @Test
  void aStoppingNodesChannelsAreReleasedOnlyWhenAnotherActiveNodeExists() {
    List<Slot> placed = stable(unassigned(4), List.of(node(1), node(2)), true);
    List<String> ofNode1 = byNode(placed).get(1L);
    assertEquals(List.of(), ChannelPlanner.plan(placed, List.of(stopping(1)), true).stream()
        .filter(m -> m.getState() == ChannelWatchState.TO_RELEASE).toList(), "no other active node: node 1 keeps them");
    assertEquals(List.of(), ChannelPlanner.plan(placed, List.of(stopping(1), stopping(2)), true));
    List<ChannelMove> moves = ChannelPlanner.plan(placed, List.of(stopping(1), node(2)), true);
    assertEquals(ofNode1, moves.stream().map(ChannelMove::getChannel).toList());
    for (ChannelMove m : moves) {
      assertEquals(ChannelWatchState.TO_RELEASE, m.getState());
      assertEquals(ref(1), m.getTo());
    }
    // Already releasing: not asked again. Released: placed on the active node, never on the stopping one.
    List<Slot> releasing = new ArrayList<>();
    for (Slot s : placed) {
      boolean mine = s.current().getNode().getServerId() == 1;
      releasing.add(mine ? new Slot(s.name(), 1, s.current().toBuilder().setState(ChannelWatchState.TO_RELEASE).build()) : s);
    }
    assertEquals(List.of(), ChannelPlanner.plan(releasing, List.of(stopping(1), node(2)), true));
    List<Slot> after = stable(placed, List.of(stopping(1), node(2)), true);
    assertEquals(Map.of(2L, List.of("ch00", "ch01", "ch02", "ch03")), byNode(after));
  }

  @Test
  void aWatchFailureGoesToAnotherNodeIfThereIsOne() {
    List<Slot> failed = List.of(new Slot("a", 1, ch("a", 1, ChannelWatchState.WATCH_FAILURE)));
    List<ChannelMove> moves = ChannelPlanner.plan(failed, List.of(node(1), node(2)), false);
    assertEquals(1, moves.size());
    assertEquals(2, moves.get(0).getTo().getServerId(), "not back to the node that failed");
    assertEquals(ChannelWatchState.TO_WATCH, moves.get(0).getState());
    assertEquals(ChannelWatchState.WATCH_FAILURE, moves.get(0).getFromState());
    // Node 1 is the least loaded, but it failed the watch.
    List<Slot> loaded = List.of(new Slot("a", 1, ch("a", 1, ChannelWatchState.WATCH_FAILURE)),
        new Slot("b", 1, ch("b", 2, ChannelWatchState.WATCH_SUCCESS)),
        new Slot("c", 1, ch("c", 2, ChannelWatchState.WATCH_SUCCESS)));
    assertEquals(2, ChannelPlanner.plan(loaded, List.of(node(1), node(2)), false).get(0).getTo().getServerId());
    // The only node: it gets it again.
    assertEquals(1, ChannelPlanner.plan(failed, List.of(node(1)), false).get(0).getTo().getServerId());
  }

  @Test
  void releasedChannelsArePlacedAgain() {
    List<Slot> released = List.of(new Slot("a", 1, ch("a", 1, ChannelWatchState.RELEASE_SUCCESS)),
        new Slot("b", 1, ch("b", 1, ChannelWatchState.WATCH_SUCCESS)));
    List<ChannelMove> moves = ChannelPlanner.plan(released, List.of(node(1), node(2)), false);
    assertEquals(1, moves.size());
    assertEquals("a", moves.get(0).getChannel());
    assertEquals(2, moves.get(0).getTo().getServerId());
    assertEquals(ChannelWatchState.RELEASE_SUCCESS, moves.get(0).getFromState());
  }

  @Test
  void theSameViewGivesTheSamePlan() {
    Random rnd = new Random(3);
    ChannelWatchState[] states = {ChannelWatchState.TO_WATCH, ChannelWatchState.WATCH_SUCCESS, ChannelWatchState.WATCH_FAILURE,
        ChannelWatchState.TO_RELEASE, ChannelWatchState.RELEASE_SUCCESS};
    for (int trial = 0; trial < 200; trial++) {
      List<Node> nodes = new ArrayList<>();
      for (long id = 1; id <= 1 + rnd.nextInt(5); id++) {
        nodes.add(new Node(id, EPOCH + id, rnd.nextInt(5) == 0));
      }
      List<Slot> slots = new ArrayList<>();
      for (int i = 0; i < 1 + rnd.nextInt(20); i++) {
        String name = String.format("c%03d", i);
        long owner = rnd.nextInt(8);
        slots.add(new Slot(name, 1, owner == 0 ? null : ch(name, owner, states[rnd.nextInt(states.length)])));
      }
      boolean balance = rnd.nextBoolean();
      List<ChannelMove> a = ChannelPlanner.plan(slots, nodes, balance);
      assertEquals(a, ChannelPlanner.plan(List.copyOf(slots), List.copyOf(nodes), balance));
      // Every move names an active target for TO_WATCH and the current owner for TO_RELEASE, once per channel.
      assertEquals(a.size(), a.stream().map(ChannelMove::getChannel).distinct().count(), "one move per channel");
      for (ChannelMove m : a) {
        if (m.getState() == ChannelWatchState.TO_WATCH) {
          assertTrue(nodes.stream().anyMatch(n -> n.id() == m.getTo().getServerId() && !n.stopping()), m.toString());
        } else {
          assertEquals(ChannelWatchState.TO_RELEASE, m.getState());
          assertEquals(m.getFrom(), m.getTo());
        }
      }
    }
  }
}
