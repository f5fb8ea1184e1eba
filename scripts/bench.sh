#!/usr/bin/env bash
# Load generator against a running raftcoord quorum (io.raftcoord.tools.bench.Bench).
#
#   scripts/bench.sh tso        [--concurrency 1,16,64] [--duration 20] [--warmup 60] [--merge on|off]
#   scripts/bench.sh tso-merge  ... (tso with merging forced on)
#   scripts/bench.sh tso-alloc  [--batching on|off] [--count K]   allocate(K) per call, merging off
#   scripts/bench.sh ids        [--count K]                       ids().allocate(K) per call
#   scripts/bench.sh failover   [--kills 5] [--concurrency 8]     SIGKILL the leader through cluster.sh
#   scripts/bench.sh sessions   [--phases heartbeat,register,expiry,kills] [--nodes 1000] [--heartbeat-ms 1000]
#                               [--coalesce on|off] [--duration 60] [--concurrency 64] [--halt 10] [--kills 5]
#   common: --peers HOST:PORT,... (default $RAFTCOORD_PEERS, else the local quorum)  --json  --help
#
# Per point: ops/s, timestamps or IDs/s, p50/p99/p999/max latency, Raft entries committed/s and
# the client's commands per Raft entry (entries/s counts every log entry, including the metadata
# entry Ratis appends per commit-index advance, so it can reach 2x the batches/s). A fresh cluster is slow for 1-4 minutes (JIT on 2 cores),
# so the first point is preceded by --warmup seconds (default 60) of load; figures taken without
# it understate the system.
#
# sessions measures node sessions (service discovery) in four phases; --phases picks some, and they
# always run in the order heartbeat, expiry, kills (one fleet of --nodes nodes for the three), register:
#   heartbeat  an idle window of --duration s, then --nodes nodes register (starts spread over one
#              interval), warm up (--warmup, default 10 s) and heartbeat through a second window of
#              --duration s. Per window: Raft entries committed (the leader's commitIndex delta from its
#              admin /status; heartbeats are no log entries, so ~0), CPU time (utime+stime from
#              /proc/<pid>/stat, the replica's pid found by its --admin-port) of the leader, of the
#              followers together and of this JVM, in % of one core; the "net" row is nodes - idle. Also the
#              session-reaper's counters from the leader's /metrics, and the longest time any node went
#              without an acknowledged heartbeat. CPU is n/a for replicas on another host.
#   expiry     --halt K nodes stop heartbeating without a word (NodeAgent.halt, as if crashed); per node the
#              leader's stamp of its SESSION_EXPIRED entry (change feed) minus the halt time (this host's
#              clock, shared with local replicas), and minus its last acknowledged heartbeat; max and median
#              against the target TTL + 1 s.
#   kills      with the nodes heartbeating, --kills leader SIGKILLs as in failover (kill, wait for a new
#              leader, watch max(--observe, TTL + 2 s), restart, wait for catch-up, --between s): SESSION_EXPIRED
#              events of nodes never halted (target 0), lost() callbacks, longest heartbeat silence.
#   register   per --concurrency C, C callers registering new sessions in a closed loop (settle + --duration s):
#              ops/s, p50/p99/p999/max, entries/s. The sessions never heartbeat; for the phase the TTL is raised to
#              600 s (no expiries in the window) and max_sessions to 1,000,000 (no QUOTA_EXCEEDED), both put back
#              afterwards, when the reaper expires the sessions and the phase waits for the log to go quiet.
# --coalesce on (default): the nodes are NodeAgents sharing the bench's one client, so their heartbeats
# travel together, one leader query per round carrying many sessions, as agents embedded in one process
# would. off: every node has a heartbeat pipeline of its own over one shared Raft transport and never has
# two heartbeats outstanding, so each heartbeat is one leader query carrying one session: the leader
# sees what N separate node processes would send (only the TCP connections are shared). Those nodes
# follow NodeAgent's loop (one heartbeat in flight, re-register when told stale) in the bench's own code,
# since a NodeAgent always heartbeats through its client's shared pipeline; a CoordClient per node (four
# Ratis clients with their channels and threads each) would make the bench JVM, not the quorum, the
# bottleneck at 1000 nodes on this machine. Simulated nodes get the worker roles in
# turn and the label bench=run-<id>; they are deregistered at the end. The kills phase needs a quorum
# that cluster.sh started; the others run against any quorum (CPU only for local replicas).
#
# failover drives scripts/cluster.sh (leader / kill N / restart N) with the same RAFTCOORD_PEERS
# and RAFTCOORD_DATA, so run it against a quorum that cluster.sh started. The bench JVM shares the
# machine with the replicas: its CPU counts against them.
#
# BENCH_JAVA_OPTS overrides the bench JVM's flags (default -Xms1g -Xmx1g -XX:+UseParallelGC).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
JAVA_OPTS="${BENCH_JAVA_OPTS:--Xms1g -Xmx1g -XX:+UseParallelGC}"

tools_jar() { ls "$ROOT"/tools/target/raftcoord-tools-*.jar 2>/dev/null | grep -v -e sources -e tests -e javadoc | head -1; }

if [[ -z "$(tools_jar)" || ! -d "$ROOT/tools/target/lib" ]]; then
  echo "bench.sh: building raftcoord (first run)..." >&2
  (cd "$ROOT" && mvn -B -q -DskipTests package) >&2 || { echo "bench.sh: build failed" >&2; exit 1; }
fi

CP="$(tools_jar):$ROOT/tools/target/lib/*"

export RAFTCOORD_CLUSTER_SCRIPT="${RAFTCOORD_CLUSTER_SCRIPT:-$ROOT/scripts/cluster.sh}"
# shellcheck disable=SC2086
exec "$JAVA" $JAVA_OPTS -cp "$CP" io.raftcoord.tools.bench.Bench "$@"
