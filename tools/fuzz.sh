#!/usr/bin/env bash
# Builds the libFuzzer targets in tests/fuzz/ with clang++ (ASan + UBSan +
# libFuzzer) into build-fuzz/ and runs each one.
#
#   tools/fuzz.sh [SECONDS] [TARGET...]   run each target for SECONDS (default 60)
#   tools/fuzz.sh --short [TARGET...]     the meson 'fuzz' suite: corpus + 20000 runs each
#   tools/fuzz.sh --build                 build only
#   tools/fuzz.sh --seeds                 rebuild the seed corpora from make_seeds
#
# Targets: resp_parser_fuzz sst_block_fuzz wal_reader_fuzz manifest_fuzz.
# Corpora: tests/fuzz/corpus/<target>/ (seeds and regression inputs, read-only
# here); new inputs the fuzzer finds go to build-fuzz/corpus/<target>/.
# A crash leaves build-fuzz/artifacts/<target>/crash-*; copy it into the
# target's corpus as a regression input. Exit 77 (meson: skipped) without clang++.
# Summary lines: "fuzz <target>: <runs> runs in <s> s, <status>".
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${LSMDB_FUZZ_DIR:-$ROOT/build-fuzz}
CXX=${FUZZ_CXX:-clang++}
ALL_TARGETS=(resp_parser_fuzz sst_block_fuzz wal_reader_fuzz manifest_fuzz)

if ! command -v "$CXX" >/dev/null 2>&1; then
  echo "fuzz: $CXX not found; skipping (apt-get install clang)"
  exit 77
fi

mode=time
seconds=60
case "${1:-}" in
  --short) mode=short; shift ;;
  --build) mode=build; shift ;;
  --seeds) mode=seeds; shift ;;
  ''|*[!0-9]*) ;;
  *) seconds=$1; shift ;;
esac
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${ALL_TARGETS[@]}")

# Engine and protocol sources the targets link (no server, no threads beyond
# what these files start).
STORAGE_SRCS=(
  storage/util/file.cc storage/util/arena.cc
  storage/sst/block.cc storage/sst/block_builder.cc storage/sst/block_cache.cc
  storage/sst/bloom.cc storage/sst/format.cc storage/sst/iterator_util.cc
  storage/sst/table.cc storage/sst/table_builder.cc storage/sst/table_cache.cc
  storage/wal/wal_reader.cc storage/wal/wal_writer.cc
  storage/db/version_edit.cc storage/db/version_set.cc storage/db/write_batch.cc
)
PROTOCOL_SRCS=(protocol/resp_parser.cc)

# One ninja file: incremental, header dependencies through depfiles, -j2.
mkdir -p "$OUT"
COMMON="-std=c++20 -g -O1 -fno-omit-frame-pointer -I$ROOT -I$ROOT/storage/include"
COMMON+=" -Wall -Wextra -Wno-unused-parameter"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
{
  echo "cxx = $CXX"
  echo "cflags = $COMMON $SAN -fsanitize=fuzzer-no-link"
  echo "rule cc"
  echo "  command = \$cxx \$cflags -MMD -MF \$out.d -c \$in -o \$out"
  echo "  depfile = \$out.d"
  echo "  deps = gcc"
  echo "  description = CXX \$out"
  echo "rule link"
  echo "  command = \$cxx \$cflags \$extra -o \$out \$in -lfmt -lxxhash -llz4 -lpthread"
  echo "  description = LINK \$out"
  objs=()
  for s in "${STORAGE_SRCS[@]}" "${PROTOCOL_SRCS[@]}"; do
    o="obj/${s%.cc}.o"
    echo "build $o: cc $ROOT/$s"
    objs+=("$o")
  done
  for t in "${ALL_TARGETS[@]}" make_seeds; do
    echo "build obj/tests/fuzz/$t.o: cc $ROOT/tests/fuzz/$t.cc"
  done
  for t in "${ALL_TARGETS[@]}"; do
    echo "build $t: link obj/tests/fuzz/$t.o ${objs[*]}"
    echo "  extra = -fsanitize=fuzzer"
  done
  echo "build make_seeds: link obj/tests/fuzz/make_seeds.o ${objs[*]}"
} > "$OUT/build.ninja.new"
cmp -s "$OUT/build.ninja.new" "$OUT/build.ninja" || mv "$OUT/build.ninja.new" "$OUT/build.ninja"
rm -f "$OUT/build.ninja.new"
ninja -C "$OUT" -j2 "${targets[@]}" make_seeds >/dev/null || {
  ninja -C "$OUT" -j1 "${targets[@]}" make_seeds; echo "fuzz: build failed"; exit 1; }

if [ "$mode" = build ]; then echo "fuzz: built ${targets[*]} in $OUT"; exit 0; fi
if [ "$mode" = seeds ]; then
  "$OUT/make_seeds" "$ROOT/tests/fuzz/corpus" && echo "fuzz: seeds written"
  exit $?
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
for t in "${targets[@]}"; do
  seeds="$ROOT/tests/fuzz/corpus/$t"
  work="$OUT/corpus/$t"
  art="$OUT/artifacts/$t"
  mkdir -p "$work" "$art"
  log="$OUT/$t.log"
  max_len=8192
  [ "$t" = wal_reader_fuzz ] && max_len=70000  # seeds span 32 KiB log blocks
  flags=(-timeout=10 -rss_limit_mb=2048 -max_len=$max_len -artifact_prefix="$art/"
         -print_final_stats=1)
  [ -f "$ROOT/tests/fuzz/$t.dict" ] && flags+=(-dict="$ROOT/tests/fuzz/$t.dict")
  start=$(date +%s.%N)
  if [ "$mode" = short ]; then
    # Every seed and regression input once, then 20000 mutations (-seed fixed
    # so the meson test is repeatable). New inputs go to a scratch dir (the
    # first corpus dir), never into the source tree.
    scratch="$OUT/short-corpus/$t"
    rm -rf "$scratch" && mkdir -p "$scratch"
    "$OUT/$t" "${flags[@]}" -seed=1 -runs=20000 "$scratch" "$seeds" >"$log" 2>&1
  else
    "$OUT/$t" "${flags[@]}" -max_total_time="$seconds" "$work" "$seeds" >"$log" 2>&1
  fi
  rc=$?
  secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  if [ $rc -eq 0 ]; then
    status="ok"
  else
    status="FAILED (rc $rc; log $log; inputs in $art)"
    failed=1
    grep -m5 -E 'ERROR|invariant|runtime error|SUMMARY' "$log" | sed 's/^/    /'
  fi
  printf 'fuzz %s: %s runs in %.0f s, %s, %s\n' "$t" "${runs:-?}" "$secs" "${cov:-cov ?}" "$status"
done
exit $failed
