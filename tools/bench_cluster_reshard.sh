#!/usr/bin/env bash
# Resharding benchmark: a 3-primary lsmdb-server cluster (each node in its own
# temp dir), SIZE_MB of string values loaded into the first --slots slots of
# the first primary (keys chosen by their hash slot, pipelined python loader,
# --value-size bytes each), then
#
#   redis-cli --cluster reshard <n1> --cluster-from <n1> --cluster-to <n2>
#             --cluster-slots <slots> --cluster-yes [--cluster-pipeline P]
#
# is timed; it prints the time, MB/s and keys/s, and checks that every key
# arrived (DBSIZE on both nodes) and that `redis-cli --cluster check` is OK.
#
#   tools/bench_cluster_reshard.sh [--lsmdb PATH] [--size-mb 1024] [--slots 1000]
#                                  [--value-size 16384] [--pipeline 10]
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LSMDB="${LSMDB_SERVER:-}"
if [[ -z "$LSMDB" ]]; then
  for c in "$ROOT/build/lsmdb-server" "$ROOT/build/src/lsmdb-server"; do
    [[ -x "$c" ]] && { LSMDB="$c"; break; }
  done
fi
SIZE_MB=1024
SLOTS=1000
VALUE=16384
PIPELINE=10
while [[ $# -gt 0 ]]; do
  case "$1" in
    --lsmdb) LSMDB="$2"; shift 2 ;;
    --size-mb) SIZE_MB="$2"; shift 2 ;;
    --slots) SLOTS="$2"; shift 2 ;;
    --value-size) VALUE="$2"; shift 2 ;;
    --pipeline) PIPELINE="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -x "$LSMDB" ]] || { echo "lsmdb-server not found; pass --lsmdb PATH" >&2; exit 2; }
command -v redis-cli >/dev/null || { echo "needs Debian's redis-cli" >&2; exit 2; }

PORTS=$(/usr/bin/python3 - <<'EOF'
import random, socket
def free(p):
    for q in (p, p + 10000):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", q))
            except OSError:
                return False
    return True
out = []
while len(out) < 3:
    p = random.randint(20000, 29999)
    if p not in out and free(p):
        out.append(p)
print(" ".join(map(str, out)))
EOF
)
read -r P1 P2 P3 <<<"$PORTS"
WORK=$(mktemp -d /tmp/lsmdb-reshard-XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
for p in $P1 $P2 $P3; do
  mkdir -p "$WORK/$p"
  "$LSMDB" --port "$p" --bind 127.0.0.1 --dir "$WORK/$p" --cluster-enabled yes \
    --cluster-node-timeout 5000 >"$WORK/$p/log" 2>&1 &
  PIDS+=($!)
done
for p in $P1 $P2 $P3; do
  until redis-cli -p "$p" ping >/dev/null 2>&1; do sleep 0.1; done
done
redis-cli --cluster create 127.0.0.1:$P1 127.0.0.1:$P2 127.0.0.1:$P3 --cluster-yes >/dev/null
until redis-cli -p "$P1" cluster info | grep -q cluster_state:ok &&
      redis-cli -p "$P2" cluster info | grep -q cluster_state:ok &&
      redis-cli -p "$P3" cluster info | grep -q cluster_state:ok; do sleep 0.2; done
ID1=$(redis-cli -p "$P1" cluster myid)
ID2=$(redis-cli -p "$P2" cluster myid)

echo "loading ${SIZE_MB} MB into slots 0..$((SLOTS - 1)) of 127.0.0.1:$P1 (values of $VALUE bytes)"
T0=$(date +%s.%N)
KEYS=$(/usr/bin/python3 - "$P1" "$SIZE_MB" "$SLOTS" "$VALUE" <<'EOF'
import os, sys
import redis
port, size_mb, slots, value = map(int, sys.argv[1:])
def crc16(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xffff
    return crc
# One hash tag per slot: keys "{tag}:n" of slot s spread over the slots.
tags, i = {}, 0
while len(tags) < slots:
    t = b"t%d" % i
    s = crc16(t) % 16384
    if s < slots and s not in tags:
        tags[s] = t
    i += 1
tags = list(tags.values())
r = redis.Redis(port=port)
n = size_mb * 1024 * 1024 // value
payload = os.urandom(value // 2).hex().encode()[:value]
p = r.pipeline(transaction=False)
for k in range(n):
    p.set(b"{" + tags[k % len(tags)] + b"}:%d" % k, payload)
    if k % 64 == 63:
        p.execute()
p.execute()
print(n)
EOF
)
T1=$(date +%s.%N)
echo "loaded $KEYS keys in $(echo "$T1 - $T0" | bc) s"
BEFORE=$(redis-cli -p "$P2" dbsize)

T0=$(date +%s.%N)
redis-cli --cluster reshard 127.0.0.1:$P1 --cluster-from "$ID1" --cluster-to "$ID2" \
  --cluster-slots "$SLOTS" --cluster-pipeline "$PIPELINE" --cluster-yes >"$WORK/reshard.log" 2>&1 ||
  { tail -20 "$WORK/reshard.log"; exit 1; }
T1=$(date +%s.%N)
SECS=$(echo "$T1 - $T0" | bc)
AFTER=$(redis-cli -p "$P2" dbsize)
LEFT=$(redis-cli -p "$P1" dbsize)
echo "reshard of $SLOTS slots ($KEYS keys, ${SIZE_MB} MB): ${SECS} s," \
  "$(echo "scale=1; $SIZE_MB / $SECS" | bc) MB/s, $(echo "scale=0; $KEYS / $SECS" | bc) keys/s"
echo "target keys: $BEFORE -> $AFTER (moved $((AFTER - BEFORE))), left on source: $LEFT"
[[ $((AFTER - BEFORE)) -eq $KEYS ]] || { echo "FAIL: keys missing" >&2; exit 1; }
redis-cli --cluster check 127.0.0.1:$P1 | grep -q "All nodes agree" || { echo "FAIL: check" >&2; exit 1; }
echo "redis-cli --cluster check: OK"
