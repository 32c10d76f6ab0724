#!/usr/bin/env bash
# Cluster A/B benchmark: a 3-primary lsmdb-server cluster and a 3-primary
# Debian redis-server cluster (--appendonly yes --appendfsync everysec), each
# node in its own temp dir, on this machine, in the same run:
#
#   1. redis-benchmark --cluster -t set,get -c 50 -P 16 -n 5000000 against
#      both, --rounds times (interleaved: lsmdb set, redis set, lsmdb get,
#      redis get, then again); prints each round's ops/s, the medians and
#      the ratio of the medians lsmdb/redis, and the CPU time the three
#      server processes used per request (µs, user + system), which the
#      other load on the machine disturbs much less than ops/s;
#   2. failover time: one replica is added to one primary of each cluster
#      (redis-cli --cluster add-node --cluster-slave), the primary is killed
#      with kill -9, and the time until a surviving primary reports
#      cluster_state:ok again (after it went to fail) is printed.
#
#   tools/bench_cluster.sh [--lsmdb PATH] [-n 5000000] [-c 50] [-P 16] [--rounds 3]
#                          [--node-timeout 2000] [--skip-bench] [--skip-failover]
#
# Why -n is large: with --cluster, redis-benchmark runs one thread per
# primary, and a thread whose clients are done only stops at its next
# 250 ms throughput tick (showThroughput), so the measured time is rounded
# up to a multiple of ~250 ms. At ~800k ops/s, -n 200000 takes ~0.25 s: a
# run reads either ~780k or ~390k ops/s depending on which side of the tick
# it ends (both servers flip between the two), which is what a SET ratio
# of 0.49-0.50 was. 5M requests (~4-6 s) bound that error to ~5%.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LSMDB="${LSMDB_SERVER:-}"
if [[ -z "$LSMDB" ]]; then
  for c in "$ROOT/build/lsmdb-server" "$ROOT/build/src/lsmdb-server"; do
    [[ -x "$c" ]] && { LSMDB="$c"; break; }
  done
fi
N=5000000
ROUNDS=3
CLIENTS=50
PIPE=16
TIMEOUT=2000
BENCH=1
FAILOVER=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --lsmdb) LSMDB="$2"; shift 2 ;;
    -n) N="$2"; shift 2 ;;
    -c) CLIENTS="$2"; shift 2 ;;
    -P) PIPE="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --node-timeout) TIMEOUT="$2"; shift 2 ;;
    --skip-bench) BENCH=0; shift ;;
    --skip-failover) FAILOVER=0; shift ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -x "$LSMDB" ]] || { echo "lsmdb-server not found; pass --lsmdb PATH" >&2; exit 2; }
for b in redis-server redis-benchmark redis-cli; do
  command -v "$b" >/dev/null || { echo "needs Debian's $b" >&2; exit 2; }
done

# Base ports whose bus port (+10000) is free too, below the kernel's
# ephemeral range (32768-60999 here) so that no outgoing connection (the
# benchmark's, the lsmdb bus's one connection per message) can take a bus
# port between this check and the server's start.
free_ports() {
  /usr/bin/python3 - "$1" <<'EOF'
import random, socket, sys
def free(p):
    for q in (p, p + 10000):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", q))
            except OSError:
                return False
    return True
out = []
while len(out) < int(sys.argv[1]):
    p = random.randint(20000, 22767)
    if p not in out and free(p):
        out.append(p)
print(" ".join(map(str, out)))
EOF
}
wait_ping() {
  for _ in $(seq 1 200); do
    [[ "$(redis-cli -p "$1" ping 2>/dev/null)" == PONG ]] && return 0
    sleep 0.05
  done
  echo "server on port $1 did not start" >&2; return 1
}
state_of() { redis-cli -p "$1" cluster info 2>/dev/null | tr -d '\r' | sed -n 's/^cluster_state://p'; }
wait_state_ok() {
  for _ in $(seq 1 600); do
    [[ "$(state_of "$1")" == ok ]] && return 0
    sleep 0.05
  done
  echo "cluster on port $1 not ok" >&2; return 1
}
now_ms() { date +%s%3N; }

WORK="$(mktemp -d /tmp/lsmdb-bench-cluster-XXXXXX)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

declare -A PID_OF
start_node() {  # kind port
  local dir="$WORK/$1-$2"
  mkdir -p "$dir"
  if [[ "$1" == lsmdb ]]; then
    "$LSMDB" --port "$2" --bind 127.0.0.1 --dir "$dir" --appendfsync everysec --loglevel warning \
      --cluster-enabled yes --cluster-node-timeout "$TIMEOUT" ${LSMDB_ARGS:-} >"$dir/log" 2>&1 &
  else
    redis-server --port "$2" --bind 127.0.0.1 --dir "$dir" --appendonly yes --appendfsync everysec \
      --save "" --cluster-enabled yes --cluster-config-file nodes.conf \
      --cluster-node-timeout "$TIMEOUT" --logfile "$dir/log" --daemonize no &
  fi
  PIDS+=($!)
  PID_OF[$2]=$!
}

read -r -a LP <<<"$(free_ports 4)"
read -r -a RP <<<"$(free_ports 4)"
for p in "${LP[@]:0:3}"; do start_node lsmdb "$p"; done
for p in "${RP[@]:0:3}"; do start_node redis "$p"; done
for p in "${LP[@]:0:3}" "${RP[@]:0:3}"; do wait_ping "$p"; done
for kind in lsmdb redis; do
  [[ $kind == lsmdb ]] && ports=("${LP[@]:0:3}") || ports=("${RP[@]:0:3}")
  redis-cli --cluster create "${ports[@]/#/127.0.0.1:}" --cluster-yes >"$WORK/create-$kind.log" 2>&1 ||
    { cat "$WORK/create-$kind.log"; exit 1; }
  wait_state_ok "${ports[0]}"
done
echo "lsmdb: $LSMDB ports ${LP[*]:0:3}   redis: $(redis-server --version | cut -d' ' -f3) ports ${RP[*]:0:3}"
echo "both: 3 primaries, appendfsync everysec, cluster-node-timeout $TIMEOUT ms; nproc $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ $BENCH == 1 ]]; then
  echo
  echo "redis-benchmark --cluster -c $CLIENTS -P $PIPE -n $N, $ROUNDS rounds"
  # CPU ticks (user + system) of the three primaries of a cluster.
  cpu_ticks() {
    local sum=0 p f
    for p in "$@"; do
      read -r -a f <"/proc/${PID_OF[$p]}/stat"
      sum=$((sum + f[13] + f[14]))
    done
    echo "$sum"
  }
  TICK=$(getconf CLK_TCK)
  printf '%-6s %-7s %14s %14s %8s %10s %10s\n' test round lsmdb_ops/s redis_ops/s ratio \
    lsmdb_cpu redis_cpu
  declare -A ALL=()
  for r in $(seq 1 "$ROUNDS"); do
    for t in set get; do
      declare -A RPS=() CPU=()
      for kind in lsmdb redis; do
        [[ $kind == lsmdb ]] && ports=("${LP[@]:0:3}") || ports=("${RP[@]:0:3}")
        port=${ports[0]}
        c0=$(cpu_ticks "${ports[@]}")
        RPS[$kind]=$(redis-benchmark --cluster -h 127.0.0.1 -p "$port" -c "$CLIENTS" -P "$PIPE" \
          -n "$N" -t "$t" --csv -q 2>/dev/null | tail -n 1 | cut -d, -f2 | tr -d '"')
        c1=$(cpu_ticks "${ports[@]}")
        CPU[$kind]=$(awk -v c=$((c1 - c0)) -v t="$TICK" -v n="$N" 'BEGIN { printf "%.3f", c / t * 1e6 / n }')
        ALL[$t-$kind]+="${RPS[$kind]} "
        ALL[$t-$kind-cpu]+="${CPU[$kind]} "
      done
      ratio=$(awk -v a="${RPS[lsmdb]}" -v b="${RPS[redis]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
      printf '%-6s %-7s %14s %14s %8s %10s %10s\n' "${t^^}" "$r" "${RPS[lsmdb]}" "${RPS[redis]}" \
        "$ratio" "${CPU[lsmdb]}" "${CPU[redis]}"
    done
  done
  median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
  for t in set get; do
    ml=$(median <<<"${ALL[$t-lsmdb]}")
    mr=$(median <<<"${ALL[$t-redis]}")
    ratio=$(awk -v a="$ml" -v b="$mr" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
    printf '%-6s %-7s %14s %14s %8s %10s %10s\n' "${t^^}" median "$ml" "$mr" "$ratio" \
      "$(median <<<"${ALL[$t-lsmdb-cpu]}")" "$(median <<<"${ALL[$t-redis-cpu]}")"
  done
fi

if [[ $FAILOVER == 1 ]]; then
  echo
  echo "failover: kill -9 of a primary with one replica -> cluster_state:ok again"
  for kind in lsmdb redis; do
    [[ $kind == lsmdb ]] && ports=("${LP[@]}") || ports=("${RP[@]}")
    # The replica's port is picked now: the benchmark ran since the others.
    victim=${ports[0]}; replica=$(free_ports 1); survivor=${ports[1]}
    start_node "$kind" "$replica"
    wait_ping "$replica"
    vid=$(redis-cli -p "$victim" cluster myid)
    redis-cli --cluster add-node "127.0.0.1:$replica" "127.0.0.1:$victim" --cluster-slave \
      --cluster-master-id "$vid" >"$WORK/add-$kind.log" 2>&1 || { cat "$WORK/add-$kind.log"; exit 1; }
    # Replica online and caught up.
    for _ in $(seq 1 400); do
      redis-cli -p "$victim" info replication | grep -q 'slave0:.*state=online' && break
      sleep 0.05
    done
    redis-cli -p "$victim" set failover-probe 1 >/dev/null 2>&1 || true
    redis-cli -p "$victim" wait 1 5000 >/dev/null
    wait_state_ok "$survivor"
    t0=$(now_ms)
    kill -9 "${PID_OF[$victim]}"
    wait "${PID_OF[$victim]}" 2>/dev/null || true
    went_fail=0
    t_ok=""
    for _ in $(seq 1 1200); do
      s=$(state_of "$survivor")
      [[ "$s" == fail ]] && went_fail=1
      if [[ $went_fail == 1 && "$s" == ok ]]; then t_ok=$(now_ms); break; fi
      sleep 0.02
    done
    role=$(redis-cli -p "$replica" role | head -1)
    if [[ -n "$t_ok" ]]; then
      printf '%-6s %6d ms (replica now %s)\n' "$kind" $((t_ok - t0)) "$role"
    else
      printf '%-6s did not recover within 24 s (replica %s)\n' "$kind" "$role"
    fi
  done
fi
