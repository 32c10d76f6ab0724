#!/usr/bin/env bash
# Layering rule: dependencies point one way.
#   storage/   includes only storage/ and system/library headers
#   protocol/  includes only protocol/ and system/library headers
#   src/       may include storage's public API (lsmdb/*.h), protocol/, src/
# Prints each violation and exits 1 if there is any.
cd "$(dirname "$0")/.."
bad=0
check() {  # folder, allowed-prefix-regex
  while IFS= read -r line; do
    echo "layering violation: $line"
    bad=1
  done < <(grep -rnE '^#include "' "$1" | grep -vE "#include \"($2)")
}
check storage 'storage/|lsmdb/'
check protocol 'protocol/'
check src 'src/|protocol/|lsmdb/|replication/|cluster/'
check replication 'replication/|protocol/|lsmdb/'
check cluster 'cluster/|lsmdb/'
# src/ must use the engine only through its public headers.
while IFS= read -r line; do
  echo "layering violation (engine internals used outside storage/): $line"
  bad=1
done < <(grep -rnE '^#include "storage/' src replication cluster 2>/dev/null)
[ $bad -eq 0 ] && echo "layering OK"
exit $bad
