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
#   scripts/bench.sh segments   [--nodes 100] [--concurrency 64] [--duration 30] [--warmup 60] [--shards 4]
#                               [--collections N] [--mix assign=50,save=50,flush=0.05] [--rows 100]
#                               [--max-segment-bytes 8388608] [--keep]
#   scripts/bench.sh segments-scale [--segments 1000000] [--binlogs 10] [--list-collection-segments 10000]
#                               [--list-runs 7] [--page-size 1000] [--nodes 8] [--collections 100] [--shards 2]
#                               [--in-flight 8] [--requests-per-assign 64] [--restarts follower,cluster|none]
#                               [--data-dir DIR]
#   scripts/bench.sh load       [--phases load,kill,plan,many] [--segments 10000] [--nodes 20] [--replicas 2] [--shards 4]
#                               [--runs 1] [--plan-segments 100000[,N...]] [--plan-nodes 100] [--duration 30]
#                               [--profile-samples 10] [--collections 1000 | --collection-steps 100,300,1000]
#                               [--partitions 100] [--many-nodes 10] [--concurrency 16] [--db loadbench]
#   scripts/bench.sh tasks      [--phases plan,complete,expiry,indexed] [--segments 1000000] [--small-segments 100000]
#                               [--nodes 100] [--slots 64] [--collections 100] [--shards 2] [--duration 30] [--halt 5]
#                               [--tasks-per-round 8192] [--max-segment-bytes 67108864] [--drain-timeout 900] [--keep]
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
# segments measures DataCoord's segment operations. --nodes simulated data nodes (NodeAgents in the datanode role
# sharing the bench's one client) register first; then --collections bench collections (a primary key and a 128-dim
# vector: 536 bytes per row by Milvus's estimate) of --shards channels each are created in --db (default 2 channels
# per node, so every node owns some), and the nodes answer each TO_WATCH with WATCH_SUCCESS. For the run
# max_segment_bytes is --max-segment-bytes (8 MiB: 15,650 rows per segment, allocation stops at 12%), so segments
# seal and flush within the window; it is put back afterwards, the nodes deregister and the collections are dropped
# (unless --keep). Beside the measured loop the nodes run the lifecycle: every second each lists the FLUSHING segments
# of its channels, reports them flushed=true (per channel, between that channel's closed-loop reports) and saves a
# checkpoint (a recent TSO timestamp) for each channel it watches. The closed loop at each --concurrency C draws each
# operation by the --mix weights:
#   assign  --rows rows on a random watched channel (as a proxy asks); the granted rows become pending
#   save    the channel owner's saveBinlogPaths for the lowest segment with pending rows: the absolute row count, one
#           binlog per field (the 2 system fields too) with fresh log ids (taken from the ID allocator in blocks of
#           1,048,576 up front), the channel checkpoint; reports on one channel are serialized (a busy or empty
#           channel is skipped; if none of 8 is free the operation is an assign)
#   flush   flush(collection) of a random bench collection; up to 32 at a time are polled with flushState until done
# Per point the usual row (ops/s, p50/p99/p999/max, Raft entries/s, commands per entry), then ops/s and latencies
# per kind, the lifecycle (segments opened and finished per second from the states before and after the window, the
# nodes' flushed reports and checkpoints, flush-to-flushed times) and the bench collections' segments by state;
# after the last point the segments by state at the end. --json: one object per point (kinds, lifecycle,
# segmentsByState), then {"phase":"end"}. Target (issue 11): >= 10,000 segment ops/s with p99 <= 50 ms at 100 nodes.
#
# segments-scale fills the quorum with --segments segment records through the API and measures what that costs.
# --nodes data nodes watch the channels of one listed collection and --collections fill collections (--shards each).
# Fill: importing assigns of max rows each (one new IMPORTING segment per request, --requests-per-assign requests per
# command; one command's apply is quadratic in its requests on the server, so several smaller commands travel in one
# entry instead), then per channel the owner's saveBinlogPaths flushed=true with --binlogs binlogs per segment (as
# many segments per report as fit 3/4 of an entry, at most 1024), --in-flight commands outstanding. The listed
# collection is filled first (--list-collection-segments segments) and then the rest, spread evenly. Measured:
#   (a) the listed collection's paged list (ListSegments by collection, --page-size per page; 2 untimed runs, then the
#       median of --list-runs) at ~10,000 segments in all and again at N: the ratio (target <= 2x)
#   (b) a snapshot taken on every replica through Ratis's snapshot management call, then the size on disk of the
#       latest snapshot.<term>_<index> folder under --data-dir/n<i>/raft/<group>/sm, and of the live store (db/)
#       (target < 500 MB)
#   (c) each local replica's heap after a full GC: jcmd <pid> GC.run, then the "used" of GC.heap_info (target < 2 GiB)
#   (d) --restarts follower: a follower SIGKILLed and restarted through cluster.sh: seconds until its admin endpoint
#       answers, its applied index reaches the leader's commit index, and a read served by it (ReadIndex) succeeds;
#       cluster: every replica stopped (SIGTERM) and started again: seconds until a leader, every replica at the
#       leader's commit index, and a linearizable read through a fresh client (target <= 15 s)
# The fill stays in the quorum: wipe it afterwards. max_segments is raised to fit if needed (and left so). Run it on
# a fresh quorum started by cluster.sh, with heap to spare for N (e.g. RAFTCOORD_JAVA_OPTS="-Xms3g -Xmx3g
# -XX:+UseParallelGC" for 1,000,000), and the same RAFTCOORD_DATA and RAFTCOORD_PEERS for both scripts.
#
# load measures QueryCoord with simulated query nodes (QueryNodeAgents on the bench's client: instant loads, work list
# polled every 100 ms, heartbeat every second) in phases; --phases picks some (default all, run in this order):
#   load   one collection of --shards channels filled with --segments FLUSHED segments as segments-scale fills (importing
#          assigns, flushed reports from 4 data nodes owning the channels; --binlogs default 1), --nodes query nodes, then
#          the time from load(--replicas) to LOADED (loadState every 50 ms) and the Raft entries committed meanwhile.
#   kill   (after load, on the same nodes) the node serving the most is halted (no heartbeats, as if crashed); the time
#          until it is gone from the search plan and until every channel has a delegator and every segment a serving
#          node in every replica again, against the session TTL + 5 s. --runs repeats load (and kill) on fresh
#          collections and prints the medians. The collection is released and dropped after each run.
#   plan   per --plan-segments N: a collection of N segments loaded (1 replica) on half of --plan-nodes, then the other
#          half joins; over a window of --duration s the leader's querycoord-balance/-checker duty counters (/metrics;
#          their seconds are proposing time only: planning runs before, in CoordState.planDuties under the entry read
#          lock), the CPU of its leader-duties thread (/proc/<pid>/task; CPU ms per balance + checker round is the
#          planning cost) and --profile-samples jcmd Thread.print samples of that thread (local replicas only); an idle
#          window of 10 s while LOADED before the nodes join for comparison.
#   many   per --collection-steps C (default --collections, default 1000): C collections of --partitions partitions
#          (partition key, 1 shard, no segments) created, then loaded (1 replica) with --concurrency loads in flight on
#          --many-nodes query nodes; time until all are LOADED, per-collection created -> loaded times (leader clock),
#          load call latencies (first and last tenth); released and dropped afterwards.
# --json: one object per run and phase, then a load-summary object.
#
# tasks measures DataCoord's task scheduling (compaction, index builds, GC) at scale. --nodes simulated workers
# (TaskWorkerAgents on the bench's client, role indexnode: --slots slots each, instant work, Milvus's 100 ms poll)
# start, then --collections collections of --shards channels share --segments - --small-segments FLUSHED segments of
# max rows (max_segment_bytes is --max-segment-bytes for the run: 125,203 rows at 64 MiB, so an index build costs 4
# slots), and one more collection holds --small-segments segments of 1/16 of max rows (filled as segments-scale
# fills, 4 data nodes owning the channels). For the run mix, L0 and GC are planned every second and
# max_tasks_per_round is --tasks-per-round. The leader's planning time per round comes from its /metrics
# (raftcoord_duty_plan_seconds over raftcoord_duty_runs, scraped every 200 ms: a figure per interval in which the duty
# ran) for datatasks-scheduler, -compaction, -index and -gc; "one round of every planner" is the sum over the four.
# Phases, in this order:
#   plan      no index, nothing small enough to merge (small_proportion 0.1 %): every planner walks every segment
#             each second and plans nothing; --duration s
#   complete  an HNSW index created on every big collection, mix compactions of 2 small segments on (max and min
#             segments per plan 2, drop tolerance 0, so compacted inputs are collected too): over --duration s after
#             5 s, task completions per second by type (reports the coordinator accepted), the completion command's
#             p50/p99/max (from sending it to its answer), and the planning times meanwhile
#   expiry    the --halt workers holding the most EXECUTING tasks are halted (no heartbeats, polls or reports); per
#             worker, the time from the halt until its session is gone and no task is EXECUTING on it (polled every
#             50 ms), against the session TTL + 1 s
#   indexed   once every build is done (--drain-timeout), --duration s of planning times with the index planner
#             walking every segment and finding nothing to build
# Afterwards the settings are put back, the workers deregister and the collections are dropped (unless --keep). Run
# it on a fresh quorum with heap to spare, e.g. RAFTCOORD_JAVA_OPTS="-Xms3g -Xmx3g -XX:+UseZGC" for 1,000,000: with
# the parallel collector, young pauses of 0.45-0.63 s at that heap (two shared cores) outlast the 150-300 ms election
# timeout, and the leader changes every 20 s or so.
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
# cluster.sh's default data directory, where segments-scale looks for snapshots.
export RAFTCOORD_DATA="${RAFTCOORD_DATA:-$ROOT/data}"
# shellcheck disable=SC2086
exec "$JAVA" $JAVA_OPTS -cp "$CP" io.raftcoord.tools.bench.Bench "$@"
