package io.raftcoord.server.fault;

import io.raftcoord.proto.CatalogChange;
import io.raftcoord.proto.ChangeEvent;
import io.raftcoord.proto.ChangeKind;
import io.raftcoord.proto.CollectionInfo;
import io.raftcoord.proto.CollectionSchema;
import io.raftcoord.proto.ErrorCode;
import io.raftcoord.proto.FieldSchema;
import io.raftcoord.proto.PartitionInfo;
import io.raftcoord.server.fault.DdlHistory.Op;
import io.raftcoord.server.fault.DdlHistory.Type;
import io.raftcoord.server.fault.History.Outcome;
import io.raftcoord.server.fault.HistoryChecker.Counts;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Judges a {@link DdlHistory} of catalog DDL calls against what the cluster holds at the end: each
 * replica's catalog (listed and described on that replica), the full change feed read from
 * revision 1 after healing, and what every watcher received while the faults ran.
 *
 * <p>An UNKNOWN op may take effect at any time after its invocation (its return is "never"); a
 * FAILED op had no effect. Objects are keyed {@code db/collection}; names are never reused by the
 * workload except by retries of the same call. The checks:
 * <ul>
 *   <li>{@link Check#REPLICAS_DIVERGE}: the replicas' store digests (at the same applied index),
 *       databases and collections (described in full) are identical;</li>
 *   <li>{@link Check#ACKED_CREATE_LOST}: an acknowledged create (collection or database) is present
 *       with the id it was acknowledged with, unless an OK or UNKNOWN drop of it may have followed;
 *       the {@code default} database is present on every replica;</li>
 *   <li>{@link Check#ACKED_PARTITION_LOST}: an acknowledged partition create is present (same id)
 *       unless its collection may have been dropped;</li>
 *   <li>{@link Check#DROP_RESURRECTED}: after an acknowledged drop the collection is absent; it may
 *       only be there again as a new incarnation made by a create that may have applied later;</li>
 *   <li>{@link Check#PARTIAL_COLLECTION}: every present collection, and every collection in a
 *       COLLECTION_CREATED event, has all the schema's fields (IDs 100.. in order) and its
 *       {@code _default} partition first: a create, acknowledged or not, is all-or-nothing;</li>
 *   <li>{@link Check#PHANTOM}: every present collection and partition was made by an OK create
 *       (same id) or by an UNKNOWN one;</li>
 *   <li>{@link Check#DUPLICATE_CREATE}: two creates of one name are not both acknowledged unless
 *       a drop may have come between;</li>
 *   <li>{@link Check#FAILURE_INCONSISTENT}: a definite failure is one the history explains
 *       (ALREADY_EXISTS after another create that may have applied; NOT_FOUND when the object may
 *       not have existed or may have been dropped); any other domain error is unexpected;</li>
 *   <li>{@link Check#FEED_ORDER}: the feed is in strictly increasing (revision, ordinal) order,
 *       each revision's ordinals 0, 1, 2, ...;</li>
 *   <li>{@link Check#FEED_STATE}: replaying the feed from revision 1 gives exactly the final
 *       catalog;</li>
 *   <li>{@link Check#FEED_HISTORY}: every acknowledged change is in the feed with the id and
 *       object it was acknowledged with, and the feed holds no more changes of an object than
 *       calls that may have made them;</li>
 *   <li>WATCH_*: each watcher received exactly the feed: no event twice
 *       ({@link Check#WATCH_DUPLICATE}), none out of order ({@link Check#WATCH_ORDER}), none
 *       missing ({@link Check#WATCH_GAP}), none not in the feed ({@link Check#WATCH_EXTRA}), none
 *       different from the feed's ({@link Check#WATCH_CONTENT}).</li>
 * </ul>
 * Pure and deterministic.
 */
public final class DdlChecker {
  /** Violations kept per check (all are counted). */
  public static final int MAX_REPORTED = 20;
  public static final long FIRST_FIELD_ID = 100;
  public static final String DEFAULT_PARTITION = "_default";
  public static final String DEFAULT_DATABASE = "default";

  public enum Check {
    REPLICAS_DIVERGE, ACKED_CREATE_LOST, ACKED_PARTITION_LOST, DROP_RESURRECTED, PARTIAL_COLLECTION, PHANTOM,
    DUPLICATE_CREATE, FAILURE_INCONSISTENT, FEED_ORDER, FEED_STATE, FEED_HISTORY,
    WATCH_DUPLICATE, WATCH_ORDER, WATCH_GAP, WATCH_EXTRA, WATCH_CONTENT
  }

  /** {@code op} is the call the violation is about, or null when it is about state or events only. */
  public record Violation(Check check, String message, Op op) {}

  /**
   * One replica's catalog at the end.
   *
   * @param collections by {@code db/name}, as described on that replica
   */
  public record ReplicaCatalog(String replica, long appliedIndex, String digest, SortedSet<String> databases,
                               SortedMap<String, CollectionInfo> collections) {}

  /**
   * What the cluster showed at the end.
   *
   * @param replicas every replica's catalog; the first one is the reference the history is judged against
   * @param feed the whole change feed from revision 1, read after healing
   * @param watchers per watcher, the events it received during the run, in order
   */
  public record Observed(List<ReplicaCatalog> replicas, List<ChangeEvent> feed, Map<String, List<ChangeEvent>> watchers) {}

  public record Verdict(Map<Type, Counts> counts, Map<Check, Long> violationCounts, List<Violation> violations,
                        int collectionsPresent, int feedEvents, Map<String, Integer> watcherEvents, long originNanos) {
    public boolean valid() {
      return violationCounts.values().stream().allMatch(n -> n == 0);
    }

    public Counts counts(Type type) {
      return counts.get(type);
    }

    public long violations(Check check) {
      return violationCounts.get(check);
    }

    public Optional<Violation> first(Check check) {
      return violations.stream().filter(v -> v.check() == check).findFirst();
    }

    public String summary() {
      StringBuilder b = new StringBuilder(valid() ? "VALID" : "INVALID");
      for (Type t : Type.values()) {
        b.append(' ').append(t.name().toLowerCase()).append('{').append(counts.get(t)).append('}');
      }
      b.append(" present=").append(collectionsPresent).append(" feed=").append(feedEvents)
          .append(" watchers=").append(watcherEvents);
      if (!valid()) {
        Map<Check, Long> nonZero = new EnumMap<>(Check.class);
        violationCounts.forEach((c, n) -> {
          if (n > 0) {
            nonZero.put(c, n);
          }
        });
        b.append(" violations ").append(nonZero);
        for (Violation v : violations) {
          b.append("\n  ").append(v.check()).append(": ").append(v.message());
          if (v.op() != null) {
            b.append("\n    op: ").append(v.op().describe(originNanos));
          }
        }
      }
      return b.toString();
    }
  }

  private DdlChecker() {}

  /** {@code schemaOf}: the schema the workload creates collection NAME with. */
  public static Verdict check(DdlHistory history, Observed observed, Function<String, CollectionSchema> schemaOf) {
    return check(history.ops(), observed, schemaOf, history.originNanos());
  }

  public static Verdict check(Collection<Op> all, Observed observed, Function<String, CollectionSchema> schemaOf,
                              long originNanos) {
    if (observed.replicas().isEmpty()) {
      throw new IllegalArgumentException("no replica catalogs to judge");
    }
    Run run = new Run(List.copyOf(all), observed, schemaOf);
    run.replicas();
    run.history();
    run.feed();
    run.watchers();

    Map<Type, Counts> counts = new EnumMap<>(Type.class);
    for (Type t : Type.values()) {
      long ok = all.stream().filter(o -> o.type() == t && o.outcome() == Outcome.OK).count();
      long failed = all.stream().filter(o -> o.type() == t && o.outcome() == Outcome.FAILED).count();
      long unknown = all.stream().filter(o -> o.type() == t && o.outcome() == Outcome.UNKNOWN).count();
      counts.put(t, new Counts(ok, failed, unknown));
    }
    Map<Check, Long> violationCounts = new EnumMap<>(Check.class);
    List<Violation> reported = new ArrayList<>();
    for (Check c : Check.values()) {
      List<Violation> vs = run.found.get(c);
      violationCounts.put(c, (long) vs.size());
      reported.addAll(vs.subList(0, Math.min(MAX_REPORTED, vs.size())));
    }
    Map<String, Integer> watcherEvents = new TreeMap<>();
    observed.watchers().forEach((w, evs) -> watcherEvents.put(w, evs.size()));
    return new Verdict(counts, violationCounts, List.copyOf(reported), run.ref.collections().size(),
        observed.feed().size(), watcherEvents, originNanos);
  }

  /** Why {@code c} is not a complete collection of {@code schema}, or empty when it is. */
  public static Optional<String> incomplete(CollectionInfo c, CollectionSchema schema) {
    List<String> problems = new ArrayList<>();
    int n = schema.getFieldsCount();
    if (c.getSchema().getFieldsCount() != n) {
      problems.add(c.getSchema().getFieldsCount() + " fields instead of " + n);
    }
    for (int i = 0; i < Math.min(n, c.getSchema().getFieldsCount()); i++) {
      FieldSchema want = schema.getFields(i).toBuilder().setFieldId(FIRST_FIELD_ID + i).build();
      FieldSchema got = c.getSchema().getFields(i);
      if (!want.equals(got)) {
        problems.add("field " + i + " is {" + oneLine(got) + "} instead of {" + oneLine(want) + "}");
      }
    }
    if (!c.getSchema().getDescription().equals(schema.getDescription())) {
      problems.add("a description of " + c.getSchema().getDescription().length() + " characters instead of "
          + schema.getDescription().length() + (c.getSchema().getDescription().length()
          == schema.getDescription().length() ? ", different ones" : ""));
    }
    if (c.getPartitionsCount() == 0) {
      problems.add("no partitions");
    } else if (!c.getPartitions(0).getName().equals(DEFAULT_PARTITION)) {
      problems.add("first partition is \"" + c.getPartitions(0).getName() + "\" instead of " + DEFAULT_PARTITION);
    }
    Set<String> names = new HashSet<>();
    for (PartitionInfo p : c.getPartitionsList()) {
      if (!names.add(p.getName())) {
        problems.add("partition \"" + p.getName() + "\" twice");
      }
      if (p.getId() <= 0) {
        problems.add("partition \"" + p.getName() + "\" has id " + p.getId());
      }
    }
    if (c.getId() <= 0 || c.getCreatedTimestamp() <= 0) {
      problems.add("id " + c.getId() + ", created timestamp " + c.getCreatedTimestamp());
    }
    if (c.getShardsNum() < 1 || c.getVirtualChannelsCount() != c.getShardsNum()
        || c.getPhysicalChannelsCount() != c.getShardsNum()) {
      problems.add(c.getShardsNum() + " shards with " + c.getVirtualChannelsCount() + " virtual and "
          + c.getPhysicalChannelsCount() + " physical channels");
    }
    return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
  }

  /** {@code KIND db/name[#partition]} of an event, for messages. */
  public static String describe(ChangeEvent e) {
    CatalogChange c = e.getChange();
    String what = switch (c.getKind()) {
      case DATABASE_CREATED, DATABASE_ALTERED, DATABASE_DROPPED -> c.getDatabase().getName();
      case PARTITION_CREATED, PARTITION_DROPPED -> collectionKey(c.getCollection()) + "#" + c.getPartition().getName();
      case COLLECTION_CREATED, COLLECTION_ALTERED, COLLECTION_DROPPED -> collectionKey(c.getCollection());
      case COLLECTION_RENAMED -> DdlHistory.key(c.getPreviousDbName(), c.getPreviousName()) + " -> "
          + collectionKey(c.getCollection());
      default -> "";
    };
    return c.getKind() + " " + what;
  }

  static String collectionKey(CollectionInfo c) {
    return DdlHistory.key(c.getDbName(), c.getName());
  }

  private static String oneLine(Object proto) {
    return proto.toString().replace('\n', ' ').trim();
  }

  private static String at(ChangeEvent e) {
    return "(" + e.getRevision() + "," + e.getOrdinal() + ")";
  }

  /** A change's position in the feed. */
  private record Pos(long revision, int ordinal) implements Comparable<Pos> {
    static Pos of(ChangeEvent e) {
      return new Pos(e.getRevision(), e.getOrdinal());
    }

    @Override
    public int compareTo(Pos o) {
      int c = Long.compare(revision, o.revision);
      return c != 0 ? c : Integer.compare(ordinal, o.ordinal);
    }

    @Override
    public String toString() {
      return "(" + revision + "," + ordinal + ")";
    }
  }

  /** One judging: the inputs, indexes over them, and what was found. */
  private static final class Run {
    final List<Op> ops;
    final Observed observed;
    final Function<String, CollectionSchema> schemaOf;
    final ReplicaCatalog ref;
    final Map<Check, List<Violation>> found = new EnumMap<>(Check.class);
    /** Collection ops (not database ones) by {@code db/name}. */
    final Map<String, List<Op>> byKey = new TreeMap<>();

    Run(List<Op> ops, Observed observed, Function<String, CollectionSchema> schemaOf) {
      this.ops = ops;
      this.observed = observed;
      this.schemaOf = schemaOf;
      this.ref = observed.replicas().get(0);
      for (Check c : Check.values()) {
        found.put(c, new ArrayList<>());
      }
      for (Op op : ops) {
        if (op.type() != Type.CREATE_DATABASE) {
          byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
        }
      }
    }

    void add(Check check, String message, Op op) {
      found.get(check).add(new Violation(check, message, op));
    }

    // ---- (e) replicas ----

    void replicas() {
      for (ReplicaCatalog r : observed.replicas().subList(1, observed.replicas().size())) {
        String pair = ref.replica() + " and " + r.replica();
        if (r.appliedIndex() != ref.appliedIndex() || !Objects.equals(r.digest(), ref.digest())) {
          add(Check.REPLICAS_DIVERGE, pair + " differ in their stores: " + ref.replica() + " applied "
              + ref.appliedIndex() + " digest " + ref.digest() + ", " + r.replica() + " applied " + r.appliedIndex()
              + " digest " + r.digest(), null);
        }
        if (!r.databases().equals(ref.databases())) {
          add(Check.REPLICAS_DIVERGE, pair + " list different databases: " + ref.databases() + " vs " + r.databases(), null);
        }
        Set<String> keys = new TreeSet<>(ref.collections().keySet());
        keys.addAll(r.collections().keySet());
        for (String k : keys) {
          CollectionInfo a = ref.collections().get(k);
          CollectionInfo b = r.collections().get(k);
          if (a == null || b == null) {
            add(Check.REPLICAS_DIVERGE, k + " is on " + (a == null ? r.replica() : ref.replica()) + " only (of " + pair + ")",
                null);
          } else if (!a.equals(b)) {
            add(Check.REPLICAS_DIVERGE, k + " differs between " + pair + ": {" + oneLine(a) + "} vs {" + oneLine(b) + "}",
                null);
          }
        }
      }
    }

    // ---- (a)-(d) history against the final catalog ----

    void history() {
      databases();
      Set<String> keys = new TreeSet<>(byKey.keySet());
      keys.addAll(ref.collections().keySet());
      for (String key : keys) {
        collection(key, byKey.getOrDefault(key, List.of()), ref.collections().get(key));
      }
    }

    private void databases() {
      for (ReplicaCatalog r : observed.replicas()) {
        if (!r.databases().contains(DEFAULT_DATABASE)) {
          add(Check.ACKED_CREATE_LOST, "the " + DEFAULT_DATABASE + " database is missing on " + r.replica()
              + " (it lists " + r.databases() + ")", null);
        }
      }
      List<Op> dbOps = ops.stream().filter(o -> o.type() == Type.CREATE_DATABASE).toList();
      for (Op op : dbOps) {
        boolean exists = op.ok() || op.outcome() == Outcome.FAILED && op.code() == ErrorCode.ALREADY_EXISTS;
        if (exists && !ref.databases().contains(op.db())) {
          add(Check.ACKED_CREATE_LOST, "database " + op.db() + " is missing", op);
        }
        if (op.outcome() == Outcome.FAILED) {
          boolean explained = op.code() == ErrorCode.ALREADY_EXISTS && dbOps.stream().anyMatch(o -> o != op
              && o.db().equals(op.db()) && o.outcome() != Outcome.FAILED && o.invokeNanos() < op.returnNanos());
          if (!explained) {
            add(Check.FAILURE_INCONSISTENT, "create of database " + op.db() + " failed with " + op.code()
                + " and no other create of it could have applied first", op);
          }
        }
      }
    }

    private void collection(String key, List<Op> kops, CollectionInfo present) {
      List<Op> creates = kops.stream().filter(o -> o.type() == Type.CREATE_COLLECTION).toList();
      List<Op> okCreates = creates.stream().filter(Op::ok).toList();
      boolean unknownCreate = creates.stream().anyMatch(o -> o.outcome() == Outcome.UNKNOWN);
      List<Op> drops = kops.stream().filter(o -> o.type() == Type.DROP_COLLECTION).toList();
      List<Op> parts = kops.stream().filter(o -> o.type() == Type.CREATE_PARTITION).toList();

      if (present != null) {
        incomplete(present, schemaOf.apply(present.getName())).ifPresent(why -> add(Check.PARTIAL_COLLECTION, key + " (id " + present.getId()
            + ") is incomplete: " + why, null));
        boolean made = unknownCreate || okCreates.stream().anyMatch(c -> c.result().getId() == present.getId());
        if (!made) {
          add(Check.PHANTOM, key + " (id " + present.getId() + ") is present but no acknowledged create answered "
              + "that id and no create of it has an unknown outcome (" + creates.size() + " creates)", null);
        }
        for (int i = 1; i < present.getPartitionsCount(); i++) {
          PartitionInfo p = present.getPartitions(i);
          boolean madeP = parts.stream().anyMatch(o -> o.partitionName().equals(p.getName())
              && (o.ok() && o.partition().getId() == p.getId() || o.outcome() == Outcome.UNKNOWN));
          if (!madeP) {
            add(Check.PHANTOM, key + " has partition " + p.getName() + " (id " + p.getId()
                + ") that no acknowledged or unknown create made", null);
          }
        }
      }

      for (Op d : drops) {
        if (!d.ok() || present == null) {
          continue;
        }
        if (present.getId() == d.result().getId()) {
          add(Check.DROP_RESURRECTED, key + " (id " + present.getId() + ") is present although its drop was acknowledged", d);
        } else {
          boolean remade = unknownCreate || okCreates.stream()
              .anyMatch(c -> c.result().getId() == present.getId() && c.returnNanos() > d.invokeNanos());
          if (!remade) {
            add(Check.DROP_RESURRECTED, key + " is present (id " + present.getId() + ") after an acknowledged drop (of id "
                + d.result().getId() + ") and no create could have made it again after the drop", d);
          }
        }
      }

      for (Op c : okCreates) {
        if (present != null && present.getId() == c.result().getId()) {
          continue;
        }
        if (!mayHaveDropped(drops, c.invokeNanos(), null)) {
          add(Check.ACKED_CREATE_LOST, present == null ? key + " (id " + c.result().getId() + ") is missing"
              : key + " (id " + c.result().getId() + ") was replaced by id " + present.getId()
              + " with no drop that could have removed it", c);
        }
      }

      for (int i = 1; i < okCreates.size(); i++) {
        Op a = okCreates.get(i - 1);
        Op b = okCreates.get(i);
        boolean between = drops.stream().anyMatch(d -> d.outcome() != Outcome.FAILED
            && d.invokeNanos() < b.returnNanos() && d.effectiveReturnNanos() > a.invokeNanos());
        if (!between) {
          add(Check.DUPLICATE_CREATE, key + " was created twice (ids " + a.result().getId() + " and "
              + b.result().getId() + ") with no drop in between; first: op#" + a.id(), b);
        }
      }

      for (Op p : parts) {
        if (!p.ok()) {
          continue;
        }
        boolean there = present != null && present.getPartitionsList().stream()
            .anyMatch(x -> x.getId() == p.partition().getId() && x.getName().equals(p.partitionName()));
        if (!there && !mayHaveDropped(drops, p.invokeNanos(), null)) {
          add(Check.ACKED_PARTITION_LOST, key + "#" + p.partitionName() + " (id " + p.partition().getId() + ") is missing"
              + (present == null ? " (and so is the collection)" : ""), p);
        }
      }

      for (Op f : kops) {
        if (f.outcome() == Outcome.FAILED) {
          failure(key, f, creates, drops, parts);
        }
      }
    }

    /** An OK or UNKNOWN drop, other than {@code except}, that may have applied after {@code afterNanos}. */
    private static boolean mayHaveDropped(List<Op> drops, long afterNanos, Op except) {
      return drops.stream().anyMatch(d -> d != except && d.outcome() != Outcome.FAILED
          && d.effectiveReturnNanos() > afterNanos);
    }

    /** The collection was known to exist before {@code nanos}: a create was acknowledged, or refused as existing. */
    private static boolean knownToExistBefore(List<Op> creates, long nanos) {
      return creates.stream().anyMatch(c -> (c.ok() || c.outcome() == Outcome.FAILED && c.code() == ErrorCode.ALREADY_EXISTS)
          && c.returnNanos() < nanos);
    }

    private void failure(String key, Op f, List<Op> creates, List<Op> drops, List<Op> parts) {
      Predicate<Op> mayHaveApplied = o -> o != f && o.outcome() != Outcome.FAILED && o.invokeNanos() < f.returnNanos();
      String why = null;
      switch (f.type()) {
        case CREATE_COLLECTION -> {
          if (f.code() != ErrorCode.ALREADY_EXISTS) {
            why = "unexpected";
          } else if (creates.stream().noneMatch(mayHaveApplied)) {
            why = "no other create of it was invoked before this one returned";
          } else if (feedEvents(ChangeKind.COLLECTION_CREATED, key, null).isEmpty()) {
            why = "the feed never created it";
          }
        }
        case CREATE_PARTITION -> {
          if (f.code() == ErrorCode.ALREADY_EXISTS) {
            if (parts.stream().filter(o -> o.partitionName().equals(f.partitionName())).noneMatch(mayHaveApplied)) {
              why = "no other create of this partition was invoked before this one returned";
            } else if (feedEvents(ChangeKind.PARTITION_CREATED, key, f.partitionName()).isEmpty()) {
              why = "the feed never created this partition";
            }
          } else if (f.code() == ErrorCode.NOT_FOUND) {
            if (knownToExistBefore(creates, f.invokeNanos()) && drops.stream().noneMatch(mayHaveApplied)) {
              why = "the collection existed before the call and no drop of it was invoked before it returned";
            }
          } else {
            why = "unexpected";
          }
        }
        case DROP_COLLECTION -> {
          if (f.code() != ErrorCode.NOT_FOUND) {
            why = "unexpected";
          } else if (knownToExistBefore(creates, f.invokeNanos()) && drops.stream().noneMatch(mayHaveApplied)) {
            why = "the collection existed before the call and no other drop of it was invoked before it returned";
          }
        }
        default -> why = "unexpected";
      }
      if (why != null) {
        add(Check.FAILURE_INCONSISTENT, f.type() + " of " + key + (f.partitionName() == null ? "" : "#" + f.partitionName())
            + " failed with " + f.code() + ": " + why, f);
      }
    }

    // ---- the feed ----

    private Map<String, List<ChangeEvent>> feedIndex;

    /** Feed events of {@code kind} on {@code key} (and partition name, for partition kinds). */
    List<ChangeEvent> feedEvents(ChangeKind kind, String key, String partition) {
      if (feedIndex == null) {
        feedIndex = new HashMap<>();
        for (ChangeEvent e : observed.feed()) {
          CatalogChange c = e.getChange();
          if (c.hasCollection()) {
            String k = c.getKind() + " " + collectionKey(c.getCollection())
                + (c.getKind() == ChangeKind.PARTITION_CREATED || c.getKind() == ChangeKind.PARTITION_DROPPED
                ? "#" + c.getPartition().getName() : "");
            feedIndex.computeIfAbsent(k, x -> new ArrayList<>()).add(e);
          }
        }
      }
      return feedIndex.getOrDefault(kind + " " + key + (partition == null ? "" : "#" + partition), List.of());
    }

    void feed() {
      List<ChangeEvent> feed = observed.feed();
      // Order: strictly increasing, ordinals 0, 1, ... within a revision.
      ChangeEvent prev = null;
      for (ChangeEvent e : feed) {
        boolean fine = prev == null ? e.getOrdinal() == 0
            : e.getRevision() > prev.getRevision() && e.getOrdinal() == 0
              || e.getRevision() == prev.getRevision() && e.getOrdinal() == prev.getOrdinal() + 1;
        if (!fine) {
          add(Check.FEED_ORDER, "feed has " + at(e) + " " + describe(e) + " after "
              + (prev == null ? "nothing" : at(prev) + " " + describe(prev)), null);
        }
        prev = e;
      }

      // Replay: the feed from revision 1 must rebuild the final catalog.
      SortedSet<String> dbs = new TreeSet<>(List.of(DEFAULT_DATABASE));
      SortedMap<String, CollectionInfo> state = new TreeMap<>();
      for (ChangeEvent e : feed) {
        CatalogChange c = e.getChange();
        switch (c.getKind()) {
          case DATABASE_CREATED, DATABASE_ALTERED -> dbs.add(c.getDatabase().getName());
          case DATABASE_DROPPED -> dbs.remove(c.getDatabase().getName());
          case COLLECTION_CREATED, COLLECTION_ALTERED, PARTITION_CREATED, PARTITION_DROPPED ->
              state.put(collectionKey(c.getCollection()), c.getCollection());
          case COLLECTION_RENAMED -> {
            state.remove(DdlHistory.key(c.getPreviousDbName(), c.getPreviousName()));
            state.put(collectionKey(c.getCollection()), c.getCollection());
          }
          case COLLECTION_DROPPED -> state.remove(collectionKey(c.getCollection()));
          default -> { }
        }
        if (c.getKind() == ChangeKind.COLLECTION_CREATED) {
          incomplete(c.getCollection(), schemaOf.apply(c.getCollection().getName())).ifPresent(why -> add(Check.PARTIAL_COLLECTION, "the feed's "
              + at(e) + " " + describe(e) + " (id " + c.getCollection().getId() + ") is incomplete: " + why, null));
        }
      }
      if (!dbs.equals(ref.databases())) {
        add(Check.FEED_STATE, "replaying the feed gives databases " + dbs + ", " + ref.replica() + " lists "
            + ref.databases(), null);
      }
      Set<String> keys = new TreeSet<>(state.keySet());
      keys.addAll(ref.collections().keySet());
      for (String k : keys) {
        CollectionInfo replayed = state.get(k);
        CollectionInfo there = ref.collections().get(k);
        if (!Objects.equals(replayed, there)) {
          add(Check.FEED_STATE, k + ": replaying the feed gives " + (replayed == null ? "nothing" : "{" + oneLine(replayed) + "}")
              + ", " + ref.replica() + " has " + (there == null ? "nothing" : "{" + oneLine(there) + "}"), null);
        }
      }

      // Acknowledged changes are in the feed as acknowledged; no more changes than calls.
      Set<String> keysSeen = new TreeSet<>(byKey.keySet());
      for (ChangeEvent e : feed) {
        if (e.getChange().hasCollection()) {
          keysSeen.add(collectionKey(e.getChange().getCollection()));
        }
      }
      // Partition names the feed created, per collection (one pass: a long run has ~10^5 keys and events).
      Map<String, Set<String>> feedPartitions = new HashMap<>();
      for (ChangeEvent e : feed) {
        if (e.getChange().getKind() == ChangeKind.PARTITION_CREATED) {
          feedPartitions.computeIfAbsent(collectionKey(e.getChange().getCollection()), k -> new TreeSet<>())
              .add(e.getChange().getPartition().getName());
        }
      }
      for (String key : keysSeen) {
        List<Op> kops = byKey.getOrDefault(key, List.of());
        for (Op op : kops) {
          if (!op.ok()) {
            continue;
          }
          switch (op.type()) {
            case CREATE_COLLECTION -> {
              boolean in = feedEvents(ChangeKind.COLLECTION_CREATED, key, null).stream()
                  .anyMatch(e -> e.getChange().getCollection().equals(op.result()));
              if (!in) {
                add(Check.FEED_HISTORY, "acknowledged create of " + key + " (id " + op.result().getId()
                    + ") is not in the feed as acknowledged", op);
              }
            }
            case DROP_COLLECTION -> {
              boolean in = feedEvents(ChangeKind.COLLECTION_DROPPED, key, null).stream()
                  .anyMatch(e -> e.getChange().getCollection().getId() == op.result().getId());
              if (!in) {
                add(Check.FEED_HISTORY, "acknowledged drop of " + key + " (id " + op.result().getId()
                    + ") is not in the feed", op);
              }
            }
            case CREATE_PARTITION -> {
              boolean in = feedEvents(ChangeKind.PARTITION_CREATED, key, op.partitionName()).stream()
                  .anyMatch(e -> e.getChange().getPartition().equals(op.partition()));
              if (!in) {
                add(Check.FEED_HISTORY, "acknowledged create of " + key + "#" + op.partitionName() + " (id "
                    + op.partition().getId() + ") is not in the feed as acknowledged", op);
              }
            }
            default -> { }
          }
        }
        atMostCalls(key, null, ChangeKind.COLLECTION_CREATED, kops, Type.CREATE_COLLECTION);
        atMostCalls(key, null, ChangeKind.COLLECTION_DROPPED, kops, Type.DROP_COLLECTION);
        Set<String> partNames = new TreeSet<>();
        kops.stream().filter(o -> o.type() == Type.CREATE_PARTITION).forEach(o -> partNames.add(o.partitionName()));
        partNames.addAll(feedPartitions.getOrDefault(key, Set.of()));
        for (String p : partNames) {
          atMostCalls(key, p, ChangeKind.PARTITION_CREATED, kops.stream()
              .filter(o -> p.equals(o.partitionName())).toList(), Type.CREATE_PARTITION);
        }
      }
    }

    private void atMostCalls(String key, String partition, ChangeKind kind, List<Op> kops, Type type) {
      int events = feedEvents(kind, key, partition).size();
      long calls = kops.stream().filter(o -> o.type() == type && o.outcome() != Outcome.FAILED).count();
      if (events > calls) {
        ChangeEvent first = feedEvents(kind, key, partition).get(0);
        add(Check.FEED_HISTORY, "the feed has " + events + " " + kind + " events for " + key
            + (partition == null ? "" : "#" + partition) + " (first at " + at(first) + ") but only " + calls
            + " OK or unknown " + type + " calls could have made them", null);
      }
    }

    // ---- (f) watchers ----

    void watchers() {
      Map<Pos, ChangeEvent> byPos = new LinkedHashMap<>();
      for (ChangeEvent e : observed.feed()) {
        byPos.putIfAbsent(Pos.of(e), e);
      }
      for (Map.Entry<String, List<ChangeEvent>> w : observed.watchers().entrySet()) {
        String name = w.getKey();
        List<ChangeEvent> seen = w.getValue();
        Map<Pos, Integer> firstAt = new HashMap<>();
        Pos prev = null;
        for (int i = 0; i < seen.size(); i++) {
          ChangeEvent e = seen.get(i);
          Pos p = Pos.of(e);
          Integer earlier = firstAt.putIfAbsent(p, i);
          if (earlier != null) {
            add(Check.WATCH_DUPLICATE, name + " received " + p + " " + describe(e) + " twice (#" + earlier
                + " and #" + i + ")", null);
            continue;
          }
          if (prev != null && p.compareTo(prev) <= 0) {
            add(Check.WATCH_ORDER, name + " received " + p + " " + describe(e) + " (#" + i + ") after " + prev, null);
          }
          prev = p;
          ChangeEvent inFeed = byPos.get(p);
          if (inFeed == null) {
            add(Check.WATCH_EXTRA, name + " received " + p + " " + describe(e) + " (#" + i + "), which the feed does not hold",
                null);
          } else if (!inFeed.equals(e)) {
            add(Check.WATCH_CONTENT, name + " received " + p + " as " + describe(e) + " but the feed holds "
                + describe(inFeed), null);
          }
        }
        Pos before = null;
        for (Pos p : byPos.keySet()) {
          if (!firstAt.containsKey(p)) {
            add(Check.WATCH_GAP, name + " never received " + p + " " + describe(byPos.get(p))
                + (before == null ? " (the feed's first event)" : " (the feed's event after " + before + ")"), null);
          }
          before = p;
        }
      }
    }
  }
}
