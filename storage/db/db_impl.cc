// DBImpl, part 1: open and recovery, the write path (group commit, memtable
// switch, WAL reopen) and the public DB shims. The other parts:
// db_impl_sync.cc (WAL sync thread, replication backlog), db_impl_read.cc
// (Get, iterators, snapshots), db_impl_background.cc (flush, compaction,
// obsolete files), db_impl_admin.cc (checkpoint, properties).

#include "storage/db/db_impl.h"

#include <fmt/format.h>
#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "storage/db/db_impl_internal.h"
#include "storage/db/dbformat.h"
#include "storage/wal/wal_reader.h"

namespace lsmdb::storage {
namespace {

using internal::Clock;
using internal::IsNoSpace;
using internal::MicrosSince;

// Names the calling thread (top -H, perf and /proc show it). Best effort.
void SetThreadRole(const char* name) { pthread_setname_np(pthread_self(), name); }

// Largest group the write leader assembles (bounded so a small write does not
// wait behind a huge group).
constexpr size_t kMaxGroupBytes = 1 << 20;

// Applies a batch's records to a memtable with consecutive sequence numbers.
class MemTableInserter final : public WriteBatch::Handler {
 public:
  MemTableInserter(uint64_t seq, MemTable* mem) : seq_(seq), mem_(mem) {}
  void Put(std::string_view key, std::string_view value) override {
    mem_->Add(seq_++, kTypeValue, key, value);
  }
  void Delete(std::string_view key) override { mem_->Add(seq_++, kTypeDeletion, key, {}); }

 private:
  uint64_t seq_;
  MemTable* mem_;
};

Status InsertInto(const WriteBatch& batch, MemTable* mem) {
  MemTableInserter inserter(batch.Sequence(), mem);
  return batch.Iterate(inserter);
}

}  // namespace

struct DBImpl::Writer {
  Writer(WriteBatch* b, bool s, bool no_wal, bool only_wal)
      : batch(b), sync(s), disable_wal(no_wal), wal_only(only_wal) {}
  WriteBatch* batch;  // null: a request to switch the memtable (Flush)
  bool sync;
  bool disable_wal;
  bool wal_only;
  bool done = false;
  Status status;
  uint64_t sync_target = 0;
  std::condition_variable cv;
  // Set (after done or becoming the front) right before cv is notified, for
  // the follower's lock-free spin (SpinUntilSignaled).
  std::atomic<bool> signaled{false};
};

namespace {

// Spins up to about kFollowerSpin for the leader to signal w, before the
// caller re-takes the mutex and sleeps on the condition variable. A leader
// commits a group of small batches in a microsecond or two, much less than a
// futex sleep plus wake-up (and the context switches) costs a follower.
constexpr auto kFollowerSpin = std::chrono::microseconds(2);

void SpinUntilSignaled(const std::atomic<bool>& signaled) {
  const auto deadline = Clock::now() + kFollowerSpin;
  while (!signaled.load(std::memory_order_acquire)) {
    for (int i = 0; i < 8; i++) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    if (Clock::now() >= deadline) return;
  }
}

}  // namespace

DBImpl::DBImpl(const Options& options, std::string dir)
    : options_(options),
      dir_(std::move(dir)),
      block_cache_(std::make_unique<BlockCache>(std::max<size_t>(options.block_cache_bytes, 1))),
      table_cache_(std::make_unique<TableCache>(dir_, std::max(options.max_open_files - 10, 64),
                                                block_cache_.get())),
      versions_(std::make_unique<VersionSet>(dir_, options_, table_cache_.get())) {}

void DBImpl::Log(int level, const std::string& msg) const {
  if (options_.info_log) {
    options_.info_log(level, msg);
  } else if (level == 0) {
    fmt::print(stderr, "lsmdb: {}\n", msg);
  }
}

TableOptions DBImpl::MakeTableOptions() const {
  TableOptions t;
  t.block_size = options_.block_size;
  t.restart_interval = options_.block_restart_interval;
  t.compression = options_.compression;
  t.bloom_bits_per_key = options_.bloom_bits_per_key;
  return t;
}

// ------------------------------------------------------------------ Open

Status DBImpl::Open() {
  LSMDB_RETURN_IF_ERROR(CreateDirIfMissing(dir_));
  LSMDB_ASSIGN_OR_RETURN(file_lock_, FileLock::Acquire(dir_ + "/LOCK"));
  std::unique_lock<std::mutex> lock(mutex_);
  if (!FileExists(CurrentFileName(dir_))) {
    if (!options_.create_if_missing) {
      return Status::InvalidArgument(
          fmt::format("{}: no DB here (create_if_missing is off)", dir_));
    }
    LSMDB_RETURN_IF_ERROR(versions_->CreateNew());
  } else if (options_.error_if_exists) {
    return Status::InvalidArgument(fmt::format("{}: a DB exists already", dir_));
  }
  LSMDB_RETURN_IF_ERROR(versions_->Recover());

  // Replay every WAL the manifest does not cover, oldest first.
  LSMDB_ASSIGN_OR_RETURN(auto names, ListDir(dir_));
  std::vector<uint64_t> logs;
  for (const auto& name : names) {
    uint64_t number;
    FileType type = ParseFileName(name, &number);
    if (type == FileType::kWal || type == FileType::kTable || type == FileType::kManifest) {
      versions_->MarkFileNumberUsed(number);
    }
    if (type == FileType::kWal && number >= versions_->log_number()) logs.push_back(number);
  }
  std::sort(logs.begin(), logs.end());
  VersionEdit edit;
  uint64_t max_sequence = versions_->last_sequence();
  for (uint64_t number : logs) {
    LSMDB_RETURN_IF_ERROR(RecoverWal(number, &edit, &max_sequence, lock));
  }
  versions_->SetLastSequence(max_sequence);

  // A fresh WAL for new writes; the manifest now points past the old ones.
  uint64_t log_number = versions_->NewFileNumber();
  LSMDB_ASSIGN_OR_RETURN(auto file, WritableFile::Open(WalFileName(dir_, log_number)));
  logfile_ = std::move(file);
  log_ = std::make_unique<WalWriter>(logfile_.get());
  mem_ = std::make_shared<MemTable>();
  mem_log_number_ = log_number;
  edit.SetLogNumber(log_number);
  Status applied = versions_->LogAndApply(&edit, lock);
  ReleasePendingOutputs(edit);
  LSMDB_RETURN_IF_ERROR(applied);
  {
    std::lock_guard<std::mutex> sync_lock(sync_mu_);
    sync_file_ = logfile_;
  }
  InstallSuperVersion();
  DeleteObsoleteFiles(lock);
  {
    std::lock_guard<std::mutex> backlog_lock(backlog_mu_);
    backlog_start_ = versions_->last_sequence();
  }
  lock.unlock();

  // Thread roles (names as `top -H` shows them): lsm-sync fsyncs the WAL and
  // fires WriteAsync callbacks; lsm-flush writes immutable memtables to level
  // 0; lsm-compact runs leveled compactions.
  sync_thread_ = std::thread([this] {
    SetThreadRole("lsm-sync");
    SyncLoop();
  });
  flush_thread_ = std::thread([this] {
    SetThreadRole("lsm-flush");
    FlushLoop();
  });
  compaction_thread_ = std::thread([this] {
    SetThreadRole("lsm-compact");
    CompactionLoop();
  });
  lock.lock();
  bg_cv_.notify_all();
  return Status::OK();
}

Status DBImpl::RecoverWal(uint64_t number, VersionEdit* edit, uint64_t* max_sequence,
                          std::unique_lock<std::mutex>& lock) {
  std::string path = WalFileName(dir_, number);
  LSMDB_ASSIGN_OR_RETURN(auto reader, WalReader::Open(path, options_.repair_wal));
  auto mem = std::make_shared<MemTable>();
  std::string record;
  WriteBatch batch;
  uint64_t records = 0;
  while (true) {
    LSMDB_ASSIGN_OR_RETURN(bool more, reader->ReadRecord(&record));
    if (!more) break;
    Status s = batch.SetContents(record);
    if (s.ok()) s = InsertInto(batch, mem.get());
    if (!s.ok()) {
      return Status::Corruption(fmt::format("{}: record at offset {}: {}", path,
                                            reader->LastRecordOffset(), s.message()));
    }
    records++;
    if (batch.Count() > 0) {
      *max_sequence = std::max(*max_sequence, batch.Sequence() + batch.Count() - 1);
    }
    if (mem->ApproximateMemoryUsage() > options_.write_buffer_size) {
      LSMDB_RETURN_IF_ERROR(WriteLevel0Table(mem, edit, lock));
      mem = std::make_shared<MemTable>();
    }
  }
  if (reader->DroppedBytes() > 0) {
    // With repair_wal, damage in the middle is skipped too: say how much.
    std::string tail = reader->TailReport();
    Log(0, tail.empty()
               ? fmt::format("{}: repair dropped {} bytes of damaged records", path,
                             reader->DroppedBytes())
               : fmt::format("{} ({} bytes dropped in all)", tail, reader->DroppedBytes()));
  }
  Log(1, fmt::format("recovered {} write batches from {}", records, path));
  if (!mem->Empty()) LSMDB_RETURN_IF_ERROR(WriteLevel0Table(mem, edit, lock));
  return Status::OK();
}

DBImpl::~DBImpl() {
  shutting_down_.store(true, std::memory_order_release);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    bg_cv_.notify_all();
  }
  {
    std::lock_guard<std::mutex> lock(sync_mu_);
    sync_stop_ = true;
    sync_cv_.notify_all();
  }
  if (flush_thread_.joinable()) flush_thread_.join();
  if (compaction_thread_.joinable()) compaction_thread_.join();
  if (sync_thread_.joinable()) sync_thread_.join();
}

// ------------------------------------------------------------------ writes

Status DBImpl::Write(const WriteOptions& options, WriteBatch& batch) {
  return WriteImpl(options, &batch, nullptr);
}

Status DBImpl::WriteAsync(const WriteOptions& options, WriteBatch& batch,
                          std::function<void(Status)> on_durable) {
  return WriteImpl(options, &batch, &on_durable);
}

Status DBImpl::WriteImpl(const WriteOptions& options, WriteBatch* batch,
                         std::function<void(Status)>* on_durable) {
  bool need_sync = options.sync || options_.sync_mode == SyncMode::kAlways;
  if (options.disable_wal && options.wal_only) {
    return Status::InvalidArgument("disable_wal and wal_only together write nothing");
  }
  Writer w(batch, need_sync, options.disable_wal, options.wal_only);
  std::unique_lock<std::mutex> lock(mutex_);
  writers_.push_back(&w);
  if (&w != writers_.front()) {
    lock.unlock();
    SpinUntilSignaled(w.signaled);
    lock.lock();  // done and the queue are read under mutex_, as ever
  }
  while (!w.done && &w != writers_.front()) w.cv.wait(lock);
  if (!w.done) {
    // This writer leads: commit a group.
    Status s = MakeRoomForWrite(lock, batch == nullptr);
    Writer* last_writer = &w;
    uint64_t target = 0;
    if (s.ok() && batch != nullptr) {
      WriteBatch* group = BuildBatchGroup(&last_writer);
      uint64_t last_seq = versions_->last_sequence();
      group->SetSequence(last_seq + 1);
      last_seq += group->Count();
      std::shared_ptr<MemTable> mem = mem_;
      uint64_t before = logfile_->Size();
      lock.unlock();
      // Only the leader touches log_ and the memtable's writer side.
      if (!w.disable_wal) {
        std::lock_guard<std::mutex> wal_lock(wal_buf_mu_);
        s = log_->AddRecord(group->Contents());
        if (s.ok() && !options_.manual_wal_flush) s = logfile_->Flush();
      }
      if (s.ok() && !w.wal_only) s = InsertInto(*group, mem.get());
      if (s.ok() && !w.disable_wal && options_.replication_backlog_bytes > 0) {
        AppendToBacklog(*group);
      }
      uint64_t appended = logfile_->Size() - before;
      user_bytes_written_.fetch_add(group->ApproximateSize(), std::memory_order_relaxed);
      lock.lock();
      if (s.ok()) {
        versions_->SetLastSequence(last_seq);
      } else if (IsNoSpace(s)) {
        // The WAL may end in a torn record now: continue in a fresh file once
        // there is space (ReopenWal); the group was not applied.
        MarkWalBroken(s);
      } else {
        RecordBackgroundError(s);  // the WAL may or may not hold the group now
      }
      if (group == &group_batch_) group_batch_.Clear();
      std::lock_guard<std::mutex> sync_lock(sync_mu_);
      wal_written_ += appended;
      target = wal_written_;
    }
    while (true) {
      Writer* ready = writers_.front();
      writers_.pop_front();
      ready->status = s;
      ready->sync_target = target;
      if (ready != &w) {
        ready->done = true;
        ready->signaled.store(true, std::memory_order_release);
        ready->cv.notify_one();
      }
      if (ready == last_writer) break;
    }
    if (!writers_.empty()) {
      writers_.front()->signaled.store(true, std::memory_order_release);
      writers_.front()->cv.notify_one();
    }
  }
  lock.unlock();

  Status s = w.status;
  if (!s.ok() || batch == nullptr) return s;
  bool wait = need_sync && !options.disable_wal;
  if (on_durable != nullptr) {
    if (wait) {
      AddSyncWaiter(w.sync_target, std::move(*on_durable));
    } else {
      (*on_durable)(Status::OK());
    }
    return Status::OK();
  }
  return wait ? WaitForSync(w.sync_target) : Status::OK();
}

WriteBatch* DBImpl::BuildBatchGroup(Writer** last_writer) {
  Writer* first = writers_.front();
  WriteBatch* result = first->batch;
  size_t size = first->batch->ApproximateSize();
  size_t max_size = size <= (128 << 10) ? size + (128 << 10) : kMaxGroupBytes;
  for (auto it = writers_.begin() + 1; it != writers_.end(); ++it) {
    Writer* w = *it;
    // A null batch (flush request) or a different WAL choice ends the group.
    if (w->batch == nullptr || w->disable_wal != first->disable_wal ||
        w->wal_only != first->wal_only) {
      break;
    }
    size += w->batch->ApproximateSize();
    if (size > max_size) break;
    if (result == first->batch) {
      group_batch_.Clear();
      group_batch_.Append(*first->batch);
      result = &group_batch_;
    }
    result->Append(*w->batch);
    *last_writer = w;
  }
  return result;
}

Status DBImpl::MakeRoomForWrite(std::unique_lock<std::mutex>& lock, bool force) {
  bool allow_delay = !force;
  while (true) {
    if (sync_failed_.load(std::memory_order_acquire) && bg_error_.ok()) {
      std::lock_guard<std::mutex> sync_lock(sync_mu_);
      RecordBackgroundError(sync_error_);
    }
    if (!bg_error_.ok()) return bg_error_;
    if (wal_broken_) LSMDB_RETURN_IF_ERROR(ReopenWal());
    int l0 = super_version_->version->NumFiles(0);
    if (allow_delay && l0 >= options_.level0_slowdown_trigger) {
      // Slow each writer by 1 ms rather than stopping all of them later.
      lock.unlock();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      stall_micros_.fetch_add(1000, std::memory_order_relaxed);
      allow_delay = false;
      lock.lock();
      continue;
    }
    if (!force && mem_->ApproximateMemoryUsage() < options_.write_buffer_size) return Status::OK();
    if (force && mem_->Empty()) return Status::OK();
    if (static_cast<int>(imm_.size()) >= std::max(1, options_.max_immutable_memtables) ||
        l0 >= options_.level0_stop_trigger) {
      // Flushes fail for lack of space: fail the write rather than wait.
      if (!space_error_.ok()) return space_error_;
      auto start = Clock::now();
      bg_cv_.wait_for(lock, std::chrono::milliseconds(100));
      stall_micros_.fetch_add(MicrosSince(start), std::memory_order_relaxed);
      if (shutting_down_.load(std::memory_order_acquire)) return Status::Shutdown("DB closing");
      continue;
    }
    return SwitchMemTable();
  }
}

Status DBImpl::SwitchMemTable() {
  uint64_t number = versions_->NewFileNumber();
  auto opened = WritableFile::Open(WalFileName(dir_, number));
  if (!opened.ok()) {
    RecordBackgroundError(opened.status());
    return opened.status();
  }
  std::shared_ptr<WritableFile> file = std::move(opened).value();
  {
    std::lock_guard<std::mutex> wal_lock(wal_buf_mu_);
    Status flushed = logfile_->Flush();
    if (!flushed.ok()) {
      RecordBackgroundError(flushed);
      return flushed;
    }
    logfile_ = file;
    log_ = std::make_unique<WalWriter>(logfile_.get());
  }
  {
    // The old WAL is handed to the sync thread, which syncs it with the next
    // round before anyone waiting on bytes in it is released.
    std::lock_guard<std::mutex> sync_lock(sync_mu_);
    retired_logs_.push_back(sync_file_);
    sync_file_ = file;
  }
  imm_.push_back({mem_, mem_log_number_});
  mem_ = std::make_shared<MemTable>();
  mem_log_number_ = number;
  InstallSuperVersion();
  bg_cv_.notify_all();
  return Status::OK();
}

Status DBImpl::ReopenWal() {
  uint64_t number = versions_->NewFileNumber();
  auto opened = WritableFile::Open(WalFileName(dir_, number));
  if (!opened.ok()) return opened.status();
  std::shared_ptr<WritableFile> file = std::move(opened).value();
  {
    std::lock_guard<std::mutex> wal_lock(wal_buf_mu_);
    logfile_ = file;
    log_ = std::make_unique<WalWriter>(logfile_.get());
  }
  {
    // The broken file is dropped, not synced: nothing in it (nor anything not
    // yet synced before it) is acknowledged as durable. Writers waiting on
    // those bytes get the out-of-space error; later ones wait on the new file.
    std::lock_guard<std::mutex> sync_lock(sync_mu_);
    sync_file_ = file;
    RecordLostWal(wal_written_, wal_broken_status_);
  }
  // The memtable now spans two WAL files; both are numbered below the next
  // memtable's, so both are kept until it is flushed and replayed in order.
  wal_broken_ = false;
  wal_broken_status_ = Status::OK();
  Log(0, fmt::format("WAL continues in {} after running out of space", WalFileName(dir_, number)));
  return Status::OK();
}

void DBImpl::MarkWalBroken(const Status& s) {
  if (!wal_broken_) wal_broken_status_ = s;
  wal_broken_ = true;
}

void DBImpl::RecordBackgroundError(const Status& s) {
  if (bg_error_.ok()) {
    bg_error_ = s;
    Log(0, fmt::format("background error, writes now fail: {}", s.ToString()));
    bg_cv_.notify_all();
  }
}

}  // namespace lsmdb::storage

// ------------------------------------------------------------------ public shims

namespace lsmdb {

Result<std::unique_ptr<DB>> DB::Open(const Options& options, std::string_view dir) {
  auto db = std::make_unique<storage::DBImpl>(options, std::string(dir));
  LSMDB_RETURN_IF_ERROR(db->Open());
  return std::unique_ptr<DB>(std::move(db));
}

Status DB::Put(const WriteOptions& options, std::string_view key, std::string_view value) {
  WriteBatch batch;
  batch.Put(key, value);
  return Write(options, batch);
}

Status DB::Delete(const WriteOptions& options, std::string_view key) {
  WriteBatch batch;
  batch.Delete(key);
  return Write(options, batch);
}

Result<DB::KeyValues> DB::ScanPrefix(const ReadOptions& options, std::string_view prefix,
                                     size_t limit) {
  KeyValues out;
  auto it = NewIterator(options);
  for (it->Seek(prefix); it->Valid() && it->key().substr(0, prefix.size()) == prefix; it->Next()) {
    out.emplace_back(it->key(), it->value());
    if (limit != 0 && out.size() >= limit) break;
  }
  LSMDB_RETURN_IF_ERROR(it->status());
  return out;
}

Result<DB::KeyValues> DB::ScanRange(const ReadOptions& options, std::string_view start,
                                    std::string_view end, size_t limit) {
  KeyValues out;
  auto it = NewIterator(options);
  for (it->Seek(start); it->Valid() && (end.empty() || it->key() < end); it->Next()) {
    out.emplace_back(it->key(), it->value());
    if (limit != 0 && out.size() >= limit) break;
  }
  LSMDB_RETURN_IF_ERROR(it->status());
  return out;
}

Status DestroyDB(std::string_view dir) {
  std::string d(dir);
  if (!storage::FileExists(d)) return Status::OK();
  return storage::RemoveDirRecursive(d);
}

}  // namespace lsmdb
