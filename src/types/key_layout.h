#pragma once

// Which metadata key layout a data dir holds (encoding.h): PLAIN (no hash
// slot) or CLUSTER ("slots": a 2-byte hash slot before the user key). The
// choice is persisted as the engine record 'L' -> "plain" | "slots" the first
// time a data dir is opened, so a dir written by a cluster-enabled server is
// never read as plain (or the other way round): the keys would be invisible.
//
// A dir without the record holds plain keys if it has any metadata record
// (written before the record existed), else it is new and takes `cluster`.

#include "lsmdb/db.h"
#include "lsmdb/status.h"

namespace lsmdb::server {

// Checks (and on first use records) the layout of `db` against `cluster`
// (the server's cluster-enabled), then SetSlotKeyLayout(cluster). An
// InvalidArgument status with a message naming both if they disagree. Call it
// before constructing the Keyspace.
Status OpenKeyLayout(lsmdb::DB* db, bool cluster);

}  // namespace lsmdb::server
