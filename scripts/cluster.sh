#!/usr/bin/env bash
# Runs a local three-replica raftcoord quorum in the background.
#
#   scripts/cluster.sh start            build if needed, start n1..n3, wait for a leader, print the peers
#   scripts/cluster.sh stop             SIGTERM all (SIGKILL after 15 s); succeeds when already stopped
#   scripts/cluster.sh status           pid, role, term, indexes of each replica
#   scripts/cluster.sh kill N           SIGKILL replica N
#   scripts/cluster.sh pause N|resume N SIGSTOP / SIGCONT replica N
#   scripts/cluster.sh start N|stop N|restart N   one replica, on its existing data dir
#   scripts/cluster.sh wipe             stop all and delete the data directory
#   scripts/cluster.sh leader           print the id (1..3) of the current leader
#
# Environment: RAFTCOORD_DATA (default ./data), RAFTCOORD_PEERS (default
# 127.0.0.1:9861,127.0.0.1:9862,127.0.0.1:9863; replica i's admin HTTP port is its Raft port + 10),
# RAFTCOORD_JAVA_OPTS (default -Xms1g -Xmx2g -XX:+UseParallelGC), RAFTCOORD_SERVER_ARGS (extra flags).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="${RAFTCOORD_DATA:-$ROOT/data}"
PEERS="${RAFTCOORD_PEERS:-127.0.0.1:9861,127.0.0.1:9862,127.0.0.1:9863}"
JAVA_OPTS="${RAFTCOORD_JAVA_OPTS:--Xms1g -Xmx2g -XX:+UseParallelGC}"
IFS=',' read -r -a PEER_LIST <<< "$PEERS"
N=${#PEER_LIST[@]}

die() { echo "cluster.sh: $*" >&2; exit 1; }

server_jar() { ls "$ROOT"/server/target/raftcoord-server-*.jar 2>/dev/null | grep -v -e sources -e tests | head -1; }

ensure_built() {
  if [[ -z "$(server_jar)" || ! -d "$ROOT/server/target/lib" || ! -d "$ROOT/tools/target/lib" ]]; then
    echo "building raftcoord (first start)..." >&2
    (cd "$ROOT" && mvn -B -q -DskipTests package) || die "build failed"
  fi
}

check_index() {
  [[ "${1:-}" =~ ^[0-9]+$ ]] && (( $1 >= 1 && $1 <= N )) || die "replica must be 1..$N, got '${1:-}'"
}

dir_of() { echo "$DATA/n$1"; }
pidfile() { echo "$(dir_of "$1")/pid"; }
host_of() { echo "${PEER_LIST[$(( $1 - 1 ))]%:*}"; }
port_of() { echo "${PEER_LIST[$(( $1 - 1 ))]##*:}"; }
admin_port_of() { echo $(( $(port_of "$1") + 10 )); }

pid_of() {
  local f; f="$(pidfile "$1")"
  [[ -f "$f" ]] || return 1
  local pid; pid="$(cat "$f")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  # The pid may have been reused by an unrelated process after a reboot.
  grep -q "io.raftcoord.server.CoordServer" "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

http_get() {
  local port="$1" path="$2" host="${3:-127.0.0.1}"
  if command -v curl >/dev/null; then
    curl -sf --max-time 2 "http://$host:$port$path"
  else
    exec 3<>"/dev/tcp/$host/$port" || return 1
    printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$path" "$host" >&3
    local body; body="$(timeout 2 cat <&3)"; exec 3>&-
    [[ "$body" == HTTP/1.?\ 200* ]] || return 1
    printf '%s\n' "${body#*$'\r\n\r\n'}"
  fi
}

start_one() {
  local i="$1" pid
  if pid="$(pid_of "$i")"; then
    echo "n$i already running (pid $pid)"
    return 0
  fi
  local d; d="$(dir_of "$i")"
  mkdir -p "$d"
  # Run from a private copy of the jars: a rebuild while the quorum runs rewrites server/target,
  # and a JVM whose jars change under it fails on its next class load.
  # The copy is reused while the build is unchanged (a restart should not wait for 100 MB of
  # copying); the stamp lists the source jars with their sizes and modification times.
  local stamp
  stamp="$(cd "$ROOT/server/target" && ls -l --time-style=+%s.%N "$(basename "$(server_jar)")" lib)"
  if [[ ! -f "$d/runtime/.stamp" || "$(cat "$d/runtime/.stamp")" != "$stamp" ]]; then
    rm -rf "$d/runtime"
    mkdir -p "$d/runtime"
    cp "$(server_jar)" "$d/runtime/"
    cp -r "$ROOT/server/target/lib" "$d/runtime/lib"
    printf '%s' "$stamp" > "$d/runtime/.stamp"
  fi
  # shellcheck disable=SC2086
  nohup java $JAVA_OPTS -cp "$d/runtime/*:$d/runtime/lib/*" io.raftcoord.server.CoordServer \
    --id "$i" --peers "$PEERS" --data "$d" --admin-port "$(admin_port_of "$i")" ${RAFTCOORD_SERVER_ARGS:-} \
    > "$d/stdout.log" 2>&1 < /dev/null &
  echo $! > "$(pidfile "$i")"
  echo "n$i started (pid $!, raft $(host_of "$i"):$(port_of "$i"), admin $(admin_port_of "$i"), data $d)"
}

stop_one() {
  local i="$1" pid
  if ! pid="$(pid_of "$i")"; then
    rm -f "$(pidfile "$i")"
    return 0
  fi
  kill -CONT "$pid" 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "n$i did not stop within 15 s; SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$(pidfile "$i")"
  echo "n$i stopped"
}

leader_id() {
  local i s
  for i in $(seq 1 "$N"); do
    s="$(http_get "$(admin_port_of "$i")" /status "$(host_of "$i")" 2>/dev/null)" || continue
    if [[ "$s" == *'"role": "LEADER"'* ]]; then echo "$i"; return 0; fi
  done
  return 1
}

wait_leader() {
  local deadline=$(( SECONDS + ${1:-90} ))
  while (( SECONDS < deadline )); do
    if leader_id >/dev/null; then return 0; fi
    sleep 0.2
  done
  return 1
}

status_all() {
  local i pid s
  for i in $(seq 1 "$N"); do
    if pid="$(pid_of "$i")"; then
      local state; state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo '?')"
      if [[ "$state" == "T" ]]; then
        echo "n$i pid $pid PAUSED (SIGSTOP)"
        continue
      fi
      if s="$(http_get "$(admin_port_of "$i")" /status "$(host_of "$i")" 2>/dev/null)"; then
        echo "n$i pid $pid $(echo "$s" | tr -d '\n' | sed -E 's/ +/ /g')"
      else
        echo "n$i pid $pid running (admin endpoint not answering yet)"
      fi
    else
      echo "n$i stopped"
    fi
  done
}

cmd="${1:-}"
shift || true
case "$cmd" in
  start)
    ensure_built
    if [[ $# -gt 0 ]]; then check_index "$1"; start_one "$1"; exit 0; fi
    for i in $(seq 1 "$N"); do start_one "$i"; done
    if wait_leader 120; then
      echo "leader: n$(leader_id)"
      echo "peers: $PEERS"
    else
      die "no leader elected within 120 s; see $DATA/n*/raftcoord.log"
    fi
    ;;
  stop)
    if [[ $# -gt 0 ]]; then check_index "$1"; stop_one "$1"; exit 0; fi
    for i in $(seq 1 "$N"); do stop_one "$i"; done
    ;;
  restart)
    check_index "${1:-}"; ensure_built
    stop_one "$1"; start_one "$1"
    ;;
  kill)
    check_index "${1:-}"
    if pid="$(pid_of "$1")"; then kill -KILL "$pid"; rm -f "$(pidfile "$1")"; echo "n$1 killed (pid $pid)"; else echo "n$1 not running"; fi
    ;;
  pause)
    check_index "${1:-}"
    pid="$(pid_of "$1")" || die "n$1 is not running"
    kill -STOP "$pid"; echo "n$1 paused (pid $pid)"
    ;;
  resume)
    check_index "${1:-}"
    pid="$(pid_of "$1")" || die "n$1 is not running"
    kill -CONT "$pid"; echo "n$1 resumed (pid $pid)"
    ;;
  status)
    status_all
    ;;
  leader)
    leader_id || die "no leader"
    ;;
  wipe)
    for i in $(seq 1 "$N"); do stop_one "$i"; done
    rm -rf "$DATA"
    echo "wiped $DATA"
    ;;
  *)
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
    [[ -z "$cmd" ]] || exit 2
    ;;
esac
