#!/bin/bash
# bench_engine.sh: runs LSMDB's lsmbench and RocksDB's db_bench with the same
# flags, one after the other, each on a fresh temporary directory, and prints a
# comparison table (ops/sec per benchmark and the ratio), peak RSS (from
# /usr/bin/time -v) and write amplification for both.
#
#   tools/bench_engine.sh [--num=N] [any other flag shared by both tools...]
#
# Environment: LSMBENCH (default build/lsmbench, else build/tools/lsmbench),
# DB_BENCH (default /usr/bin/db_bench, Debian's rocksdb-tools), BENCH_DIR
# (parent of the temporary DB directories, default /tmp), KEEP=1 keeps the raw
# outputs and DBs.
#
# Write amplification is (bytes written to tables by flushes and compactions) /
# (bytes of write batches ingested), the definition of
# GetProperty("lsmdb.write-amplification"). For RocksDB both figures come from
# the "stats" dump appended to its benchmark list ("Cumulative compaction: X GB
# write", which includes flushes, over "Cumulative writes: ... ingest: Y GB"),
# so they have only 2 decimals of GB; RocksDB's own "Sum" row W-Amp is shown too.
# Both tools destroy the DB at fillrandom, so both figures cover fillrandom,
# overwrite and the reads that follow.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z "${LSMBENCH:-}" ]]; then
  LSMBENCH=$ROOT/build/lsmbench
  [[ -x $LSMBENCH ]] || LSMBENCH=$ROOT/build/tools/lsmbench
fi
DB_BENCH=${DB_BENCH:-/usr/bin/db_bench}
for exe in "$LSMBENCH" "$DB_BENCH" /usr/bin/time; do
  [[ -x $exe ]] || { echo "bench_engine.sh: $exe not found" >&2; exit 1; }
done

BENCHMARKS=fillseq,fillrandom,overwrite,readrandom,readseq,seekrandom
# The shared flags. db_bench's defaults differ from LSMDB's in two places, so
# both are pinned: bloom_bits (db_bench: none) and compression (db_bench: snappy).
FLAGS=(--num=1000000 --key_size=16 --value_size=100 --compression_type=lz4 --bloom_bits=10
       --cache_size=8388608 --write_buffer_size=67108864 --seed=1 --threads=1)
FLAGS+=("$@")  # later flags win in both tools

WORK=$(mktemp -d "${BENCH_DIR:-/tmp}/bench_engine.XXXXXX")
cleanup() { [[ "${KEEP:-0}" == 1 ]] || rm -rf "$WORK"; }
trap cleanup EXIT

echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC')  $(nproc) cores  commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "# flags: --benchmarks=$BENCHMARKS ${FLAGS[*]}"
echo "# lsmbench: $LSMBENCH"
echo "# db_bench: $DB_BENCH ($(dpkg-query -W -f='${Version}' rocksdb-tools 2>/dev/null || echo '?'))"

echo "running db_bench..." >&2
/usr/bin/time -v "$DB_BENCH" --benchmarks=$BENCHMARKS,stats "${FLAGS[@]}" --db="$WORK/rocksdb" \
  >"$WORK/rocksdb.out" 2>"$WORK/rocksdb.err" || { cat "$WORK/rocksdb.err" >&2; exit 1; }
du -sb "$WORK/rocksdb" | cut -f1 >"$WORK/rocksdb.du"
echo "running lsmbench..." >&2
/usr/bin/time -v "$LSMBENCH" --benchmarks=$BENCHMARKS "${FLAGS[@]}" --db="$WORK/lsmdb" \
  >"$WORK/lsmdb.out" 2>"$WORK/lsmdb.err" || { cat "$WORK/lsmdb.err" >&2; exit 1; }
du -sb "$WORK/lsmdb" | cut -f1 >"$WORK/lsmdb.du"

/usr/bin/python3 - "$WORK" "$BENCHMARKS" <<'EOF'
import re, sys
work, names = sys.argv[1], sys.argv[2].split(",")
# Acceptance floor per benchmark (LSMDB ops/sec over RocksDB's).
floor = {"fillrandom": 1.0, "overwrite": 1.0, "readrandom": 1.0,
         "fillseq": 0.8, "readseq": 0.8, "seekrandom": 0.8}

def parse(tool):
    out = open(f"{work}/{tool}.out", errors="replace").read()
    err = open(f"{work}/{tool}.err", errors="replace").read()
    ops = {m.group(1): int(m.group(2)) for m in
           re.finditer(r"^(\w+)\s+:\s+[\d.]+ micros/op (\d+) ops/sec", out, re.M)}
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    return out, ops, int(rss.group(1)) if rss else 0

l_out, l_ops, l_rss = parse("lsmdb")
r_out, r_ops, r_rss = parse("rocksdb")

m = re.search(r"^lsmdb.write-amplification: ([\d.]+)", l_out, re.M)
l_wamp = m.group(1) if m else "?"
comp = re.findall(r"^Cumulative compaction: ([\d.]+) GB write", r_out, re.M)
ingest = re.findall(r"^Cumulative writes: .*ingest: ([\d.]+) GB", r_out, re.M)
r_wamp = "?"
if comp and ingest and float(ingest[-1]) > 0:
    r_wamp = "%.2f" % (float(comp[-1]) / float(ingest[-1]))
sum_row = re.findall(r"^\s*Sum\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+([\d.]+)",
                     r_out, re.M)

print()
print(f"| {'benchmark':<11} | {'LSMDB ops/s':>12} | {'RocksDB ops/s':>13} | {'ratio':>6} | target | ok  |")
print(f"|{'-'*13}|{'-'*14}|{'-'*15}|{'-'*8}|--------|-----|")
for n in names:
    lo, ro = l_ops.get(n), r_ops.get(n)
    ratio = lo / ro if lo and ro else 0.0
    ok = "yes" if ratio >= floor.get(n, 0) else "NO"
    print(f"| {n:<11} | {lo or 0:>12} | {ro or 0:>13} | {ratio:>5.2f}x | {floor.get(n, 0):>5.1f}x | {ok:<3} |")
print()
print(f"| {'':<22} | {'LSMDB':>10} | {'RocksDB':>10} |")
print(f"|{'-'*24}|{'-'*12}|{'-'*12}|")
print(f"| {'peak RSS (MB)':<22} | {l_rss / 1024:>10.1f} | {r_rss / 1024:>10.1f} |")
print(f"| {'write amplification':<22} | {l_wamp:>10} | {r_wamp:>10} |")
print(f"| {'RocksDB Sum W-Amp':<22} | {'-':>10} | {sum_row[-1] if sum_row else '?':>10} |")
l_du = int(open(f"{work}/lsmdb.du").read())
r_du = int(open(f"{work}/rocksdb.du").read())
print(f"| {'DB dir size (MB)':<22} | {l_du / 1048576:>10.1f} | {r_du / 1048576:>10.1f} |")
print()
print("raw result lines:")
for tool, out in (("lsmdb", l_out), ("rocksdb", r_out)):
    for line in out.splitlines():
        if re.match(r"^\w+\s+:\s+[\d.]+ micros/op", line):
            print(f"  {tool:<8} {line}")
EOF
