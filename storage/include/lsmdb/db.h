#pragma once

// The engine's public API: a persistent, ordered map from byte strings to
// byte strings, stored as a log-structured merge tree in one directory.
// This header and the ones it includes are all that code outside storage/
// may use.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lsmdb/iterator.h"
#include "lsmdb/options.h"
#include "lsmdb/status.h"
#include "lsmdb/write_batch.h"

namespace lsmdb {

// A pinned, read-only view of the DB as of one sequence number. Versions it
// can see are kept by compaction until it is released.
class Snapshot {
 public:
  virtual ~Snapshot() = default;
  virtual uint64_t sequence() const = 0;
};

// A DB is safe for concurrent use from many threads without external locking.
class DB {
 public:
  // Opens (or, with create_if_missing, creates) the DB in `dir`: reads the
  // manifest, replays the WAL, and starts the background threads. A torn
  // record at the WAL tail is dropped (it was never acknowledged); a bad record
  // before the tail is Corruption naming the file and offset unless
  // options.repair_wal. On error nothing is left open.
  static Result<std::unique_ptr<DB>> Open(const Options& options, std::string_view dir);

  DB(const DB&) = delete;
  DB& operator=(const DB&) = delete;
  // Waits for background work to stop, and syncs the WAL. Does not flush.
  virtual ~DB() = default;

  // Applies every update in `batch` atomically, in order, and returns once it
  // is durable as the sync mode (or options.sync) asks; concurrent writers
  // share one fsync. After a failed WAL write or fsync every later write
  // fails with the same error (the DB must be reopened).
  virtual Status Write(const WriteOptions& options, WriteBatch& batch) = 0;

  // Applies `batch` now (visible to readers when this returns) and calls
  // `on_durable` exactly once when it is durable as Write would wait for:
  // inline when nothing needs waiting, else from the engine's sync thread.
  // on_durable must not block. A non-OK return means nothing was applied and
  // on_durable is not called. The server's I/O threads use this so that they
  // never wait for an fsync.
  virtual Status WriteAsync(const WriteOptions& options, WriteBatch& batch,
                            std::function<void(Status)> on_durable) = 0;

  Status Put(const WriteOptions& options, std::string_view key, std::string_view value);
  // It is not an error if `key` did not exist.
  Status Delete(const WriteOptions& options, std::string_view key);

  // Looks up `key`. Returns true and fills *value if present, false if absent
  // (*value untouched). An error means the read itself failed (I/O, checksum).
  virtual Result<bool> Get(const ReadOptions& options, std::string_view key,
                           std::string* value) = 0;

  // Returns an unpositioned iterator over a consistent view (options.snapshot
  // or an implicit one taken now). It must be destroyed before the DB.
  virtual std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) = 0;

  using KeyValues = std::vector<std::pair<std::string, std::string>>;
  // Up to `limit` pairs (0 = no limit) whose key starts with `prefix`, in order.
  Result<KeyValues> ScanPrefix(const ReadOptions& options, std::string_view prefix, size_t limit);
  // Up to `limit` pairs (0 = no limit) with start <= key < end, in order; an
  // empty `end` means no upper bound.
  Result<KeyValues> ScanRange(const ReadOptions& options, std::string_view start,
                              std::string_view end, size_t limit);

  // Pins the current state. Release it with ReleaseSnapshot before the DB is
  // destroyed.
  virtual const Snapshot* GetSnapshot() = 0;
  virtual void ReleaseSnapshot(const Snapshot* snapshot) = 0;

  // Sequence number of the last applied write.
  virtual uint64_t LatestSequence() const = 0;

  // Replication feed. Every WAL record (one write group: the batches of one
  // or more writers, atomic together) is also kept in an in-memory backlog of
  // Options::replication_backlog_bytes. Copies into *batches the encoded
  // WriteBatches (WriteBatch::SetContents) that follow sequence `after` — the
  // last sequence the reader has applied, always a record boundary — up to
  // about max_bytes, oldest first. Returns false if the backlog no longer
  // reaches back to `after` (the reader needs a full copy: a Checkpoint).
  // Sequences may skip numbers (writes with disable_wal are not logged).
  virtual Result<bool> ReadUpdatesSince(uint64_t after, size_t max_bytes,
                                        std::vector<std::string>* batches) = 0;
  // Called (from the writing thread, without engine locks held) after each
  // WAL record is added to the backlog; it must not block. Replaces any
  // previous listener; null removes it.
  virtual void SetUpdateListener(std::function<void()> listener) = 0;

  // Hands every WAL record buffered so far to the OS (see
  // Options::manual_wal_flush); after it a process crash loses none of them.
  // Does not fsync. An error here is sticky, like a failed write.
  virtual Status FlushWal() = 0;

  // Writes the memtable (and any frozen ones) out as level-0 tables and waits.
  virtual Status Flush() = 0;

  // Compacts every key in [begin, end] (null = unbounded) down to the bottom
  // level it reaches, and waits. Deleted and filtered keys are dropped.
  virtual Status CompactRange(const std::string_view* begin, const std::string_view* end) = 0;

  // Makes an openable copy of the DB as of now in `dir` (which must not
  // exist): table files are hard-linked where the file system allows, the
  // manifest and live WAL are copied. Used for BGSAVE and replica full sync.
  virtual Status Checkpoint(std::string_view dir) = 0;

  // Figures for INFO. Names:
  //   "lsmdb.stats"                 human-readable multi-line summary
  //   "lsmdb.info"                  "name:value" lines for a Redis INFO section
  //   "lsmdb.num-files-at-level<N>" file count of level N
  //   "lsmdb.total-sst-bytes", "lsmdb.memtable-bytes", "lsmdb.block-cache-hits",
  //   "lsmdb.block-cache-misses", "lsmdb.compaction-bytes-read",
  //   "lsmdb.compaction-bytes-written", "lsmdb.flush-bytes-written",
  //   "lsmdb.user-bytes-written", "lsmdb.write-amplification",
  //   "lsmdb.stall-micros", "lsmdb.num-snapshots"
  // Returns false for an unknown name.
  virtual bool GetProperty(std::string_view name, std::string* value) = 0;

 protected:
  DB() = default;
};

// Deletes every file of the DB in `dir` and the directory itself.
Status DestroyDB(std::string_view dir);

}  // namespace lsmdb
