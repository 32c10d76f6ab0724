#!/usr/bin/env bash
# A/B benchmark: redis-benchmark against lsmdb-server and Debian's redis-server
# (AOF on, appendfsync everysec) in the same run, interleaved test by test so
# both see the same machine load.
#
#   tools/bench_redis.sh [--lsmdb PATH] [--always] [-n 200000] [-c 50]
#                        [--tests ping,set,get,incr,mset] [--pipelines "1 16"] [--rounds 1]
#
# Prints, per pipeline depth: ops/s (median over the rounds) and p99 (ms, the
# worst round) of both servers per test, the ratio lsmdb/redis of ops/s, and
# the geometric mean of the ratios.
# --always runs lsmdb with appendfsync always (redis stays at everysec).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LSMDB="${LSMDB_SERVER:-}"
if [[ -z "$LSMDB" ]]; then
  for c in "$ROOT/build/lsmdb-server" "$ROOT/build/src/lsmdb-server"; do
    [[ -x "$c" ]] && { LSMDB="$c"; break; }
  done
fi
FSYNC=everysec
N=200000
CLIENTS=50
TESTS=ping,set,get,incr,mset
PIPELINES="1 16"
ROUNDS=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --lsmdb) LSMDB="$2"; shift 2 ;;
    --always) FSYNC=always; shift ;;
    -n) N="$2"; shift 2 ;;
    -c) CLIENTS="$2"; shift 2 ;;
    --tests) TESTS="$2"; shift 2 ;;
    --pipelines) PIPELINES="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -x "$LSMDB" ]] || { echo "lsmdb-server not found; pass --lsmdb PATH" >&2; exit 2; }
command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null ||
  { echo "needs Debian's redis-server and redis-benchmark" >&2; exit 2; }

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_ping() {
  for _ in $(seq 1 200); do
    [[ "$(redis-cli -p "$1" ping 2>/dev/null)" == PONG ]] && return 0
    sleep 0.05
  done
  echo "server on port $1 did not start" >&2; return 1
}

WORK="$(mktemp -d /tmp/lsmdb-bench-XXXXXX)"
LPORT=$(free_port); RPORT=$(free_port)
LPID=""; RPID=""
cleanup() {
  [[ -n "$LPID" ]] && kill "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null || true
  [[ -n "$RPID" ]] && kill "$RPID" 2>/dev/null && wait "$RPID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

"$LSMDB" --port "$LPORT" --dir "$WORK/lsmdb" --appendfsync "$FSYNC" --loglevel warning ${LSMDB_ARGS:-} \
  >"$WORK/lsmdb.log" 2>&1 &
LPID=$!
mkdir -p "$WORK/redis"
redis-server --port "$RPORT" --dir "$WORK/redis" --appendonly yes --appendfsync everysec \
  --save "" --logfile "$WORK/redis.log" --daemonize no &
RPID=$!
wait_ping "$LPORT"; wait_ping "$RPORT"

echo "lsmdb: $LSMDB (appendfsync $FSYNC, port $LPORT)   redis: $(redis-server --version | cut -d' ' -f3) (AOF everysec, port $RPORT)"
echo "redis-benchmark -c $CLIENTS -n $N, rounds $ROUNDS, tests $TESTS"

RESULTS="$WORK/results.csv"
: >"$RESULTS"
run_one() {  # server port pipeline test
  redis-benchmark -p "$2" -c "$CLIENTS" -n "$N" -P "$3" -t "$4" --csv -q 2>/dev/null |
    tail -n +2 | sed "s/^/$1,$3,/" >>"$RESULTS"
}
for P in $PIPELINES; do
  for r in $(seq 1 "$ROUNDS"); do
    for t in ${TESTS//,/ }; do
      if (( r % 2 == 1 )); then
        run_one lsmdb "$LPORT" "$P" "$t"; run_one redis "$RPORT" "$P" "$t"
      else
        run_one redis "$RPORT" "$P" "$t"; run_one lsmdb "$LPORT" "$P" "$t"
      fi
    done
  done
done

/usr/bin/python3 - "$RESULTS" <<'PY'
import csv, math, statistics, sys
from collections import defaultdict, OrderedDict
# rows: server, pipeline, "test","rps","avg","min","p50","p95","p99","max"
data = defaultdict(list)
order = OrderedDict()
for row in csv.reader(open(sys.argv[1])):
    if len(row) < 9:
        continue
    server, pipe, test, rps, p99 = row[0], int(row[1]), row[2], float(row[3]), float(row[8])
    data[(server, pipe, test)].append((rps, p99))
    order.setdefault((pipe, test), None)
pipes = sorted({p for p, _ in order})
for pipe in pipes:
    print(f"\n-P {pipe}")
    print(f"{'test':<22}{'lsmdb ops/s':>14}{'p99 ms':>9}{'redis ops/s':>14}{'p99 ms':>9}{'ratio':>8}")
    ratios = []
    for (p, test) in order:
        if p != pipe:
            continue
        l = data.get(("lsmdb", p, test)); r = data.get(("redis", p, test))
        if not l or not r:
            continue
        # Medians over the rounds: one disturbed run (a page-cache writeback,
        # a compaction) moves a mean by several percent on a 2-core machine.
        lr = statistics.median(x for x, _ in l); rr = statistics.median(x for x, _ in r)
        lp = max(y for _, y in l); rp = max(y for _, y in r)
        ratio = lr / rr if rr else float("nan")
        ratios.append(ratio)
        print(f"{test:<22}{lr:>14.0f}{lp:>9.3f}{rr:>14.0f}{rp:>9.3f}{ratio:>8.2f}")
    if ratios:
        gm = math.exp(sum(math.log(x) for x in ratios) / len(ratios))
        print(f"{'geometric mean ratio':<68}{gm:>8.2f}")
PY
