#pragma once

// How a command's engine writes are applied. Type code (src/types/) builds one
// WriteBatch per command and hands it to a Committer; it never calls
// DB::Write itself. The server's Committer calls DB::WriteAsync and parks the
// connection until the batch is durable (so no I/O thread waits on fsync);
// MULTI/EXEC and tests may use other Committers.

#include "lsmdb/status.h"
#include "lsmdb/write_batch.h"

namespace lsmdb::server {

class Committer {
 public:
  virtual ~Committer() = default;
  // Applies `batch` atomically. On return the writes are visible to readers;
  // durability is the Committer's business. Non-OK: nothing was applied.
  virtual Status Commit(WriteBatch& batch) = 0;
};

}  // namespace lsmdb::server
