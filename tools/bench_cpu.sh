#!/usr/bin/env bash
# Load-independent companion of bench_redis.sh: server CPU time per operation.
#
#   tools/bench_cpu.sh [--lsmdb PATH] [-n 200000] [-c 50]
#                      [--tests ping_inline,ping_mbulk,set,get,incr,mset] [--pipelines "1 16"]
#
# Starts lsmdb-server (appendfsync everysec, extra flags in LSMDB_ARGS) and
# Debian's redis-server (AOF on, everysec), runs redis-benchmark test by test
# against each, and reads every server thread's CPU time
# (/proc/<pid>/task/*/schedstat, ns) before and after the run. Prints the CPU
# ns per operation of both servers and their ratio redis/lsmdb (> 1: LSMDB
# uses less CPU per op), plus wall ops/s. On a machine shared with other work
# the CPU-per-op figures stay comparable where ops/s do not; on an idle
# machine whose cores the client shares, ops/s follows CPU per op.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LSMDB="${LSMDB_SERVER:-}"
if [[ -z "$LSMDB" ]]; then
  for c in "$ROOT/build/lsmdb-server" "$ROOT/build/src/lsmdb-server"; do
    [[ -x "$c" ]] && { LSMDB="$c"; break; }
  done
fi
N=200000
CLIENTS=50
TESTS=ping_inline,ping_mbulk,set,get,incr,mset
PIPELINES="1 16"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --lsmdb) LSMDB="$2"; shift 2 ;;
    -n) N="$2"; shift 2 ;;
    -c) CLIENTS="$2"; shift 2 ;;
    --tests) TESTS="$2"; shift 2 ;;
    --pipelines) PIPELINES="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -x "$LSMDB" ]] || { echo "lsmdb-server not found; pass --lsmdb PATH" >&2; exit 2; }

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ping() {
  for _ in $(seq 1 200); do
    [[ "$(redis-cli -p "$1" ping 2>/dev/null)" == PONG ]] && return 0
    sleep 0.05
  done
  echo "server on port $1 did not start" >&2; return 1
}
cpu_ns() {  # pid -> total CPU ns of all its threads
  cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s+=$1} END {printf "%.0f\n", s}'
}

WORK="$(mktemp -d /tmp/lsmdb-cpu-XXXXXX)"
LPORT=$(free_port); RPORT=$(free_port)
LPID=""; RPID=""
cleanup() {
  [[ -n "$LPID" ]] && kill "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null || true
  [[ -n "$RPID" ]] && kill "$RPID" 2>/dev/null && wait "$RPID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"$LSMDB" --port "$LPORT" --dir "$WORK/lsmdb" --appendfsync everysec --loglevel warning \
  ${LSMDB_ARGS:-} >"$WORK/lsmdb.log" 2>&1 &
LPID=$!
mkdir -p "$WORK/redis"
redis-server --port "$RPORT" --dir "$WORK/redis" --appendonly yes --appendfsync everysec \
  --save "" --logfile "$WORK/redis.log" --daemonize no &
RPID=$!
wait_ping "$LPORT"; wait_ping "$RPORT"
echo "lsmdb: $LSMDB ${LSMDB_ARGS:-}; redis-benchmark -c $CLIENTS -n $N"

measure() {  # pid port pipeline test -> "ns_per_op ops_per_s"
  local before after rps
  before=$(cpu_ns "$1")
  local name="${4^^}"
  rps=$(redis-benchmark -p "$2" -c "$CLIENTS" -n "$N" -P "$3" -t "$4" --csv -q 2>/dev/null |
    grep "^\"$name" | awk -F, '{gsub(/"/,"",$2); print $2}' | head -1)
  after=$(cpu_ns "$1")
  # MSET counts one op per command (10 keys). lrange_* tests run redis-benchmark's
  # LPUSH fill first: their CPU figure covers both runs.
  awk -v a="$after" -v b="$before" -v n="$N" -v r="$rps" 'BEGIN {printf "%.0f %.0f\n", (a - b) / n, r}'
}

for P in $PIPELINES; do
  echo
  echo "-P $P"
  printf '%-12s%14s%14s%8s%14s%14s%8s\n' test "lsmdb ns/op" "redis ns/op" "cpu" \
    "lsmdb ops/s" "redis ops/s" "ops"
  prod_cpu=1; prod_ops=1; count=0
  for t in ${TESTS//,/ }; do
    read -r lns lrps < <(measure "$LPID" "$LPORT" "$P" "$t")
    read -r rns rrps < <(measure "$RPID" "$RPORT" "$P" "$t")
    cr=$(awk -v a="$rns" -v b="$lns" 'BEGIN {printf "%.2f", a / b}')
    orr=$(awk -v a="$lrps" -v b="$rrps" 'BEGIN {printf "%.2f", a / b}')
    printf '%-12s%14s%14s%8s%14s%14s%8s\n' "$t" "$lns" "$rns" "$cr" "$lrps" "$rrps" "$orr"
    prod_cpu=$(awk -v p="$prod_cpu" -v x="$cr" 'BEGIN {print p * x}')
    prod_ops=$(awk -v p="$prod_ops" -v x="$orr" 'BEGIN {print p * x}')
    count=$((count + 1))
  done
  awk -v a="$prod_cpu" -v b="$prod_ops" -v n="$count" \
    'BEGIN {printf "%-12s%28s%8.2f%28s%8.2f\n", "geomean", "", a ^ (1 / n), "", b ^ (1 / n)}'
done
