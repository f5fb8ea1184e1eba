package io.raftcoord.server.chaos;

import io.raftcoord.server.chaos.QueryCoordRecords.CopySample;
import io.raftcoord.server.chaos.QueryCoordRecords.FinalLoad;
import io.raftcoord.server.chaos.QueryCoordRecords.NodeEvent;
import io.raftcoord.server.chaos.QueryCoordRecords.Obs;
import io.raftcoord.server.chaos.QueryCoordRecords.ObsKind;
import io.raftcoord.server.chaos.QueryCoordRecords.Op;
import io.raftcoord.server.chaos.QueryCoordRecords.Outcome;
import io.raftcoord.server.chaos.SessionChecker.Finding;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The querycoord workload's checker over {@link QueryCoordRecords}:
 * <ul>
 *   <li>{@value #NEVER_LOADED}: a load acknowledged OK, with no release (acknowledged or of unknown
 *       outcome) invoked after it, is LOADED after the end-phase wait on the whole cluster;
 *   <li>{@value #UNSERVED}: a LOADED collection's current target has no segment that no replica
 *       serves, judged where a correct coordinator guarantees it: the target version was seen
 *       promoted between two observations (one before, the other after) with the same replica
 *       nodes in every observation from before the promotion up to the one judged (nodes only
 *       leave by ending their sessions, so the membership was constant all along: every segment
 *       served at the promotion still is), and every node of the replicas was alive and not
 *       stopping for the {@link #SETTLE_MS} before, with no halt, stop or session loss in the
 *       TTL + {@link #MARGIN_MS} before;
 *   <li>{@value #TWO_COPIES}: after settling, no segment is reported by two nodes of one replica in
 *       every end-phase sample of its collection (a move has two copies only until the old node
 *       releases).
 * </ul>
 * That the three replicas hold identical state is the run's convergence verdict (same applied
 * index and store digest on all three), which covers QueryCoord's column family. End-phase reads
 * that kept failing are a finding of their own ({@value #FINAL_READ}). Findings and the verdict are
 * {@link SessionChecker}'s. Pure.
 */
final class QueryCoordChecker {
  static final String NEVER_LOADED = "load-never-loaded";
  static final String UNSERVED = "loaded-but-unserved";
  static final String TWO_COPIES = "two-copies-in-replica";
  static final String FINAL_READ = "final-read-failed";
  /** How long every node of the replicas must have been alive and not stopping before an observation. */
  static final double SETTLE_MS = 3000;
  /** Added to the TTL: how long after a halt, stop or session loss nothing is judged. */
  static final double MARGIN_MS = 2000;
  /** End-phase samples a doubled segment must be in (all of them, and at least this many). */
  static final int MIN_COPY_SAMPLES = 3;

  private QueryCoordChecker() {}

  static List<Finding> check(QueryCoordRecords r) {
    List<Finding> out = new ArrayList<>();
    for (String e : r.finalErrors()) {
      out.add(new Finding(FINAL_READ, "an end-phase read kept failing after healing: " + e, 0, 0));
    }
    out.addAll(neverLoaded(r));
    out.addAll(unserved(r));
    out.addAll(twoCopies(r));
    return out;
  }

  /** Collections whose last acknowledged load no later release may have undone, with that load. */
  static Map<String, Op> required(List<Op> ops) {
    Map<String, Op> out = new TreeMap<>();
    for (Op o : ops) {
      if (o.load() && o.outcome() == Outcome.OK) {
        out.put(o.collection(), o);
      }
    }
    for (Op o : ops) {
      Op l = out.get(o.collection());
      if (!o.load() && o.outcome() != Outcome.REFUSED && l != null && o.invokeMs() >= l.invokeMs()) {
        out.remove(o.collection());
      }
    }
    return out;
  }

  static List<Finding> neverLoaded(QueryCoordRecords r) {
    List<Finding> out = new ArrayList<>();
    Map<String, FinalLoad> finals = new LinkedHashMap<>();
    r.finals().forEach(f -> finals.put(f.collection(), f));
    required(r.ops()).forEach((c, load) -> {
      FinalLoad f = finals.get(c);
      if (f == null || !f.state().equals("LOADED")) {
        double end = f == null ? load.completeMs() : f.atMs();
        out.add(new Finding(NEVER_LOADED, String.format(Locale.ROOT, "%s: the load invoked at %.3f s was acknowledged "
                + "at %.3f s and not released after, but after the end-phase wait the collection is %s", c,
            SessionChecker.s(load.invokeMs()), SessionChecker.s(load.completeMs()),
            f == null ? "not read" : f.state() + String.format(Locale.ROOT, " (read at %.3f s)", SessionChecker.s(f.atMs()))),
            load.invokeMs(), end));
      }
    });
    return out;
  }

  static List<Finding> unserved(QueryCoordRecords r) {
    List<Finding> out = new ArrayList<>();
    double quietMs = r.ttlMs() + MARGIN_MS;
    List<NodeEvent> disruptive = r.events().stream().filter(NodeEvent::disruptive).toList();
    for (Map.Entry<String, List<Obs>> e : byCollection(r).entrySet()) {
      List<Obs> os = e.getValue();
      Set<String> reported = new HashSet<>();
      for (int i = 0; i < os.size(); i++) {
        Obs o = os.get(i);
        if (o.kind() != ObsKind.PLAN || o.unserved().isEmpty()) {
          continue;
        }
        int j = promotedSince(os, i);
        if (j < 0 || !settled(os, o, disruptive, quietMs)) {
          continue;
        }
        Obs before = os.get(j - 1);
        String key = o.replicaIds() + " v" + o.version();
        if (reported.add(key)) {
          out.add(new Finding(UNSERVED, String.format(Locale.ROOT, "%s: LOADED at target version %d (replicas %s, "
                  + "nodes %s, all alive and not stopping since at least %.3f s), observed [%.3f s .. %.3f s] with "
                  + "segment(s) %s of its current target served by no replica (of %d); the version was promoted "
                  + "between the observations at %.3f s (%s) and %.3f s with the same nodes throughout", e.getKey(),
              o.version(), o.replicaIds(), new TreeSet<>(o.nodes()), SessionChecker.s(o.invokeMs() - SETTLE_MS),
              SessionChecker.s(o.invokeMs()), SessionChecker.s(o.completeMs()), new TreeSet<>(o.unserved()),
              o.segments().size(), SessionChecker.s(before.invokeMs()),
              before.kind() == ObsKind.PENDING ? "LOADING" : "version " + before.version(),
              SessionChecker.s(os.get(j).invokeMs())), before.invokeMs(), o.completeMs()));
        }
      }
    }
    return out;
  }

  /** How many LOADED observations the {@value #UNSERVED} check could judge (served or not). */
  static int judged(QueryCoordRecords r) {
    int n = 0;
    double quietMs = r.ttlMs() + MARGIN_MS;
    List<NodeEvent> disruptive = r.events().stream().filter(NodeEvent::disruptive).toList();
    for (List<Obs> os : byCollection(r).values()) {
      for (int i = 0; i < os.size(); i++) {
        if (os.get(i).kind() == ObsKind.PLAN && promotedSince(os, i) > 0 && settled(os, os.get(i), disruptive, quietMs)) {
          n++;
        }
      }
    }
    return n;
  }

  private static Map<String, List<Obs>> byCollection(QueryCoordRecords r) {
    Map<String, List<Obs>> out = new TreeMap<>();
    for (Obs o : r.observations()) {
      out.computeIfAbsent(o.collection(), x -> new ArrayList<>()).add(o);
    }
    out.values().forEach(os -> os.sort(java.util.Comparator.comparingDouble(Obs::invokeMs)));
    return out;
  }

  /**
   * For the PLAN observation {@code os[i]}: the index of the first observation of its target
   * version, if the one before that saw the same load at a lower version (or LOADING) and every
   * observation from that one to {@code i} saw the same nodes; else -1.
   */
  private static int promotedSince(List<Obs> os, int i) {
    Obs o = os.get(i);
    int j = i;
    while (j > 0 && os.get(j - 1).kind() == ObsKind.PLAN && os.get(j - 1).version() == o.version()
        && os.get(j - 1).replicaIds().equals(o.replicaIds())) {
      j--;
    }
    if (j == 0) {
      return -1;
    }
    Obs before = os.get(j - 1);
    boolean earlier = before.kind() == ObsKind.PENDING
        || (before.kind() == ObsKind.PLAN && before.version() < o.version());
    if (!earlier || !before.replicaIds().equals(o.replicaIds())) {
      return -1;
    }
    for (int k = j - 1; k <= i; k++) {
      if (!os.get(k).nodes().equals(o.nodes())) {
        return -1;
      }
    }
    return j;
  }

  /**
   * Every node of {@code o}'s replicas alive and not stopping in every observation of the
   * collection in the settle window before it (and the history reaches back that far), and no
   * halt, stop or session loss in the TTL + margin before it.
   */
  private static boolean settled(List<Obs> os, Obs o, List<NodeEvent> disruptive, double quietMs) {
    double t = o.invokeMs();
    if (os.isEmpty() || os.get(0).invokeMs() > t - SETTLE_MS || !o.alive().containsAll(o.nodes())) {
      return false;
    }
    for (NodeEvent ev : disruptive) {
      if (ev.atMs() <= o.completeMs() && ev.atMs() >= t - quietMs) {
        return false;
      }
    }
    for (Obs p : os) {
      if (p.invokeMs() >= t - SETTLE_MS && p.invokeMs() <= t
          && (!p.alive().containsAll(o.nodes()) || !p.alive().containsAll(p.nodes()))) {
        return false;
      }
    }
    return true;
  }

  static List<Finding> twoCopies(QueryCoordRecords r) {
    List<Finding> out = new ArrayList<>();
    Map<String, List<CopySample>> byCollection = new TreeMap<>();
    r.copies().forEach(s -> byCollection.computeIfAbsent(s.collection(), x -> new ArrayList<>()).add(s));
    for (Map.Entry<String, List<CopySample>> e : byCollection.entrySet()) {
      List<CopySample> ss = e.getValue();
      if (ss.size() < MIN_COPY_SAMPLES) {
        continue;
      }
      Set<String> always = new TreeSet<>(ss.get(0).doubled().keySet());
      ss.forEach(s -> always.retainAll(s.doubled().keySet()));
      double from = ss.get(0).atMs();
      double to = ss.get(ss.size() - 1).atMs();
      for (String k : always) {
        out.add(new Finding(TWO_COPIES, String.format(Locale.ROOT, "%s: %s is served by nodes %s of one replica in all "
                + "%d end-phase samples [%.3f s .. %.3f s]", e.getKey(), k, ss.get(ss.size() - 1).doubled().get(k),
            ss.size(), SessionChecker.s(from), SessionChecker.s(to)), from, to));
      }
    }
    return out;
  }

  /** Loaded-but-unserved so far: nothing recorded later undoes it. */
  static boolean violationSeen(QueryCoordRecords r) {
    return !unserved(r).isEmpty();
  }

  static Verdict verdict(String checker, long opsChecked, List<Finding> findings) {
    return SessionChecker.verdict(checker, opsChecked, findings);
  }
}
