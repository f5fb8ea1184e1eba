#!/usr/bin/env bash
# simnodes.sh: run N simulated nodes of one role (each a NodeAgent: session register + heartbeats)
# in the foreground, so that `coordctl nodes` has something to show without a real Milvus. Data
# nodes (datanode, streamingnode) also watch and release the channels DataCoord gives them, flush
# the segments it seals and save channel checkpoints; with --ingest they write rows too. Query
# nodes load and release the segments and channels QueryCoord places on them and report what they
# serve; each prints its server id once registered.
#
#   scripts/simnodes.sh --role datanode --count 5               until Ctrl-C (then stop + deregister)
#   scripts/simnodes.sh --role datanode --count 3 --ingest default.books --rows-per-s 5000
#                                                               5000 rows/s IN TOTAL (R/N per node)
#   scripts/simnodes.sh --role querynode --count 4              until Ctrl-C (then STOPPING + deregister)
#   scripts/simnodes.sh --role querynode --count 2 --load-ms-per-segment 200 --capacity 4
#   scripts/simnodes.sh --role indexnode --count 100 --duration 60
#   scripts/simnodes.sh --role datacoord --count 3              one ACTIVE, two STANDBY
#   options: --peers HOST:PORT,...  --heartbeat-ms MS (1000)  --label KEY=VALUE  --capacity SLOTS
#            --first-port PORT (addresses 127.0.0.1:PORT+i, default 30000)  --quiet  --help
#            --print-s S (summary line every S seconds: 3 for data nodes, 5 for query nodes, else 10)
#   data nodes: --ingest DB.COLLECTION  --partition NAME  --rows-per-s R (total, default 1000)
#            --batch-ms MS (100)  --sync-ms MS (500)  --session-only (bare sessions, as before)
#   query nodes: --load-ms-per-segment MS (0: at once; a node loads its segments one after another)
#            --capacity SLOTS (search-routing weight, 0)  --poll-ms MS (100)  --session-only (bare sessions)
#   roles: datanode, querynode, indexnode, streamingnode, proxy; exclusive: rootcoord, datacoord, querycoord, mixcoord
#
# Killed with SIGKILL, the nodes' sessions expire after the session TTL (default 10 s).
# Builds the project (mvn -B -q -DskipTests package) when the tools jar or its lib/ is missing.
# SIMNODES_JAVA_OPTS adds JVM flags.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

tools_jar() { ls "$ROOT"/tools/target/raftcoord-tools-*.jar 2>/dev/null | grep -v -e sources -e tests -e javadoc | head -1; }

if [[ -z "$(tools_jar)" || ! -d "$ROOT/tools/target/lib" ]]; then
  echo "simnodes: building raftcoord (first run)..." >&2
  (cd "$ROOT" && mvn -B -q -DskipTests package) >&2 || { echo "simnodes: build failed" >&2; exit 1; }
fi

# exec: SIGTERM/SIGINT reach the JVM, whose shutdown hook stops and deregisters the nodes;
# SIGKILL leaves the sessions to expire.
# shellcheck disable=SC2086
exec "$JAVA" ${SIMNODES_JAVA_OPTS:-} -XX:+UseSerialGC -cp "$(tools_jar):$ROOT/tools/target/lib/*" \
  io.raftcoord.tools.sim.SimNodes "$@"
