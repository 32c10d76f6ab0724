#!/usr/bin/env bash
# kill -9 durability, many rounds: starts build/lsmdb-server, runs concurrent
# writers, SIGKILLs the server at a random moment, restarts it on the same
# dir and checks every acknowledged write (tests/integration/test_crash.py).
#
#   tools/crash_test.sh [ROUNDS] [MODE] [WRITERS]   defaults: 50 always 4
#   MODE: always | everysec     LSMDB_SERVER overrides the server binary.
#
# Ends with "crash summary: ... rounds=N ... rounds-with-loss=N ..." and exits
# non-zero if any acknowledged write was lost (the data dir is then kept).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-50}
mode=${2:-always}
writers=${3:-4}
if [ -z "${LSMDB_SERVER:-}" ]; then
  [ -x build/lsmdb-server ] || { source tools/deps.sh; lsmdb_build build >/dev/null; }
  export LSMDB_SERVER=$PWD/build/lsmdb-server
fi
exec /usr/bin/python3 tests/integration/test_crash.py --rounds "$rounds" --mode "$mode" \
  --writers "$writers"
