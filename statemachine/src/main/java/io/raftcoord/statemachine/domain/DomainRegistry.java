package io.raftcoord.statemachine.domain;

import io.raftcoord.proto.Command;
import io.raftcoord.proto.Query;
import io.raftcoord.proto.Record;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Routes each command, record and query to the one domain that claims it: envelope cases by
 * their oneof case, messages in the envelope's {@code domain} field by their type URL. Refuses at
 * construction a case or type claimed twice, so that a registration mistake stops the replica at
 * start instead of dropping commands.
 */
public final class DomainRegistry {
  /** Query cases the core answers itself (status, store dump, change feed). */
  public static final Set<Query.BodyCase> CORE_QUERIES = Set.of(Query.BodyCase.STATUS, Query.BodyCase.DUMP,
      Query.BodyCase.WATCH);

  private final List<Domain> domains;
  private final Map<Command.BodyCase, Domain> commands = new EnumMap<>(Command.BodyCase.class);
  private final Map<Record.BodyCase, Domain> records = new EnumMap<>(Record.BodyCase.class);
  private final Map<Query.BodyCase, Domain> queries = new EnumMap<>(Query.BodyCase.class);
  private final Map<String, Domain> anyCommands = new HashMap<>();
  private final Map<String, Domain> anyRecords = new HashMap<>();
  private final Map<String, Domain> anyQueries = new HashMap<>();

  public DomainRegistry(List<Domain> domains) {
    this.domains = List.copyOf(domains);
    Map<String, Domain> names = new HashMap<>();
    for (Domain d : this.domains) {
      if (names.put(d.name(), d) != null) {
        throw new IllegalStateException("two domains are named " + d.name());
      }
      Claims c = d.claims();
      c.commands().forEach(k -> claim(commands, k, d, "command case"));
      c.records().forEach(k -> claim(records, k, d, "record case"));
      c.queries().forEach(k -> claim(queries, k, d, "query case"));
      c.anyCommands().forEach(t -> claim(anyCommands, Claims.typeUrl(t), d, "command type"));
      c.anyRecords().forEach(t -> claim(anyRecords, Claims.typeUrl(t), d, "record type"));
      c.anyQueries().forEach(t -> claim(anyQueries, Claims.typeUrl(t), d, "query type"));
    }
    for (Query.BodyCase q : CORE_QUERIES) {
      if (queries.containsKey(q)) {
        throw new IllegalStateException("query case " + q + " is the core's, but domain " + queries.get(q).name() + " claims it");
      }
    }
  }

  private static <K> void claim(Map<K, Domain> routes, K key, Domain d, String what) {
    Domain before = routes.putIfAbsent(key, d);
    if (before != null) {
      throw new IllegalStateException(what + " " + key + " is claimed by both " + before.name() + " and " + d.name());
    }
  }

  public List<Domain> all() {
    return domains;
  }

  public Optional<Domain> byName(String name) {
    return domains.stream().filter(d -> d.name().equals(name)).findFirst();
  }

  /** The domain of {@code c}; empty for a command without a body or with a type no domain claims. */
  public Optional<Domain> forCommand(Command c) {
    return c.getBodyCase() == Command.BodyCase.DOMAIN
        ? Optional.ofNullable(anyCommands.get(c.getDomain().getTypeUrl()))
        : Optional.ofNullable(commands.get(c.getBodyCase()));
  }

  public Optional<Domain> forRecord(Record r) {
    return r.getBodyCase() == Record.BodyCase.DOMAIN
        ? Optional.ofNullable(anyRecords.get(r.getDomain().getTypeUrl()))
        : Optional.ofNullable(records.get(r.getBodyCase()));
  }

  public Optional<Domain> forQuery(Query q) {
    return q.getBodyCase() == Query.BodyCase.DOMAIN
        ? Optional.ofNullable(anyQueries.get(q.getDomain().getTypeUrl()))
        : Optional.ofNullable(queries.get(q.getBodyCase()));
  }

  /** Envelope cases no domain claims (the test of the registry requires none but BODY_NOT_SET and DOMAIN). */
  public Set<Command.BodyCase> unclaimedCommandCases() {
    return unclaimed(Command.BodyCase.values(), commands::containsKey);
  }

  public Set<Record.BodyCase> unclaimedRecordCases() {
    return unclaimed(Record.BodyCase.values(), records::containsKey);
  }

  public Set<Query.BodyCase> unclaimedQueryCases() {
    return unclaimed(Query.BodyCase.values(), q -> queries.containsKey(q) || CORE_QUERIES.contains(q));
  }

  private static <E extends Enum<E>> Set<E> unclaimed(E[] all, Function<E, Boolean> claimed) {
    java.util.Set<E> out = new java.util.TreeSet<>();
    for (E e : all) {
      if (!claimed.apply(e)) {
        out.add(e);
      }
    }
    return out;
  }

}
