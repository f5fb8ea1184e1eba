#!/usr/bin/env bash
# Load generator against a running raftcoord quorum (io.raftcoord.tools.bench.Bench).
#
#   scripts/bench.sh tso        [--concurrency 1,16,64] [--duration 20] [--warmup 60] [--merge on|off]
#   scripts/bench.sh tso-merge  ... (tso with merging forced on)
#   scripts/bench.sh tso-alloc  [--batching on|off] [--count K]   allocate(K) per call, merging off
#   scripts/bench.sh ids        [--count K]                       ids().allocate(K) per call
#   scripts/bench.sh failover   [--kills 5] [--concurrency 8]     SIGKILL the leader through cluster.sh
#   common: --peers HOST:PORT,... (default $RAFTCOORD_PEERS, else the local quorum)  --json  --help
#
# Per point: ops/s, timestamps or IDs/s, p50/p99/p999/max latency, Raft entries committed/s and
# the client's commands per Raft entry (entries/s counts every log entry, including the metadata
# entry Ratis appends per commit-index advance, so it can reach 2x the batches/s). A fresh cluster is slow for 1-4 minutes (JIT on 2 cores),
# so the first point is preceded by --warmup seconds (default 60) of load; figures taken without
# it understate the system.
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
