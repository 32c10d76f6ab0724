#pragma once

// DBImpl: the engine behind lsmdb::DB.
//
// Threads (each owned here, started by Open, joined by the destructor):
//  - callers' threads: Get/NewIterator read a pinned SuperVersion without
//    holding the mutex; writers queue in writers_ and the front one (the
//    leader) commits a whole group: one WAL append and memtable insert for
//    many batches, done with mutex_ released.
//  - sync thread: fdatasyncs the WAL for writers that need it (sync mode
//    always or WriteOptions::sync) and once a second in everysec mode. Writers
//    that arrive during an fsync share the next one (group commit); WriteAsync
//    callers are called back from here, so no caller thread ever waits on disk.
//  - flush thread: writes frozen memtables to level-0 tables.
//  - compaction thread: runs leveled compactions, one at a time.
//
// Rejected alternative: fsync in the leader (leveldb's way). It makes every
// waiting writer, including the server's I/O threads, sleep through the fsync.
//
// Lock order: manifest_mu_ (inside VersionSet) -> mutex_ -> wal_buf_mu_ -> sync_mu_;
// sv_mu_ is innermost (held only to copy or swap super_version_).
// compaction_mu_ serialises compactions (background and CompactRange) and is
// taken before mutex_. No lock but compaction_mu_/manifest_mu_ is held across
// file I/O; those two only ever block other compactions / version changes.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "lsmdb/db.h"
#include "storage/db/compaction.h"
#include "storage/db/version_set.h"
#include "storage/memtable/memtable.h"
#include "storage/sst/block_cache.h"
#include "storage/sst/table_cache.h"
#include "storage/wal/wal_writer.h"

namespace lsmdb::storage {

class DBImpl final : public DB {
 public:
  DBImpl(const Options& options, std::string dir);
  ~DBImpl() override;

  // Recovers the DB and starts the background threads.
  Status Open();

  Status Write(const WriteOptions& options, WriteBatch& batch) override;
  Status WriteAsync(const WriteOptions& options, WriteBatch& batch,
                    std::function<void(Status)> on_durable) override;
  Result<bool> Get(const ReadOptions& options, std::string_view key, std::string* value) override;
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) override;
  const Snapshot* GetSnapshot() override;
  void ReleaseSnapshot(const Snapshot* snapshot) override;
  uint64_t LatestSequence() const override { return versions_->last_sequence(); }
  Status Flush() override;
  Status FlushWal() override;
  Result<bool> ReadUpdatesSince(uint64_t after, size_t max_bytes,
                                std::vector<std::string>* batches) override;
  void SetUpdateListener(std::function<void()> listener) override;
  Status CompactRange(const std::string_view* begin, const std::string_view* end) override;
  Status Checkpoint(std::string_view dir) override;
  bool GetProperty(std::string_view name, std::string* value) override;

 private:
  struct Writer;
  struct ImmMem {
    std::shared_ptr<MemTable> mem;
    uint64_t log_number;  // the WAL holding its writes
  };
  // The newest table entry (in one Version) of recently read keys: Get's
  // shortcut past the table files for a hot key that is not in a memtable.
  // Table files never change, so an entry stays right for the life of the
  // SuperVersion holding the cache. Direct-mapped; small values only.
  class RowCache {
   public:
    // True if `user_key` is cached and its entry is visible at `seq`
    // (sequence <= seq; an absent key always is): *state and, for kFound,
    // *value are set.
    bool Lookup(std::string_view user_key, uint64_t seq, Version::GetState* state,
                std::string* value);
    // `entry_seq`: the sequence of the newest entry (0 for kNotFound).
    void Insert(std::string_view user_key, uint64_t entry_seq, Version::GetState state,
                std::string_view value);

   private:
    static constexpr size_t kSlots = 256;
    static constexpr size_t kMaxValueBytes = 256;
    struct Slot {
      bool used = false;
      Version::GetState state = Version::GetState::kNotFound;
      uint64_t seq = 0;
      std::string key;
      std::string value;
    };
    std::mutex mu_;
    Slot slots_[kSlots];
  };
  // What a reader pins: memtables and table files as of one moment.
  struct SuperVersion {
    std::shared_ptr<MemTable> mem;
    std::vector<std::shared_ptr<MemTable>> imm;  // newest first
    VersionRef version;
    mutable RowCache rows;  // of `version`'s tables; see Get
  };
  // REQUIRES: mutex_ held. The WAL file failed for lack of space (`s`).
  void MarkWalBroken(const Status& s);
  // REQUIRES: sync_mu_ held. Marks the unsynced bytes up to `target` lost.
  void RecordLostWal(uint64_t target, const Status& s);
  // REQUIRES: sync_mu_ held. The outcome for a writer whose record ends at
  // `target`: OK once synced, the loss status if its bytes were lost, else
  // the sticky sync error (OK while pending).
  Status SyncStatusFor(uint64_t target) const;

  struct SyncWaiter {
    uint64_t target;
    std::function<void(Status)> done;
  };

  Status WriteImpl(const WriteOptions& options, WriteBatch* batch,
                   std::function<void(Status)>* on_durable);
  WriteBatch* BuildBatchGroup(Writer** last_writer);  // REQUIRES: mutex_ held
  Status MakeRoomForWrite(std::unique_lock<std::mutex>& lock, bool force);
  Status SwitchMemTable();  // REQUIRES: mutex_ held, caller is the write leader
  // Continues the WAL in a new file after a write to it failed for lack of
  // space. REQUIRES: mutex_ held, caller is the write leader.
  Status ReopenWal();
  void InstallSuperVersion();  // REQUIRES: mutex_ held
  std::shared_ptr<const SuperVersion> PinSuperVersion(uint64_t* seq, const ReadOptions& ro);

  // Sync thread and its clients.
  void SyncLoop();
  Status WaitForSync(uint64_t target);
  void AddSyncWaiter(uint64_t target, std::function<void(Status)> done);

  void FlushLoop();
  void CompactionLoop();
  // Writes `mem` as level-0 tables into *edit. REQUIRES: mutex_ held via lock.
  Status WriteLevel0Table(const std::shared_ptr<MemTable>& mem, VersionEdit* edit,
                          std::unique_lock<std::mutex>& lock);
  // Runs one planned compaction. REQUIRES: compaction_mu_ held, mutex_ held via lock.
  Status RunPlan(const CompactionPlan& plan, std::unique_lock<std::mutex>& lock);
  void DeleteObsoleteFiles(std::unique_lock<std::mutex>& lock);
  // Drops the edit's new files from pending_outputs_. REQUIRES: mutex_ held.
  void ReleasePendingOutputs(const VersionEdit& edit);
  // A CompactionParams::new_file_number for a flush or compaction: each
  // number is held in pending_outputs_ (not deleted as obsolete while the
  // job runs) and appended to *numbers. Takes mutex_ itself.
  std::function<uint64_t()> PendingFileNumbers(std::vector<uint64_t>* numbers);
  void RecordBackgroundError(const Status& s);  // REQUIRES: mutex_ held
  uint64_t SmallestSnapshot() const;            // REQUIRES: mutex_ held
  Status RecoverWal(uint64_t number, VersionEdit* edit, uint64_t* max_sequence,
                    std::unique_lock<std::mutex>& lock);
  void Log(int level, const std::string& msg) const;
  TableOptions MakeTableOptions() const;

  const Options options_;
  const std::string dir_;
  std::unique_ptr<FileLock> file_lock_;
  std::unique_ptr<BlockCache> block_cache_;
  std::unique_ptr<TableCache> table_cache_;
  std::unique_ptr<VersionSet> versions_;

  std::mutex mutex_;
  std::condition_variable bg_cv_;  // signalled when flush/compaction state changes
  std::shared_ptr<MemTable> mem_;  // GUARDED_BY(mutex_)
  uint64_t mem_log_number_ = 0;    // GUARDED_BY(mutex_)
  std::deque<ImmMem> imm_;         // GUARDED_BY(mutex_), oldest first
  // Replaced under mutex_ AND sv_mu_; read under either. Readers (Get,
  // NewIterator) pin it under sv_mu_ alone, so they never wait for a write
  // leader's or a background thread's mutex_ critical section.
  std::shared_ptr<const SuperVersion> super_version_;
  std::mutex sv_mu_;  // innermost: nothing else is taken while it is held
  // The live WAL. Records are appended by the write leader and flushed to the
  // OS by the leader, FlushWal() or the sync thread, all under wal_buf_mu_
  // (held across at most one write(2) of <= 64 KiB, never across fsync).
  // The pointers change only in SwitchMemTable, under mutex_ and wal_buf_mu_.
  std::mutex wal_buf_mu_;
  std::shared_ptr<WritableFile> logfile_;
  std::unique_ptr<WalWriter> log_;
  std::deque<Writer*> writers_;  // GUARDED_BY(mutex_)
  WriteBatch group_batch_;       // used by the leader only
  Status bg_error_;              // GUARDED_BY(mutex_), sticky
  // Out-of-space failures are not sticky: the WAL continues in a new file
  // (wal_broken_) and flushes retry (space_error_ is the last such failure).
  bool wal_broken_ = false;             // GUARDED_BY(mutex_)
  Status wal_broken_status_;            // GUARDED_BY(mutex_), why
  Status space_error_;                  // GUARDED_BY(mutex_)
  std::multiset<uint64_t> snapshots_;   // GUARDED_BY(mutex_)
  std::set<uint64_t> pending_outputs_;  // GUARDED_BY(mutex_)
  int disable_deletions_ = 0;           // GUARDED_BY(mutex_)
  bool flush_running_ = false;          // GUARDED_BY(mutex_)
  // Set by the destructor; relaxed loads poll it in long loops.
  std::atomic<bool> shutting_down_{false};

  std::mutex compaction_mu_;

  // WAL durability accounting, in bytes appended since Open across all files.
  std::mutex sync_mu_;
  std::condition_variable sync_cv_;       // wakes the sync thread
  std::condition_variable sync_done_cv_;  // wakes blocked writers
  uint64_t wal_written_ = 0;              // GUARDED_BY(sync_mu_)
  uint64_t wal_synced_ = 0;               // GUARDED_BY(sync_mu_)
  uint64_t wal_sync_wanted_ = 0;          // GUARDED_BY(sync_mu_)
  Status sync_error_;                     // GUARDED_BY(sync_mu_), sticky
  // WAL bytes (from, upto] whose sync failed for lack of space: not sticky,
  // wal_synced_ moves past them, but a waiter on them gets `status`. The last
  // few ranges are kept for writers that register just after the failure.
  struct LostWal {
    uint64_t from;
    uint64_t upto;
    Status status;
  };
  static constexpr size_t kMaxLostWalRanges = 16;
  std::deque<LostWal> lost_wal_;                             // GUARDED_BY(sync_mu_)
  std::shared_ptr<WritableFile> sync_file_;                  // GUARDED_BY(sync_mu_)
  std::vector<std::shared_ptr<WritableFile>> retired_logs_;  // GUARDED_BY(sync_mu_)
  std::vector<SyncWaiter> sync_waiters_;                     // GUARDED_BY(sync_mu_)
  bool sync_stop_ = false;                                   // GUARDED_BY(sync_mu_)
  // Set once a WAL fsync failed, so the write path (which holds mutex_, not
  // sync_mu_) notices without taking sync_mu_ on every group.
  std::atomic<bool> sync_failed_{false};

  // Replication backlog: WAL records in sequence order, bounded in bytes.
  // backlog_start_ is the last sequence before the oldest record kept, so a
  // reader that has applied up to backlog_start_ or later can continue.
  // A record's bytes are stored back to back in backlog_chunks_, so keeping
  // one costs a memcpy instead of an allocation per write group; `chunk` is an
  // absolute chunk number (backlog_chunks_[chunk - backlog_first_chunk_]).
  // A chunk is dropped once no record kept points into it; the last dropped
  // one is kept as backlog_spare_ and reused, so its pages stay resident
  // (a fresh 1 MiB chunk page-faulted on every write: ~4% of a write's CPU).
  struct BacklogRecord {
    uint64_t last_sequence;
    uint64_t chunk;
    size_t offset;
    size_t size;
  };
  std::mutex backlog_mu_;
  std::deque<BacklogRecord> backlog_;                       // GUARDED_BY(backlog_mu_)
  std::deque<std::string> backlog_chunks_;                  // GUARDED_BY(backlog_mu_)
  std::string backlog_spare_;                               // GUARDED_BY(backlog_mu_)
  uint64_t backlog_first_chunk_ = 0;                        // GUARDED_BY(backlog_mu_)
  size_t backlog_bytes_ = 0;                                // GUARDED_BY(backlog_mu_)
  uint64_t backlog_start_ = 0;                              // GUARDED_BY(backlog_mu_)
  std::shared_ptr<std::function<void()>> update_listener_;  // GUARDED_BY(backlog_mu_)
  void AppendToBacklog(const WriteBatch& group);

  std::thread sync_thread_;
  std::thread flush_thread_;
  std::thread compaction_thread_;

  // Figures for GetProperty; relaxed atomics, read approximately.
  std::atomic<uint64_t> user_bytes_written_{0};
  std::atomic<uint64_t> flush_bytes_written_{0};
  std::atomic<uint64_t> compaction_bytes_read_{0};
  std::atomic<uint64_t> compaction_bytes_written_{0};
  std::atomic<uint64_t> compactions_{0};
  std::atomic<uint64_t> flushes_{0};
  std::atomic<uint64_t> stall_micros_{0};
  std::atomic<uint64_t> wal_syncs_{0};
};

}  // namespace lsmdb::storage
