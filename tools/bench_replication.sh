#!/usr/bin/env bash
# Replication benchmark (docs/bench.md, "Replication"), on this machine, loopback:
#
#   1. full sync: a primary is loaded with --gb GiB of 4 KiB string values
#      (DEBUG POPULATE, --compression none so the bytes on disk and on the wire
#      are the data size; DEBUG POPULATE's values are zero-padded and would
#      otherwise compress to nothing), then a replica is started with
#      --replicaof; the time from its start until INFO replication says
#      master_link_status:up and slave_repl_offset == the primary's
#      master_repl_offset is the full-sync time; MB/s = primary's db bytes / time.
#   2. primary throughput with 0, 1 and 2 replicas (fresh servers each time):
#      redis-benchmark -t set -c 50 -P 16 -n N -r 100000 against the primary,
#      and the primary's CPU time per op (/proc/<pid>/stat utime+stime over
#      the run / N), which does not depend on what else loads the machine.
#
#   tools/bench_replication.sh [--lsmdb PATH] [--gb 5] [--value-size 4096]
#                              [-n 1000000] [--dir /tmp/lsmdb-bench-repl]
#                              [--skip-sync] [--skip-throughput]
#
# Every data directory is deleted at the end.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LSMDB="${LSMDB_SERVER:-}"
if [[ -z "$LSMDB" ]]; then
  for c in "$ROOT/build/src/lsmdb-server" "$ROOT/build/lsmdb-server"; do
    [[ -x "$c" ]] && { LSMDB="$c"; break; }
  done
fi
GB=5
VALUE=4096
N=1000000
BASE=/tmp/lsmdb-bench-repl
SYNC=1
THROUGHPUT=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --lsmdb) LSMDB="$2"; shift 2 ;;
    --gb) GB="$2"; shift 2 ;;
    --value-size) VALUE="$2"; shift 2 ;;
    -n) N="$2"; shift 2 ;;
    --dir) BASE="$2"; shift 2 ;;
    --skip-sync) SYNC=0; shift ;;
    --skip-throughput) THROUGHPUT=0; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -x "$LSMDB" ]] || { echo "lsmdb-server not found (--lsmdb PATH)" >&2; exit 2; }

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$BASE"
}
trap cleanup EXIT
rm -rf "$BASE"
mkdir -p "$BASE"

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_server NAME PORT [args...]: starts lsmdb-server, waits for PING, sets $LAST_PID.
start_server() {
  local name="$1" port="$2"; shift 2
  mkdir -p "$BASE/$name"
  "$LSMDB" --port "$port" --dir "$BASE/$name" --appendfsync everysec "$@" \
    > "$BASE/$name.log" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
  for _ in $(seq 200); do
    redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && return 0
    sleep 0.05
  done
  echo "server $name did not start:" >&2; cat "$BASE/$name.log" >&2; exit 1
}

stop_all() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}

field() { redis-cli -p "$1" info replication | tr -d '\r' | awk -F: -v k="$2" '$1==k {print $2}'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# CPU ticks of the primary's replication sender threads (named "repl-sender").
sender_ticks() {
  local t sum=0
  for t in /proc/"$1"/task/*; do
    if [[ "$(cat "$t/comm" 2>/dev/null)" == repl-sender ]]; then
      sum=$(( sum + $(sed 's/^.*) //' "$t/stat" | awk '{print $12 + $13}') ))
    fi
  done
  echo "$sum"
}
now() { date +%s.%N; }

echo "lsmdb-server: $LSMDB"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ $SYNC == 1 ]]; then
  P=$(free_port)
  start_server primary "$P" --compression none
  PPID_=$LAST_PID
  COUNT=$(( GB * 1024 * 1024 * 1024 / VALUE ))
  echo "== full sync: loading $COUNT keys x $VALUE bytes (~$GB GiB)"
  t0=$(now)
  STEP=200000
  for (( s = 0; s < COUNT; s += STEP )); do
    n=$(( COUNT - s < STEP ? COUNT - s : STEP ))
    redis-cli -p "$P" debug populate "$n" "p$s" "$VALUE" > /dev/null
  done
  t1=$(now)
  DB_BYTES=$(du -sb "$BASE/primary/db" | cut -f1)
  awk -v b="$DB_BYTES" -v t="$(echo "$t1 - $t0" | bc)" \
    'BEGIN {printf "loaded in %.1f s (%.0f MB/s); primary db %.2f GB on disk\n", t, b/1e6/t, b/1e9}'
  R=$(free_port)
  t0=$(now)
  start_server replica "$R" --compression none --replicaof "127.0.0.1 $P"
  while true; do
    st=$(field "$R" master_link_status || true)
    ro=$(field "$R" slave_repl_offset || true)
    po=$(field "$P" master_repl_offset || true)
    if [[ "$st" == "up" && -n "$ro" && "$ro" == "$po" ]]; then break; fi
    sleep 0.1
  done
  t1=$(now)
  R_BYTES=$(du -sb "$BASE/replica/db" | cut -f1)
  # The snapshot's size as the primary sent it ("Snapshot of N files, B bytes").
  SNAP_BYTES=$(grep -o "files, [0-9]* bytes queued" "$BASE/primary.log" | tail -1 | awk '{print $2}')
  awk -v b="$SNAP_BYTES" -v r="$R_BYTES" -v t="$(echo "$t1 - $t0" | bc)" \
    'BEGIN {printf "full sync: %.1f s for a %.2f GB snapshot: %.0f MB/s (replica db %.2f GB)\n", t, b/1e9, b/1e6/t, r/1e9}'
  grep -E "full sync|Snapshot of|received|Finished" "$BASE/primary.log" "$BASE/replica.log" \
    | sed 's/^/  /'
  stop_all
  rm -rf "$BASE/primary" "$BASE/replica"
fi

if [[ $THROUGHPUT == 1 ]]; then
  echo "== primary throughput: redis-benchmark -t set -c 50 -P 16 -n $N -r 100000"
  HZ=$(getconf CLK_TCK)
  for replicas in 0 1 2; do
    rm -rf "$BASE"/tp-*
    P=$(free_port)
    start_server tp-primary "$P"
    PRIM=$LAST_PID
    for (( i = 0; i < replicas; i++ )); do
      RP=$(free_port)
      start_server "tp-replica$i" "$RP" --replicaof "127.0.0.1 $P"
      until [[ "$(field "$RP" master_link_status)" == "up" ]]; do sleep 0.05; done
    done
    c0=$(cpu_ticks "$PRIM")
    s0=$(sender_ticks "$PRIM")
    out=$(redis-benchmark -p "$P" -t set -c 50 -P 16 -n "$N" -r 100000 -q 2>/dev/null | tr '\r' '\n' \
          | grep -E "^SET" | tail -1)
    c1=$(cpu_ticks "$PRIM")
    s1=$(sender_ticks "$PRIM")
    # Catch-up: until every replica has applied the primary's last record.
    t0=$(now)
    po=$(field "$P" master_repl_offset)
    for (( i = 0; i < replicas; i++ )); do
      until [[ "$(redis-cli -p "$P" info replication | tr -d '\r' | grep -c "offset=$po,")" -ge "$replicas" ]]; do
        sleep 0.01
      done
    done
    t1=$(now)
    awk -v r="$replicas" -v o="$out" -v c=$(( c1 - c0 )) -v sc=$(( s1 - s0 )) -v hz="$HZ" \
        -v n="$N" -v cu="$(echo "$t1 - $t0" | bc)" \
      'BEGIN {printf "replicas=%d  %s  primary CPU %.2f us/op (sender threads %.3f)  catch-up %.2f s\n", r, o, c/hz*1e6/n, sc/hz*1e6/n, cu}'
    stop_all
  done
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
