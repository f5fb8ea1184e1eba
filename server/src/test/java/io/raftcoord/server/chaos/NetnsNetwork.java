package io.raftcoord.server.chaos;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each replica in its own network namespace {@code rc<token>n<i>}, joined by veth pairs to a
 * bridge {@code rcb<token>} in the root namespace that has an address of the replicas' /24 (so
 * clients in the root namespace reach every replica). Cuts are iptables DROP rules in a chain
 * {@code RCCHAOS} of each namespace, jumped to from INPUT and OUTPUT; {@link #healAll()} flushes
 * those chains. The token is random per run, so two runs on one machine do not collide. Needs
 * root, {@code ip} and {@code iptables}; {@link #create} says why when it cannot be done.
 */
final class NetnsNetwork implements ChaosNetwork, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NetnsNetwork.class);
  static final String CHAIN = "RCCHAOS";

  private final String token;
  private final String subnet; // e.g. "10.211.37"
  private final String bridge;
  private final CleanupManifest manifest;
  private final List<String> namespaces = new ArrayList<>();
  private final Set<String> cuts = new LinkedHashSet<>();
  private boolean forwardRule;
  private boolean closed;

  private NetnsNetwork(String token, String subnet, CleanupManifest manifest) {
    this.token = token;
    this.subnet = subnet;
    this.bridge = "rcb" + token;
    this.manifest = manifest;
  }

  /** Why namespaces cannot be used here (not root, tools missing), or null if they can. */
  static String unavailableReason() {
    if (!Cmd.onPath("ip")) {
      return "no 'ip' command (iproute2)";
    }
    if (!Cmd.onPath("iptables")) {
      return "no 'iptables' command";
    }
    Cmd.Result id = Cmd.exec("id", "-u");
    if (!id.ok() || !id.output().equals("0")) {
      return "not running as root (uid " + id.output() + ")";
    }
    return null;
  }

  /**
   * Sets up namespaces, veths, bridge and chains; throws (after undoing what it did) if any step
   * fails. Names and subnet are random but not from the run's seed: two runs with one seed may
   * run at the same time.
   */
  static NetnsNetwork create(CleanupManifest manifest) {
    Random random = new java.security.SecureRandom();
    String reason = unavailableReason();
    if (reason != null) {
      throw new IllegalStateException(reason);
    }
    String token = String.format("%04x", random.nextInt(0x10000));
    String subnet = freeSubnet(random);
    NetnsNetwork n = new NetnsNetwork(token, subnet, manifest);
    try {
      n.setUp();
    } catch (RuntimeException e) {
      n.close();
      throw e;
    }
    return n;
  }

  private static String freeSubnet(Random random) {
    String used = Cmd.exec("ip", "-4", "addr").output() + "\n" + Cmd.exec("ip", "-4", "route").output();
    for (int attempt = 0; attempt < 100; attempt++) {
      String s = "10." + (200 + random.nextInt(50)) + "." + random.nextInt(250);
      if (!used.contains(s + ".")) {
        return s;
      }
    }
    throw new IllegalStateException("no free 10.x.y.0/24 subnet found");
  }

  private void setUp() {
    Cmd.run("ip", "link", "add", "name", bridge, "type", "bridge");
    manifest.add("link", bridge);
    Cmd.run("ip", "addr", "add", subnet + ".254/24", "dev", bridge);
    Cmd.run("ip", "link", "set", bridge, "up");
    for (int i = 1; i <= 3; i++) {
      String ns = namespace(i);
      Cmd.run("ip", "netns", "add", ns);
      namespaces.add(ns);
      manifest.add("netns", ns);
      String host = "rc" + token + "h" + i;
      String peer = "rc" + token + "p" + i;
      Cmd.run("ip", "link", "add", host, "type", "veth", "peer", "name", peer);
      Cmd.run("ip", "link", "set", peer, "netns", ns);
      Cmd.run("ip", "link", "set", host, "master", bridge);
      Cmd.run("ip", "link", "set", host, "up");
      inNs(ns, "ip", "link", "set", "lo", "up");
      inNs(ns, "ip", "link", "set", peer, "name", "eth0");
      inNs(ns, "ip", "addr", "add", ip(i) + "/24", "dev", "eth0");
      inNs(ns, "ip", "link", "set", "eth0", "up");
      inNs(ns, "iptables", "-N", CHAIN);
      inNs(ns, "iptables", "-A", "INPUT", "-j", CHAIN);
      inNs(ns, "iptables", "-A", "OUTPUT", "-j", CHAIN);
    }
    // Bridged frames go through the root namespace's FORWARD chain when br_netfilter is loaded.
    String policy = Cmd.exec("iptables", "-S", "FORWARD").output();
    if (!policy.contains("-P FORWARD ACCEPT")) {
      Cmd.run("iptables", "-I", "FORWARD", "-i", bridge, "-o", bridge, "-j", "ACCEPT");
      forwardRule = true;
      manifest.add("forward", bridge);
    }
    // The root namespace reaches every replica before anything is started.
    for (int i = 1; i <= 3; i++) {
      Cmd.Result ping = Cmd.exec("ping", "-c", "1", "-W", "2", ip(i));
      if (!ping.ok() && Cmd.onPath("ping")) {
        throw new IllegalStateException("cannot reach " + ip(i) + " in " + namespace(i) + ": " + ping.output());
      }
    }
    LOG.info("network namespaces {} on bridge {} ({}.0/24, bridge .254)", namespaces, bridge, subnet);
  }

  private static String inNs(String ns, String... args) {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    cmd.addAll(List.of(args));
    return Cmd.run(cmd.toArray(String[]::new));
  }

  String namespace(int replica) {
    return "rc" + token + "n" + replica;
  }

  /** The replica's address, in its namespace. */
  String ip(int replica) {
    return subnet + "." + replica;
  }

  /** The command prefix that runs a process in the replica's namespace. */
  List<String> launcher(int replica) {
    return List.of("ip", "netns", "exec", namespace(replica));
  }

  String describe() {
    return "namespaces " + namespaces + " on bridge " + bridge + " (" + subnet + ".0/24)";
  }

  /** The cuts in place now ({@code a->b} one way, {@code a<->b} both), for the timeline. */
  synchronized List<String> cuts() {
    return List.copyOf(cuts);
  }

  @Override
  public synchronized void cutOneWay(int from, int to) {
    check(from, to);
    // Packets from `from` to `to` are dropped as they leave `from`.
    inNs(namespace(from), "iptables", "-A", CHAIN, "-d", ip(to), "-j", "DROP");
    cuts.add("n" + from + "->n" + to);
  }

  @Override
  public synchronized void cut(int a, int b) {
    check(a, b);
    inNs(namespace(a), "iptables", "-A", CHAIN, "-d", ip(b), "-j", "DROP");
    inNs(namespace(a), "iptables", "-A", CHAIN, "-s", ip(b), "-j", "DROP");
    inNs(namespace(b), "iptables", "-A", CHAIN, "-d", ip(a), "-j", "DROP");
    inNs(namespace(b), "iptables", "-A", CHAIN, "-s", ip(a), "-j", "DROP");
    cuts.add("n" + Math.min(a, b) + "<->n" + Math.max(a, b));
  }

  @Override
  public synchronized void isolate(int replica) {
    for (int other = 1; other <= 3; other++) {
      if (other != replica) {
        cut(replica, other);
      }
    }
  }

  @Override
  public synchronized void healAll() {
    for (int i = 1; i <= namespaces.size(); i++) {
      inNs(namespace(i), "iptables", "-F", CHAIN);
    }
    cuts.clear();
  }

  private static void check(int a, int b) {
    if (a < 1 || a > 3 || b < 1 || b > 3 || a == b) {
      throw new IllegalArgumentException("bad replica pair " + a + ", " + b);
    }
  }

  /** Removes the namespaces (and with them the veths), the bridge and the FORWARD rule. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (String ns : namespaces) {
      Cmd.Result r = Cmd.exec("ip", "netns", "del", ns);
      if (r.ok()) {
        manifest.remove("netns", ns);
      } else {
        LOG.warn("ip netns del {}: {}", ns, r.output());
      }
    }
    for (int i = 1; i <= 3; i++) {
      Cmd.exec("ip", "link", "del", "rc" + token + "h" + i); // normally gone with its namespace
    }
    Cmd.Result r = Cmd.exec("ip", "link", "del", bridge);
    if (r.ok() || r.output().contains("Cannot find")) {
      manifest.remove("link", bridge);
    }
    if (forwardRule) {
      Cmd.exec("iptables", "-D", "FORWARD", "-i", bridge, "-o", bridge, "-j", "ACCEPT");
      manifest.remove("forward", bridge);
    }
    LOG.info("removed network namespaces {} and bridge {}", namespaces, bridge);
  }
}
