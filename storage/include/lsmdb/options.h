#pragma once

// Options for opening a DB, reading and writing. Defaults follow RocksDB's
// db_bench where a figure is shared, so benchmarks compare like with like.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace lsmdb {

class Snapshot;

enum class Compression : unsigned char { kNone = 0, kLz4 = 1 };

// When an acknowledged write reaches stable storage.
enum class SyncMode : unsigned char {
  kAlways,    // fsync before the write is acknowledged; concurrent writers share one fsync
  kEverySec,  // written to the OS at once, fsync'd by a background thread once a second
  kNone,      // written to the OS at once, fsync left to the OS
};

// A hook run by compaction on every key it rewrites (the server drops expired
// and stale-version keys with it). Called from background threads, possibly
// concurrently: implementations must be thread-safe.
class CompactionFilter {
 public:
  enum class Decision { kKeep, kRemove };
  virtual ~CompactionFilter() = default;
  // Called only for the newest version of `key` in the compaction, and only
  // when no live snapshot can still see an older state of that key. kRemove
  // turns the entry into a deletion (dropped outright at the bottom level),
  // so older versions below never reappear.
  virtual Decision Filter(int level, std::string_view key, std::string_view value) const = 0;
};

struct Options {
  bool create_if_missing = true;
  bool error_if_exists = false;
  // Open even when the WAL has a bad record in the middle: keep what comes
  // before it and log the loss. Off by default: such a DB refuses to open.
  bool repair_wal = false;

  SyncMode sync_mode = SyncMode::kEverySec;
  // When false, each write group's WAL record is handed to the OS (write(2))
  // before the write returns, so a process crash loses nothing acknowledged.
  // When true, records collect in a user-space buffer until DB::FlushWal(), a
  // sync, or 64 KiB: a server calls FlushWal() once per pipeline of commands,
  // before it sends their replies, and saves a system call per write.
  bool manual_wal_flush = false;

  // Memtable size at which it is frozen and flushed to a level-0 table.
  size_t write_buffer_size = 64 << 20;
  // Frozen memtables allowed to wait for flush before writers stall.
  int max_immutable_memtables = 2;

  // SSTable layout.
  size_t block_size = 4096;
  int block_restart_interval = 16;
  Compression compression = Compression::kLz4;
  int bloom_bits_per_key = 10;  // 0 disables the filter
  size_t block_cache_bytes = 8 << 20;
  int max_open_files = 1000;
  size_t target_file_size = 64 << 20;

  // Leveled compaction.
  int num_levels = 7;
  int level0_compaction_trigger = 4;
  int level0_slowdown_trigger = 20;  // each write is delayed 1 ms
  int level0_stop_trigger = 36;      // writes wait for compaction
  uint64_t max_bytes_for_level_base = 256ull << 20;  // target size of level 1
  int max_bytes_for_level_multiplier = 10;
  int max_background_jobs = 2;  // flush + compaction threads

  // Bytes of recent WAL records kept in memory for replication (the
  // backlog ReadUpdatesSince serves from). 0 disables the backlog.
  size_t replication_backlog_bytes = 0;

  // Not owned; must outlive the DB. May be null.
  const CompactionFilter* compaction_filter = nullptr;

  // Receives the engine's log lines (recovery reports, background errors,
  // flush and compaction summaries); level 0 = warning, 1 = notice, 2 = debug.
  // Called from any thread. Null: warnings go to stderr, the rest is dropped.
  std::function<void(int level, std::string_view message)> info_log;
};

struct ReadOptions {
  // Read the DB as of this snapshot; null means "now".
  const Snapshot* snapshot = nullptr;
  // Iterators only: keys outside [lower_bound, upper_bound) are never
  // returned, and table files wholly outside the range are not opened, which
  // makes short range scans (a collection's elements) cheap.
  std::optional<std::string> lower_bound;
  std::optional<std::string> upper_bound;
  bool verify_checksums = true;
  bool fill_cache = true;
};

struct WriteOptions {
  // Fsync before returning whatever the DB's sync_mode says (db_bench --sync).
  bool sync = false;
  // Skip the WAL (the write is lost by a crash before the next flush).
  bool disable_wal = false;
  // Append the batch to the WAL (and so to the replication stream) without
  // applying it to the memtable. Used with disable_wal writes of the same
  // updates to make a multi-step transaction durable as one record: the
  // steps are applied (visible, memtable only), then the whole is logged once.
  // Recovery replays the record, so after a crash the transaction is either
  // entirely there or entirely absent.
  bool wal_only = false;
};

}  // namespace lsmdb
