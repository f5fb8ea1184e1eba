#!/usr/bin/env bash
# chaos.sh: the nemesis suite. Runs three raftcoord replicas (each in its own network namespace
# when partitions are asked for and this machine allows it), the workloads and a nemesis that
# injects random faults with quiet gaps; then heals everything, checks the history and writes a
# report folder. Stops by itself.
#
#   scripts/chaos.sh [--time S] [--faults kill,pause,partition,clock,disk,snapshot,crash-majority,crash-all]
#                    [--workloads tso,ids,ddl,kv,sessions,segments,querycoord,datacoord] [--seed N] [--report DIR]
#                    [--planted-bug NAME --expect-violation] [--help for the rest]
#
# Report (default ./chaos-reports/<timestamp>): verdict.txt and verdict.json (outcome, fault counts,
# failover gaps, each checker's ops and violations with the smallest violating window),
# history.jsonl, faults.jsonl (the fault timeline), driver.log, replicas/n<i>/{replica.log,data}.
#
# Exit codes: 0 every checker passed (with --expect-violation: some checker reported a violation),
# 1 otherwise, 2 usage error.
#
# Partition and disk faults need root, ip, iptables and tmpfs mounts; without them the run says so
# and injects the other faults. Replicas use free ports (never 9861-9873) and a private temp dir
# (never ./data). On exit, also on Ctrl-C, the replicas are killed and the namespaces, mounts and
# temp dir removed. Builds the project (mvn -B -q -DskipTests install) when its classes are missing
# or older than the sources; CHAOS_NO_BUILD=1 skips that. CHAOS_JAVA_OPTS adds JVM flags.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
SERVER="$ROOT/server"
MAIN_CLASS="$SERVER/target/test-classes/io/raftcoord/server/chaos/ChaosMain.class"
STAMP="$SERVER/target/chaos-build.stamp"
CP_FILE="$SERVER/target/chaos-classpath.txt"

say() { echo "chaos.sh: $*" >&2; }

mvn_build() {
  # Offline first (the local repository normally has everything), online if that fails.
  (cd "$1" && shift && { mvn -B -q -o "$@" || mvn -B -q "$@"; })
}

needs_build() {
  [[ -f "$MAIN_CLASS" && -f "$STAMP" && -d "$SERVER/target/classes" ]] || return 0
  # Any source, proto or pom newer than the last build.
  [[ -n "$(find "$ROOT" -path "$ROOT/chaos-reports" -prune -o -path '*/target' -prune -o \
      \( -name '*.java' -o -name '*.proto' -o -name 'pom.xml' \) -newer "$STAMP" -print -quit 2>/dev/null)" ]]
}

if [[ -z "${CHAOS_NO_BUILD:-}" ]] && needs_build; then
  say "building raftcoord (mvn -B -q -DskipTests install)..."
  mvn_build "$ROOT" -DskipTests install >&2 || { say "build failed"; exit 1; }
  rm -f "$CP_FILE"
  touch "$STAMP"
fi
if [[ ! -f "$MAIN_CLASS" ]]; then
  say "no $MAIN_CLASS: build first (mvn -B -DskipTests install)"
  exit 1
fi
if [[ ! -s "$CP_FILE" || "$SERVER/pom.xml" -nt "$CP_FILE" || "$ROOT/pom.xml" -nt "$CP_FILE" ]]; then
  mvn_build "$SERVER" dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$CP_FILE" >&2 \
    || { say "cannot resolve the test classpath"; exit 1; }
fi

# The report folder: the caller's --report, else ./chaos-reports/<timestamp>.
ARGS=("$@")
REPORT=""
HELP=""
for ((i = 0; i < ${#ARGS[@]}; i++)); do
  case "${ARGS[$i]}" in
    --report) REPORT="${ARGS[$((i + 1))]:-}" ;;
    --report=*) REPORT="${ARGS[$i]#--report=}" ;;
    -h|--help|-V|--version) HELP=1 ;;
  esac
done
if [[ -z "$REPORT" && -z "$HELP" ]]; then
  REPORT="./chaos-reports/$(date +%Y%m%d-%H%M%S)"
  ARGS+=(--report "$REPORT")
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/raftcoord-chaos.XXXXXX")"
JPID=""

# The driver runs from a private copy of everything a build rewrites (this module's classes and
# the project's -SNAPSHOT jars): another build in the same workspace must not pull classes from
# under a running suite. The replicas get a private copy of this copy.
private_classpath() {
  local dir="$WORK/classpath" cp="" entry n=0
  mkdir -p "$dir"
  cp -r "$SERVER/target/test-classes" "$dir/test-classes"
  cp -r "$SERVER/target/classes" "$dir/classes"
  cp="$dir/test-classes:$dir/classes"
  IFS=':' read -r -a entries < "$CP_FILE"
  for entry in "${entries[@]}"; do
    if [[ "$entry" == *-SNAPSHOT* && -f "$entry" ]]; then
      n=$((n + 1))
      cp "$entry" "$dir/$n-$(basename "$entry")"
      entry="$dir/$n-$(basename "$entry")"
    fi
    cp="$cp:$entry"
  done
  # The driver's own logging: the suite at INFO, the rest quiet (replicas log to their own files).
  cat > "$dir/driver-logback.xml" <<'XML'
<configuration>
  <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n</pattern></encoder>
  </appender>
  <logger name="io.raftcoord.server.chaos" level="INFO"/>
  <logger name="io.raftcoord" level="WARN"/>
  <logger name="org.apache.ratis" level="ERROR"/>
  <!-- every request a fault makes fail, with its stack trace: the history has the outcome -->
  <logger name="org.apache.ratis.client.impl.OrderedAsync" level="OFF"/>
  <root level="WARN"><appender-ref ref="CONSOLE"/></root>
</configuration>
XML
  echo "$cp"
}

# Removes whatever the run left: the Java side removes all of it itself, this covers a driver
# that was killed or interrupted. Only pids recorded by the run, and only if they are replicas.
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$JPID" ]] && kill -0 "$JPID" 2>/dev/null; then
    kill -TERM "$JPID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$JPID" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$JPID" 2>/dev/null && kill -KILL "$JPID" 2>/dev/null || true
  fi
  local manifest="$WORK/cleanup.manifest"
  if [[ -s "$manifest" ]]; then
    say "removing what the run left behind ($(wc -l < "$manifest") items)"
    while read -r kind value; do
      case "$kind" in
        pid) grep -q "io.raftcoord.server.CoordServer" "/proc/$value/cmdline" 2>/dev/null \
               && kill -KILL "$value" 2>/dev/null || true ;;
      esac
    done < "$manifest"
    sleep 0.5
    while read -r kind value; do
      case "$kind" in
        mount) umount -l "$value" 2>/dev/null || true ;;
        netns) ip netns del "$value" 2>/dev/null || true ;;
        link) ip link del "$value" 2>/dev/null || true ;;
        forward) iptables -D FORWARD -i "$value" -o "$value" -j ACCEPT 2>/dev/null || true ;;
      esac
    done < "$manifest"
  fi
  # Never delete through a mount that is still there.
  if ! grep -q " $WORK/" /proc/mounts 2>/dev/null; then
    rm -rf "$WORK"
  else
    say "left $WORK in place: something is still mounted under it"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM

# The driver holds the whole history and, while checking, the change feed of two replicas and
# three watchers: a 30-minute run needs more than 4 GB (the heap is only reserved, not used).
# Java in the background so that the traps run at once on Ctrl-C / SIGTERM (it then gets SIGTERM,
# and its shutdown hook kills the replicas and removes namespaces and mounts).
CP="$(private_classpath)"
# shellcheck disable=SC2086
"$JAVA" -Xmx12g -XX:+UseParallelGC -Dlogback.configurationFile="$WORK/classpath/driver-logback.xml" \
  ${CHAOS_JAVA_OPTS:-} -cp "$CP" io.raftcoord.server.chaos.ChaosMain \
  --work-dir "$WORK" "${ARGS[@]}" &
JPID=$!
set +e
wait "$JPID"
rc=$?
set -e
JPID=""
[[ -n "$REPORT" && -d "$REPORT" ]] && say "report: $REPORT"
exit "$rc"
